"""GANPaint 64 -> 128 warm start: the grown generator starts as the 64 one's image upsampled; train +
export at 128 from a grown checkpoint or a 64 ONNX model dir."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

import torch.nn.functional as F  # noqa: E402

from paintgan.training import ganpaint as gt  # noqa: E402
from paintgan.training import ganpaint_export as ge  # noqa: E402
from paintgan.training import ganpaint_model as gm  # noqa: E402


def _trained_like_64(seed: int = 5) -> gm.Generator:
    """A 64 generator with non-trivial biases (random init has zero-ish ones), in eval mode."""
    torch.manual_seed(seed)
    g = gm.Generator(64)
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith("bias"):
                p.normal_(0, 0.1)
    return g.eval()


def test_grown_generator_equals_upsampled_64():
    torch.set_num_threads(1)
    src = _trained_like_64()
    g = gm.Generator(128).eval()
    n = gm.grow_generator(g, src)
    assert n == len(src.features.state_dict()) + len(src.image.body.state_dict())
    z = torch.from_numpy(np.random.default_rng(1).standard_normal((3, gm.Z_DIM)).astype(np.float32))
    with torch.no_grad():
        small = src(z)
        big = g(z)
        np.testing.assert_array_equal(g.features(z).numpy(), src.features(z).numpy())  # edited layer as is
    assert big.shape == (3, 3, 128, 128)
    np.testing.assert_allclose(big.numpy(), F.interpolate(small, scale_factor=2.0).numpy(), atol=1e-5)
    # and close to a bilinear upsampling too (the nearest one differs from it only at edges)
    bil = F.interpolate(small, scale_factor=2.0, mode="bilinear", align_corners=False)
    assert float((big - bil).abs().mean()) < 0.1
    with pytest.raises(ValueError):
        gm.grow_generator(gm.Generator(64), src)


def test_grow_train_export_128(tmp_path, monkeypatch):
    from paintgan.training import scenes

    monkeypatch.setattr(scenes, "CLIPART_ROOT", tmp_path / "no-clipart")  # procedural sprites: fast
    torch.set_num_threads(1)
    src = _trained_like_64(7).train()
    run64 = tmp_path / "run64"
    run64.mkdir()
    state = src.state_dict()
    torch.save({"size": 64, "step": 1, "G_ema": state}, run64 / "ckpt.pt")
    onnx64 = tmp_path / "m64"
    ge.export_generator(src, onnx64)

    run = tmp_path / "run128"
    base = ["train", "--size", "128", "--steps", "0", "--batch", "2", "--warmup-steps", "5"]
    # steps 0: just the grown start, so the checkpoint's EMA generator is exactly the grown one
    assert gt.main([*base, "--out", str(run), "--grow-from", str(run64 / "ckpt.pt")]) == 0
    ck = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    assert ck["size"] == 128 and ck["step"] == 0
    g = gm.Generator(128).eval()
    g.load_state_dict(ck["G_ema"])
    z = torch.randn(2, gm.Z_DIM)
    with torch.no_grad():
        np.testing.assert_allclose(
            g(z).numpy(), F.interpolate(src.eval()(z), scale_factor=2.0).numpy(), atol=1e-5
        )
    # the ONNX dir grows the same generator
    g_b = gm.Generator(128)
    gm.grow_generator(g_b, gm.load_grow_source(onnx64))
    for k, v in ck["G_ema"].items():
        np.testing.assert_allclose(g_b.state_dict()[k].numpy(), v.numpy(), atol=1e-6)
    # a couple of training steps at 128 (D warm-up first, FeatureNet frozen), resume, export
    more = ["--steps", "3", "--batch", "2", "--out", str(run), "--resume", "--d-warmup", "1"]
    assert gt.main(["train", "--size", "128", *more, "--freeze-features"]) == 0
    ck = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    assert ck["step"] == 3
    for k, v in src.features.state_dict().items():  # the edited layer stayed as grown
        np.testing.assert_array_equal(ck["G"][f"features.{k}"].numpy(), v.numpy())
        np.testing.assert_array_equal(ck["G_ema"][f"features.{k}"].numpy(), v.numpy())
    # the rest trains
    assert not torch.equal(ck["G"]["image.to_rgb.weight"], ck["G_ema"]["image.to_rgb.weight"])
    # grow again, training only the new 128 block + to_rgb, with the first run's discriminator
    run_c = tmp_path / "run128c"
    top = ["--steps", "1", "--batch", "2", "--out", str(run_c), "--grow-from", str(onnx64)]
    assert (
        gt.main(["train", "--size", "128", *top, "--train-top-only", "--init-d", str(run / "ckpt.pt")]) == 0
    )
    ck_c = torch.load(run_c / "ckpt.pt", map_location="cpu", weights_only=False)
    grown = g_b.state_dict()
    changed = {k.split(".")[1] for k, v in ck_c["G"].items() if not torch.equal(v, grown[k])}
    assert changed <= {"body", "to_rgb"} and "to_rgb" in changed
    assert all(torch.equal(v, grown[k]) for k, v in ck_c["G"].items() if "body.12." in k)
    model = tmp_path / "m128"
    assert gt.main(["export", "--run", str(run), "--model-dir", str(model), "--stat-scenes", "2"]) == 0
    man = json.loads((model / "manifest.json").read_text())
    assert man["preprocessing"]["image_size"] == 128
    assert "128x128" in man["description"]
    out = {f["role"]: f["outputs"][0]["shape"] for f in man["files"]}
    assert out["z_to_features"] == ["N", 256, 8, 8]
    assert out["features_to_image"][-2:] == [128, 128]
    with pytest.raises(SystemExit):  # growing needs --size 128
        gt.main(["train", "--steps", "0", "--out", str(tmp_path / "bad"), "--grow-from", str(onnx64)])
