"""Magic wand by colour and by line art (gap closing, reaching under the lines); A4 timing."""

from __future__ import annotations

import time

import cv2
import numpy as np

from paintgan.brush.select import wand_by_color, wand_by_lineart


def test_wand_by_color_contiguous_and_global() -> None:
    img = np.full((40, 60, 3), 255, np.uint8)
    img[:, 20:22] = 0  # a black bar splits the picture
    img[5:10, 40:45] = (250, 250, 250)  # near-white patch on the right
    left = wand_by_color(img, 5, 5, tolerance=0, contiguous=True)
    assert left is not None and left.rect.w == 20 and left.rect.x == 0
    both = wand_by_color(img, 5, 5, tolerance=0, contiguous=False)
    assert both is not None and both.read(both.rect).astype(bool).sum() == 40 * 58 - 25
    tol = wand_by_color(img, 5, 5, tolerance=10, contiguous=False)
    assert tol is not None and (tol.read(tol.rect) > 0).sum() == 40 * 58
    assert wand_by_color(img, 100, 5) is None


def _page(h: int = 200, w: int = 300) -> np.ndarray:
    img = np.full((h, w, 4), 255, np.uint8)
    cv2.rectangle(img, (20, 20), (120, 120), (0, 0, 0, 255), 3)
    img[60:63, 118:124] = 255  # a 3-px gap in the right edge of the box
    return img


def test_wand_by_lineart_closes_gaps_and_reaches_under_lines() -> None:
    img = _page()
    s = wand_by_lineart(img, 60, 60, gap=3)
    assert s is not None
    r = s.rect
    assert 18 <= r.x <= 22 and r.x1 <= 124  # stayed in the box despite the gap
    m = s.read(s.rect) > 0
    assert s.contains(20, 60)  # the middle of the 3-px left line (x 19..21) belongs to the region
    assert not s.contains(130, 60)
    # without gap closing the region leaks out through the gap
    leak = wand_by_lineart(img, 60, 60, gap=0)
    assert leak is not None and leak.rect.w > 200
    assert m.any()
    assert wand_by_lineart(img, 20, 60, gap=3) is None  # on the line


def test_wand_by_lineart_a4_time() -> None:
    h, w = 3508, 2480
    img = np.full((h, w, 4), 255, np.uint8)
    rng = np.random.default_rng(0)
    for _ in range(120):
        x0, y0 = (int(v) for v in rng.integers(0, [w, h]))
        x1, y1 = (int(v) for v in rng.integers(0, [w, h]))
        cv2.line(img, (x0, y0), (x1, y1), (0, 0, 0, 255), 4)
    t0 = time.perf_counter()
    s = wand_by_lineart(img, 5, 5, gap=2) or wand_by_lineart(img, w // 2, h // 2, gap=2)
    elapsed = time.perf_counter() - t0
    assert s is not None
    print(f"wand by line art, A4: {elapsed * 1000:.0f} ms")
    assert elapsed < 20.0  # a sanity bound only (budget 0.3 s: bench/bench_editing.py measures it)
