"""GANPaint generator: split export equals the whole generator; training smoke with resume; warm start."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from paintgan.inference.runtime import create_session  # noqa: E402
from paintgan.training import ganpaint as gt  # noqa: E402
from paintgan.training import ganpaint_export as ge  # noqa: E402
from paintgan.training import ganpaint_model as gm  # noqa: E402


def test_split_export_equals_whole_generator(tmp_path):
    torch.manual_seed(1)
    torch.set_num_threads(1)
    g = gm.Generator(64).eval()
    parity = ge.export_generator(g, tmp_path)
    assert max(parity.values()) < 1e-4
    z = np.random.default_rng(3).standard_normal((2, 128)).astype(np.float32)
    f = create_session(tmp_path / "z_to_features.onnx", "cpu").session.run(None, {"z": z})[0]
    img = create_session(tmp_path / "features_to_image.onnx", "cpu").session.run(None, {"features": f})[0]
    with torch.no_grad():
        whole = g(torch.from_numpy(z)).numpy()
    assert f.shape == (2, 256, 8, 8) and (f >= 0).all()
    assert img.shape == (2, 3, 64, 64)
    np.testing.assert_allclose(img, whole, atol=1e-4)
    # warm start from the exported graphs reproduces the generator
    g2 = gm.Generator(64)
    assert gm.load_onnx_init(g2, tmp_path) == len(g.state_dict())
    with torch.no_grad():
        np.testing.assert_allclose(g2(torch.from_numpy(z)).numpy(), whole, atol=1e-5)


def test_train_resume_export(tmp_path, monkeypatch):
    from paintgan.training import scenes

    monkeypatch.setattr(scenes, "CLIPART_ROOT", tmp_path / "no-clipart")  # procedural sprites: fast
    run = tmp_path / "run"
    args = [
        "train",
        "--out",
        str(run),
        "--steps",
        "2",
        "--batch",
        "2",
        "--ckpt-every",
        "1",
        "--log-every",
        "1",
    ]
    assert gt.main(args) == 0
    ck = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    assert ck["step"] == 2
    assert gt.main(["train", "--out", str(run), "--steps", "3", "--batch", "2", "--resume"]) == 0
    assert torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)["step"] == 3
    lines = [json.loads(x) for x in (run / "log.jsonl").read_text().splitlines()]
    assert lines and all(np.isfinite(r["loss_d"]) for r in lines)


def test_segmenter_export_warm_start(tmp_path, monkeypatch):
    from paintgan.training import scenes

    monkeypatch.setattr(scenes, "CLIPART_ROOT", tmp_path / "no-clipart")
    run = tmp_path / "run"
    assert gt.main(["train", "--out", str(run), "--steps", "1", "--batch", "2"]) == 0
    assert (
        gt.main(
            [
                "train-segmenter",
                "--out",
                str(run),
                "--steps",
                "2",
                "--batch",
                "2",
                "--minutes",
                "1",
                "--eval-scenes",
                "4",
            ]
        )
        == 0
    )
    model = tmp_path / "m" / "ganpaint-test"
    assert (
        gt.main(
            [
                "export",
                "--run",
                str(run),
                "--model-dir",
                str(model),
                "--name",
                "ganpaint-test",
                "--stat-scenes",
                "4",
            ]
        )
        == 0
    )
    man = json.loads((model / "manifest.json").read_text())
    assert [f["role"] for f in man["files"]] == ["z_to_features", "features_to_image", "segmenter"]
    assert man["preprocessing"]["z_rule"].startswith("z = np.random.default_rng(seed)")
    # warm start a new run from the exported ONNX
    assert (
        gt.main(
            [
                "train",
                "--out",
                str(tmp_path / "run2"),
                "--steps",
                "1",
                "--batch",
                "2",
                "--init-onnx-dir",
                str(model),
            ]
        )
        == 0
    )
