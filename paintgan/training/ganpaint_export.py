"""GANPaint export (the [train] extra: torch): ONNX graphs, parity checks and the model manifest.

Export writes the two generator graphs `z_to_features.onnx` and `features_to_image.onnx` (batch dim
"N" dynamic), `segmenter.onnx` (image [1,3,H,W] in [0,1] -> logits [1,C,H,W]) and manifest.json, each
graph parity-checked against torch (`training/export.py` does the ONNX work). The manifest's evaluation
records the parity, the segmenter's metrics on renders and the concept frequencies of the training
scenes.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import torch

from paintgan.training.ganpaint_data import SceneStream
from paintgan.training.ganpaint_model import FEAT_CH, FEAT_RES, Z_DIM, Generator, Segmenter
from paintgan.training.scenes import CONCEPTS


def export_generator(G: Generator, model_dir: str | os.PathLike[str], atol: float = 1e-4) -> dict[str, float]:
    """Write z_to_features.onnx and features_to_image.onnx; parity-check both halves and the chain."""
    from paintgan.training.export import export_split_generator

    G = G.eval()
    parity, _ = export_split_generator(G.features, G.image, Z_DIM, model_dir, atol=atol, parity_batch=3)
    return parity


def export_segmenter(
    net: Segmenter, model_dir: str | os.PathLike[str], size: int, atol: float = 1e-3
) -> float:
    from paintgan.training.export import check_parity, export_onnx

    net = net.eval()
    path = Path(model_dir) / "segmenter.onnx"
    export_onnx(
        net,
        {"image": torch.rand(1, 3, size, size)},
        path,
        output_names=["logits"],
        dynamic_axes={"image": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N", 2: "H", 3: "W"}},
    )
    return check_parity(net, path, {"image": torch.rand(2, 3, size, size)}, atol=atol)


def preprocessing_info(size: int) -> dict[str, Any]:
    return {
        "z_dim": Z_DIM,
        "z_rule": "z = np.random.default_rng(seed).standard_normal(128).astype(np.float32)",
        "image_range": [-1.0, 1.0],
        "image_size": size,
        "feature_shape": [FEAT_CH, FEAT_RES, FEAT_RES],
        "feature_layer": "FeatureNet output (8x8 after ReLU), the 'layer4' of GAN dissection",
        "segmenter_input": "RGB in [0,1], NCHW; output logits over segmenter_classes",
        "segmenter_classes": list(CONCEPTS),
    }


def write_model_manifest(
    model_dir: str | os.PathLike[str],
    name: str,
    size: int,
    evaluation: dict[str, Any] | None = None,
    version: str = "0.1.0",
    training_command: str | None = None,
) -> Path:
    from paintgan.training.export import write_manifest

    model_dir = Path(model_dir)
    files: list[dict[str, str]] = [
        {"path": "z_to_features.onnx", "role": "z_to_features"},
        {"path": "features_to_image.onnx", "role": "features_to_image"},
    ]
    if (model_dir / "segmenter.onnx").is_file():
        files.append({"path": "segmenter.onnx", "role": "segmenter"})
    path = write_manifest(
        model_dir,
        name,
        "ganpaint",
        version,
        files,
        description=f"GANPaint scene generator {size}x{size} (z -> 256x8x8 features -> image) with a scene "
        "segmenter for dissection",
        preprocessing=preprocessing_info(size),
        license="MIT (weights); training data rendered from public-domain openclipart-png clip art",
        data_source="procedural landscape/town scenes (paintgan.training.scenes) built from Debian "
        "openclipart-png (public domain)",
        training_command=training_command
        or "python -m paintgan.training.ganpaint train --out runs/ganpaint "
        f"--size {size} --threads 1; "
        "python -m paintgan.training.ganpaint train-segmenter --out runs/ganpaint; "
        "python -m paintgan.training.ganpaint export --run runs/ganpaint --model-dir models/ganpaint; "
        "paintgan dissect --model ganpaint --samples 1000",
        evaluation=evaluation or {},
        standard_inputs={"N": 1, "H": size, "W": size},
    )
    # The exporter names the feature grid's dims oddly (e.g. ['N', 256, 'N', 'Relu..._dim_3']); the grid
    # is fixed by the architecture, so declare it exactly.
    manifest = json.loads(path.read_text())
    for entry in manifest["files"]:
        if entry["role"] == "z_to_features":
            entry["outputs"][0]["shape"] = ["N", FEAT_CH, FEAT_RES, FEAT_RES]
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path


def training_scene_stats(net: Segmenter, size: int, n: int = 200) -> dict[str, Any]:
    """Concept pixel shares of rendered training scenes: ground truth and as the segmenter sees them."""
    x, y = SceneStream(size, 424242).batch(n)
    with torch.no_grad():
        pred = torch.cat([net.eval()((x[i : i + 32] + 1) / 2).argmax(1) for i in range(0, n, 32)])
    return {
        "scenes": n,
        "label_frequencies": {c: round(float((y == i).float().mean()), 4) for i, c in enumerate(CONCEPTS)},
        "segmenter_frequencies": {
            c: round(float((pred == i).float().mean()), 4) for i, c in enumerate(CONCEPTS)
        },
        "segmenter_pixel_acc": round(float((pred == y).float().mean()), 4),
    }


def export(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    run = Path(args.run)
    model_dir = Path(args.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    ck = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    G = Generator(ck["size"])
    G.load_state_dict(ck["G_ema"])
    parity = export_generator(G, model_dir)
    evaluation: dict[str, Any] = {"generator_steps": ck["step"], "onnx_parity_max_abs": parity}
    if (run / "segmenter.pt").is_file():
        sk = torch.load(run / "segmenter.pt", map_location="cpu", weights_only=False)
        net = Segmenter()
        net.load_state_dict(sk["state"])
        evaluation["segmenter_parity_max_abs"] = export_segmenter(net, model_dir, sk.get("size", ck["size"]))
        evaluation["segmenter_on_renders"] = sk.get("metrics", {})
        evaluation["training_scenes"] = training_scene_stats(net, ck["size"], args.stat_scenes)
    write_model_manifest(model_dir, args.name, ck["size"], evaluation)
    print(json.dumps(evaluation, indent=2))
    return 0
