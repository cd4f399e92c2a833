from __future__ import annotations

import numpy as np
import pytest
from colorize_helpers import lineart_page

from paintgan.errors import ModelError
from paintgan.inference.colorize import engine as E
from paintgan.inference.colorize.flat import flatten_regions
from paintgan.inference.colorize.guided import guided_filter, guided_upsample
from paintgan.inference.colorize.hintmap import rgb_to_nlab
from paintgan.io.hints import Hints, PointHint, StrokeHint


def test_rasterize_points_and_strokes():
    h = Hints([PointHint(10.5, 20.5, (255, 0, 0), 2)], [StrokeHint(((40, 5), (40, 30)), (0, 0, 255), 3)])
    hint, mask = E.rasterize_hints(h, (64, 48), (64, 48))
    assert hint.shape == (3, 48, 64) and mask.shape == (1, 48, 64)
    assert mask[0, 18:23, 8:13].all() and mask[0, 20, 10] == 1 and mask[0, 20, 14] == 0  # 5×5 square
    red = rgb_to_nlab((255, 0, 0))
    assert np.allclose(hint[:, 20, 10], red, atol=1e-4)
    assert mask[0, 10:25, 38:41].all() and not mask[0, 10:25, 45].any()
    assert hint[2, 15, 39] < 0  # blue: b < 0
    # scaled down: at least one pixel per hint, coordinates scaled
    _hint2, mask2 = E.rasterize_hints(Hints([PointHint(100, 100, (0, 255, 0), 0)]), (400, 400), (40, 40),
                                     padded_size=(48, 48))
    assert mask2.shape == (1, 48, 48) and mask2[0, 10, 10] == 1 and mask2.sum() == 1


def test_gray_mode_hint_takes_image_l():
    L = np.full((16, 16), 0.3, np.float32)
    hint, _ = E.rasterize_hints(Hints([PointHint(5, 5, (255, 0, 0), 1)]), (16, 16), (16, 16), gray_l=L)
    assert hint[0, 5, 5] == pytest.approx(0.3)


def test_guided_filter_sanity(rng):
    I = np.zeros((64, 64), np.float32)
    I[:, 32:] = 1.0
    p = I + rng.normal(0, 0.05, I.shape).astype(np.float32)
    q = guided_filter(I, p, r=4, eps=1e-3)
    assert np.abs(q - I).mean() < np.abs(p - I).mean() / 3  # denoised
    assert q[:, 28].mean() < 0.1 and q[:, 36].mean() > 0.9  # the edge stays sharp
    const = np.full((64, 64, 2), 0.25, np.float32)
    assert np.allclose(guided_filter(I, const, 3), 0.25, atol=1e-4)
    low = np.where(np.arange(16) < 8, 0.0, 1.0).astype(np.float32)[None].repeat(16, 0)
    up = guided_upsample(I, low[..., None].repeat(2, 2), r=1, eps=1e-4)
    assert up.shape == (64, 64, 2)
    assert up[:, 30, 0].mean() < 0.1 and up[:, 33, 0].mean() > 0.9  # edge at full-res position


def test_detect_input_kind(rng):
    assert E.detect_input_kind(lineart_page()) == "lineart"
    import cv2

    photo = cv2.GaussianBlur(rng.integers(0, 255, (100, 120), dtype=np.uint8), (0, 0), 4)
    photo = cv2.normalize(photo, None, 0, 255, cv2.NORM_MINMAX)
    assert E.detect_input_kind(photo) == "gray"


def test_lightness_matches_color_py(rng):
    from paintgan.inference.colorize.color import rgb_to_lab

    x = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    assert np.abs(E.lightness(x) - rgb_to_lab(x)[..., 0]).max() < 0.05
    g = x[..., 0].copy()
    assert np.abs(E.lightness(g) - rgb_to_lab(np.repeat(g[..., None], 3, 2))[..., 0]).max() < 0.05


def test_end_to_end_lineart(colorizer):
    img = lineart_page(101, 77)
    h = Hints([PointHint(20, 40, (255, 0, 0), 2)])
    out = colorizer.colorize(img, h)
    assert out.shape == (77, 101, 3) and out.dtype == np.uint8
    assert tuple(out[40, 20]) == (255, 0, 0)  # exact hint colour re-imposed
    assert out[40, 26, 0] > out[40, 26, 1] + 30  # spread around the hint
    assert abs(int(out[5, 95, 0]) - int(out[5, 95, 1])) < 10  # far away: uncoloured
    sug = colorizer.suggest_colors(20, 40, k=5)
    assert len(sug) == 5 and all(len(c) == 3 and 0 <= p <= 1 for c, p in sug)
    assert sug[0][1] >= sug[-1][1]


def test_end_to_end_gray_keeps_l(colorizer):
    g = np.tile(np.linspace(30, 220, 90).astype(np.uint8), (61, 1))
    out = colorizer.colorize(g, Hints([PointHint(45, 30, (0, 0, 255), 3)]), kind="gray")
    assert out.shape == (61, 90, 3)
    L_in = E.lightness(g)
    L_out = E.lightness(out)
    far = np.s_[:, :20]
    assert np.abs(L_out[far] - L_in[far]).max() < 1.5
    assert out[30, 45, 2] > out[30, 45, 0]  # bluish at the hint


