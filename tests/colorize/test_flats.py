"""Flatting layers (paintgan.inference.colorize.flats) on pages the tests draw."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paintgan.brush.fill import fill_mask
from paintgan.brush.select import wand_by_color
from paintgan.core.geometry import Rect
from paintgan.core.hints import Hints, PointHint
from paintgan.inference.colorize import flats as F
from paintgan.inference.colorize.pixels import ColorizeInputError


def grid_page(w: int = 150, h: int = 120) -> np.ndarray:
    """White paper, a 3×3 grid of boxes (lines 3 px), a circle inside the middle box: 11 regions
    (9 boxes, the circle, the paper around)."""
    img = np.full((h, w, 3), 255, np.uint8)
    x0, y0, x1, y1 = 10, 10, w - 10, h - 10
    for i in range(4):
        x = x0 + (x1 - x0) * i // 3
        y = y0 + (y1 - y0) * i // 3
        cv2.line(img, (x, y0), (x, y1), (0, 0, 0), 3)
        cv2.line(img, (x0, y), (x1, y), (0, 0, 0), 3)
    cv2.circle(img, (w // 2, h // 2), 6, (0, 0, 0), 2)
    return img


def box_centre(i: int, j: int, w: int = 150, h: int = 120) -> tuple[int, int]:
    """(x, y) inside box (column i, row j), away from the middle circle."""
    x0, y0, x1, y1 = 10, 10, w - 10, h - 10
    return x0 + (x1 - x0) * (2 * i + 1) // 6 + 12, y0 + (y1 - y0) * (2 * j + 1) // 6 + 8


def codes(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.int64)
    return rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]


def test_every_region_its_own_colour_neighbours_well_apart_lines_covered():
    page = grid_page()
    flats = F.make_flats(page, kind="lineart")
    assert flats.n_regions == 11 and flats.n_flats == 11
    rgba = flats.rgba
    assert rgba.shape == (120, 150, 4) and (rgba[..., 3] == 255).all()  # ink covered, nothing left out
    region_rgb = flats.region_rgba()[1:, :3]
    assert len(np.unique(codes(region_rgb))) == 11  # every region its own colour
    # the picture holds exactly those colours: no white halo, no line pixel left uncoloured
    assert set(np.unique(codes(rgba[..., :3]))) == set(codes(region_rgb))
    pairs = flats.pairs
    assert len(pairs) >= 20  # boxes touch their neighbours and the paper; the circle its box
    diff = np.abs(flats.region_rgba()[pairs[:, 0], :3].astype(int) - flats.region_rgba()[pairs[:, 1], :3])
    assert diff.max(axis=1).min() >= F.MIN_NEIGHBOUR_CHANNEL
    lab = F.C.rgb_to_lab(flats.region_rgba()[:, :3])
    de = np.sqrt(((lab[pairs[:, 0]] - lab[pairs[:, 1]]) ** 2).sum(-1))
    assert de.min() >= F.MIN_NEIGHBOUR_DELTA_E
    # deterministic
    np.testing.assert_array_equal(F.make_flats(page, kind="lineart").rgba, rgba)


def test_flats_run_under_the_lines_to_their_middle():
    page = grid_page()
    rgba = F.make_flats(page, kind="lineart").rgba
    y = 50
    line_x = 10 + 130 // 3  # the first inner vertical line (3 px wide)
    left, right = rgba[y, line_x - 4, :3], rgba[y, line_x + 4, :3]
    assert not np.array_equal(left, right)
    # every pixel of the line takes the colour of one of its two sides
    for x in range(line_x - 2, line_x + 3):
        assert np.array_equal(rgba[y, x, :3], left) or np.array_equal(rgba[y, x, :3], right)


def test_magic_wand_on_the_flats_selects_exactly_one_region():
    page = grid_page()
    flats = F.make_flats(page, kind="lineart")
    rgba = flats.rgba
    for i, j in [(0, 0), (1, 2), (2, 1)]:
        x, y = box_centre(i, j)
        sel = wand_by_color(rgba, x, y, tolerance=32, contiguous=True)
        assert sel is not None
        region = flats.labels == flats.labels[y, x]
        np.testing.assert_array_equal(sel.selected(Rect(0, 0, 150, 120)), region)
        np.testing.assert_array_equal(fill_mask(rgba, x, y, 32, 0), region)  # the bucket fill too


def test_background_rule_and_transparent_option():
    page = grid_page()
    flats = F.make_flats(page, kind="lineart", background="transparent")
    assert flats.background == flats.labels[2, 2]  # the paper around the grid
    rgba = flats.rgba
    assert rgba[2, 2, 3] == 0 and rgba[60, 75, 3] == 255
    assert (rgba[..., 3] == 0).sum() == (flats.labels == flats.background).sum()
    opaque = F.make_flats(page, kind="lineart")  # default: the background is a flat like any other
    assert opaque.background == flats.background and opaque.rgba[2, 2, 3] == 255


def test_gray_page_regions_from_edges():
    img = np.full((90, 120), 200, np.uint8)
    img[10:50, 10:60] = 60
    img[55:85, 70:115] = 120
    flats = F.make_flats(img, kind="gray")
    rgba = flats.rgba
    inside_a, inside_b, outside = rgba[30, 35, :3], rgba[70, 92, :3], rgba[80, 20, :3]
    assert len({tuple(inside_a), tuple(inside_b), tuple(outside)}) == 3


def test_merge_joins_regions_of_the_same_hint_colour_and_only_those():
    page = grid_page()
    red, red2, blue = (230, 20, 20), (228, 22, 21), (20, 40, 220)  # red2: ΔE < 2 from red
    pts = [(0, 0, red), (2, 0, red), (1, 2, red2), (2, 2, blue)]
    hints = Hints(points=[PointHint(*box_centre(i, j), rgb, 2) for i, j, rgb in pts])
    rgba, notes = F.page_flats(page, hints, kind="lineart", merge=True)
    assert notes == []
    colour = {k: tuple(rgba[box_centre(i, j)[::-1]][:3]) for k, (i, j) in
              enumerate([(0, 0), (2, 0), (1, 2), (2, 2), (1, 0), (0, 1)])}
    assert colour[0] == colour[1] == colour[2]  # the three red boxes: one flat
    assert len({colour[0], colour[3], colour[4], colour[5]}) == 4  # blue and unhinted boxes stay apart
    unmerged = F.make_flats(page, kind="lineart").rgba
    assert len(np.unique(codes(rgba[..., :3]))) == len(np.unique(codes(unmerged[..., :3]))) - 2
    # one non-contiguous wand click now selects the three red boxes and nothing else
    x, y = box_centre(0, 0)
    sel = wand_by_color(rgba, x, y, tolerance=0, contiguous=False)
    assert sel is not None
    labels = F.make_flats(page, kind="lineart").labels
    want = np.isin(labels, [labels[box_centre(i, j)[::-1]] for i, j in [(0, 0), (2, 0), (1, 2)]])
    np.testing.assert_array_equal(sel.selected(Rect(0, 0, 150, 120)), want)


def test_merge_keeps_merged_flats_apart_from_their_new_neighbours():
    page = grid_page()
    flats = F.make_flats(page, kind="lineart")
    # colour all boxes of the left column and the top row the same: a merged flat with many neighbours
    colours = np.full((*flats.labels.shape, 3), 128, np.uint8)
    for i, j in [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)]:
        x, y = box_centre(i, j)
        colours[flats.labels == flats.labels[y, x]] = (10, 200, 30)
    merged = F.merge_same_colour(flats, colours, targets=[(10, 200, 30)])
    assert merged.n_flats == flats.n_flats - 4
    pal = merged.palette
    fp = merged.flat_pairs()
    diff = np.abs(pal[fp[:, 0], :3].astype(int) - pal[fp[:, 1], :3]).max(axis=1)
    assert diff.min() >= F.MIN_NEIGHBOUR_CHANNEL
    assert len(np.unique(codes(pal[1:, :3]))) == merged.n_flats


def test_merge_without_targets_clusters_by_colour_within_delta_e():
    page = grid_page()
    flats = F.make_flats(page, kind="lineart")
    colours = np.zeros((*flats.labels.shape, 4), np.uint8)  # transparent: no colour
    paint = {(0, 0): (200, 150, 40, 255), (2, 2): (201, 151, 40, 255), (1, 0): (40, 150, 200, 255),
             (0, 2): (200, 150, 40, 255)}
    for (i, j), c in paint.items():
        x, y = box_centre(i, j)
        colours[flats.labels == flats.labels[y, x]] = c
    merged = F.merge_same_colour(flats, colours, delta_e=3.0)
    got = {k: tuple(merged.rgba[box_centre(*k)[::-1]]) for k in paint}
    assert got[(0, 0)] == got[(2, 2)] == got[(0, 2)] != got[(1, 0)]
    assert merged.n_flats == flats.n_flats - 2
    strict = F.merge_same_colour(flats, colours, delta_e=0.1)  # 201,151,40 is not "the same" any more
    assert strict.n_flats == flats.n_flats - 1


def test_flats_read_back_from_a_layer_merge_like_fresh_ones():
    page = grid_page()
    flats = F.make_flats(page, kind="lineart", background="transparent")
    back = F.flats_from_rgba(flats.rgba)
    assert back.n_flats == flats.n_flats
    np.testing.assert_array_equal(back.rgba, flats.rgba)
    colours = np.zeros((*flats.labels.shape, 3), np.uint8)
    a, b = box_centre(0, 0), box_centre(2, 2)
    for x, y in (a, b):
        colours[flats.labels == flats.labels[y, x]] = (250, 0, 0)
    merged = F.merge_same_colour(back, colours, targets=[(250, 0, 0)])
    assert tuple(merged.rgba[a[::-1]]) == tuple(merged.rgba[b[::-1]])
    assert merged.rgba[2, 2, 3] == 0  # the transparent background stays transparent


def test_no_hints_nothing_merged_and_bad_input():
    page = grid_page()
    rgba, notes = F.page_flats(page, Hints(), kind="lineart", merge=True)
    np.testing.assert_array_equal(rgba, F.make_flats(page, kind="lineart").rgba)
    assert notes and "nothing to merge" in notes[0]
    with pytest.raises(ColorizeInputError, match="background"):
        F.make_flats(page, kind="lineart", background="white")
    with pytest.raises(ColorizeInputError, match="input kind"):
        F.make_flats(page, kind="photo")
    with pytest.raises(ColorizeInputError, match="colours must be"):
        F.merge_same_colour(F.make_flats(page, kind="lineart"), np.zeros((5, 5, 3), np.uint8))
    with pytest.raises(ColorizeInputError, match="RGBA"):
        F.flats_from_rgba(np.zeros((5, 5, 3), np.uint8))


def test_many_regions_all_distinct():
    img = np.full((200, 200), 255, np.uint8)
    img[::6, :] = 0
    img[:, ::6] = 0  # a 33×33 grid: over a thousand cells
    flats = F.make_flats(img, kind="lineart", gap_radius=0, min_region=1)
    assert flats.n_regions > 1000
    rgb = flats.region_rgba()[1:, :3]
    assert len(np.unique(codes(rgb))) == flats.n_regions
    d = np.abs(flats.region_rgba()[flats.pairs[:, 0], :3].astype(int)
               - flats.region_rgba()[flats.pairs[:, 1], :3]).max(axis=1)
    assert d.min() >= F.MIN_NEIGHBOUR_CHANNEL


def test_blank_page_is_one_flat():
    blank = np.full((40, 60, 3), 255, np.uint8)
    for background in F.BACKGROUNDS:
        flats = F.make_flats(blank, kind="lineart", background=background)
        assert flats.n_flats == 1 and flats.background == 0  # no drawing: nothing is "around" it
        assert (flats.rgba[..., 3] == 255).all() and len(np.unique(codes(flats.rgba[..., :3]))) == 1
