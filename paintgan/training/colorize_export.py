"""ONNX export + parity check + manifest for the colorization network.

Uses :mod:`paintgan.training.export` (shared helpers) when it provides ``export_onnx``, ``check_parity``
and ``write_manifest``; otherwise falls back to a local implementation with the same manifest schema.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from paintgan.inference.colorize.color import AB_GRID, AB_RANGE, AB_SCALE, L_SCALE, ab_bin_centers

from .colorizer import INPUT_NAMES, OUTPUT_NAMES, count_flops, example_inputs

DYNAMIC_AXES = {
    "image": {2: "H", 3: "W"},
    "hint": {2: "H", 3: "W"},
    "mask": {2: "H", 3: "W"},
    "color": {2: "H", 3: "W"},
    "dist": {2: "H4", 3: "W4"},
}
PARITY_ATOL = 1e-3


def io_spec(q: int) -> tuple[list[dict], list[dict]]:
    inputs = [
        {"name": "image", "dtype": "float32", "shape": [1, 1, "H", "W"]},
        {"name": "hint", "dtype": "float32", "shape": [1, 3, "H", "W"]},
        {"name": "mask", "dtype": "float32", "shape": [1, 1, "H", "W"]},
        {"name": "mode", "dtype": "float32", "shape": [1, 1]},
        {"name": "palette", "dtype": "float32", "shape": [1, q]},
    ]
    outputs = [
        {"name": "color", "dtype": "float32", "shape": [1, 3, "H", "W"]},
        {"name": "dist", "dtype": "float32", "shape": [1, q, "H4", "W4"]},
    ]
    return inputs, outputs


def preprocessing(q: int) -> dict:
    return {
        "color_space": "CIE Lab, OpenCV float convention (sRGB [0,1], D65; L 0..100), "
        "paintgan.inference.colorize.color.rgb_to_lab",
        "lab_normalisation": {
            "L_scale": L_SCALE,
            "ab_scale": AB_SCALE,
            "net": "(L/L_scale, a/ab_scale, b/ab_scale)",
        },
        "image": {
            "gray": "L/100 of the input picture (mode 0); output L is replaced by the input L",
            "lineart": "float gray in [0,1], 1 = paper, 0 = ink (mode 1), see lineart.prepare_lineart_input",
        },
        "mode": {"gray": 0.0, "lineart": 1.0},
        "hint": "normalised Lab of the hint colour inside each hint, 0 elsewhere; mask = 1 inside hints. "
        "Point hint of radius r = square [x-r, x+r]^2 (trained with r 0..4); stroke = polyline of its width",
        "palette": "ab-bin histogram of palette colours, equal weights summing to 1, zeros = no palette "
        "(color.palette_histogram)",
        "ab_bins": {"grid": AB_GRID, "range": AB_RANGE, "count": q, "centers": ab_bin_centers().tolist()},
        "dist_stride": 4,
        "size_multiple": 16,
        "working_size": 256,
        "output_color": "normalised Lab (clip L to [0,1]); color.net_to_rgb converts to sRGB",
    }


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _torch_export(model: torch.nn.Module, inputs: dict[str, torch.Tensor], path: Path) -> None:
    torch.onnx.export(
        model,
        tuple(inputs.values()),
        str(path),
        input_names=INPUT_NAMES,
        output_names=OUTPUT_NAMES,
        dynamic_axes=DYNAMIC_AXES,
        opset_version=17,
        dynamo=False,
        do_constant_folding=True,
    )


def parity(model: torch.nn.Module, path: Path, sizes=((256, 256), (192, 320))) -> float:
    """Max abs difference torch vs ONNX Runtime over a few input sizes (raises if > PARITY_ATOL)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    worst = 0.0
    for i, (h, w) in enumerate(sizes):
        ex = _parity_inputs(model.num_bins, h, w, i)
        with torch.no_grad():
            ref = [t.numpy() for t in model(*ex.values())]
        got = sess.run(OUTPUT_NAMES, {k: v.numpy() for k, v in ex.items()})
        for r, g in zip(ref, got):
            if r.shape != g.shape:
                raise AssertionError(f"shape mismatch {r.shape} vs {g.shape} at {h}x{w}")
            worst = max(worst, float(np.abs(r - g).max()))
    if worst > PARITY_ATOL:
        raise AssertionError(f"ONNX parity failed: max abs diff {worst} > {PARITY_ATOL}")
    return worst


