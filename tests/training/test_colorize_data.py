"""Data preparation, dataset and hint simulation for the colorization networks."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from paintgan.inference.colorize.color import AB_SCALE, num_ab_bins, rgb_to_lab
from paintgan.training.data import is_val, prepare, process_image
from paintgan.training.hints import HintConfig, simulate_hints


def make_images(root, n=12):
    rng = np.random.default_rng(0)
    (root / "sub").mkdir(parents=True)
    for i in range(n):
        img = np.zeros((120, 90, 4), np.uint8)  # transparent background
        col = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(img, (45, 60), 30, (*col, 255), -1)
        cv2.circle(img, (45, 60), 30, (0, 0, 0, 255), 2)
        cv2.imwrite(str(root / ("sub" if i % 2 else "") / f"img{i}.png"), img)
    gray = np.full((100, 100, 3), 128, np.uint8)  # monochrome: rejected
    cv2.imwrite(str(root / "gray.png"), gray)
    cv2.imwrite(str(root / "tiny.png"), np.zeros((10, 10, 3), np.uint8))  # tiny: rejected
    (root / "broken.png").write_bytes(b"not a png")


def test_process_image_rejects_monochrome_and_blank():
    assert process_image(np.ones((100, 100, 3), np.float32), 80) is None
    assert process_image(np.full((100, 100, 3), 0.3, np.float32), 80) is None
    rgb = np.ones((100, 200, 3), np.float32)
    rgb[20:80, 50:150] = [0.1, 0.6, 0.9]
    out = process_image(rgb, 80)
    assert out is not None and out.shape == (80, 80, 3) and out.dtype == np.uint8


def test_split_is_deterministic():
    names = [f"a/{i}.png" for i in range(2000)]
    v = [is_val(n) for n in names]
    assert v == [is_val(n) for n in names]
    assert 0.02 < np.mean(v) < 0.09


def test_prepare_and_dataset(tmp_path):
    torch = pytest.importorskip("torch")
    from paintgan.training.data import ColorizeDataset, collate

    src, out = tmp_path / "src", tmp_path / "out"
    make_images(src)
    res = prepare(src, out, size=64, val_percent=30.0)
    assert res["train"] + res["val"] == 12 and res["skipped"] == 3
    idx = json.loads((out / "index.json").read_text())
    assert idx["side"] == 80 and len(idx["train"]) == res["train"]
    train = np.load(out / "train.npy")
    assert train.shape[1:] == (80, 80, 3)
    assert train[:, 0, 0].min() > 240  # transparent composited on white
    prior = np.load(out / "ab_prior.npy")
    assert prior.shape == (num_ab_bins(),) and abs(prior.sum() - 1) < 1e-4

    ds = ColorizeDataset(out, "train", size=64, p_lineart=0.5)
    batch = collate([ds[i % len(ds)] for i in range(6)])
    assert batch["image"].shape == (6, 1, 64, 64)
    assert batch["hint"].shape == (6, 3, 64, 64) and batch["mask"].shape == (6, 1, 64, 64)
    assert batch["target"].shape == (6, 3, 64, 64) and batch["bins"].shape == (6, 16, 16)
    assert batch["bins"].dtype == torch.int64 and int(batch["bins"].max()) < num_ab_bins()
    assert batch["palette"].shape == (6, num_ab_bins())
    assert float(batch["image"].min()) >= 0 and float(batch["image"].max()) <= 1
    # gray mode: the image is the target's L
    for i in range(6):
        if batch["mode"][i, 0] == 0:
            assert torch.allclose(batch["image"][i, 0], batch["target"][i, 0], atol=1e-5)
    val = ColorizeDataset(out, "val", size=64, fixed=True)
    a, b = val[0], val[0]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def _scene(h=96, w=96):
    rgb = np.ones((h, w, 3), np.float32)
    rgb[:, : w // 2] = [0.9, 0.1, 0.1]
    rgb[h // 2 :, w // 2 :] = [0.1, 0.2, 0.9]
    lab = rgb_to_lab(rgb)
    return rgb, lab / np.array([100, AB_SCALE, AB_SCALE], np.float32)


def test_hint_count_is_geometric_and_colours_are_true():
    _, nlab = _scene()
    rng = np.random.default_rng(0)
    cfg = HintConfig(p_strokes=0.0, p_palette=0.0, max_patch=1)
    counts, empty = [], 0
    for _ in range(400):
        hint, mask, pal = simulate_hints(nlab, rng, cfg)
        assert hint.shape == (3, 96, 96) and mask.shape == (1, 96, 96) and pal.sum() == 0
        n = int(mask.sum())
        counts.append(n)
        empty += n == 0
        sel = mask[0] > 0
        # single-pixel hints carry exactly the ground-truth colour
        np.testing.assert_allclose(hint[:, sel].T, nlab[sel], atol=1e-5)
        assert np.all(hint[:, ~sel] == 0)
    assert 0.07 < empty / 400 < 0.2  # P(no hint) = p = 1/8
    assert 4 < np.mean(counts) < 10  # mean of Geometric(1/8) - 1 = 7 (minus overlaps)


def test_hint_patches_strokes_palette():
    _, nlab = _scene()
    boundary = np.zeros(nlab.shape[:2], bool)
    boundary[:, 47:49] = True
    boundary[47:49, 48:] = True
    rng = np.random.default_rng(1)
    cfg = HintConfig(p_strokes=1.0, p_palette=1.0, p_geometric=0.5)
    for _ in range(30):
        hint, mask, pal = simulate_hints(nlab, rng, cfg, boundary=boundary)
        assert mask.sum() > 0
        assert abs(pal.sum() - 1) < 1e-5 and (pal > 0).sum() <= 8
        assert np.all(np.isin(mask, [0.0, 1.0]))
        sel = mask[0] > 0
        assert np.abs(hint[:, sel]).max() <= 1.2


def test_hints_without_or_with_only_boundaries():
    _, nlab = _scene(32, 32)
    rng = np.random.default_rng(2)
    cfg = HintConfig(p_strokes=1.0, p_geometric=0.3)
    for boundary in (np.zeros((32, 32), bool), np.ones((32, 32), bool)):
        for _ in range(20):
            hint, mask, _ = simulate_hints(nlab, rng, cfg, boundary=boundary)
            assert np.isfinite(hint).all() and np.isfinite(mask).all()
