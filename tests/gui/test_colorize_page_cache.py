"""The preview double buffer of the colorize controller (PageCache): a worker never writes the buffer that is
on screen, the buffer it hands out equals what was shown, and the mirror token protocol."""

from __future__ import annotations

import numpy as np

from paintgan.core.geometry import Rect
from paintgan.gui.colorize.compute import PageCache


def _page(value: int, h: int = 40, w: int = 60) -> np.ndarray:
    return np.full((h, w, 4), value, np.uint8)


def _preview(cache: PageCache, shown: np.ndarray, box: Rect, value: int) -> np.ndarray:
    before = shown.copy()
    out = cache.buffer_from(shown, box)
    assert out is not shown
    np.testing.assert_array_equal(out, shown)  # the handed-out buffer starts as what is on screen
    out[box.y:box.y1, box.x:box.x1] = value
    np.testing.assert_array_equal(shown, before)  # the shown buffer was never touched
    return out


def test_previews_alternate_between_two_buffers_and_never_write_the_shown_one():
    cache = PageCache()
    exact = _page(10)
    p1 = _preview(cache, exact, Rect(0, 0, 10, 10), 50)
    p2 = _preview(cache, p1, Rect(20, 5, 10, 10), 60)
    p3 = _preview(cache, p2, Rect(40, 20, 15, 15), 70)
    assert p3 is p1 and p2 is not p1  # two buffers, reused
    expected = _page(10)
    expected[0:10, 0:10] = 50
    expected[5:15, 20:30] = 60
    expected[20:35, 40:55] = 70
    np.testing.assert_array_equal(p3, expected)
    # a preview computed while the previous one was never shown (superseded): based on the older buffer
    p4 = _preview(cache, p2, Rect(0, 30, 5, 5), 80)
    assert p4 is p1
    np.testing.assert_array_equal(p4[20:35, 40:55], p2[20:35, 40:55])


def test_mirror_copies_an_exact_result_into_both_buffers_unless_a_preview_came_first():
    cache = PageCache()
    _preview(cache, _page(1), Rect(0, 0, 4, 4), 9)
    exact = _page(33)
    token = cache.mirror_token()
    cache.mirror(exact, token)
    out = cache.buffer_from(exact, Rect(0, 0, 2, 2))
    np.testing.assert_array_equal(out, exact)
    # a mirror whose token is stale (a preview took a buffer since) leaves the buffers alone
    stale = cache.mirror_token()
    out[:] = 77  # the preview's own pixels, maybe on screen now
    cache.buffer_from(out, Rect(0, 0, 1, 1))
    cache.mirror(_page(200), stale)
    assert int(out[10, 10, 0]) == 77
