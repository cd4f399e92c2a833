"""Blend modes against straightforward reference formulas (W3C Compositing, straight alpha)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paintgan.core import Document, GroupLayer, RasterLayer, Rect
from paintgan.core.blend import (
    BLEND_MODES,
    blend,
    mode_from_ora,
    premul_f32_to_straight_u8,
    straight_u8_to_premul_f32,
)


def _overlay(cb, cs):
    return np.where(cb <= 0.5, 2 * cs * cb, 1 - 2 * (1 - cs) * (1 - cb))


# B(Cb, Cs) on straight colours
REFERENCE_B = {
    "normal": lambda cb, cs: cs,
    "multiply": lambda cb, cs: cb * cs,
    "screen": lambda cb, cs: cb + cs - cb * cs,
    "overlay": _overlay,
    "darken": np.minimum,
    "lighten": np.maximum,
    "difference": lambda cb, cs: np.abs(cb - cs),
}


def reference(mode: str, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Straight RGBA floats in, premultiplied RGBA out."""
    cs, a_s = src[:, :3], src[:, 3:4]
    cb, ab = dst[:, :3], dst[:, 3:4]
    if mode == "add":  # svg:plus, premultiplied sum clamped
        return np.clip(np.concatenate([cs * a_s + cb * ab, a_s + ab], axis=1), 0, 1)
    co = cs * a_s * (1 - ab) + cb * ab * (1 - a_s) + a_s * ab * REFERENCE_B[mode](cb, cs)
    return np.concatenate([co, a_s + ab - a_s * ab], axis=1)


def _premul(px: np.ndarray) -> np.ndarray:
    out = px.copy()
    out[:, :3] *= out[:, 3:4]
    return out


def test_every_registered_mode_has_a_reference():
    assert set(BLEND_MODES) == set(REFERENCE_B) | {"add"}


unit = st.floats(0.0, 1.0, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(src=arrays(np.float32, (16, 4), elements=unit), dst=arrays(np.float32, (16, 4), elements=unit))
def test_blend_modes_match_reference(src, dst):
    for mode in BLEND_MODES:
        got = blend(mode, _premul(src), _premul(dst))
        np.testing.assert_allclose(got, reference(mode, src, dst), atol=2e-6, err_msg=mode)


def test_blend_modes_on_random_pixels_with_edge_alphas(rng):
    src = rng.random((4096, 4), dtype=np.float32)
    dst = rng.random((4096, 4), dtype=np.float32)
    src[::4, 3] = 0.0
    dst[1::4, 3] = 0.0
    src[2::4, 3] = 1.0
    dst[2::4, 3] = 1.0
    for mode in BLEND_MODES:
        np.testing.assert_allclose(blend(mode, _premul(src), _premul(dst)), reference(mode, src, dst),
                                   atol=2e-6, err_msg=mode)


def test_u8_conversions_roundtrip(rng):
    px = rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)
    px[..., 3] = 255
    assert np.array_equal(premul_f32_to_straight_u8(straight_u8_to_premul_f32(px)), px)
    px[..., 3] = rng.integers(1, 256, (64, 64), dtype=np.uint8)
    back = premul_f32_to_straight_u8(straight_u8_to_premul_f32(px))
    # colours of translucent pixels survive within the quantisation error of their alpha
    err = np.abs(back.astype(int) - px.astype(int))[..., :3].max(axis=2)
    assert (err <= np.ceil(255.0 / px[..., 3] / 2 + 0.5)).all()
    assert np.array_equal(back[..., 3], px[..., 3])


def test_unknown_ora_ops_fall_back_to_normal():
    assert mode_from_ora("svg:multiply") == "multiply"
    assert mode_from_ora(None) == "normal"
    assert mode_from_ora("krita:vivid-light") == "normal"


@pytest.mark.parametrize("mode", sorted(BLEND_MODES))
def test_document_composite_matches_reference(mode, rng):
    h, w = 40, 70
    bottom = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    top = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    doc = Document(w, h)
    doc.root.insert(0, RasterLayer.from_pixels("bottom", bottom))
    doc.root.insert(1, RasterLayer.from_pixels("top", top, opacity=0.6, blend_mode=mode))
    src = top.reshape(-1, 4).astype(np.float32) / 255
    src[:, 3] *= np.float32(0.6)
    dst = bottom.reshape(-1, 4).astype(np.float32) / 255
    expected = premul_f32_to_straight_u8(reference(mode, src, dst).astype(np.float32)).reshape(h, w, 4)
    got = doc.composite()
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    # any sub-rectangle composites to the same pixels
    r = Rect(13, 7, 30, 20)
    assert np.array_equal(doc.composite(r), got[7:27, 13:43])


def test_groups_composite_in_isolation_and_hidden_layers_are_skipped(rng):
    h, w = 16, 16
    base = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    base[..., 3] = 255
    a = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    b = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    doc = Document(w, h)
    doc.root.insert(0, RasterLayer.from_pixels("base", base))
    g = GroupLayer("g", opacity=0.5, blend_mode="multiply")
    doc.root.insert(1, g)
    g.insert(0, RasterLayer.from_pixels("a", a))
    g.insert(1, RasterLayer.from_pixels("b", b, blend_mode="screen"))
    g.insert(2, RasterLayer.from_pixels("hidden", base, visible=False))
    # reference: a then b (screen) in isolation, then the result multiplied at 50 % over base
    f = lambda px: px.reshape(-1, 4).astype(np.float32) / 255  # noqa: E731
    inner = reference("screen", f(b), f(a))
    inner_straight = inner.copy()
    np.divide(inner[:, :3], inner[:, 3:4], out=inner_straight[:, :3], where=inner[:, 3:4] > 0)
    inner_straight[:, 3] *= 0.5
    expected = premul_f32_to_straight_u8(reference("multiply", inner_straight, f(base)).astype(np.float32))
    got = doc.composite().reshape(-1, 4)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1


def test_composite_display_is_premultiplied(rng):
    px = rng.integers(0, 256, (32, 32, 4), dtype=np.uint8)
    doc = Document(32, 32)
    doc.root.insert(0, RasterLayer.from_pixels("l", px))
    disp = doc.composite_display(Rect(0, 0, 32, 32)).astype(int)
    expected = np.round(px[..., :3].astype(float) * px[..., 3:4] / 255).astype(int)
    assert np.abs(disp[..., :3] - expected).max() <= 1
    assert np.array_equal(disp[..., 3], px[..., 3])
    assert Document(8, 8).composite().sum() == 0
