"""Mask -> adaptive polygons: fewer vertices than the contour at IoU >= 0.98, the parts rule, clipping."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paintgan.core.polygons import point_in_polygon, polygon_area, polygon_problem
from paintgan.inference.segment import geometry as geo
from paintgan.inference.segment import polygonize as pz


def _star(n: int = 300) -> np.ndarray:
    m = np.zeros((n, n), np.uint8)
    t = np.linspace(0, 2 * np.pi, 10, endpoint=False)
    r = np.where(np.arange(10) % 2 == 0, 0.45 * n, 0.18 * n)
    pts = np.stack([n / 2 + r * np.cos(t), n / 2 + r * np.sin(t)], 1)
    cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1)
    cv2.circle(m, (int(n * 0.2), int(n * 0.8)), int(n * 0.08), 1, -1)  # a wavy blob part
    return m.astype(bool)


@pytest.mark.parametrize("shape", ["star", "disc", "rect"])
def test_simplification_keeps_iou_with_fewer_points(shape):
    n = 300
    if shape == "star":
        mask = _star(n)
    elif shape == "disc":
        yy, xx = np.mgrid[:n, :n]
        mask = (xx - 150) ** 2 + (yy - 140) ** 2 <= 100**2
    else:
        mask = np.zeros((n, n), bool)
        mask[40:200, 60:260] = True
    for contour in pz.contours_of(mask):
        filled = np.zeros((n, n), np.uint8)
        cv2.fillPoly(filled, [contour.reshape(-1, 1, 2).astype(np.int32)], 1)
        simple = pz.simplify_contour(contour)
        again = np.zeros((n, n), np.uint8)
        cv2.fillPoly(again, [np.round(simple).astype(np.int32).reshape(-1, 1, 2)], 1)
        assert geo.mask_iou(again.astype(bool), filled.astype(bool)) >= 0.98
        assert 3 <= len(simple) < len(contour) / 4
    if shape == "rect":
        assert len(pz.simplify_contour(pz.contours_of(mask)[0])) == 4


def test_mask_to_polygons_parts_rule_holes_and_image_coordinates():
    s = 128
    prob = np.zeros((s, s), np.float32)
    cv2.circle(prob, (50, 64), 30, 1.0, -1)
    cv2.circle(prob, (50, 64), 8, 0.0, -1)  # a hole (7 % of the part): kept, cut in through a slit
    cv2.circle(prob, (38, 50), 1, 0.0, -1)  # a pinhole (< 1 % of the part): filled
    cv2.rectangle(prob, (95, 40), (115, 90), 1.0, -1)  # a second part, kept
    prob[5:7, 5:7] = 1.0  # a speck, dropped (< 10 % of the largest part)
    box = (100.0, 200.0, 300.0, 400.0)
    m = geo.crop_matrix(box, s, 0.15)
    polys = pz.mask_to_polygons(prob, m, (600, 800))
    assert len(polys) == 2
    assert cv2.contourArea(polys[0].astype(np.float32)) > cv2.contourArea(polys[1].astype(np.float32))
    whole = pz.polygons_to_mask(polys, (600, 800))
    inv = cv2.invertAffineTransform(m)
    hole_centre = np.round(inv @ np.array([50.0, 64.0, 1.0])).astype(int)
    pinhole = np.round(inv @ np.array([38.0, 50.0, 1.0])).astype(int)
    assert not whole[hole_centre[1], hole_centre[0]]
    assert whole[pinhole[1], pinhole[0]]
    wanted = prob.copy()
    cv2.circle(wanted, (38, 50), 1, 1.0, -1)
    wanted[5:7, 5:7] = 0.0
    # each part keeps IoU >= 0.98 with the part, holes included; the whole stays close to the mask
    assert geo.mask_iou(whole, pz.paste_prob(wanted, m, (600, 800)) > 0.5) > 0.96
    for p in polys:  # clockwise on screen, simple, like every polygon of the app
        assert geo.signed_area(p) > 0
        assert polygon_problem(p) is None


def test_holes_are_cut_in_through_slits_and_fill_back_exactly():
    # three rectangular holes (one reached only through another's outline) and a ring
    mask = np.zeros((60, 80), bool)
    mask[5:55, 5:75] = True
    mask[15:30, 15:35] = False
    mask[20:40, 45:65] = False
    mask[40:48, 20:28] = False
    polys = pz.image_mask_polygons(mask, target_iou=1.0)
    assert len(polys) == 1 and polygon_problem(polys[0]) is None
    assert (pz.polygons_to_mask(polys, mask.shape) == mask).all()
    # the shoelace area (COCO's) is the outline's less the holes' (vertices on the boundary pixels'
    # centres: the outer rectangle spans 69 x 49, each hole's outline 1 px more than the hole), less the slits
    assert abs(polygon_area(polys[0]) - (69 * 49 - 21 * 16 - 21 * 21 - 9 * 9)) < 10
    ring = np.zeros((200, 200), np.uint8)
    cv2.circle(ring, (100, 100), 80, 1, -1)
    cv2.circle(ring, (100, 100), 50, 0, -1)
    polys = pz.image_mask_polygons(ring.astype(bool))
    assert len(polys) == 1 and polygon_problem(polys[0]) is None
    back = pz.polygons_to_mask(polys, ring.shape)
    assert not back[100, 100] and geo.mask_iou(back, ring.astype(bool)) >= 0.98
    assert len(polys[0]) < 80


def test_join_holes_leaves_out_a_hole_no_slit_can_reach():
    outer = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])  # clockwise on screen
    inside = np.array([[3.0, 3.0], [3.0, 6.0], [6.0, 6.0], [6.0, 3.0]])
    joined = pz.join_holes(outer, [inside])
    # the ring's vertex and the hole's vertex at the slit's ends become two vertices each
    assert len(joined) == 4 + 4 + 2 and polygon_problem(joined) is None
    assert abs(polygon_area(joined) - (100 - 9)) < 2 * pz.SLIT * np.hypot(3, 3)  # less the slit, at most
    assert not point_in_polygon(4.5, 4.5, joined) and point_in_polygon(8.0, 2.0, joined)
    crossing = np.array([[8.0, 4.0], [8.0, 6.0], [14.0, 6.0], [14.0, 4.0]])  # crosses the outline
    assert np.array_equal(pz.join_holes(outer, [crossing]), outer)


def test_polygons_are_clipped_to_the_image():
    s = 128
    prob = np.ones((s, s), np.float32)
    box = (-50.0, -40.0, 60.0, 70.0)  # crosses the top-left corner
    polys = pz.mask_to_polygons(prob, geo.crop_matrix(box, s, 0.15), (100, 120))
    assert len(polys) == 1
    p = polys[0]
    assert p[:, 0].min() >= 0 and p[:, 1].min() >= 0 and p[:, 0].max() <= 119 and p[:, 1].max() <= 99
    assert len(p) == 4


def test_empty_mask_gives_no_polygon():
    assert (
        pz.mask_to_polygons(np.zeros((64, 64), np.float32), geo.crop_matrix((0, 0, 10, 10), 64), (20, 20))
        == []
    )


def test_a_polygon_rasterises_back_to_its_mask():
    # vertices on the boundary pixels' centres: OpenCV's and labelme's fills give the mask back exactly
    mask = np.zeros((60, 80), bool)
    mask[10:30, 20:55] = True
    polys = pz.image_mask_polygons(mask)
    assert len(polys) == 1 and len(polys[0]) == 4 and geo.signed_area(polys[0]) > 0
    assert (pz.polygons_to_mask(polys, mask.shape) == mask).all()
    disc = np.zeros((200, 200), np.uint8)
    cv2.circle(disc, (100, 90), 60, 1, -1)
    polys = pz.image_mask_polygons(disc.astype(bool))
    back = pz.polygons_to_mask(polys, disc.shape)
    assert geo.mask_iou(back, disc.astype(bool)) >= 0.98 and len(polys[0]) < 100
    assert abs(int(back.sum()) - int(disc.sum())) < 0.02 * disc.sum()  # no half-pixel shrink or growth


def _iou_of(outline: np.ndarray, mask: np.ndarray) -> float:
    return geo.mask_iou(pz.polygons_to_mask([outline], mask.shape), mask)


def test_fitted_edges_fit_a_disc_better_with_the_same_vertices():
    n = 200
    yy, xx = np.mgrid[:n, :n]
    mask = (xx - 97.3) ** 2 + (yy - 103.1) ** 2 <= 70.0**2
    contour = pz.contours_of(mask)[0]
    dp = cv2.approxPolyDP(contour.reshape(-1, 1, 2).astype(np.int32), 1.5, True).reshape(-1, 2).astype(float)
    fitted = pz.fit_edges(contour, dp)
    assert fitted.shape == dp.shape
    # chords between contour pixels cut inside the disc; the fitted edges run through their pixels
    assert polygon_area(fitted) > polygon_area(dp)
    assert _iou_of(fitted, mask) > _iou_of(dp, mask)
    assert np.abs(fitted - dp).max() <= pz.FIT_MAX_SHIFT + 1e-9
    # simplify_part applies it: better than Douglas-Peucker alone at the same vertex count
    simple, holes = pz.simplify_part(contour, [])
    assert holes == [] and _iou_of(simple, mask) >= 0.98


def test_fitted_edges_keep_a_rectangles_corners_and_thin_angles():
    mask = np.zeros((100, 120), bool)
    mask[20:70, 30:101] = True
    contour = pz.contours_of(mask)[0]
    corners = cv2.approxPolyDP(contour.reshape(-1, 1, 2).astype(np.int32), 1.0, True).reshape(-1, 2)
    assert len(corners) == 4
    assert np.allclose(pz.fit_edges(contour, corners.astype(float)), corners)
    # the outline may start anywhere along the contour
    rolled = np.roll(corners, 2, axis=0).astype(float)
    assert np.allclose(pz.fit_edges(contour, rolled), rolled)
    # a vertex that is not a contour pixel: nothing is moved
    odd = corners.astype(float).copy()
    odd[0] += 0.5
    assert np.array_equal(pz.fit_edges(contour, odd), odd)
