"""Selections in core: shapes, combining modes, grow/shrink/feather/invert, outline."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect

B = Rect(0, 0, 100, 80)


def full(s: sel.Selection | None) -> np.ndarray:
    return np.zeros((B.h, B.w), np.uint8) if s is None else s.read(B)


def test_rectangle_exact_pixels_and_clipping() -> None:
    s = sel.rectangle(30, 20, 10, 5, B)  # corners in any order
    assert s is not None and s.rect == Rect(10, 5, 20, 15)
    assert (s.mask == 255).all()
    clipped = sel.rectangle(-10, -10, 5, 5, B)
    assert clipped is not None and clipped.rect == Rect(0, 0, 5, 5)
    assert sel.rectangle(200, 200, 300, 300, B) is None


def test_ellipse_and_polygon_area() -> None:
    e = sel.ellipse(10, 10, 50, 50, B)
    assert e is not None
    area = e.mask.astype(np.float64).sum() / 255
    assert abs(area - np.pi * 20 * 20) / (np.pi * 400) < 0.02
    assert e.contains(30, 30) and not e.contains(11, 11)
    tri = sel.polygon([(0, 0), (40, 0), (0, 40)], B)
    assert tri is not None
    assert abs(tri.mask.astype(np.float64).sum() / 255 - 800) < 40
    assert sel.polygon([(0, 0), (4, 4)], B) is None


def test_combine_modes() -> None:
    a = sel.rectangle(0, 0, 50, 50, B)
    b = sel.rectangle(25, 25, 75, 75, B)
    assert sel.combine(a, b, "replace") is b
    add = full(sel.combine(a, b, "add")) > 0
    assert add.sum() == 2 * 2500 - 625
    sub = full(sel.combine(a, b, "subtract")) > 0
    assert sub.sum() == 2500 - 625 and not sub[30, 30] and sub[10, 10]
    inter = sel.combine(a, b, "intersect")
    assert inter is not None and inter.rect == Rect(25, 25, 25, 25)
    assert sel.combine(None, b, "subtract") is None
    assert sel.combine(a, sel.rectangle(60, 60, 70, 70, B), "intersect") is None
    assert sel.mode_for(True, False) == "add" and sel.mode_for(False, True) == "subtract"
    assert sel.mode_for(True, True) == "intersect" and sel.mode_for(False, False) == "replace"
    with pytest.raises(ValueError):
        sel.combine(a, b, "xor")


def test_invert_grow_shrink_feather() -> None:
    a = sel.rectangle(20, 20, 40, 40, B)
    inv = sel.invert(a, B)
    assert (full(inv) > 0).sum() == B.w * B.h - 400
    assert sel.invert(None, B).rect == B  # type: ignore[union-attr]
    assert sel.invert(sel.select_all(B), B) is None
    g = sel.grow(a, 3, B)
    assert g is not None and g.rect == Rect(17, 17, 26, 26)
    s = sel.shrink(a, 3, B)
    assert s is not None and s.rect == Rect(23, 23, 14, 14)
    # the page border does not eat into a selection touching it
    assert sel.shrink(sel.select_all(B), 5, B).rect == B  # type: ignore[union-attr]
    f = sel.feather(a, 4, B)
    assert f is not None and f.rect.w > 20
    m = full(f)
    assert m[30, 30] == 255 and 0 < m[20, 30] < 255 and m[5, 5] == 0


def test_outline_of_rectangle_and_holes() -> None:
    a = sel.rectangle(10, 10, 20, 20, B)
    (poly,) = sel.outline(a)
    assert len(poly) == 4
    assert poly[:, 0].min() == 10 and poly[:, 0].max() == 20  # along the pixel edges
    ring = sel.combine(sel.rectangle(0, 0, 60, 60, B), sel.rectangle(20, 20, 40, 40, B), "subtract")
    assert len(sel.outline(ring)) == 2
    assert sel.outline(None) == []


def test_document_selection_event_and_immutability() -> None:
    doc = Document.new(100, 80)
    seen = []
    doc.subscribe(lambda c: seen.append((c.kind, c.rect)))
    a = sel.rectangle(1, 2, 11, 12, doc.rect)
    doc.set_selection(a)
    assert seen[-1] == ("selection", Rect(1, 2, 10, 10))
    with pytest.raises(ValueError):
        a.mask[0, 0] = 0  # read-only: commands may share it safely
    t = a.translated(5, 5)
    assert t.rect == Rect(6, 7, 10, 10) and t.mask is a.mask


def test_outline_follows_pixel_edges_of_holes() -> None:
    ring = sel.combine(sel.rectangle(0, 0, 60, 60, B), sel.rectangle(20, 20, 40, 40, B), "subtract")
    outer, hole = sel.outline(ring)
    assert sorted(map(tuple, outer.tolist())) == [(0, 0), (0, 60), (60, 0), (60, 60)]
    assert hole[:, 0].min() == 20 and hole[:, 0].max() == 40 and hole[:, 1].min() == 20


def test_outline_keeps_islands_inside_holes() -> None:
    ring = sel.combine(sel.rectangle(0, 0, 60, 60, B), sel.rectangle(10, 10, 50, 50, B), "subtract")
    island = sel.combine(ring, sel.rectangle(20, 20, 30, 30, B), "add")
    assert len(sel.outline(island)) == 3  # outer border, the hole, the island in the hole


def test_outline_simplified_for_zoomed_out_views() -> None:
    e = sel.ellipse(0, 0, 100, 80, B)
    (full_poly,) = sel.outline(e)
    (coarse,) = sel.outline(e, tolerance=2.0)
    assert len(coarse) < len(full_poly) / 2
    assert abs(coarse[:, 0].max() - full_poly[:, 0].max()) <= 2.0
