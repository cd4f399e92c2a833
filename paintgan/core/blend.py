"""Blend modes and pixel conversions.

Compositing works on **premultiplied float32** RGBA in [0, 1]. Every blend function takes the
premultiplied source `s` (already scaled by layer opacity) and destination `d` and returns the new
destination. Separable modes follow the W3C Compositing spec with source-over alpha, exactly as Krita's
generic composite op (`KoCompositeOpGenericSC`) does:
    co = cs·(1 − ab) + cb·(1 − as) + as·ab·B(Cb, Cs),   ao = as + ab − as·ab
New modes register with `@blend_mode(name, ora_op, label)`; nothing else needs editing. The modes of
Krita beyond the original eight live in `blend_krita.py` (registered the same way, imported at the end).

A layer's blend mode is either a registered name or a *foreign* OpenRaster composite-op we cannot render
(say `krita:dissolve`): such a mode is kept as the op itself, renders as Normal (`resolve_mode` gives an
`approximated` stand-in) and is written back unchanged, so opening and saving a file never loses it.

`svg:plus` is read and written as Krita's Addition (`B = min(1, Cb + Cs)` in the formula above), not
as the Porter-Duff plus of the OpenRaster text: Krita writes its Addition under that name and users
see Krita's rendering; the two agree over opaque backdrops with opaque sources.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

BlendFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class BlendMode:
    name: str
    ora_op: str  # the OpenRaster composite-op attribute, as Krita writes it
    label: str
    fn: BlendFn
    category: str = "Basic"
    #: Blending onto a fully transparent backdrop gives the source (False for dst-in, erase, src-atop:
    #: they give nothing there).
    over_empty_is_src: bool = True
    #: A composite-op we keep but cannot render: shown as Normal.
    approximated: bool = False


BLEND_MODES: dict[str, BlendMode] = {}
_BY_ORA_OP: dict[str, str] = {}
#: Krita composite-op ids written with the `krita:` prefix that also have an svg: name (Krita reads both).
_KRITA_ALIASES: dict[str, str] = {}
#: A foreign composite-op: `prefix:name`, printable, bounded.
_FOREIGN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*:[^\x00-\x1f]{1,100}$")
#: Spellings Krita's reader accepts from old files (its own earlier bugs).
_LEGACY_OPS = {"color-dodge": "svg:color-dodge", "difference": "svg:difference", "svg:add": "svg:plus"}


def blend_mode(name: str, ora_op: str, label: str, *, category: str = "Basic", krita_id: str | None = None,
               over_empty_is_src: bool = True) -> Callable[[BlendFn], BlendFn]:
    """Register `fn` as blend mode `name`, saved as `ora_op`; `krita_id` is Krita's own id of an
    svg:-named mode (so `krita:<id>` reads as this mode too)."""

    def register(fn: BlendFn) -> BlendFn:
        BLEND_MODES[name] = BlendMode(name, ora_op, label, fn, category, over_empty_is_src)
        _BY_ORA_OP[ora_op] = name
        if krita_id is not None:
            _KRITA_ALIASES[f"krita:{krita_id}"] = name
        return fn

    return register


def mode_from_ora(op: str | None) -> str:
    """Our blend mode for an OpenRaster composite-op: a registered name, or the op itself when we cannot
    render it (kept, shown as Normal; see `resolve_mode`). Missing or malformed ops are Normal."""
    op = (op or "svg:src-over").strip()
    op = _LEGACY_OPS.get(op, op)
    name = _BY_ORA_OP.get(op) or _KRITA_ALIASES.get(op)
    if name is not None:
        return name
    return op if _FOREIGN_RE.match(op) else "normal"


def is_blend_mode(mode: object) -> bool:
    """True for a registered mode name or a foreign composite-op that a layer may keep."""
    return isinstance(mode, str) and (mode in BLEND_MODES or bool(_FOREIGN_RE.match(mode)))


@functools.lru_cache(maxsize=256)
def _foreign(op: str) -> BlendMode:
    return BlendMode(op, op, f"{op} (shown as Normal)", _normal, "Other", True, True)


def resolve_mode(mode: str) -> BlendMode:
    """The BlendMode of a layer's `blend_mode`: the registered one, or a Normal stand-in for a foreign op."""
    found = BLEND_MODES.get(mode)
    if found is not None:
        return found
    if not _FOREIGN_RE.match(mode):
        raise KeyError(f"unknown blend mode {mode!r}")
    return _foreign(mode)


def _separable(s: np.ndarray, d: np.ndarray, mixed: np.ndarray) -> np.ndarray:
    """Combine with the spec's formula. `mixed` is as·ab·B(Cb, Cs) in the colour channels and must
    hold as·ab in the alpha channel: then one formula on whole pixels gives colour and alpha
    (ao = as·(1 − ab) + ab·(1 − as) + as·ab), and every operation runs on contiguous arrays."""
    sa = s[..., 3:4]
    da = d[..., 3:4]
    mixed += s * (1.0 - da)
    mixed += d * (1.0 - sa)
    return mixed


