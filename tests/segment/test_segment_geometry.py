"""Polygon/mask conversions, crops and box checks (numpy + OpenCV only)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from paintgan.errors import PaintGANError
from paintgan.inference.segment import geometry as geo


def test_mask_polygon_round_trip():
    mask = np.zeros((80, 100), bool)
    mask[10:50, 20:70] = True
    mask[30:60, 40:50] = True
    poly = geo.mask_to_polygon(mask)
    assert poly is not None and geo.signed_area(poly) > 0  # clockwise on screen
    assert geo.mask_iou(geo.polygon_to_mask(poly, mask.shape), mask) == 1.0


def test_mask_to_polygon_keeps_largest_component_and_empty_is_none():
    mask = np.zeros((60, 60), bool)
    mask[5:10, 5:10] = True
    mask[20:50, 20:50] = True
    poly = geo.mask_to_polygon(mask)
    assert poly[:, 0].min() == 20 and poly[:, 0].max() == 49
    assert geo.mask_to_polygon(np.zeros((5, 5), bool)) is None


def test_resample_polygon_is_uniform_and_oriented():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    r = geo.resample_polygon(square, 8)
    steps = np.linalg.norm(np.diff(np.vstack([r, r[:1]]), axis=0), axis=1)
    assert np.allclose(steps, 5.0)
    assert np.allclose(r[0], [0, 0])
    assert geo.signed_area(geo.orient_clockwise(square[::-1])) > 0


def test_crop_matrix_round_trip_and_box_position():
    img = np.zeros((300, 400, 3), np.uint8)
    box = (50.0, 60.0, 250.0, 200.0)
    crop, m = geo.crop_image(img, box)
    assert crop.shape == (224, 224, 3)
    pts = np.array([[50.0, 60.0], [250.0, 200.0], [123.4, 77.7]])
    u = geo.image_to_unit(pts, m)
    assert np.allclose(geo.unit_to_image(u, m), pts)
    lo, hi = geo.CONTEXT / (1 + 2 * geo.CONTEXT), (1 + geo.CONTEXT) / (1 + 2 * geo.CONTEXT)
    assert np.allclose(u[0], lo, atol=0.01) and np.allclose(u[1], hi, atol=0.01)


def test_crop_content_lands_where_the_matrix_says():
    img = np.zeros((400, 600, 3), np.uint8)
    img[100:200, 300:400] = 255  # white square
    box = (250.0, 50.0, 450.0, 250.0)
    crop, m = geo.crop_image(img, box)
    c = geo.image_to_unit(np.array([[349.5, 149.5]]), m)[0] * 224 - 0.5
    assert crop[math.floor(c[1] + 0.5), math.floor(c[0] + 0.5)].min() == 255
    # a big shrink (pre-shrink path) keeps the square in place too
    big = np.zeros((3000, 3000, 3), np.uint8)
    big[1000:2000, 1000:2000] = 255
    crop, m = geo.crop_image(big, (500, 500, 2500, 2500))
    c = geo.image_to_unit(np.array([[1500.0, 1500.0], [1010.0, 1010.0]]), m) * 224 - 0.5
    assert crop[int(c[0, 1]), int(c[0, 0])].min() == 255
    assert crop[int(c[1, 1]) + 1, int(c[1, 0]) + 1].min() > 200


def test_extreme_points():
    mask = np.zeros((50, 50), bool)
    mask[10:20, 5:40] = True
    e = geo.extreme_points(mask)
    assert e[0, 0] == 5 and e[1, 1] == 10 and e[2, 0] == 39 and e[3, 1] == 19


@pytest.mark.parametrize(
    "box",
    [
        (10, 10, 10, 50),
        (10, 10, 11, 11),
        (500, 500, 600, 600),
        (-50, -50, -10, -10),
        (0, 0, float("nan"), 5),
        (1, 2, 3),
    ],
)
def test_degenerate_boxes_raise_clear_errors(box):
    with pytest.raises(geo.BoxError) as info:
        geo.validate_box(box, (100, 100, 3))
    assert isinstance(info.value, ValueError) and isinstance(info.value, PaintGANError)
    assert "\n" not in str(info.value) and "box" in str(info.value)


def test_validate_box_orders_corners():
    assert geo.validate_box((50, 60, 10, 20), (100, 100)) == (10, 20, 50, 60)


def test_point_to_polygon_distance():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    d, near = geo.point_to_polygon_distance(np.array([[5.0, -3.0], [5.0, 5.0]]), square)
    assert np.allclose(d, [3, 5]) and np.allclose(near[0], [5, 0])


def test_soft_drag_pulls_neighbours_and_keeps_fixed_exact():
    from paintgan.inference.segment.engine import soft_drag

    n = 40
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    poly = np.stack([100 + 50 * np.cos(t), 100 + 50 * np.sin(t)], axis=1)
    out = soft_drag(poly, {0: (160.0, 100.0)}, sigma=2.0)  # vertex 0 dragged 10 px outwards
    assert tuple(out[0]) == (160.0, 100.0)
    assert 0 < out[1, 0] - poly[1, 0] < 10 and 0 < out[-1, 0] - poly[-1, 0] < 10  # neighbours follow, less
    np.testing.assert_allclose(out[20], poly[20])  # the far side does not move
    same = soft_drag(poly, {5: tuple(poly[5])}, sigma=2.0)  # an unmoved fixed vertex changes nothing
    np.testing.assert_allclose(same, poly)
