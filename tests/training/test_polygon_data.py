"""Synthetic polygon data: held-out split by file-name hash, scenes with consistent ground truth."""

from __future__ import annotations

import json

import cv2
import numpy as np

from paintgan.inference.segment import geometry as geo
from paintgan.training import polygon_data as D


def _make_folders(tmp_path, n_obj=30, n_bg=12):
    objs, bgs = tmp_path / "objects", tmp_path / "backgrounds"
    rng = np.random.default_rng(0)
    for i in range(n_obj):
        (objs / f"cat{i % 3}").mkdir(parents=True, exist_ok=True)
        rgba = np.zeros((80, 100, 4), np.uint8)
        rgba[..., :3] = rng.integers(0, 255, 3)
        cv2.ellipse(
            rgba,
            (50, 40),
            (int(rng.integers(20, 45)), int(rng.integers(15, 35))),
            0,
            0,
            360,
            (*[int(c) for c in rng.integers(0, 255, 3)], 255),
            -1,
        )
        cv2.imwrite(str(objs / f"cat{i % 3}" / f"obj{i}.png"), rgba)
    for i in range(n_bg):
        d = bgs / f"Theme{i}" / "contents" / "images"
        d.mkdir(parents=True)
        img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
        cv2.imwrite(str(d / "640x480.jpg"), cv2.resize(img, (640, 480)))
        cv2.imwrite(str(d / "320x240.jpg"), cv2.resize(img, (320, 240)))
    return objs, bgs


def test_split_is_disjoint_and_by_hash(tmp_path):
    objs, bgs = _make_folders(tmp_path)
    fo, fb = D.list_images(objs), D.list_images(bgs)
    to, vo = D.split_files(fo, objs, "train", "objects"), D.split_files(fo, objs, "val", "objects")
    tb, vb = D.split_files(fb, bgs, "train", "backgrounds"), D.split_files(fb, bgs, "val", "backgrounds")
    assert set(to).isdisjoint(vo) and len(to) + len(vo) == len(fo)
    assert {D.background_key(p, bgs) for p in tb}.isdisjoint({D.background_key(p, bgs) for p in vb})
    assert len(D.dedupe_resolutions(fb)) == 12


def test_scene_ground_truth_is_consistent(tmp_path):
    objs, bgs = _make_folders(tmp_path)
    gen = D.SceneGenerator(D.list_images(objs), D.dedupe_resolutions(D.list_images(bgs)), seed=1)
    for _ in range(5):
        sc = gen.scene()
        img, poly, box = sc["image"], sc["polygon"], sc["box"]
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        assert geo.signed_area(poly) > 0
        x0, y0 = poly.min(0)
        x1, y1 = poly.max(0)
        w, h = x1 - x0, y1 - y0
        assert abs(box[0] - x0) <= 0.081 * w + 1e-3 and abs(box[3] - y1) <= 0.081 * h + 1e-3
        e = sc["extreme"]
        assert abs(e[0, 0] - x0) < 1e-3 and abs(e[2, 0] - x1) < 1e-3
        crop, unit = D.scene_to_crop(sc)
        assert crop.shape == (224, 224, 3) and unit.shape == (D.DENSE_POINTS, 2)
        assert unit.min() > -0.05 and unit.max() < 1.05


def test_cli_writes_shards_and_scenes(tmp_path):
    objs, bgs = _make_folders(tmp_path)
    out = tmp_path / "train"
    assert D.main(["--objects", str(objs), "--backgrounds", str(bgs), "--out", str(out), "--count", "3"]) == 0
    crops, polys = np.load(out / "crops_000.npy"), np.load(out / "polys_000.npy")
    assert crops.shape == (3, 224, 224, 3) and polys.shape == (3, D.DENSE_POINTS, 2)
    assert json.loads((out / "meta.json").read_text())["count"] == 3
    val = tmp_path / "val"
    assert (
        D.main(
            [
                "--objects",
                str(objs),
                "--backgrounds",
                str(bgs),
                "--out",
                str(val),
                "--count",
                "2",
                "--split",
                "val",
            ]
        )
        == 0
    )
    z = np.load(val / "00000.npz")
    assert set(z.files) == {"image", "polygon", "box", "extreme"}