def _with_alpha_product(mixed: np.ndarray, s: np.ndarray, d: np.ndarray) -> np.ndarray:
    mixed[..., 3] = s[..., 3] * d[..., 3]
    return mixed


@blend_mode("normal", "svg:src-over", "Normal", krita_id="normal")
def _normal(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    d *= 1.0 - s[..., 3:4]
    d += s
    return d


@blend_mode("multiply", "svg:multiply", "Multiply", category="Arithmetic", krita_id="multiply")
def _multiply(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _separable(s, d, s * d)  # alpha channel: as·ab


@blend_mode("screen", "svg:screen", "Screen", category="Lighten", krita_id="screen")
def _screen(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    # cs·ab + cb·as − cs·cb; in the alpha channel this is as·ab as required
    mixed = s * d[..., 3:4]
    mixed += d * s[..., 3:4]
    mixed -= s * d
    return _separable(s, d, mixed)


@blend_mode("overlay", "svg:overlay", "Overlay", category="Mix", krita_id="overlay")
def _overlay(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    sa, da = s[..., 3:4], d[..., 3:4]
    low = 2.0 * s * d
    high = sa * da - 2.0 * (sa - s) * (da - d)
    mixed = np.where(2.0 * d <= da, low, high)
    return _separable(s, d, _with_alpha_product(mixed, s, d))


@blend_mode("darken", "svg:darken", "Darken", category="Darken", krita_id="darken")
def _darken(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _separable(s, d, np.minimum(s * d[..., 3:4], d * s[..., 3:4]))  # alpha: as·ab


@blend_mode("lighten", "svg:lighten", "Lighten", category="Lighten", krita_id="lighten")
def _lighten(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    return _separable(s, d, np.maximum(s * d[..., 3:4], d * s[..., 3:4]))  # alpha: as·ab


@blend_mode("difference", "svg:difference", "Difference", category="Negative",
            krita_id="diff")
def _difference(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    mixed = np.abs(s * d[..., 3:4] - d * s[..., 3:4])
    return _separable(s, d, _with_alpha_product(mixed, s, d))


@blend_mode("add", "svg:plus", "Addition", category="Arithmetic", krita_id="add")
def _add(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    # Krita's Addition: B = min(1, Cb + Cs). as·ab·B = min(as·ab, cs·ab + cb·as) in premultiplied terms,
    # and the alpha channel of that expression is min(as·ab, 2·as·ab) = as·ab as required.
    sa, da = s[..., 3:4], d[..., 3:4]
    mixed = s * da
    mixed += d * sa
    np.minimum(mixed, sa * da, out=mixed)
    return _separable(s, d, mixed)


def blend(mode: str, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Blend premultiplied `src` onto premultiplied `dst` (which may be modified in place)."""
    return resolve_mode(mode).fn(src, dst)


# -- conversions ---------------------------------------------------------------------------------------
# OpenCV does these per-pixel conversions in one C pass each (5–20× faster than numpy expressions).
_U8_TO_F = np.float32(1.0 / 255.0)


def straight_u8_to_premul_f32(px: np.ndarray, opacity: float = 1.0) -> np.ndarray:
    """Straight RGBA8 → premultiplied float32 in [0, 1] (exact: premultiplied in float)."""
    f = np.multiply(px, _U8_TO_F, dtype=np.float32)
    alpha = np.ascontiguousarray(f[..., 3])
    if opacity != 1.0:
        alpha *= np.float32(opacity)
    return cv2.multiply(f, cv2.merge([alpha, alpha, alpha, np.full_like(alpha, opacity)]))


def premul_f32_to_straight_u8(px: np.ndarray) -> np.ndarray:
    """Premultiplied float32 → straight RGBA8, dividing in float (exact for low alpha)."""
    alpha = np.ascontiguousarray(px[..., 3])
    inv = np.divide(np.float32(255.0), alpha, out=np.zeros_like(alpha), where=alpha > 1e-6)
    scale = cv2.merge([inv, inv, inv, np.full_like(alpha, 255.0)])
    return cv2.convertScaleAbs(cv2.multiply(np.ascontiguousarray(px), scale))


def premul_f32_to_premul_u8(px: np.ndarray) -> np.ndarray:
    """For display: premultiplied float32 → premultiplied RGBA8 (Qt's RGBA8888_Premultiplied)."""
    return cv2.convertScaleAbs(np.ascontiguousarray(px), alpha=255.0)


# Krita's other modes register themselves on import (after the helpers above exist).
from paintgan.core import blend_krita  # noqa: E402, F401  isort: skip
