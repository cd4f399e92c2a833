"""Reference colorization: regions of a line-art page take the colours of matching regions of a coloured
reference (pages drawn by the tests: a simple character in two poses, mirrored, with a hat it lacks)."""

from __future__ import annotations

import numpy as np
import pytest
from colorize_helpers import CHARACTER_COLOURS, character

from paintgan.core.hints import Hints, PointHint
from paintgan.inference.colorize.reference import (
    FEATURE_DIM,
    ReferenceError,
    RegionSet,
    colorize_with_references,
    match_references,
    match_regions,
    page_regions,
    reference_regions,
)


def _colour_at(match, x: float, y: float) -> tuple[tuple[int, ...], bool]:
    """(matched colour, assigned) of the page region holding page pixel (x, y)."""
    s = match.page.scale
    region = int(match.page.labels[int(y * s), int(x * s)])
    return tuple(int(v) for v in match.colors[region]), bool(match.assigned[region])


def _truth_points(coloured: np.ndarray) -> dict[str, tuple[int, int]]:
    """A pixel of each colour (the first found) of a drawn character."""
    out = {}
    for name, rgb in CHARACTER_COLOURS.items():
        ys, xs = np.nonzero(np.all(coloured == rgb, axis=2))
        if len(xs):
            i = len(xs) // 2
            out[name] = (int(xs[i]), int(ys[i]))
    return out


def test_region_colours_transfer_to_another_pose_and_a_new_region_stays_unassigned():
    ref, _ = character(dx=-20)
    truth, page = character(dx=25, arm_up=True, hat=True)
    match = match_references(page, [ref])
    pts = _truth_points(truth)
    for name in ("head", "body", "arm", "legs"):
        got, assigned = _colour_at(match, *pts[name])
        assert assigned, name
        assert got == CHARACTER_COLOURS[name], name
    _, hat_assigned = _colour_at(match, *pts["hat"])
    assert not hat_assigned  # no counterpart in the reference: reported, not guessed
    s = match.page.scale
    hat_region = int(match.page.labels[int(pts["hat"][1] * s), int(pts["hat"][0] * s)])
    assert hat_region in match.unassigned()
    assert match.unassigned_count == len(match.unassigned()) >= 1


def test_a_mirrored_reference_is_recognised():
    ref, _ = character(dx=-30)
    truth, page = character(dx=10, mirror=True)
    match = match_references(page, [ref])
    assert match.mirrored == [True]
    arm = _truth_points(truth)["arm"]
    assert _colour_at(match, *arm) == (CHARACTER_COLOURS["arm"], True)


def test_hints_skip_regions_the_user_hinted_and_keep_user_hints_last():
    ref, _ = character()
    truth, page = character(dx=10)
    match = match_references(page, [ref])
    bx, by = _truth_points(truth)["body"]
    user = Hints([PointHint(bx, by, (255, 0, 255))])
    hints = match.hints(user)
    assert hints.points[-1] == user.points[0]
    s = match.page.scale
    body = int(match.page.labels[int(by * s), int(bx * s)])
    others = [p for p in hints.points[:-1]
              if int(match.page.labels[int(p.y * s), int(p.x * s)]) == body]
    assert others == []  # the user's hint wins in its region
    assert len(match.hints()) == len(hints)  # without the user's: one more reference hint, minus the user's
    for p in match.hints().points:  # every reference hint lies inside its region, off the ink
        assert page[int(p.y), int(p.x)].min() > 128


def test_colorize_with_references_paints_matched_regions(colorizer):
    ref, _ = character(dx=-15)
    truth, page = character(dx=15)
    rgb, _match = colorize_with_references(colorizer, page, [ref])
    assert rgb.shape == truth.shape
    for name in ("body", "legs", "head", "arm"):
        x, y = _truth_points(truth)[name]
        assert np.abs(rgb[y, x].astype(int) - CHARACTER_COLOURS[name]).max() <= 6, name


