"""Fast display compositing: premultiplied RGBA8 of a document rectangle for the canvas.

The document's own `composite_display` works in float32 (exact, used by files and the picker). The canvas
only needs 8 bits, so normal-mode layers are premultiplied and composited "over" with OpenCV's saturating
8-bit arithmetic (several times faster), as are multiply, screen and add; layers with nothing in the
rectangle are skipped, and other blend modes or unknown layer kinds fall back to the float path for that
layer only. Results differ from the float
path by at most a couple of levels, which the display cannot show anyway.
"""

from __future__ import annotations

import cv2
import numpy as np

from paintgan.core.blend import blend
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import GroupLayer, Layer

_INV255 = 1.0 / 255.0


def premultiply(buf: np.ndarray) -> np.ndarray:
    a = buf[:, :, 3]
    if a.min() == 255:
        return buf
    a4 = cv2.merge([a, a, a, np.full_like(a, 255)])
    return cv2.multiply(buf, a4, scale=_INV255)


def _inv_alpha4(px: np.ndarray) -> np.ndarray:
    """(1 − alpha) of each pixel, in all four channels (8-bit)."""
    inv = cv2.bitwise_not(px[:, :, 3])
    return cv2.merge([inv, inv, inv, inv])


def _over(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    return cv2.add(src, cv2.multiply(dst, _inv_alpha4(src), scale=_INV255))


def _multiply(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Premultiplied multiply (W3C): s·d + s·(1 − ab) + d·(1 − as); the alpha channel then comes out as
    as + ab − as·ab, as the spec requires."""
    out = cv2.multiply(src, dst, scale=_INV255)
    if dst[:, :, 3].min() < 255:
        out = cv2.add(out, cv2.multiply(src, _inv_alpha4(dst), scale=_INV255))
    return cv2.add(out, cv2.multiply(dst, _inv_alpha4(src), scale=_INV255))


def _screen(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Premultiplied screen: s + d − s·d = s + d·(1 − s) (colour and alpha alike; no overflow)."""
    return cv2.add(src, cv2.multiply(dst, cv2.bitwise_not(src), scale=_INV255))


# blend modes with an 8-bit path (the line art of a colorize stack is Multiply: it must stay fast)
_U8_BLENDS = {"normal": _over, "multiply": _multiply, "screen": _screen, "add": cv2.add}


def _to_f32(px: np.ndarray) -> np.ndarray:
    return px.astype(np.float32) * np.float32(_INV255)


def _to_u8(px: np.ndarray) -> np.ndarray:
    return np.clip(px * 255.0 + 0.5, 0, 255).astype(np.uint8)


def render_u8(layer: Layer, rect: Rect) -> np.ndarray | None:
    """Premultiplied RGBA8 of `layer` in `rect` (before its own opacity/blend), None when empty."""
    if layer.has_u8_pixels:  # raster and colorize layers: composite their RGBA8 in 8 bits
        buf = layer.read_u8(rect)
        return None if buf is None else premultiply(buf)
    if type(layer) is GroupLayer:
        acc: np.ndarray | None = None
        for child in layer.children:
            if not child.visible or child.opacity <= 0.0:
                continue
            src = render_u8(child, rect)
            if src is None:
                continue
            if child.opacity < 1.0:
                src = cv2.convertScaleAbs(src, alpha=child.opacity)
            fast = _U8_BLENDS.get(child.blend_mode)
            if acc is None:
                acc = src
            elif fast is not None:
                acc = fast(src, acc)
            else:
                acc = _to_u8(blend(child.blend_mode, _to_f32(src), _to_f32(acc)))
        return acc
    out = layer.render(rect)
    return None if out is None else _to_u8(out)


def composite_u8(doc: Document, rect: Rect) -> np.ndarray:
    """Premultiplied RGBA8 (h, w, 4) of the visible document inside `rect` (Qt RGBA8888_Premultiplied)."""
    out = render_u8(doc.root, rect)
    if out is None:
        return np.zeros((rect.h, rect.w, 4), np.uint8)
    return out