PARITY_SIZES = ((256, 256), (192, 320))
STANDARD_INPUTS = {"H": 256, "W": 256, "H4": 64, "W4": 64}


def export_colorizer(
    model: torch.nn.Module,
    out_dir: Path,
    step: int = 0,
    train_args: dict | None = None,
    version: str = "1.0.0",
    evaluation: dict | None = None,
    description: str | None = None,
) -> dict:
    """Export ``model`` to ``out_dir/model.onnx`` (dynamic H/W), check parity against torch at two sizes
    (max abs diff <= 1e-3) and write ``out_dir/manifest.json``."""
    model = model.eval().cpu()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    q = model.num_bins
    ex = example_inputs(256, 256, q)
    shared = _shared_helpers()
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td) / "model.onnx"
        if shared is not None:
            shared.export_onnx(model, ex, tmp, output_names=OUTPUT_NAMES, dynamic_axes=DYNAMIC_AXES)
            diff = 0.0
            for i, (h, w) in enumerate(PARITY_SIZES):
                diff = max(
                    diff, shared.check_parity(model, tmp, _parity_inputs(q, h, w, i), atol=PARITY_ATOL)
                )
        else:
            _torch_export(model, ex, tmp)
            diff = parity(model, tmp)
        final = out_dir / "model.onnx"
        shutil.copyfile(tmp, final)
    size_mb = final.stat().st_size / 1e6
    ta = train_args or {}
    cmd = (
        "python -m paintgan.training.data prepare --src /usr/share/openclipart/png "
        "--out /work/data/openclipart --size 256 --workers 2 && "
        "python -m paintgan.training.colorizer train --data /work/data/openclipart "
        f"--out runs/colorize --steps {ta.get('steps', '?')} --batch {ta.get('batch', '?')} "
        f"--size {ta.get('size', '?')} --threads {ta.get('threads', '?')} && "
        f"python -m paintgan.training.colorizer export --ckpt runs/colorize/last.pt --out {out_dir}"
    )
    stats = {
        "training_steps": step,
        "gflops_256": round(count_flops(model, 256, 256) / 1e9, 3),
        "params": int(sum(p.numel() for p in model.parameters())),
        "onnx_mb": round(size_mb, 2),
        "parity_max_abs_diff": diff,
    }
    fields = {
        "description": description
        or "Interactive user-guided colorization (line art or grayscale + sparse colour hints + optional "
        "palette), U-Net after Zhang et al. 2017, with a colour-distribution head for suggested colours.",
        "preprocessing": preprocessing(q),
        "license": "MIT (weights), trained on public-domain openclipart",
        "data_source": "Debian openclipart-png (/usr/share/openclipart/png, public domain), "
        "prepared with paintgan.training.data",
        "training_command": cmd,
        "evaluation": {**(evaluation or {}), "model": stats},
        "standard_inputs": dict(STANDARD_INPUTS),
    }
    if shared is not None:
        shared.write_manifest(out_dir, "colorize", "colorize", version, files=["model.onnx"], **fields)
    else:
        inputs, outputs = io_spec(q)
        manifest = {
            "format": 1,
            "name": "colorize",
            "task": "colorize",
            "version": version,
            "description": fields.pop("description"),
            "files": [
                {
                    "path": "model.onnx",
                    "sha256": _sha256(final),
                    "role": "model",
                    "inputs": inputs,
                    "outputs": outputs,
                }
            ],
            **fields,
        }
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return {"onnx": str(final), **stats}


def _parity_inputs(q: int, h: int, w: int, i: int) -> dict[str, torch.Tensor]:
    ex = example_inputs(h, w, q, seed=i)
    ex["palette"][0, : min(5, q)] = 0.2 * (i % 2)
    ex["mode"][:] = float(i % 2)
    return ex


def _shared_helpers():
    """The team's shared export helpers (paintgan.training.export) if present, else None."""
    try:
        from . import export as shared  # type: ignore[attr-defined]
    except Exception:
        return None
    if all(hasattr(shared, n) for n in ("export_onnx", "check_parity", "write_manifest")):
        return shared
    return None
