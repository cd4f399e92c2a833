"""Blend modes against straightforward reference formulas (W3C Compositing, straight alpha), invariants of
every mode, pass-through groups and foreign modes. Fidelity to Krita's rendering of every mode:
tests/io/test_ora_krita_fidelity.py."""

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
    is_blend_mode,
    mode_from_ora,
    premul_f32_to_straight_u8,
    resolve_mode,
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
    "add": lambda cb, cs: np.minimum(1.0, cb + cs),  # Krita's Addition (svg:plus)
    "hard_light": lambda cb, cs: _overlay(cs, cb),
    "linear_burn": lambda cb, cs: np.clip(cb + cs - 1, 0, 1),
    "subtract": lambda cb, cs: np.clip(cb - cs, 0, 1),
    "exclusion": lambda cb, cs: cb + cs - 2 * cb * cs,
}
#: Porter-Duff operators: (colour factor of source, of destination) as functions of (as, ab)
REFERENCE_PD = {
    "dst_in": (lambda a_s, ab: 0 * a_s, lambda a_s, ab: a_s),
    "erase": (lambda a_s, ab: 0 * a_s, lambda a_s, ab: 1 - a_s),
    "src_atop": (lambda a_s, ab: ab, lambda a_s, ab: 1 - a_s),
    "dst_atop": (lambda a_s, ab: 1 - ab, lambda a_s, ab: a_s),
    "xor": (lambda a_s, ab: 1 - ab, lambda a_s, ab: 1 - a_s),
}


