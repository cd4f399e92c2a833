"""Property tests of the polygon helpers on random star-shaped (simple) polygons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paintgan.core import polygons as geo


@st.composite
def star_polygons(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(5, 120))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    # jittered even angles: every gap < 2 * 2π/n < π, so the polygon is star-shaped around the centre
    angles = (np.arange(n) + rng.uniform(0.0, 0.9, n)) * (2 * np.pi / n)
    radii = rng.uniform(20, 60, len(angles))
    cx, cy = rng.uniform(-20, 120, 2)
    return np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1)


@settings(max_examples=40, deadline=None)
@given(star_polygons())
def test_simplify_keeps_iou_and_order(poly: np.ndarray) -> None:
    if len(poly) < 3:
        return
    s = geo.simplify_polygon(poly)
    assert 3 <= len(s) <= len(poly)
    assert geo.polygon_iou(poly, s) >= 0.98 - 1e-9
    # vertices kept are original vertices in the original order
    idx = [int(np.flatnonzero((poly == v).all(axis=1))[0]) for v in s]
    assert idx == sorted(idx)


@settings(max_examples=40, deadline=None)
@given(star_polygons())
def test_clip_stays_inside_and_never_grows(poly: np.ndarray) -> None:
    if len(poly) < 3:
        return
    c = geo.clip_polygon(poly, 100, 80)
    if len(c):
        assert (c[:, 0] >= -1e-9).all() and (c[:, 0] <= 100 + 1e-9).all()
        assert (c[:, 1] >= -1e-9).all() and (c[:, 1] <= 80 + 1e-9).all()
    assert geo.polygon_area(c) <= geo.polygon_area(poly) + 1e-6
    inside = geo.clip_polygon(poly, 1e6, 1e6) if (poly >= 0).all() else None
    if inside is not None:
        assert geo.polygon_area(inside) == pytest.approx(geo.polygon_area(poly), rel=1e-9, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(star_polygons())
def test_star_polygons_are_simple_and_hits_agree_with_raster(poly: np.ndarray) -> None:
    if len(poly) < 3:
        return
    assert not geo.self_intersects(poly)
    lo = poly.min(axis=0)
    mask = geo.rasterize(poly, (lo[0], lo[1]), 1.0, (130, 130))
    rng = np.random.default_rng(0)
    for _ in range(20):
        r, c = rng.integers(0, 130, 2)
        x, y = lo[0] + c + 0.5, lo[1] + r + 0.5
        assert geo.point_in_polygon(x, y, poly) == bool(mask[r, c])


def test_segment_crosses_polygon_skips_the_edges_at_its_start() -> None:
    square = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    assert not geo.segment_crosses_polygon((2.0, 2.0), (8.0, 8.0), square)  # inside
    assert geo.segment_crosses_polygon((5.0, 5.0), (15.0, 5.0), square)  # leaves through an edge
    assert geo.segment_crosses_polygon((0.0, 0.0), (5.0, 5.0), square)  # touches two edges at a vertex
    assert not geo.segment_crosses_polygon((0.0, 0.0), (5.0, 5.0), square, skip=0)  # from that vertex
    assert geo.segment_crosses_polygon((0.0, 0.0), (10.0, 5.0), square, skip=0)  # ends on the far edge


def test_polygons_cross() -> None:
    square = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    assert not geo.polygons_cross(square, square * 0.5 + 2.0)  # inside, apart
    assert not geo.polygons_cross(square, square + 20.0)  # outside, apart
    assert geo.polygons_cross(square, square + 5.0)  # overlapping outlines
    assert geo.polygons_cross(square, np.array([[10.0, 2.0], [14.0, 2.0], [14.0, 6.0]]))  # touching
