"""Mask -> adaptive polygons: fewer vertices than the contour at IoU >= 0.98, the parts rule, clipping."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

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
    cv2.circle(prob, (50, 64), 8, 0.0, -1)  # a hole: filled in the polygon
    cv2.rectangle(prob, (95, 40), (115, 90), 1.0, -1)  # a second part, kept
    prob[5:7, 5:7] = 1.0  # a speck, dropped (< 10 % of the largest part)
    box = (100.0, 200.0, 300.0, 400.0)
    m = geo.crop_matrix(box, s, 0.15)
    polys = pz.mask_to_polygons(prob, m, (600, 800))
    assert len(polys) == 2
    assert cv2.contourArea(polys[0].astype(np.float32)) > cv2.contourArea(polys[1].astype(np.float32))
    whole = pz.polygons_to_mask(polys, (600, 800))
    ref = pz.paste_prob(prob, m, (600, 800)) > 0.5
    hole_centre = np.round(cv2.invertAffineTransform(m) @ np.array([50.0, 64.0, 1.0])).astype(int)
    assert whole[hole_centre[1], hole_centre[0]] and not ref[hole_centre[1], hole_centre[0]]
    filled = prob.copy()
    cv2.circle(filled, (50, 64), 8, 1.0, -1)
    filled[5:7, 5:7] = 0.0
    # each part keeps IoU >= 0.98 with its filled contour; the whole stays close to the mask
    assert geo.mask_iou(whole, pz.paste_prob(filled, m, (600, 800)) > 0.5) > 0.95
    for p in polys:  # clockwise on screen, like every polygon of the app
        assert geo.signed_area(p) > 0


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
