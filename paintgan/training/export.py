"""ONNX export, parity check and manifest writing for trained networks (the [train] extra: torch).

Typical use::

    export_onnx(net, {"image": torch.rand(1, 1, 256, 256)}, "models/colorize-lineart/model.onnx",
                output_names=["color"])
    check_parity(net, "models/colorize-lineart/model.onnx", {"image": torch.rand(1, 1, 192, 320)}, atol=1e-4)
    write_manifest("models/colorize-lineart", "colorize-lineart", "colorize", "1.0.0",
                   files=["model.onnx"], standard_inputs={"H": 256, "W": 256}, license="MIT", ...)
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from paintgan.errors import ModelError, one_line
from paintgan.inference import manifest as mf

DEFAULT_OPSET = 17


def _default_dynamic_axes(
    example_inputs: Mapping[str, torch.Tensor], output_names: Sequence[str], outputs: Sequence[torch.Tensor]
) -> dict[str, dict[int, str]]:
    """Height and width (the last two axes of 4-D tensors) dynamic, named "H" and "W"."""
    axes: dict[str, dict[int, str]] = {}
    for name, t in example_inputs.items():
        if t.dim() == 4:
            axes[name] = {2: "H", 3: "W"}
    for name, t in zip(output_names, outputs):
        if isinstance(t, torch.Tensor) and t.dim() == 4:
            axes[name] = {2: "H", 3: "W"}
    return axes


def _as_tuple(out: Any) -> tuple[torch.Tensor, ...]:
    if isinstance(out, torch.Tensor):
        return (out,)
    if isinstance(out, Mapping):
        return tuple(out.values())
    return tuple(out)


def export_onnx(
    module: torch.nn.Module,
    example_inputs: Mapping[str, torch.Tensor],
    path: str | os.PathLike[str],
    output_names: Sequence[str],
    dynamic_axes: Mapping[str, Mapping[int, str]] | None = None,
    opset: int = DEFAULT_OPSET,
    dynamo: bool = False,
) -> Path:
    """Export `module` (called as `module(*example_inputs.values())`) to ONNX with dynamic H/W.

    `dynamic_axes` defaults to axes 2 and 3 ("H", "W") of every 4-D input and output. The legacy
    TorchScript exporter (`dynamo=False`) is used first, as it is the most reliable for small conv nets;
    if it fails, the dynamo exporter is tried. The file is written atomically and checked with onnx.
    """
    if opset < 17:
        raise ValueError("opset must be 17 or newer")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.eval()
    args = tuple(example_inputs.values())
    with torch.no_grad():
        outputs = _as_tuple(module(*args))
    if len(outputs) != len(output_names):
        raise ValueError(f"module returns {len(outputs)} outputs but {len(output_names)} output_names given")
    axes = {
        k: dict(v)
        for k, v in (dynamic_axes or _default_dynamic_axes(example_inputs, output_names, outputs)).items()
    }
    tmp = path.with_name(f".{path.name}.tmp")
    errors = []
    for use_dynamo in [dynamo] if dynamo else [False, True]:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                if use_dynamo:  # dynamic dims as torch.export.Dim, on the inputs only
                    dyn_shapes = {
                        k: {ax: torch.export.Dim(n, min=1) for ax, n in v.items()}
                        for k, v in axes.items()
                        if k in example_inputs
                    }
                    how: dict[str, Any] = {"dynamic_shapes": dyn_shapes or None, "external_data": False}
                else:
                    how = {"dynamic_axes": axes, "do_constant_folding": True}
                torch.onnx.export(module, args, str(tmp), input_names=list(example_inputs),
                                  output_names=list(output_names), opset_version=opset, dynamo=use_dynamo,
                                  **how)
            break
        except Exception as exc:  # try the other exporter
            errors.append(f"{'dynamo' if use_dynamo else 'torchscript'}: {one_line(exc, with_type=True)}")
            with contextlib.suppress(OSError):
                tmp.unlink()
    else:
        raise RuntimeError("ONNX export failed: " + " | ".join(errors))
    with contextlib.suppress(ImportError):
        import onnx

        onnx.checker.check_model(str(tmp))
    os.replace(tmp, path)
    return path


def check_parity(
    module: torch.nn.Module,
    onnx_path: str | os.PathLike[str],
    inputs: Mapping[str, torch.Tensor | np.ndarray],
    atol: float = 1e-4,
) -> float:
    """Run the torch module and ONNX Runtime (CPU) on the same inputs; return the max abs difference.

    Raises AssertionError when it exceeds `atol` (or output shapes differ)."""
    from paintgan.inference.runtime import create_session

    tensors = {
        k: (v if isinstance(v, torch.Tensor) else torch.from_numpy(np.asarray(v))) for k, v in inputs.items()
    }
    module = module.eval()
    with torch.no_grad():
        expected = [t.detach().cpu().numpy() for t in _as_tuple(module(*tensors.values()))]
    handle = create_session(onnx_path, "cpu")
    feed = {k: v.detach().cpu().numpy() for k, v in tensors.items()}
    got = handle.session.run(None, feed)
    if len(got) != len(expected):
        raise AssertionError(f"ONNX graph has {len(got)} outputs, torch module {len(expected)}")
    worst = 0.0
    for i, (a, b) in enumerate(zip(expected, got)):
        if a.shape != b.shape:
            raise AssertionError(f"output {i}: torch shape {a.shape} != ONNX shape {b.shape}")
        if a.size:
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
    if not worst <= atol:  # also catches NaN
        raise AssertionError(
            f"ONNX/torch parity failed for {Path(onnx_path).name}: max abs diff {worst:.3g} > atol {atol:.3g}"
        )
    return worst


def write_manifest(
    model_dir: str | os.PathLike[str],
    name: str,
    task: str,
    version: str,
    files: Sequence[str | Mapping[str, Any]] = ("model.onnx",),
    **fields: Any,
) -> Path:
    """Write `<model_dir>/manifest.json` (format 1) for graphs already in `model_dir`.

    `files`: relative paths (a single file gets role "model") or `{"path": ..., "role": ...}` for split
    models. sha256 and inputs/outputs (with symbolic dims) are read from each graph. `fields` are the
    optional top-level fields: description, preprocessing, license, data_source, training_command,
    evaluation, standard_inputs. Unknown fields raise ModelError.
    """
    data = mf.build_manifest(
        model_dir, name, task, version, [f if isinstance(f, str) else dict(f) for f in files], **fields
    )
    path = mf.write_manifest_file(model_dir, data)
    try:
        mf.load_manifest(model_dir)
    except ModelError as exc:  # pragma: no cover - build_manifest already validated it
        raise ModelError(f"written manifest does not validate: {exc}") from None
    return path


def export_split_generator(head: torch.nn.Module, tail: torch.nn.Module, z_dim: int,
                           model_dir: str | os.PathLike[str], *, atol: float, parity_batch: int = 2
                           ) -> tuple[dict[str, float], torch.Tensor]:
    """A generator cut at its edited feature layer, as GANPaint models ship it: `head` (z -> features) to
    z_to_features.onnx and `tail` (features -> image) to features_to_image.onnx, batch dim "N" dynamic;
    each half parity-checked on `parity_batch` fresh latents. Returns ({half: max abs diff}, those latents).
    """
    model_dir = Path(model_dir)
    z = torch.randn(2, z_dim)
    export_onnx(head, {"z": z}, model_dir / "z_to_features.onnx", output_names=["features"],
                dynamic_axes={"z": {0: "N"}, "features": {0: "N"}})
    with torch.no_grad():
        f = head(z)
    export_onnx(tail, {"features": f}, model_dir / "features_to_image.onnx", output_names=["image"],
                dynamic_axes={"features": {0: "N"}, "image": {0: "N"}})
    z_check = torch.randn(parity_batch, z_dim)
    with torch.no_grad():
        f_check = head(z_check)
    parity = {
        "z_to_features": check_parity(head, model_dir / "z_to_features.onnx", {"z": z_check}, atol=atol),
        "features_to_image": check_parity(tail, model_dir / "features_to_image.onnx", {"features": f_check},
                                          atol=atol),
    }
    return parity, z_check
