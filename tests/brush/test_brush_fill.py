from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from paintgan.brush.fill import apply_fill, fill_mask, mask_bbox
from paintgan.core.geometry import Rect


def ring(gap: int = 0, size: int = 200) -> np.ndarray:
    img = np.full((size, size, 4), 255, np.uint8)
    cv2.circle(img, (100, 100), 60, (0, 0, 0, 255), 3)
    if gap:
        img[100 - gap // 2:100 + gap - gap // 2, 150:170] = 255  # open the right side
    return img


def test_plain_fill_stays_inside_a_closed_ring() -> None:
    m = fill_mask(ring(), 100, 100)
    assert m[100, 100] and not m[5, 5] and not m[100, 160]
    assert abs(m.sum() - np.pi * 58.5 ** 2) < 0.05 * np.pi * 58.5 ** 2


def test_gap_leaks_without_gap_closing_and_not_with_it() -> None:
    img = ring(gap=10)
    assert fill_mask(img, 100, 100)[5, 5]  # leaks out
    m = fill_mask(img, 100, 100, gap=6)
    assert not m[5, 5] and not m[100, 175]
    assert m[100, 100] and m[100, 157]  # grown back up to the line
    assert not (m & (img[..., 0] == 0)).any()  # never over the ink


def test_tolerance() -> None:
    img = np.zeros((10, 10, 4), np.uint8)
    img[:, 5:] = (20, 0, 0, 0)
    assert fill_mask(img, 0, 0, tolerance=10).sum() == 50
    assert fill_mask(img, 0, 0, tolerance=20).sum() == 100


def test_seed_outside_and_click_next_to_ink() -> None:
    img = ring(gap=10)
    assert not fill_mask(img, -1, 5).any()
    m = fill_mask(img, 100, 42, gap=6)  # right next to the line: falls back to a plain fill
    assert m[100, 42]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 31), st.integers(0, 31), st.integers(0, 255), st.integers(0, 4))
def test_fill_region_is_connected_similar_and_contains_seed(x: int, y: int, tol: int, gap: int) -> None:
    rng = np.random.default_rng(x * 32 + y)
    img = (rng.integers(0, 4, (32, 32, 1)) * 60).astype(np.uint8).repeat(4, axis=2)
    m = fill_mask(img, x, y, tol, gap)
    assert m[y, x]
    diff = np.abs(img.astype(int) - img[y, x].astype(int)).max(axis=2)
    assert (diff[m] <= tol).all()
    n, _labels = cv2.connectedComponents(m.astype(np.uint8), connectivity=4)
    assert n == 2  # background + one region


def test_apply_fill_and_bbox() -> None:
    px = np.zeros((4, 4, 4), np.uint8)
    mask = np.zeros((4, 4), bool)
    mask[1:3, 2] = True
    assert mask_bbox(mask) == Rect(2, 1, 1, 2)
    assert mask_bbox(np.zeros((3, 3), bool)) is None
    out = apply_fill(px, mask, (10, 20, 30))
    assert tuple(out[1, 2]) == (10, 20, 30, 255) and tuple(out[0, 0]) == (0, 0, 0, 0)
    half = apply_fill(px, mask, (10, 20, 30), 0.5)
    assert tuple(half[1, 2]) == (10, 20, 30, 128)
