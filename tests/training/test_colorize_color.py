"""Colour conversions, ab bins and line-art helpers (numpy-only modules of the colorize engine)."""

from __future__ import annotations

import cv2
import numpy as np

from paintgan.inference.colorize import color as C
from paintgan.inference.colorize import lineart as LA


def test_rgb_to_lab_matches_opencv_float():
    rng = np.random.default_rng(0)
    x = rng.random((64, 64, 3)).astype(np.float32)
    x[0, 0] = 0.0
    x[0, 1] = 1.0
    ref = cv2.cvtColor(x, cv2.COLOR_RGB2Lab)
    mine = C.rgb_to_lab(x)
    d = np.abs(ref - mine)
    # OpenCV's float path uses tables/fixed point internally (errors up to ~0.6); ours is the exact formula
    assert d.max() < 1.0
    assert np.median(d) < 0.15
    np.testing.assert_allclose(mine[0, 0], [0, 0, 0], atol=1e-3)
    np.testing.assert_allclose(mine[0, 1], [100, 0, 0], atol=1e-2)


def test_lab_to_rgb_matches_opencv_and_roundtrips():
    rng = np.random.default_rng(1)
    x = rng.random((32, 32, 3)).astype(np.float32)
    lab = C.rgb_to_lab(x)
    np.testing.assert_allclose(C.lab_to_rgb(lab), x, atol=1e-4)
    ref = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    np.testing.assert_allclose(C.lab_to_rgb(lab), ref, atol=2e-3)
    np.testing.assert_allclose(C.net_to_rgb(C.rgb_to_net(x)), x, atol=1e-4)


def test_to_float_rgb_composites_on_white():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = [255, 0, 0, 255]
    out = C.to_float_rgb(rgba)
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[1, 1], [1, 1, 1])


def test_ab_bins():
    centers = C.ab_bin_centers()
    q = C.num_ab_bins()
    assert centers.shape == (q, 2)
    assert 200 < q < 330
    # every bin centre maps to itself; grey maps to the (0, 0) bin
    np.testing.assert_array_equal(C.ab_to_bin(centers), np.arange(q))
    b0 = C.ab_to_bin(np.zeros(2, np.float32))
    np.testing.assert_allclose(centers[b0], [0, 0])
    # out-of-gamut ab goes to a nearby in-gamut bin
    far = C.ab_to_bin(np.array([[127.0, 127.0]], np.float32))
    assert far.shape == (1,) and 0 <= far[0] < q
    h = C.palette_histogram(np.array([[1, 0, 0], [0, 0, 1]], np.float32))
    assert h.shape == (q,) and abs(h.sum() - 1) < 1e-6 and (h > 0).sum() == 2
    assert C.palette_histogram(np.zeros((0, 3))).sum() == 0


def test_suggest_colors_orders_by_probability():
    q = C.num_ab_bins()
    logits = np.full(q, -10.0, np.float32)
    red = C.ab_to_bin(C.rgb_to_lab(np.array([1.0, 0.0, 0.0], np.float32))[1:])
    logits[red] = 5.0
    sug = C.suggest_colors(logits, L=54.0, k=3)
    assert sug and sug[0][1] > 0.9
    assert sug[0][0][0] > 0.8 and sug[0][0][1] < 0.3


def test_lineart_extractors():
    img = np.full((64, 64, 3), 255, np.uint8)
    cv2.rectangle(img, (10, 10), (50, 50), (200, 30, 30), -1)  # flat red square, no ink
    cv2.circle(img, (30, 30), 8, (0, 0, 0), 2)  # black ink circle
    for method in ("combined", "ink", "edges", "xdog"):
        la = LA.extract_lineart(img, method=method)
        assert la.shape == (64, 64) and la.dtype == np.float32
        assert la.min() >= 0.0 and la.max() <= 1.0
        assert la[2, 2] > 0.9  # paper stays white
    comb = LA.extract_lineart(img)
    assert comb[30, 22] < 0.5  # ink
    assert (comb[8:12, 12:48] < 0.5).all(axis=1).any()  # region boundary of the red square
    assert LA.extract_lineart(img, method="ink")[10, 30] > 0.5  # ink-only ignores colour edges
    rng = np.random.default_rng(0)
    for _ in range(32):
        r = LA.random_lineart(img.astype(np.float32) / 255, rng)
        assert r.shape == (64, 64) and r.min() >= 0 and r.max() <= 1 and r.mean() > 0.5
    p = LA.prepare_lineart_input(np.dstack([np.zeros((8, 8, 3), np.uint8), np.zeros((8, 8), np.uint8)]))
    np.testing.assert_allclose(p, 1.0)  # fully transparent = paper


def test_thick_dark_areas_become_outlines():
    img = np.full((64, 64, 3), 255, np.uint8)
    cv2.rectangle(img, (8, 8), (40, 40), (60, 30, 20), -1)  # a dark-brown filled area (a colour region)
    cv2.line(img, (50, 5), (50, 60), (0, 0, 0), 2)  # a thin ink line
    la = LA.extract_lineart(img)
    assert la[24, 24] > 0.9  # the interior is paper to colour
    assert la[8, 24] < 0.5 and la[24, 8] < 0.5  # its outline is ink
    assert la[30, 50] < 0.5  # thin lines stay
    solid = LA.extract_lineart(img, max_ink_width=None)
    assert solid[24, 24] < 0.5  # spot blacks kept on request
