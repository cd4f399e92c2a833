"""Move and free transform of the selected pixels (or a whole layer): lift, preview, commit as one step.
Qt-free.

`FloatingPixels.lift(doc, layer)` opens a paint transaction on the layer, copies the selected pixels
(coverage as alpha; the layer's whole content when nothing is selected) into a floating buffer and
clears them from the layer, so the canvas shows the hole while the GUI draws the floating buffer through
the transform. `commit(matrix, method)` warps the buffer with nearest / bilinear / area resampling,
composites it over the layer and returns ONE command holding the touched tiles and the transformed
selection; `abort()` puts every tile back. A pure integer translation never resamples (moves are exact).

`Affine` describes the transform as the user edits it (move, scale about the box centre, rotate, flip)
and turns it into the 2×3 matrix from source document coordinates to destination document coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from paintgan.brush.resample import warp, warp_mask
from paintgan.commands.paint import PaintTransaction
from paintgan.commands.selection import SetSelectionCommand
from paintgan.commands.stack import Command, MacroCommand
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer


@dataclass(frozen=True)
class Affine:
    """Translation (dx, dy), scale (sx, sy; negative = flipped) and rotation (degrees, clockwise on
    screen) of a box about its centre (cx, cy)."""

    cx: float
    cy: float
    dx: float = 0.0
    dy: float = 0.0
    sx: float = 1.0
    sy: float = 1.0
    angle: float = 0.0

    def with_(self, **kw: float) -> Affine:
        return replace(self, **kw)

    def matrix(self) -> np.ndarray:
        """2×3: destination = M · [x, y, 1] for a source document point (x, y)."""
        a = math.radians(self.angle)
        c, s = math.cos(a), math.sin(a)
        lin = np.array([[c, -s], [s, c]]) @ np.diag([self.sx, self.sy])
        t = np.array([self.cx + self.dx, self.cy + self.dy]) - lin @ np.array([self.cx, self.cy])
        return np.hstack([lin, t[:, None]])

    def map(self, x: float, y: float) -> tuple[float, float]:
        m = self.matrix()
        return float(m[0, 0] * x + m[0, 1] * y + m[0, 2]), float(m[1, 0] * x + m[1, 1] * y + m[1, 2])

    def is_integer_move(self) -> bool:
        return (self.sx, self.sy, self.angle % 360) == (1.0, 1.0, 0.0) and \
            float(self.dx).is_integer() and float(self.dy).is_integer()


def _bounds_of(matrix: np.ndarray, rect: Rect) -> Rect:
    xs, ys = [], []
    for x, y in ((rect.x, rect.y), (rect.x1, rect.y), (rect.x, rect.y1), (rect.x1, rect.y1)):
        xs.append(matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2])
        ys.append(matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2])
    return Rect.from_bounds(min(xs) - 1e-6, min(ys) - 1e-6, max(xs) + 1e-6, max(ys) + 1e-6)


class FloatingPixels:
    """Pixels lifted off a layer for a move / transform (see the module docstring)."""

    def __init__(self, doc: Document, layer: RasterLayer, pixels: np.ndarray, rect: Rect,
                 tx: PaintTransaction) -> None:
        self.doc = doc
        self.layer = layer
        self.pixels = pixels  # straight RGBA uint8 of `rect`
        self.rect = rect
        self.tx = tx
        self.selection = doc.selection

    @classmethod
    def lift(cls, doc: Document, layer: RasterLayer) -> FloatingPixels | None:
        """Lift the selected pixels (or the layer's content); None when there is nothing to lift."""
        s = doc.selection
        if s is not None:
            rect = s.rect
        else:
            b = layer.surface.content_bbox()
            if b is None:
                return None
            rect = layer.to_doc(b)
        px = layer.read(rect)
        if s is not None:
            cov = s.read(rect).astype(np.uint16)
            px[:, :, 3] = (px[:, :, 3].astype(np.uint16) * cov + 127) // 255
        if not px[:, :, 3].any():
            return None
        tx = PaintTransaction(layer, "Transform")
        if s is not None:
            keep = 255 - s.read(rect).astype(np.uint16)
            hole = layer.read(rect)
            hole[:, :, 3] = (hole[:, :, 3].astype(np.uint16) * keep + 127) // 255
        else:
            hole = np.zeros_like(px)
        layer.surface.write(rect.x - layer.x, rect.y - layer.y, hole)
        tx.touch(rect)
        return cls(doc, layer, px, rect, tx)

    def affine(self) -> Affine:
        r = self.rect
        return Affine(r.x + r.w / 2.0, r.y + r.h / 2.0)

    def render(self, matrix: np.ndarray, method: str = "bilinear") -> tuple[np.ndarray, Rect]:
        """The floating pixels through `matrix` (source doc → destination doc) and where they land."""
        out = _bounds_of(matrix, self.rect)
        m = np.asarray(matrix, np.float64)
        if np.allclose(m[:, :2], np.eye(2)) and np.allclose(m[:, 2], np.round(m[:, 2])):
            dx, dy = round(m[0, 2]), round(m[1, 2])
            return self.pixels, self.rect.translated(dx, dy)  # an exact move
        # source local → destination local: T(-out) · M · T(rect)
        t_src = np.array([[1, 0, self.rect.x], [0, 1, self.rect.y], [0, 0, 1]], np.float64)
        t_out = np.array([[1, 0, -out.x], [0, 1, -out.y], [0, 0, 1]], np.float64)
        local = (t_out @ np.vstack([m, [0, 0, 1]]) @ t_src)[:2]
        return warp(self.pixels, local, out.w, out.h, method), out

    def commit(self, matrix: np.ndarray, method: str = "bilinear", text: str = "Transform") -> Command | None:
        """Put the transformed pixels down; returns the applied command (push with `done=True`)."""
        px, out = self.render(matrix, method)
        under = self.layer.read(out).astype(np.float32) * np.float32(1.0 / 255.0)
        src = px.astype(np.float32) * np.float32(1.0 / 255.0)
        sa, da = src[..., 3:4], under[..., 3:4]
        oa = sa + da * (1.0 - sa)
        safe = np.where(oa > 1e-6, oa, 1.0)
        res = np.empty_like(src)
        res[..., :3] = (src[..., :3] * sa + under[..., :3] * da * (1.0 - sa)) / safe
        res[..., 3:4] = oa
        self.layer.surface.write(out.x - self.layer.x, out.y - self.layer.y,
                                 np.clip(res * 255.0 + 0.5, 0, 255).astype(np.uint8))
        self.tx.touch(out)
        self.tx.text = text
        paint = self.tx.commit()
        parts: list[Command] = [] if paint is None else [paint]
        if self.selection is not None:
            s = self.selection
            m = np.asarray(matrix, np.float64)
            dest = _bounds_of(m, s.rect)
            t_src = np.array([[1, 0, s.x], [0, 1, s.y], [0, 0, 1]], np.float64)
            t_out = np.array([[1, 0, -dest.x], [0, 1, -dest.y], [0, 0, 1]], np.float64)
            local = (t_out @ np.vstack([m, [0, 0, 1]]) @ t_src)[:2]
            mask = warp_mask(s.mask, local, dest.w, dest.h)
            moved = sel.from_mask(mask, dest.x, dest.y)
            moved = None if moved is None else moved.clipped(self.doc.rect)
            cmd = SetSelectionCommand(self.doc, moved, text)
            cmd.redo()
            parts.append(cmd)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else MacroCommand(text, parts)

    def abort(self) -> None:
        if self.tx.is_open:
            self.tx.abort()

