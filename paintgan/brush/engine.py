"""The dab engine: round dabs with size, hardness, opacity, flow and spacing, pressure-aware.

Qt-free. A `StrokeEngine` paints one stroke (pen-down to pen-up) on a raster layer inside a
`PaintTransaction`, interpolating dabs every `spacing × diameter` pixels so fast mouse moves leave no
gaps (MyPaint-style distance-based dabbing). Pixels are straight-alpha RGBA8 (see core.tiles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from paintgan.commands.paint import PaintCommand, PaintTransaction
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from paintgan.core.tiles import TILE, tile_keys_for_rect, tile_rect


@dataclass(frozen=True)
class BrushSettings:
    size: float = 12.0  # diameter in pixels at full pressure
    hardness: float = 0.8  # 0 = soft falloff from the centre, 1 = hard edge
    opacity: float = 1.0  # alpha of each dab at full pressure
    flow: float = 1.0  # multiplies each dab's alpha (build-up within a stroke)
    spacing: float = 0.12  # distance between dabs as a fraction of the diameter
    color: tuple[int, int, int] = (0, 0, 0)
    eraser: bool = False
    pressure_size: bool = True
    pressure_opacity: bool = False
    min_size_fraction: float = 0.1  # size at zero pressure, as a fraction of `size`

    def with_(self, **kw: object) -> BrushSettings:
        return replace(self, **kw)  # type: ignore[arg-type]


def dab_mask(radius: float, hardness: float, cx: float, cy: float) -> tuple[int, int, np.ndarray]:
    """Coverage of a round dab centred at (cx, cy): returns (x0, y0, mask[h, w] float32 in [0, 1])."""
    r = max(radius, 0.5)
    x0, y0 = math.floor(cx - r), math.floor(cy - r)
    x1, y1 = math.ceil(cx + r) + 1, math.ceil(cy + r) + 1
    xs = np.arange(x0, x1, dtype=np.float32) + 0.5 - np.float32(cx)
    ys = np.arange(y0, y1, dtype=np.float32) + 0.5 - np.float32(cy)
    d = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2) / np.float32(r)
    h = min(max(hardness, 0.0), 0.999)
    # 1 inside the hard core, linear falloff to 0 at the rim; 1-pixel antialiasing at the edge
    mask = np.clip((1.0 - d) / (1.0 - h), 0.0, 1.0)
    if r < 2.0:  # tiny dabs: area coverage instead of falloff so they stay visible
        mask = np.clip(r + 0.5 - d * r, 0.0, 1.0)
    return x0, y0, mask.astype(np.float32)


def blend_dab(tile_px: np.ndarray, alpha: np.ndarray, color: np.ndarray, eraser: bool) -> None:
    """Source-over (or erase) a dab of per-pixel `alpha` and `color` onto straight-alpha `tile_px`."""
    dst = tile_px.astype(np.float32)
    da = dst[..., 3] * np.float32(1.0 / 255.0)
    if eraser:
        dst[..., 3] = da * (1.0 - alpha) * 255.0
    else:
        out_a = alpha + da * (1.0 - alpha)
        safe = np.where(out_a > 1e-6, out_a, 1.0)
        wd = (da * (1.0 - alpha) / safe)[..., None]
        ws = (alpha / safe)[..., None]
        dst[..., :3] = color * ws + dst[..., :3] * wd
        dst[..., 3] = out_a * 255.0
    np.add(dst, 0.5, out=dst)
    tile_px[...] = dst.astype(np.uint8)


class StrokeEngine:
    """Paints one stroke on `layer` (document coordinates). `end()` returns the undo command."""

    def __init__(self, layer: RasterLayer, settings: BrushSettings, text: str | None = None) -> None:
        self.layer = layer
        self.settings = settings
        self.tx = PaintTransaction(layer, text or ("Eraser stroke" if settings.eraser else "Brush stroke"))
        self._color = np.array(settings.color, np.float32)
        doc = layer.document
        # painting respects the selection: each dab is multiplied by its coverage (soft edges included)
        self._selection = None if doc is None else doc.selection
        self._last: tuple[float, float, float] | None = None
        self._residual = 0.0  # distance travelled since the last dab
        self.dabs = 0

    def _radius(self, pressure: float) -> float:
        s = self.settings
        if s.pressure_size:
            f = s.min_size_fraction + (1.0 - s.min_size_fraction) * min(max(pressure, 0.0), 1.0)
        else:
            f = 1.0
        return max(0.5, s.size * f / 2.0)

    def _alpha(self, pressure: float) -> float:
        s = self.settings
        a = s.opacity * s.flow
        if s.pressure_opacity:
            a *= min(max(pressure, 0.0), 1.0)
        return a

    def dab(self, x: float, y: float, pressure: float = 1.0) -> Rect:
        """Paint one dab at document position (x, y); returns its dirty rectangle."""
        radius = self._radius(pressure)
        lx, ly = x - self.layer.x, y - self.layer.y
        x0, y0, mask = dab_mask(radius, self.settings.hardness, lx, ly)
        mask *= np.float32(self._alpha(pressure))
        h, w = mask.shape
        rect = Rect(x0, y0, w, h)
        if self._selection is not None:
            doc_rect = self.layer.to_doc(rect)
            if doc_rect.intersected(self._selection.rect).is_empty():
                self.dabs += 1
                return doc_rect
            mask *= self._selection.coverage(doc_rect)
        surface = self.layer.surface
        for key in tile_keys_for_rect(rect):
            tr = tile_rect(key)
            ov = tr.intersected(rect)
            sub = mask[ov.y - y0:ov.y1 - y0, ov.x - x0:ov.x1 - x0]
            if self.settings.eraser and surface.tile(key) is None:
                continue
            t = surface.tile_for_write(key)
            blend_dab(t[ov.y - tr.y:ov.y1 - tr.y, ov.x - tr.x:ov.x1 - tr.x], sub, self._color,
                      self.settings.eraser)
        self.dabs += 1
        return self.layer.to_doc(rect)

    def begin(self, x: float, y: float, pressure: float = 1.0) -> Rect:
        self._last = (x, y, pressure)
        self._residual = 0.0
        rect = self.dab(x, y, pressure)
        self.tx.touch(rect)
        return rect

    def move_to(self, x: float, y: float, pressure: float = 1.0) -> Rect | None:
        """Continue the stroke to (x, y), placing dabs at the spacing along the segment."""
        if self._last is None:
            return self.begin(x, y, pressure)
        lx, ly, lp = self._last
        dist = math.hypot(x - lx, y - ly)
        dirty: Rect | None = None
        if dist > 0:
            t = 0.0
            while True:
                p_mid = lp + (pressure - lp) * t
                step = max(0.5, self.settings.spacing * 2.0 * self._radius(p_mid))
                need = step - self._residual
                if t * dist + need > dist:
                    self._residual += dist - t * dist
                    break
                t += need / dist
                self._residual = 0.0
                px, py = lx + (x - lx) * t, ly + (y - ly) * t
                dirty = self.dab(px, py, lp + (pressure - lp) * t).united(dirty)
        self._last = (x, y, pressure)
        if dirty is not None:
            self.tx.touch(dirty)
        return dirty

    def end(self) -> PaintCommand | None:
        """Pen up: close the transaction; push the returned command with `stack.push(cmd, done=True)`."""
        return self.tx.commit()

    def abort(self) -> None:
        self.tx.abort()


def paint_stroke(layer: RasterLayer, settings: BrushSettings,
                 points: list[tuple[float, float]] | list[tuple[float, float, float]]) -> PaintCommand | None:
    """Convenience for scripts and tests: paint a whole polyline as one stroke."""
    engine = StrokeEngine(layer, settings)
    first, *rest = points
    engine.begin(*first)
    for p in rest:
        engine.move_to(*p)
    return engine.end()


__all__ = ["TILE", "BrushSettings", "StrokeEngine", "blend_dab", "dab_mask", "paint_stroke"]