def test_large_page_downscaled(colorizer):
    img = np.full((1800, 1300), 255, np.uint8)
    img[::50, :] = 0
    out = colorizer.colorize(img, Hints([PointHint(600, 900, (0, 200, 0), 10)]), kind="lineart",
                             working_size=256)
    assert out.shape == (1800, 1300, 3)


def test_ab_gamut():
    g = E.ab_gamut(50.0, 64)
    assert g.shape == (64, 64, 4)
    assert g[32, 32, 3] == 255  # neutral is in gamut
    assert g[0, 0, 3] == 0  # a = b = -110 is not


def test_missing_model_message():
    with pytest.raises(ModelError, match="colorize model 'colorize' is not installed"):
        E.Colorizer("colorize", "cpu")


def test_bad_kind(colorizer):
    with pytest.raises(E.ColorizeInputError):
        colorizer.colorize(lineart_page(), None, kind="sepia")


def test_keep_lines_and_from_loaded(colorizer):
    img = lineart_page(80, 64)
    eng = E.Colorizer.from_loaded(colorizer.model, working_size=256)
    with_lines = eng.colorize(img, None, kind="lineart")
    without = eng.colorize(img, None, kind="lineart", keep_lines=False)
    assert with_lines[10, 20].max() < 60  # the rectangle's top line (y = 10) stays dark
    assert with_lines.shape == without.shape == (64, 80, 3)
    assert (with_lines <= without.astype(np.int16) + 1).all()  # multiply only darkens


def test_hints_outside_are_ignored(colorizer):
    img = lineart_page(60, 50)
    out = colorizer.colorize(img, Hints([PointHint(500, 20, (255, 0, 0))]), kind="lineart")
    assert colorizer.last_warnings and "outside the 60×50 image" in colorizer.last_warnings[0]
    assert abs(int(out[20, 58, 0]) - int(out[20, 58, 1])) < 10  # nothing clamped onto the border


def test_lineart_with_alpha_and_16_bit_gray(colorizer):
    """Bad-input cases of the app and CLI: transparent line art (transparent = paper), 16-bit gray."""
    ink = lineart_page(64, 48)
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., 3] = 255 - ink[..., 0]  # black ink on a transparent sheet
    out = colorizer.colorize(rgba, Hints([PointHint(20, 20, (0, 0, 255), 2)]))
    assert out.shape == (48, 64, 3)
    assert E.detect_input_kind(rgba) == "lineart"
    assert out[2, 2].min() > 200  # transparent paper is white paper, not black
    g16 = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))
    out16 = colorizer.colorize(g16, Hints([PointHint(32, 24, (255, 0, 0), 3)]), kind="gray")
    assert out16.shape == (48, 64, 3) and out16.dtype == np.uint8
    assert out16[24, 2].max() < 40 and out16[24, 61].min() > 200  # the full 16-bit range is used


def test_flatten_regions_one_colour_per_region_hints_win():
    labels = np.ones((20, 30), np.int32)
    labels[:, 15:] = 2
    lab = np.zeros((20, 30, 3), np.float32)
    lab[..., 0] = 50.0
    lab[:, :15, 1] = np.linspace(0, 40, 15)  # a blotchy region 1
    lab[:, 15:, 2] = 30.0
    lab[:, 14, :] = [0.0, 90.0, 90.0]  # an ink column inside region 1 must not count
    paper = np.ones((20, 30), bool)
    paper[:, 14] = False
    out = flatten_regions(lab, labels, paper)
    assert np.ptp(out[:, :15], axis=(0, 1)).max() < 1e-4  # flat
    assert abs(out[0, 0, 1] - np.linspace(0, 40, 15)[:14].mean()) < 1e-3  # mean over paper pixels only
    np.testing.assert_allclose(out[0, 20], [50.0, 0.0, 30.0], atol=1e-4)
    hinted = flatten_regions(lab, labels, paper, Hints([PointHint(20, 10, (255, 0, 0), 1)]))
    assert hinted[5, 25, 1] > 60 and np.ptp(hinted[:, 15:], axis=(0, 1)).max() < 1e-4  # red region 2
    np.testing.assert_allclose(hinted[:, :15], out[:, :15])  # region 1 untouched


def test_lineart_flats_by_default_and_smooth_on_request(colorizer):
    img = lineart_page(101, 77)
    h = Hints([PointHint(20, 40, (255, 0, 0), 2)])
    flat = colorizer.colorize(img, h)
    inside = flat[20:60, 14:32].reshape(-1, 3)
    inside = inside[inside.min(1) > 0]  # off the lines
    assert len(np.unique(inside, axis=0)) <= 3  # one colour (plus the exact-hint disc)
    assert tuple(flat[30, 25]) == (255, 0, 0)  # the hinted region takes the hint's colour
    smooth = colorizer.colorize(img, h, flat_regions=False)
    assert smooth.shape == flat.shape
