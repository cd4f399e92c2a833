"""Fixtures for the click-to-polygon tests: user folders in tmp, a tiny polygon model, a scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from user_dirs import isolated_user_dirs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the real home: user data/cache in tmp, $PAINTGAN_MODEL_PATH cleared."""
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch, hide_bundled=False) as base:
        yield base


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A randomly initialised polygon model exported to ONNX (needs torch); without torch, the shipped
    model when present; else the test is skipped."""
    try:
        import torch
    except ImportError:
        shipped = REPO / "models" / "polygon"
        if (shipped / "manifest.json").is_file():
            return shipped
        pytest.skip("needs torch (to export a tiny model) or the shipped models/polygon")
    from paintgan.training.polygon import PolygonNet, export_graphs, write_polygon_manifest

    torch.manual_seed(0)
    net = PolygonNet()
    with torch.no_grad():  # make refine move the free vertices visibly
        for it in net.refine.iters:
            it.out.weight.normal_(0.0, 0.05)
    folder = tmp_path_factory.mktemp("models") / "polygon"
    export_graphs(net, folder)
    write_polygon_manifest(folder)
    return folder


@pytest.fixture
def scene() -> dict:
    """A 200x300 image with a red disc on a noisy grey background, its outline and box."""
    rng = np.random.default_rng(0)
    img = np.clip(rng.normal(120, 10, (200, 300, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[:200, :300]
    disc = (xx - 150) ** 2 + (yy - 100) ** 2 <= 50**2
    img[disc] = (220, 30, 30)
    t = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    poly = np.stack([150 + 50 * np.cos(t), 100 + 50 * np.sin(t)], 1)
    return {"image": img, "polygon": poly, "box": (98.0, 48.0, 202.0, 152.0), "mask": disc}


@pytest.fixture(scope="session")
def tiny_mask_dir(tmp_path_factory) -> Path:
    """A tiny randomly initialised mask model (few-channel MaskNet) exported to ONNX with its manifest."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from paintgan.training.segment_export import export_onnx, write_manifest
    from paintgan.training.segment_model import MaskNet, count_params

    torch.manual_seed(0)
    net = MaskNet(widths=(8, 8, 8, 8), feat=8)
    folder = tmp_path_factory.mktemp("models") / "segment"
    folder.mkdir()
    path = export_onnx(net, folder / "mask.onnx")
    write_manifest(folder, path, step=0, parity_diff=0.0, params=count_params(net))
    return folder
