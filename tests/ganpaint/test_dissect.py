"""Dissection: IoU threshold search on synthetic data, and a full run on a tiny model."""

from __future__ import annotations

import json

import numpy as np

from paintgan.ganpaint import Dissection, GanPainter
from paintgan.inference.ganpaint.dissect import dissect_arrays, dissect_model


def test_dissect_arrays_finds_matching_unit():
    rng = np.random.default_rng(0)
    n, c = 40, 16
    labels = np.zeros((n, 32, 32), np.uint8)
    feats = rng.random((n, c, 8, 8)).astype(np.float32) * 0.3
    for i in range(n):  # concept 1 ("b") in a random 8x8-aligned block; units 5 and 9 fire there
        y, x = rng.integers(0, 6, 2)
        labels[i, y * 4 : y * 4 + 8, x * 4 : x * 4 + 8] = 1
        feats[i, 5, y : y + 2, x : x + 2] += 3.0
        feats[i, 9, y : y + 2, x : x + 2] += 1.0
    d = dissect_arrays(feats, labels, ["a", "b"], work_resolution=32, min_iou=0.3, min_units=2)
    assert d["concepts"]["b"]["units"][:2] in ([5, 9], [9, 5])
    assert d["concepts"]["b"]["iou"][0] > 0.6
    assert d["offered"] == ["a", "b"] or "b" in d["offered"]
    assert len(d["unit_quantiles"]["q99"]) == c and d["units"][5]["concept"] == "b"
    d2 = dissect_arrays(feats, labels, ["a", "b"], min_iou=0.3, min_units=3)
    assert "b" not in d2["offered"]


def test_dissect_model_writes_valid_json(tiny_model):
    (tiny_model / "dissection.json").unlink()
    _, path = dissect_model(tiny_model, samples=24, device="cpu", min_iou=0.0, min_units=1)
    assert path == tiny_model / "dissection.json"
    raw = json.loads(path.read_text())
    d = Dissection(raw)
    assert len(d.q99) == 256 and raw["samples"] == 24 and raw["feature_shape"] == [256, 8, 8]
    assert set(raw["concepts"]) == set(raw["classes"])
    for v in raw["concepts"].values():
        assert len(v["units"]) == len(v["iou"]) == len(v["threshold"]) and v["iou"] == sorted(
            v["iou"], reverse=True
        )
    gp = GanPainter(tiny_model, "cpu")
    assert gp.concepts() == raw["offered"]
