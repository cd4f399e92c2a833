"""ProGAN (netdissect proggan.py layout) exporter on randomly initialised weights."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from paintgan.training import proggan_export as pe  # noqa: E402


def test_state_dict_layout_256():
    g = pe.ProgressiveGenerator(resolution=256)
    keys = list(g.state_dict())
    assert keys[:3] == ["layer1.conv.weight", "layer1.wscale.scale", "layer1.wscale.b"]
    assert "layer14.conv.weight" in keys and "layer15.conv.weight" not in keys
    assert keys[-3:] == [
        "output_256x256.conv.weight",
        "output_256x256.wscale.scale",
        "output_256x256.wscale.b",
    ]
    assert tuple(g.state_dict()["layer1.conv.weight"].shape) == (512, 512, 4, 4)
    assert pe.infer_sizes(g.state_dict()) == pe.SIZES[256]


def _random_state(sizes, with_scale=True):
    torch.manual_seed(0)
    g = pe.ProgressiveGenerator(sizes=sizes)
    sd = {}
    for k, v in g.state_dict().items():
        if k.endswith("wscale.scale"):
            if with_scale:
                sd[k] = torch.rand(1) * 0.1 + 0.02
            continue
        sd["module." + k] = torch.randn_like(v) * (0.1 if k.endswith(".b") else 1.0)
    return {"state_dict": sd}


@pytest.mark.parametrize("with_scale", [True, False])
def test_export_split_matches_whole(tmp_path, with_scale):
    from paintgan.ganpaint import GanPainter
    from paintgan.inference.runtime import create_session

    torch.set_num_threads(1)
    sizes = [64, 32, 32, 16, 8]  # z 64 -> 4x4x32 -> 8x8x32 -> 16x16x16 -> 32x32x8 -> RGB 32x32
    state = _random_state(sizes, with_scale)
    res = pe.export_proggan(state, tmp_path / "proggan-tiny", atol=1e-4)
    assert res["split_max_abs"] < 1e-5
    g = pe.load_proggan(state)
    z = np.random.default_rng(0).standard_normal((2, 64)).astype(np.float32)
    d = tmp_path / "proggan-tiny"
    f = create_session(d / "z_to_features.onnx", "cpu").session.run(None, {"z": z})[0]
    assert f.shape == (2, 32, 8, 8)  # after layer4
    img = create_session(d / "features_to_image.onnx", "cpu").session.run(None, {"features": f})[0]
    with torch.no_grad():
        whole = g(torch.from_numpy(z)).numpy()
    assert img.shape == (2, 3, 32, 32)
    np.testing.assert_allclose(img, whole, atol=1e-4)
    gp = GanPainter(d, "cpu")  # loads as a GANPaint model; seeds use a 64-dim z
    assert gp.z_dim == 64 and gp.generate(1).shape == (32, 32, 3)


def test_rejects_other_state_dicts():
    with pytest.raises(ValueError, match=r"layer1\.conv\.weight"):
        pe.load_proggan({"foo.weight": torch.zeros(1)})
