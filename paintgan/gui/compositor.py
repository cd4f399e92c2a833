"""Fast display compositing: premultiplied RGBA8 of a document rectangle for the canvas.

The document's own `composite_display` works in float32 (exact, used by files and the picker). The canvas
only needs 8 bits, so normal-mode layers are premultiplied and composited "over" with OpenCV's saturating
8-bit arithmetic (several times faster), as are multiply and screen; layers with nothing in the
rectangle are skipped. A group holding any other blend mode (overlay, every Krita mode of
`core/blend_krita.py`, foreign ops) is composited by the float path as a whole: those modes divide by
alpha, and premultiplied 8-bit backdrops would lose too much colour under low alpha. Unknown layer kinds
give their float render. Pass-through groups composite their children onto the backdrop exactly as
`GroupLayer.render` does. Results differ from the float path by at most a couple of levels.
"""

from __future__ import annotations

import cv2
import numpy as np

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
_U8_BLENDS = {"normal": _over, "multiply": _multiply, "screen": _screen}


def _to_u8(px: np.ndarray) -> np.ndarray:
    return np.clip(px * 255.0 + 0.5, 0, 255).astype(np.uint8)


def render_u8(layer: Layer, rect: Rect) -> np.ndarray | None:
    """Premultiplied RGBA8 of `layer` in `rect` (before its own opacity/blend), None when empty."""
    if layer.has_u8_pixels:  # raster and colorize layers: composite their RGBA8 in 8 bits
        buf = layer.read_u8(rect)
        return None if buf is None else premultiply(buf)
    if type(layer) is GroupLayer and _all_fast(layer.children):
        return _composite_children(None, layer.children, rect, 1.0)
    out = layer.render(rect)
    return None if out is None else _to_u8(out)


def _all_fast(children: list[Layer]) -> bool:
    """Whether every visible child (and pass-through grandchild) blends with a mode of the 8-bit path."""
    for child in children:
        if not child.visible:
            continue
        if isinstance(child, GroupLayer) and not child.isolated:
            if not _all_fast(child.children):
                return False
        elif child.blend_mode not in _U8_BLENDS:
            return False
    return True


def _composite_children(acc: np.ndarray | None, children: list[Layer], rect: Rect, opacity: float
                        ) -> np.ndarray | None:
    """The 8-bit twin of `core.layers._composite_children` for children whose modes all have an 8-bit
    path: blend them onto `acc` (None: transparent), pass-through groups' children straight onto it with
    their opacity times the group's."""
    for child in children:
        alpha = child.opacity * opacity
        if not child.visible or alpha <= 0.0:
            continue
        if isinstance(child, GroupLayer) and not child.isolated:
            acc = _composite_children(acc, child.children, rect, alpha)
            continue
        src = render_u8(child, rect)
        if src is None:
            continue
        if alpha < 1.0:
            src = cv2.convertScaleAbs(src, alpha=alpha)
        acc = src if acc is None else _U8_BLENDS[child.blend_mode](src, acc)
    return acc


def composite_u8(doc: Document, rect: Rect) -> np.ndarray:
    """Premultiplied RGBA8 (h, w, 4) of the visible document inside `rect` (Qt RGBA8888_Premultiplied)."""
    out = render_u8(doc.root, rect)
    if out is None:
        return np.zeros((rect.h, rect.w, 4), np.uint8)
    return out
