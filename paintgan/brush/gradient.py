"""Gradients: linear and radial, foreground→background or foreground→transparent, painted source-over
onto a raster layer inside the selection (its coverage multiplies the gradient's alpha). Qt-free.

The colour ramp is interpolated premultiplied, so fg→transparent keeps the foreground colour all the way
and never darkens towards the transparent end.
"""

from __future__ import annotations

import numpy as np

from paintgan.commands.paint import PaintCommand, PaintTransaction
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer

KINDS = ("linear", "radial")
RGBA = tuple[int, int, int, int]


def ramp(rect: Rect, p0: tuple[float, float], p1: tuple[float, float], kind: str = "linear") -> np.ndarray:
    """float32 (h, w) position along the gradient in [0, 1] for the pixel centres of `rect`."""
    if kind not in KINDS:
        raise ValueError(f"unknown gradient kind {kind!r}")
    xs = np.arange(rect.x, rect.x1, dtype=np.float32) + 0.5 - np.float32(p0[0])
    ys = np.arange(rect.y, rect.y1, dtype=np.float32) + 0.5 - np.float32(p0[1])
    dx, dy = float(p1[0] - p0[0]), float(p1[1] - p0[1])
    length2 = dx * dx + dy * dy
    if length2 < 1e-9:
        return np.ones((rect.h, rect.w), np.float32)
    if kind == "linear":
        t = (ys[:, None] * np.float32(dy) + xs[None, :] * np.float32(dx)) / np.float32(length2)
    else:
        t = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2) / np.float32(np.sqrt(length2))
    return np.clip(t, 0.0, 1.0).astype(np.float32)


def gradient_pixels(rect: Rect, p0: tuple[float, float], p1: tuple[float, float], c0: RGBA, c1: RGBA,
                    kind: str = "linear") -> np.ndarray:
    """Premultiplied float32 (h, w, 4) in [0, 1] of the gradient from colour `c0` at p0 to `c1` at p1."""
    t = ramp(rect, p0, p1, kind)[..., None]
    a0, a1 = np.float32(c0[3] / 255.0), np.float32(c1[3] / 255.0)
    pm0 = np.array([*(np.float32(c) / 255.0 * a0 for c in c0[:3]), a0], np.float32)
    pm1 = np.array([*(np.float32(c) / 255.0 * a1 for c in c1[:3]), a1], np.float32)
    return pm0 + (pm1 - pm0) * t


def apply_gradient(doc: Document, layer: RasterLayer, p0: tuple[float, float], p1: tuple[float, float],
                   c0: RGBA, c1: RGBA, kind: str = "linear", opacity: float = 1.0) -> PaintCommand | None:
    """Paint the gradient over the selection (the whole canvas when nothing is selected) as one paint
    step; returns the applied command (push with `done=True`)."""
    area = doc.selection.rect.intersected(doc.rect) if doc.selection is not None else doc.rect
    if area.is_empty():
        return None
    tx = PaintTransaction(layer, f"{kind.capitalize()} gradient")
    src = gradient_pixels(area, p0, p1, c0, c1, kind)
    k = np.float32(opacity)
    if doc.selection is not None:
        src *= (doc.selection.coverage(area) * k)[..., None]
    elif opacity < 1.0:
        src *= k
    dst = layer.read(area).astype(np.float32) * np.float32(1.0 / 255.0)
    da = dst[..., 3:4]
    sa = src[..., 3:4]
    out_a = sa + da * (1.0 - sa)
    rgb = src[..., :3] + dst[..., :3] * da * (1.0 - sa)  # premultiplied over
    safe = np.where(out_a > 1e-6, out_a, 1.0)
    out = np.empty((area.h, area.w, 4), np.float32)
    out[..., :3] = rgb / safe
    out[..., 3:4] = out_a
    px = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
    layer.surface.write(area.x - layer.x, area.y - layer.y, px)
    tx.touch(area)
    return tx.commit()
