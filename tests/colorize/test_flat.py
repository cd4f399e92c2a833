from __future__ import annotations

import cv2
import numpy as np

from paintgan.inference.colorize.flat import flat_fill, propagate_gray, render_flat
from paintgan.io.hints import Hints, PointHint, StrokeHint


def two_boxes(gap: int) -> np.ndarray:
    """A 100×60 box split by a vertical wall at x = 50 with a `gap` pixel opening at y = 28.."""
    img = np.full((80, 120, 3), 255, np.uint8)
    cv2.rectangle(img, (10, 10), (110, 70), (0, 0, 0), 2)
    img[10:70, 49:52] = 0
    if gap:
        img[28:28 + gap, 49:52] = 255
    return img


def test_regions_take_hint_colors_and_gap_is_closed():
    hints = Hints([PointHint(30, 40, (255, 0, 0)), PointHint(80, 40, (0, 0, 255))])
    open_ = flat_fill(two_boxes(4), hints, gap_radius=0)
    # without gap closing the two halves are one region: the most recent hint wins both
    assert tuple(open_.rgba[40, 30]) == tuple(open_.rgba[40, 80])
    closed = flat_fill(two_boxes(4), hints, gap_radius=2)
    assert tuple(closed.rgba[40, 30]) == (255, 0, 0, 255)
    assert tuple(closed.rgba[40, 80]) == (0, 0, 255, 255)
    assert closed.rgba[5, 5, 3] == 0  # outside, unhinted: transparent


def test_no_halos_under_the_ink():
    res = flat_fill(two_boxes(0), Hints([PointHint(30, 40, (255, 0, 0)), PointHint(80, 40, (0, 0, 255))]))
    rgba = res.rgba
    inside = np.zeros(rgba.shape[:2], bool)
    inside[12:69, 12:109] = True
    # every pixel inside the box, wall included, is coloured: no white gaps along the lines
    assert (rgba[inside][:, 3] == 255).all()
    assert tuple(rgba[40, 49]) == (255, 0, 0, 255) and tuple(rgba[40, 51]) == (0, 0, 255, 255)


def test_majority_vote_and_strokes():
    img = two_boxes(0)
    h = Hints([PointHint(20, 40, (0, 255, 0)), PointHint(25, 40, (0, 255, 0)), PointHint(30, 40, (9, 9, 9))],
              [StrokeHint(((60, 30), (100, 30)), (200, 100, 0), 3)])
    res = flat_fill(img, h)
    assert tuple(res.rgba[40, 30][:3]) == (0, 255, 0)
    assert tuple(res.rgba[60, 90][:3]) == (200, 100, 0)


def test_fill_unhinted_and_render():
    img = two_boxes(0)
    h = Hints([PointHint(30, 40, (255, 0, 0))])
    res = flat_fill(img, h, fill_unhinted=True)
    assert (res.rgba[..., 3] == 255).all()
    rgb = render_flat(img, flat_fill(img, h))
    assert rgb.shape == (80, 120, 3)
    assert tuple(rgb[40, 30]) == (255, 0, 0) and tuple(rgb[40, 80]) == (255, 255, 255)
    assert tuple(rgb[40, 50]) == (0, 0, 0)  # the line stays black (multiply)


def test_propagate_gray_keeps_l():
    g = np.full((50, 80), 150, np.uint8)
    g[:, 40:] = 90
    out = propagate_gray(g, Hints([PointHint(10, 25, (190, 130, 120)), PointHint(70, 25, (90, 100, 140))]))
    assert out[25, 10, 0] > out[25, 10, 2] and out[25, 70, 2] > out[25, 70, 0]
    from paintgan.inference.colorize.pixels import lightness

    assert np.abs(lightness(out) - lightness(g)).max() < 2.0  # in-gamut hints: L kept
    assert (propagate_gray(g, Hints()) == g[..., None]).all()


def _page_labels() -> np.ndarray:
    """Labels of a 40 x 60 page: 1 = paper all around, 2 = a box drawn on it, 3 = a box cut by the right
    edge (a drawing running off the page)."""
    labels = np.ones((40, 60), np.int32)
    labels[10:30, 10:25] = 2
    labels[12:28, 45:60] = 3
    return labels


def test_paper_region_is_the_region_holding_most_of_the_border():
    from paintgan.inference.colorize.flat import paper_region

    assert paper_region(_page_labels()) == 1
    cropped = np.repeat(np.arange(1, 5, dtype=np.int32), 10)[None].repeat(8, 0)  # four vertical bands
    assert paper_region(cropped) == 0  # none holds 40 % of the border: no paper
    assert paper_region(np.zeros((5, 5), np.int32)) == 0


def test_network_flats_keep_the_paper_white_unless_hinted():
    from paintgan.inference.colorize.flat import flat_region_rgb

    labels = _page_labels()
    beige = np.zeros((10, 15, 3), np.float32)
    beige[..., 0], beige[..., 1], beige[..., 2] = 80.0, 5.0, 15.0  # what the network paints on paper
    paper = np.ones(labels.shape, bool)
    out = flat_region_rgb(labels, beige, paper, None)
    assert (out[labels == 1] == 255).all()  # the paper stays white
    assert (out[labels == 3] != 255).any() and (out[labels == 2] != 255).any()  # the drawing does not
    tinted = flat_region_rgb(labels, beige, paper, None, keep_paper=False)
    assert (tinted[labels == 1] != 255).any()
    hinted = flat_region_rgb(labels, beige, paper, Hints(points=[PointHint(2.0, 2.0, (0, 90, 200))]))
    assert tuple(hinted[0, 0]) == (0, 90, 200)  # a hint on the paper wins


def test_paper_colour_is_white_or_what_its_hints_vote_for():
    from paintgan.inference.colorize.flat import paper_colour

    labels = _page_labels()
    assert paper_colour(labels, None) == (1, (255, 255, 255))
    assert paper_colour(labels, Hints(points=[PointHint(15.0, 20.0, (255, 0, 0))])) == (1, (255, 255, 255))
    assert paper_colour(labels, Hints(points=[PointHint(2.0, 2.0, (0, 0, 255))])) == (1, (0, 0, 255))
    bands = np.repeat(np.arange(1, 5, dtype=np.int32), 10)[None].repeat(8, 0)
    assert paper_colour(bands, None) is None
