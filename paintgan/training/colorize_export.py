"""ONNX export + parity check + manifest for the colorization network.

The ONNX work is :mod:`paintgan.training.export`'s (``export_onnx``, ``check_parity``, ``write_manifest``,
which reads sha256 and the inputs/outputs from the graph); this module adds what is particular to the
colorizer: its dynamic axes, the parity inputs (both modes, with and without a palette) and the manifest's
preprocessing constants, training command and evaluation.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import torch

from paintgan.inference.colorize.color import AB_GRID, AB_RANGE, AB_SCALE, L_SCALE, ab_bin_centers

from .colorizer import OUTPUT_NAMES, count_flops, example_inputs
from .export import check_parity, export_onnx, write_manifest

DYNAMIC_AXES = {
    "image": {2: "H", 3: "W"},
    "hint": {2: "H", 3: "W"},
    "mask": {2: "H", 3: "W"},
    "color": {2: "H", 3: "W"},
    "dist": {2: "H4", 3: "W4"},
}
PARITY_ATOL = 1e-3


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
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td) / "model.onnx"
        export_onnx(model, ex, tmp, output_names=OUTPUT_NAMES, dynamic_axes=DYNAMIC_AXES)
        diff = 0.0
        for i, (h, w) in enumerate(PARITY_SIZES):
            diff = max(diff, check_parity(model, tmp, _parity_inputs(q, h, w, i), atol=PARITY_ATOL))
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
    write_manifest(out_dir, "colorize", "colorize", version, files=["model.onnx"], **fields)
    return {"onnx": str(final), **stats}


def _parity_inputs(q: int, h: int, w: int, i: int) -> dict[str, torch.Tensor]:
    ex = example_inputs(h, w, q, seed=i)
    ex["palette"][0, : min(5, q)] = 0.2 * (i % 2)
    ex["mode"][:] = float(i % 2)
    return ex
