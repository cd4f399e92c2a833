"""Polygon network: sizes, ONNX export parity, warm start from ONNX, a few training steps."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from paintgan.inference.segment import geometry as geo  # noqa: E402
from paintgan.training import polygon as P  # noqa: E402


@pytest.fixture(autouse=True)
def _threads():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_budget_flops_and_params():
    net = P.PolygonNet()
    fl = P.count_flops(net)
    assert 0.2e9 < fl["encoder"] < 1.0e9 and fl["gcn"] < 0.2e9 and fl["refine"] < 0.2e9
    assert P.count_params(net) < 5_000_000  # ~20 MB fp32 in all


def test_refine_never_moves_fixed_vertices_in_torch():
    net = P.PolygonNet().eval()
    for it in net.refine.iters:
        torch.nn.init.normal_(it.out.weight, std=0.1)
    with torch.no_grad():
        f = net.encoder(torch.rand(1, 3, 224, 224))
        pts = torch.from_numpy(geo.init_points())[None]
        fixed = torch.zeros(1, 40)
        fixed[0, [2, 9]] = 1
        out = net.refine_points(f, pts, fixed)[-1]
    assert torch.equal(out[0, [2, 9]], pts[0, [2, 9]])
    assert float((out - pts).abs().max()) > 1e-4


def test_export_parity_and_warm_start(tmp_path):
    torch.manual_seed(0)
    net = P.PolygonNet()
    for m in net.modules():  # non-trivial batch-norm statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    paths = P.export_graphs(net, tmp_path)
    assert all(p.stat().st_size < 25e6 for p in paths.values())
    diffs = P.parity(net, tmp_path, atol=1e-4)
    assert max(diffs.values()) < 1e-4
    P.write_polygon_manifest(tmp_path)
    from paintgan.inference.manifest import load_manifest

    assert load_manifest(tmp_path).roles == ["encoder", "gcn", "refine"]
    net2 = P.PolygonNet()
    n = P.warm_start_from_onnx(net2, tmp_path)
    assert n > 50
    sd1, sd2 = net.state_dict(), net2.state_dict()
    for k in sd1:
        if not k.startswith("mask_head"):
            assert torch.equal(sd1[k], sd2[k]), k


def test_a_few_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = P.PolygonNet().train()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    batch = P.synthetic_batch(2, rng)
    first = last = None
    for _ in range(12):
        losses = P.training_losses(net, *batch, rng, refine_rounds=1)
        opt.zero_grad()
        losses["total"].backward()
        opt.step()
        first = float(losses["gcn"].detach()) if first is None else first
        last = float(losses["gcn"].detach())
    assert last < 0.8 * first


def test_train_cli_resume(tmp_path):
    out = tmp_path / "run"
    args = [
        "train",
        "--data",
        "synthetic",
        "--out",
        str(out),
        "--steps",
        "2",
        "--batch",
        "2",
        "--log-every",
        "1",
        "--eval-every",
        "2",
    ]
    assert P.main(args) == 0
    assert (out / "last.pt").is_file() and (out / "best.pt").is_file()
    assert P.main([*args[:6], "3", *args[7:], "--resume"]) == 0
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 3


def test_refine_only_fine_tuning_trains_the_refine_head_alone(tmp_path):
    out = tmp_path / "run"
    args = ["train", "--data", "synthetic", "--out", str(out), "--steps", "3", "--batch", "2",
            "--log-every", "1", "--eval-every", "3", "--refine-only", "--refine-rounds", "3"]
    torch.manual_seed(0)
    assert P.main(args) == 0
    sd = torch.load(out / "last.pt", weights_only=False)["model"]
    torch.manual_seed(0)
    fresh = P.PolygonNet().state_dict()  # same seed: the initial weights of the run
    assert all(torch.equal(sd[k], fresh[k]) for k in fresh if k.startswith(("encoder.", "gcn.")))
    assert any(not torch.equal(sd[k], fresh[k]) for k in fresh if k.startswith("refine."))


def test_refine_losses_decrease_on_a_fixed_batch():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = P.PolygonNet()
    net.encoder.eval()
    net.gcn.eval()
    opt = torch.optim.Adam(net.refine.parameters(), lr=3e-3)
    batch = P.synthetic_batch(2, rng)
    vals = []
    for _ in range(12):
        losses = P.refine_losses(net, batch[0], batch[1], batch[2], np.random.default_rng(1), rounds=3)
        opt.zero_grad()
        losses["total"].backward()
        opt.step()
        vals.append(float(losses["total"].detach()))
    assert vals[-1] < 0.8 * vals[0]