def test_several_references_and_memory_records():
    ref, _ = character()
    other = np.full_like(ref, 255)
    other[40:200, 40:200] = (10, 200, 200)
    truth, page = character(dx=5)
    match = match_references(page, [other, ref])
    body = _truth_points(truth)["body"]
    assert _colour_at(match, *body) == (CHARACTER_COLOURS["body"], True)
    s = match.page.scale
    region = int(match.page.labels[int(body[1] * s), int(body[0] * s)])
    assert match.source[region] == 1
    # remembered regions (no picture): matched without positions
    refset = reference_regions(ref)
    memory = RegionSet.from_records(refset.features, refset.colors)
    assert memory.labels is None and memory.features.shape == (refset.count, FEATURE_DIM)
    mem_match = match_regions(page_regions(page), [memory])
    assert _colour_at(mem_match, *_truth_points(truth)["head"])[0] == CHARACTER_COLOURS["head"]


def test_overlay_tints_matched_regions_and_hatches_the_rest():
    ref, _ = character()
    truth, page = character(hat=True)
    match = match_references(page, [ref])
    over = match.overlay((page.shape[1], page.shape[0]))
    assert over.shape == (*page.shape[:2], 4) and over.dtype == np.uint8
    bx, by = _truth_points(truth)["body"]
    assert tuple(over[by, bx]) == (*CHARACTER_COLOURS["body"], 110)
    hat = np.all(truth == CHARACTER_COLOURS["hat"], axis=2)
    assert (over[hat][:, :3] == (220, 30, 30)).all(axis=1).any()  # hatched red
    assert over[np.all(page == 0, axis=2)][:, 3].max() == 0  # ink stays visible


@pytest.mark.parametrize("bad, words", [
    ("gray", "has no colour"),
    ("lineart", "has no colour"),
    ("blank", "blank"),
    ("tiny", "too small"),
    ("huge", "too different in size"),
])
def test_unusable_references_are_refused_with_one_line(bad, words):
    ref, line = character()
    pictures = {
        "gray": np.repeat(ref.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2),
        "lineart": line,
        "blank": np.full_like(ref, 255),
        "tiny": ref[:20, :20],
        "huge": np.full((4000, 4000, 3), 128, np.uint8),
    }
    _, page = character()
    with pytest.raises(ReferenceError) as e:
        match_references(page, [pictures[bad]], names=["ref.png"])
    msg = str(e.value)
    assert words in msg and "ref.png" in msg and "\n" not in msg


def test_the_distribution_feature_comes_from_the_colorizer(colorizer):
    _, page = character()
    regions = page_regions(page, colorizer)
    assert regions.has_net
    net = regions.features[:, -36:]
    assert np.allclose(net.sum(axis=1), 1.0, atol=1e-4)


def test_a_reference_analysed_once_serves_many_pages():
    ref, _ = character()
    refset = reference_regions(ref, name="ref.png")
    assert refset.size == (ref.shape[1], ref.shape[0])
    for dx in (-10, 12):
        truth, page = character(dx=dx)
        match = match_references(page, [refset])
        assert _colour_at(match, *_truth_points(truth)["body"]) == (CHARACTER_COLOURS["body"], True)
    big = np.full((3000, 3000, 3), 255, np.uint8)
    with pytest.raises(ReferenceError, match="too different in size"):
        match_references(big, [refset], names=["ref.png"])


def test_a_page_with_the_character_in_several_panels_colours_each_figure():
    import cv2

    ref, _ = character()
    truths, lines = zip(character(dx=-20, arm_up=True), character(dx=15, mirror=True), strict=True)
    truth = np.concatenate(truths, axis=1)
    page = np.concatenate(lines, axis=1)
    for x0 in (0, 240):  # panel borders around each figure
        cv2.rectangle(page, (x0 + 4, 4), (x0 + 235, 235), (0, 0, 0), 2)
    cv2.circle(page, (440, 200), 14, (0, 0, 0), 2)  # a ball: no counterpart in the reference
    match = match_references(page, [ref])
    assert _colour_at(match, 440, 200)[1] is False
    for name in ("head", "body", "arm", "legs"):
        for x0 in (0, 240):
            sub = truth[:, x0:x0 + 240]
            x, y = _truth_points(sub)[name]
            assert _colour_at(match, x + x0, y) == (CHARACTER_COLOURS[name], True), (name, x0)
    # the paper inside each panel matches the reference's paper
    assert _colour_at(match, 10, 120) == ((255, 255, 255), True)
    assert _colour_at(match, 250, 120) == ((255, 255, 255), True)
