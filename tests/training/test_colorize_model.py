"""Colorization network: shapes, a few training steps on a tiny net, warm start and ONNX export parity."""

from __future__ import annotations

import json

import numpy as np
import pytest
from colorize_data_helpers import ONE_BOX, tiny_colorize_data, tiny_train_args

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from paintgan.inference.colorize.color import num_ab_bins  # noqa: E402
from paintgan.training.colorizer import (  # noqa: E402
    ColorizeNet,
    colorize_loss,
    count_flops,
    example_inputs,
    load_onnx_init,
    rebalance_weights,
)

TINY = (4, 8, 8, 8, 8)


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny nets run fastest on one thread (and do not fight a background job for the cores)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _batch(n=4, s=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = num_ab_bins()
    target = torch.zeros(n, 3, s, s)
    target[:, 0] = 0.6
    target[:, 1] = 0.4  # reddish
    return {
        "image": torch.rand(n, 1, s, s, generator=g),
        "hint": torch.zeros(n, 3, s, s),
        "mask": torch.zeros(n, 1, s, s),
        "mode": torch.tensor([[0.0], [1.0]] * (n // 2)),
        "palette": torch.zeros(n, q),
        "target": target,
        "bins": torch.full((n, s // 4, s // 4), 7, dtype=torch.int64),
    }


def test_shapes_dynamic_and_default_budget():
    m = ColorizeNet(TINY).eval()
    for h, w in ((32, 48), (64, 16)):
        ex = example_inputs(h, w)
        color, dist = m(*ex.values())
        assert color.shape == (1, 3, h, w)
        assert dist.shape == (1, num_ab_bins(), h // 4, w // 4)
    full = ColorizeNet()
    assert count_flops(full, 256, 256) < 2.5e9
    assert sum(p.numel() for p in full.parameters()) * 4 < 25e6


def test_training_steps_reduce_loss():
    torch.manual_seed(0)
    m = ColorizeNet(TINY)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    b = _batch()
    prior = np.full(num_ab_bins(), 1.0 / num_ab_bins())
    cw = torch.from_numpy(rebalance_weights(prior))
    losses = []
    for _ in range(20):
        color, dist = m(b["image"], b["hint"], b["mask"], b["mode"], b["palette"])
        loss, parts = colorize_loss(color, dist, b, cw)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(parts["loss"])
    assert losses[-1] < 0.5 * losses[0]


def test_rebalance_weights():
    p = np.array([0.9, 0.09, 0.01])
    w = rebalance_weights(p)
    assert w[0] < w[1] < w[2]
    assert abs((p * w).sum() - 1) < 1e-5


def test_export_parity_manifest_and_warm_start(tmp_path):
    from paintgan.training.colorize_export import export_colorizer

    torch.manual_seed(0)
    m = ColorizeNet(TINY)
    res = export_colorizer(m, tmp_path / "colorize", step=3, train_args={"steps": 3, "batch": 2, "size": 32})
    assert res["parity_max_abs_diff"] <= 1e-3
    man = json.loads((tmp_path / "colorize" / "manifest.json").read_text())
    assert man["format"] == 1 and man["name"] == "colorize" and man["task"] == "colorize"
    f = man["files"][0]
    assert f["path"] == "model.onnx" and len(f["sha256"]) == 64 and f["role"] == "model"
    assert [i["name"] for i in f["inputs"]] == ["image", "hint", "mask", "mode", "palette"]
    assert [o["name"] for o in f["outputs"]] == ["color", "dist"]
    assert man["standard_inputs"]["H"] == 256 and man["standard_inputs"]["W"] == 256
    assert len(man["preprocessing"]["ab_bins"]["centers"]) == num_ab_bins()
    for key in ("license", "data_source", "training_command", "evaluation", "description", "version"):
        assert key in man

    m2 = ColorizeNet(TINY)
    n = load_onnx_init(m2, tmp_path / "colorize" / "model.onnx")
    assert n == len(m2.state_dict())
    for k, v in m.state_dict().items():
        assert torch.equal(v, m2.state_dict()[k])


def test_train_cli_runs_checkpoints_and_resumes(tmp_path):
    from paintgan.training.colorizer import main

    out = tmp_path / "run"
    common = tiny_train_args(tiny_colorize_data(tmp_path, ONE_BOX), out)
    assert main(["train", *common, "--steps", "2"]) == 0
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["step"] == 2
    assert main(["train", *common, "--steps", "3", "--resume"]) == 0
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 3
    log = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    assert any("val_psnr" in r for r in log) and any("loss" in r for r in log)
    # export the checkpoint with an evaluation on the val split
    assert (
        main(
            [
                "export",
                "--ckpt",
                str(out / "last.pt"),
                "--out",
                str(tmp_path / "m"),
                "--eval-data",
                str(tmp_path / "data"),
            ]
        )
        == 0
    )
    man = json.loads((tmp_path / "m" / "manifest.json").read_text())
    ev = man["evaluation"]["openclipart_val"]
    assert ev["val_images"] >= 1
    assert "val_psnr_gray" in ev or "val_psnr_lineart" in ev
    assert man["evaluation"]["model"]["training_steps"] == 3
