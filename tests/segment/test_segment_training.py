"""Mask-model training smoke test: made-up photos, a few steps of a tiny net, export, ONNX parity."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from paintgan.inference.segment.clickmaps import CROP  # noqa: E402
from paintgan.training import segment_train as st  # noqa: E402
from paintgan.training.segment_data import CropGenerator  # noqa: E402
from paintgan.training.segment_export import export_onnx, parity  # noqa: E402
from paintgan.training.segment_model import MaskNet, warm_start_from_polygon_onnx  # noqa: E402


@pytest.fixture
def photos(tmp_path):
    rng = np.random.default_rng(0)
    out = []
    for i in range(2):
        im = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (0, 0), 3)
        p = tmp_path / f"photo{i}.jpg"
        cv2.imwrite(str(p), im)
        out.append(p)
    return out


def test_generator_makes_crops_with_masks(photos):
    gen = CropGenerator([], photos, seed=1)
    for _ in range(4):
        crop, mask = gen.sample()
        assert crop.shape == (CROP, CROP, 3) and crop.dtype == np.uint8
        assert mask.shape == (CROP, CROP) and mask.dtype == bool
        assert 0.02 < mask.mean() < 0.95


def test_a_few_training_steps_then_export_with_parity(photos, tmp_path):
    torch.manual_seed(0)
    gen = CropGenerator([], photos, seed=2)
    net = MaskNet(widths=(8, 8, 8, 8), feat=8)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    for _ in range(2):
        crops, gts = st.batch(gen, 2)
        clicks = [st.random_clicks(rng, g) for g in gts]
        prev = st.simulate(net, crops, gts, clicks, 1)  # one RITM click per sample, fed back
        assert all(len(c["pos"]) + len(c["neg"]) >= 1 for c in clicks)
        loss, parts = st.losses(
            net, st.make_input(crops, clicks, prev), torch.from_numpy(gts[:, None].astype(np.float32))
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert np.isfinite(loss.item()) and set(parts) == {"bce", "dice", "aux"}
    path = export_onnx(net, tmp_path / "mask.onnx")
    assert parity(net, path) < 1e-4


def test_warm_start_copies_the_polygon_encoder():
    from pathlib import Path

    onnx_path = Path(__file__).resolve().parents[2] / "models" / "polygon" / "encoder.onnx"
    if not onnx_path.is_file():
        pytest.skip("shipped polygon model not present")
    net = MaskNet()
    n = warm_start_from_polygon_onnx(net, onnx_path)
    assert n >= 50
    w = net.encoder.stem[0].weight
    assert w.shape[1] == 7 and torch.all(w[:, 3:] == 0) and w[:, :3].abs().sum() > 0
