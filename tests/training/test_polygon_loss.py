"""Point-matching loss of the polygon model: invariant to cyclic shifts, finds the right alignment."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from paintgan.inference.segment import geometry as geo  # noqa: E402
from paintgan.training.polygon import aligned_gt, cyclic_l1, nearest_on_polyline  # noqa: E402


def _poly(n=40, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = 0.3 + 0.05 * rng.standard_normal(n)
    return torch.tensor(np.stack([0.5 + r * np.cos(t), 0.5 + r * np.sin(t)], 1), dtype=torch.float32)[None]


def test_cyclic_l1_is_invariant_to_cyclic_shifts():
    gt = _poly()
    pred = gt + 0.01 * torch.randn_like(gt)
    base, _ = cyclic_l1(pred, gt)
    for k in (1, 7, 39):
        shifted, _ = cyclic_l1(pred, torch.roll(gt, k, dims=1))
        assert torch.allclose(base, shifted, atol=1e-7)
        shifted_pred, _ = cyclic_l1(torch.roll(pred, k, dims=1), gt)
        assert torch.allclose(base, shifted_pred, atol=1e-7)


def test_cyclic_l1_zero_on_match_and_recovers_shift():
    gt = _poly()
    pred = torch.roll(gt, -5, dims=1)
    loss, k = cyclic_l1(pred, gt)
    assert float(loss) < 1e-7 and int(k) == 5
    assert torch.allclose(aligned_gt(gt, k), pred)


def test_cyclic_l1_weights_ignore_masked_vertices():
    gt = _poly()
    pred = gt.clone()
    pred[0, 3] += 10.0
    w = torch.ones(1, 40)
    w[0, 3] = 0
    assert float(cyclic_l1(pred, gt, w)[0]) < 1e-7
    assert float(cyclic_l1(pred, gt)[0]) > 0.1


def test_loss_has_gradients():
    gt = _poly()
    pred = (gt + 0.05).requires_grad_(True)
    cyclic_l1(pred, gt)[0].sum().backward()
    assert pred.grad is not None and float(pred.grad.abs().sum()) > 0


def test_nearest_on_polyline_matches_numpy():
    dense = torch.tensor(
        geo.resample_polygon(np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float), 16), dtype=torch.float32
    )[None]
    pts = torch.tensor([[[0.5, -0.2], [0.5, 0.5], [1.3, 0.4]]])
    d, near = nearest_on_polyline(pts, dense)
    d2, near2 = geo.point_to_polygon_distance(pts[0].numpy(), dense[0].numpy())
    assert np.allclose(d[0].numpy(), d2, atol=1e-6) and np.allclose(near[0].numpy(), near2, atol=1e-6)
