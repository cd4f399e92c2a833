"""Reference-protocol training: region-hint simulation, the per-region flat loss and a training run with
both switched on (tiny pictures the tests draw)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from colorize_data_helpers import tiny_colorize_data, tiny_train_args

from paintgan.inference.colorize.color import rgb_to_lab
from paintgan.training.region_hints import LAB_NORM, simulate_region_hints

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _page() -> tuple[np.ndarray, np.ndarray]:
    """(rgb8, line art): six outlined boxes (one with a gradient fill) on white paper, 64 x 64."""
    rgb = np.full((64, 64, 3), 255, np.uint8)
    boxes = [(2, 2, 20, 20), (24, 2, 42, 20), (46, 2, 62, 20)]
    boxes += [(2, 26, 30, 60), (34, 26, 62, 42), (34, 46, 62, 62)]
    cols = [(200, 30, 30), (30, 160, 40), (40, 60, 210), (230, 200, 40), (150, 60, 170), (20, 180, 190)]
    for (x0, y0, x1, y1), c in zip(boxes, cols):
        cv2.rectangle(rgb, (x0, y0), (x1, y1), c, -1)
    rgb[27:60, 3:30, 1] = np.linspace(120, 250, 27).astype(np.uint8)[None, :]  # gradient: mean != any pixel
    for x0, y0, x1, y1 in boxes:
        cv2.rectangle(rgb, (x0, y0), (x1, y1), (0, 0, 0), 1)
    line = (rgb.min(axis=2) > 10).astype(np.float32)
    return rgb, line


def test_one_hint_per_chosen_region_with_its_mean_colour():
    rgb, line = _page()
    for seed in range(4):
        hint, mask, labels, hinted = simulate_region_hints(rgb, line, np.random.default_rng(seed))
        assert labels.dtype == np.int32 and labels.shape == line.shape
        assert hint.shape == (3, 64, 64) and mask.shape == (1, 64, 64) and hinted.shape == (64, 64)
        assert (labels[line < 0.5] == 0).all()  # ink is in no region
        n = int(labels.max())
        assert n == 7  # six boxes + the paper around them
        chosen = set(np.unique(labels[(hinted > 0) & (labels > 0)]).tolist())
        assert 0.5 * n - 1 <= len(chosen) <= n
        k, comp = cv2.connectedComponents((mask[0] > 0).astype(np.uint8), connectivity=8)
        found = []
        for c in range(1, k):
            ys, xs = np.nonzero(comp == c)
            assert 3 * 3 <= len(ys) <= 5 * 5  # one square of radius 1 or 2
            cy, cx = round(ys.mean()), round(xs.mean())
            region = int(labels[cy, cx])
            assert region > 0  # the hint's centre is inside the region, not on ink
            sel = labels == region
            mean = np.clip(np.round(rgb[sel].astype(np.float64).mean(0)), 0, 255).astype(np.uint8)
            want = rgb_to_lab(mean[None, None])[0, 0] / LAB_NORM
            np.testing.assert_allclose(hint[:, cy, cx], want, atol=1e-5)
            found.append(region)
        assert sorted(found) == sorted(chosen)  # exactly one hint per chosen region


def _region_means(target: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    out = target.clone()
    for b in range(len(labels)):
        for r in labels[b].unique().tolist():
            if r > 0:
                sel = labels[b] == r
                out[b][:, sel] = target[b][:, sel].mean(1, keepdim=True)
    return out


def test_region_loss_zero_at_truth_and_decreases():
    from paintgan.training.region_hints import region_flat_loss

    g = torch.Generator().manual_seed(0)
    labels = torch.zeros(2, 16, 16, dtype=torch.int32)
    labels[0, :8] = 1
    labels[0, 8:] = 2
    labels[1, :, :5] = 3
    labels[1, :, 5:] = 1  # sample 1 reuses id 1: regions are per sample
    labels[1, :, 10] = 0  # ink: ignored
    hinted = torch.zeros(2, 16, 16)
    hinted[0, :8] = 1
    target = torch.rand(2, 3, 16, 16, generator=g)
    exact = _region_means(target, labels)
    exact[1, :, :, 10] = 5.0  # ink pixels do not count
    assert float(region_flat_loss(exact, target, labels, hinted)) < 1e-7
    pred = torch.rand(2, 3, 16, 16, generator=g).requires_grad_(True)
    loss = region_flat_loss(pred, target, labels, hinted)
    assert float(loss.detach()) > 1e-3
    loss.backward()
    with torch.no_grad():
        pred2 = pred - 0.5 * pred.grad
    assert float(region_flat_loss(pred2, target, labels, hinted)) < float(loss.detach())
    # an error in a hinted region weighs hinted_weight of the same error in an unhinted one
    off0, off1 = exact.clone(), exact.clone()
    off0[0, :, :8] += 0.3  # region 1 of sample 0: hinted
    off1[0, :, 8:] += 0.3  # region 2 of sample 0: unhinted, same area
    r = float(region_flat_loss(off0, target, labels, hinted, hinted_weight=0.2))
    unhinted = float(region_flat_loss(off1, target, labels, hinted, hinted_weight=0.2))
    assert r == pytest.approx(0.2 * unhinted, rel=1e-4)
    # no regions at all: zero, and still differentiable
    z = region_flat_loss(pred, target, torch.zeros_like(labels), hinted)
    assert float(z.detach()) == 0.0 and z.requires_grad


def test_dataset_items_carry_region_labels(tmp_path):
    from paintgan.training.data import ColorizeDataset, collate

    data = tiny_colorize_data(tmp_path)
    ds = ColorizeDataset(data, "train", size=32, p_lineart=1.0, p_region_hints=1.0, seed=3, fixed=True)
    items = [ds[i] for i in range(len(ds))]
    for it in items:
        assert it["labels"].dtype == np.int32 and it["labels"].shape == (32, 32)
        assert it["labels"].max() >= 1 and it["mask"].sum() > 0  # every sample: at least one region hint
        assert not it["palette"].any()
    assert max(int(it["labels"].max()) for it in items) >= 3  # the boxes are regions of their own
    b = collate(items[:3])
    assert b["labels"].shape == (3, 32, 32) and b["region_hinted"].shape == (3, 32, 32)
    plain = ColorizeDataset(data, "train", size=32, p_lineart=1.0, seed=3)
    assert "labels" not in plain[0]  # off by default: items as before


def test_train_with_region_hints_and_loss_resumes(tmp_path):
    from paintgan.training.colorizer import main

    data = tiny_colorize_data(tmp_path)
    out = tmp_path / "run"
    common = tiny_train_args(data, out)
    common += ["--p-lineart", "1.0", "--p-region-hints", "1.0", "--region-loss", "1.0"]
    assert main(["train", *common, "--steps", "2"]) == 0
    assert torch.load(out / "last.pt", weights_only=False)["step"] == 2
    assert main(["train", *common, "--steps", "3", "--resume"]) == 0
    ck = torch.load(out / "last.pt", weights_only=False)
    assert ck["step"] == 3 and ck["args"]["region_loss"] == 1.0
    log = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "loss" in r]
    assert len(steps) == 3 and all(np.isfinite(r["region"]) and r["region"] >= 0 for r in steps)
    vals = [r["val_psnr"] for r in log if "val_psnr" in r]
    assert vals and all(np.isfinite(v["lineart_region"]) and v["region_loss"] >= 0 for v in vals)


def test_region_labels_marks_regions_that_hold_a_hint() -> None:
    from paintgan.training.region_hints import region_labels

    art = np.ones((40, 40), np.float32)
    art[:, 19:21] = 0.0  # a vertical line: two regions
    mask = np.zeros((1, 40, 40), np.float32)
    mask[0, 10, 5] = 1.0  # a hint in the left region only
    labels, hinted = region_labels(art, mask)
    assert labels[:, 19:21].max() == 0  # ink is ignored
    left, right = labels[10, 5], labels[10, 30]
    assert left > 0 and right > 0 and left != right
    assert hinted[labels == left].min() == 1.0
    assert hinted[labels == right].max() == 0.0


def test_dataset_region_labels_all_labels_zhang_samples(tmp_path):
    from paintgan.training.colorizer import main
    from paintgan.training.data import ColorizeDataset

    data = tiny_colorize_data(tmp_path)
    ds = ColorizeDataset(data, "train", size=32, p_lineart=1.0, region_labels_all=True, seed=3, fixed=True)
    items = [ds[i] for i in range(len(ds))]
    assert all(it["labels"].max() >= 1 for it in items)  # Zhang-style (or no) hints, regions labelled
    for it in items:  # a region is "hinted" exactly when one of its pixels holds a hint
        held = np.unique(it["labels"][(it["mask"][0] > 0) & (it["labels"] > 0)])
        assert set(np.unique(it["labels"][it["region_hinted"] > 0])) <= set(held) | {0}
    gray = ColorizeDataset(data, "train", size=32, p_lineart=0.0, region_labels_all=True, seed=3, fixed=True)
    assert gray[0]["labels"].max() == 0  # gray samples keep the per-pixel loss only
    out = tmp_path / "run"
    args = ["train", "--data", str(data), "--out", str(out), "--batch", "2", "--size", "32"]
    args += ["--val-size", "32", "--widths", "4,8,8,8,8", "--threads", "1"]
    args += ["--warmup", "1", "--steps", "2", "--log-every", "1"]
    args += ["--p-lineart", "1.0", "--region-all", "--region-loss", "0.5", "--region-beta", "0.1"]
    assert main(args) == 0
    log = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    assert [r["region"] > 0 for r in log if "loss" in r] == [True, True]
