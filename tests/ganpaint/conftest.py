"""Fixtures for GANPaint tests: user folders in tmp, a tiny randomly initialised GANPaint model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from user_dirs import isolated_user_dirs

REPO = Path(__file__).resolve().parents[2]
CLASSES = ["sky", "cloud", "sun", "hill", "grass", "water", "tree", "building"]


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real home: user data/cache in tmp, $PAINTGAN_MODEL_PATH cleared."""
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch, hide_bundled=False) as base:
        yield base


def fake_dissection(c: int = 256, offered: tuple[str, ...] = ("tree", "sky", "grass")) -> dict:
    """A valid dissection.json body: concept k's ranked units are k*16 .. k*16+15."""
    rng = np.random.default_rng(0)
    concepts = {}
    for k, name in enumerate(CLASSES):
        units = list(range(k * 16, k * 16 + 16))
        concepts[name] = {
            "units": units,
            "iou": [0.2] * 16,
            "threshold": [1.0] * 16,
            "quantile": [0.99] * 16,
            "n_matched": 16 if name in offered else 0,
            "offered": name in offered,
        }
    q99 = (rng.random(c) * 2 + 1).round(4).tolist()
    return {
        "format": 1,
        "model": "tiny-ganpaint",
        "samples": 0,
        "classes": CLASSES,
        "feature_shape": [c, 8, 8],
        "unit_quantiles": {"q50": [0.0] * c, "q90": [0.5] * c, "q99": q99},
        "units": [],
        "concepts": concepts,
        "offered": list(offered),
        "min_iou": 0.05,
        "min_units": 4,
    }


@pytest.fixture(scope="session")
def tiny_model_src(tmp_path_factory) -> Path:
    """A randomly initialised 64x64 generator + segmenter exported to ONNX (needs torch), with a fake
    dissection; without torch a copy of the shipped models/ganpaint, else skip."""
    root = tmp_path_factory.mktemp("models")
    folder = root / "tiny-ganpaint"
    try:
        import torch
    except ImportError:
        shipped = REPO / "models" / "ganpaint"
        if not (shipped / "manifest.json").is_file():
            pytest.skip("needs torch (to export a tiny model) or the shipped models/ganpaint")
        shutil.copytree(shipped, root / "ganpaint")
        return root / "ganpaint"
    from paintgan.training.ganpaint_export import export_generator, export_segmenter, write_model_manifest
    from paintgan.training.ganpaint_model import Generator, Segmenter

    torch.manual_seed(0)
    torch.set_num_threads(1)
    export_generator(Generator(64), folder)
    export_segmenter(Segmenter(), folder, 64)
    write_model_manifest(folder, "tiny-ganpaint", 64, {"note": "random weights (tests)"})
    (folder / "dissection.json").write_text(json.dumps(fake_dissection()))
    return folder


@pytest.fixture
def tiny_model(tiny_model_src, tmp_path) -> Path:
    """A fresh copy per test (tests may rewrite dissection.json)."""
    dst = tmp_path / tiny_model_src.name
    shutil.copytree(tiny_model_src, dst)
    return dst