def reference(mode: str, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Straight RGBA floats in, premultiplied RGBA out."""
    cs, a_s = src[:, :3], src[:, 3:4]
    cb, ab = dst[:, :3], dst[:, 3:4]
    if mode in REFERENCE_PD:
        fs, fd = REFERENCE_PD[mode]
        src_part = np.concatenate([cs * a_s, a_s], axis=1) * fs(a_s, ab)
        return src_part + np.concatenate([cb * ab, ab], axis=1) * fd(a_s, ab)
    co = cs * a_s * (1 - ab) + cb * ab * (1 - a_s) + a_s * ab * REFERENCE_B[mode](cb, cs)
    return np.concatenate([co, a_s + ab - a_s * ab], axis=1)


def _premul(px: np.ndarray) -> np.ndarray:
    out = px.copy()
    out[:, :3] *= out[:, 3:4]
    return out


def test_reference_modes_are_registered():
    assert set(REFERENCE_B) | set(REFERENCE_PD) <= set(BLEND_MODES)


@pytest.mark.parametrize("mode", sorted(BLEND_MODES))
def test_every_mode_gives_valid_premultiplied_pixels(mode, rng):
    src = _premul(rng.random((2048, 4), dtype=np.float32))
    dst = _premul(rng.random((2048, 4), dtype=np.float32))
    src[::5, 3] = src[::5, :3] = 0.0
    dst[1::5, 3] = dst[1::5, :3] = 0.0
    src[2::5, 3] = dst[2::5, 3] = 1.0
    out = blend(mode, src.copy(), dst.copy())
    assert out.dtype == np.float32 and np.isfinite(out).all()
    assert (out >= -1e-6).all() and (out[:, 3] <= 1 + 1e-6).all()
    assert (out[:, :3] <= out[:, 3:4] + 1e-5).all()  # colour never exceeds alpha
    if mode not in REFERENCE_PD:  # the separable and HSX modes keep source-over alpha
        np.testing.assert_allclose(out[:, 3], src[:, 3] + dst[:, 3] - src[:, 3] * dst[:, 3], atol=1e-5)
    # a fully transparent source leaves the backdrop as it was (dst-in and dst-atop excepted)
    if mode not in ("dst_in", "dst_atop"):
        np.testing.assert_allclose(out[::5], dst[::5], atol=1e-5)


unit = st.floats(0.0, 1.0, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(src=arrays(np.float32, (16, 4), elements=unit), dst=arrays(np.float32, (16, 4), elements=unit))
def test_blend_modes_match_reference(src, dst):
    for mode in [*REFERENCE_B, *REFERENCE_PD]:
        got = blend(mode, _premul(src), _premul(dst))
        np.testing.assert_allclose(got, reference(mode, src, dst), atol=2e-6, err_msg=mode)


def test_blend_modes_on_random_pixels_with_edge_alphas(rng):
    src = rng.random((4096, 4), dtype=np.float32)
    dst = rng.random((4096, 4), dtype=np.float32)
    src[::4, 3] = 0.0
    dst[1::4, 3] = 0.0
    src[2::4, 3] = 1.0
    dst[2::4, 3] = 1.0
    for mode in [*REFERENCE_B, *REFERENCE_PD]:
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


def test_ora_ops_map_to_modes_and_foreign_ops_are_kept():
    assert mode_from_ora("svg:multiply") == "multiply"
    assert mode_from_ora(None) == "normal"
    assert mode_from_ora("krita:vivid_light") == "vivid_light"
    assert mode_from_ora("krita:multiply") == "multiply"  # Krita reads its own ids too
    assert mode_from_ora("color-dodge") == "color_dodge"  # an old Krita spelling
    assert mode_from_ora("krita:dissolve") == "krita:dissolve"  # kept, shown as Normal
    assert mode_from_ora("not an op") == "normal"
    for name, mode in BLEND_MODES.items():
        assert mode_from_ora(mode.ora_op) == name
    foreign = resolve_mode("krita:dissolve")
    assert foreign.approximated and foreign.ora_op == "krita:dissolve"
    assert is_blend_mode("krita:dissolve") and not is_blend_mode("dissolve")
    with pytest.raises(KeyError):
        resolve_mode("dissolve")


def test_foreign_mode_renders_as_normal_and_survives_copy(rng):
    px = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
    base = rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)
    docs = []
    for mode in ("krita:dissolve", "normal"):
        doc = Document(8, 8)
        doc.root.insert(0, RasterLayer.from_pixels("b", base))
        doc.root.insert(1, RasterLayer.from_pixels("t", px, opacity=0.7, blend_mode=mode))
        docs.append(doc)
    assert np.array_equal(docs[0].composite(), docs[1].composite())
    assert docs[0].root.children[1].copy().blend_mode == "krita:dissolve"
    with pytest.raises(ValueError):
        docs[0].root.children[1].set_props(blend_mode="no such mode")


@pytest.mark.parametrize("mode", sorted([*REFERENCE_B, *REFERENCE_PD]))
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


def _straight_ref(px: np.ndarray) -> np.ndarray:
    return px.reshape(-1, 4).astype(np.float32) / 255


def test_pass_through_group_composites_children_onto_the_backdrop(rng):
    """Krita's pass-through: each child blends straight onto what is below the group, with its opacity times
    the group's; the group's blend mode is not used. An isolated group differs."""
    h, w = 12, 12
    base, a, b = (rng.integers(0, 256, (h, w, 4), dtype=np.uint8) for _ in range(3))
    base[..., 3] = 255
    doc = Document(w, h)
    doc.root.insert(0, RasterLayer.from_pixels("base", base))
    g = GroupLayer("g", opacity=0.5, blend_mode="screen", isolated=False)
    doc.root.insert(1, g)
    g.insert(0, RasterLayer.from_pixels("a", a, opacity=0.8))
    g.insert(1, RasterLayer.from_pixels("b", b, blend_mode="multiply"))
    sa, sb = _straight_ref(a), _straight_ref(b)
    sa[:, 3] *= 0.4
    sb[:, 3] *= 0.5
    step = reference("normal", sa, _straight_ref(base))
    step_straight = step.copy()
    np.divide(step[:, :3], step[:, 3:4], out=step_straight[:, :3], where=step[:, 3:4] > 0)
    expected = premul_f32_to_straight_u8(reference("multiply", sb, step_straight).astype(np.float32))
    got = doc.composite().reshape(-1, 4)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    g.set_props(isolated=True)
    assert np.abs(doc.composite().reshape(-1, 4).astype(int) - expected.astype(int)).max() > 8
    assert g.props()["isolated"] is True and g.copy().isolated is True


def test_destination_modes_over_nothing_give_nothing(rng):
    px = rng.integers(1, 256, (6, 6, 4), dtype=np.uint8)
    for mode in ("dst_in", "erase", "src_atop"):
        doc = Document(6, 6)
        doc.root.insert(0, RasterLayer.from_pixels("t", px, blend_mode=mode))
        assert doc.composite().sum() == 0, mode
