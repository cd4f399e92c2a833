"""The GAN brush: paint where a concept should be drawn or removed in a GANPaint scene.

Pen-down..pen-up paints a mask at the model's image resolution (shown over the canvas while dragging);
every move asks the controller for a live render of the scene with the stroke so far (the newest request
wins, so a fast drag never queues up work); pen-up pushes one `AddGanStroke` (one undo step). Concept,
mode (draw/remove), intensity, strength and size are the tool's settings (the GANPaint panel edits them).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter, QTransform

from paintgan.commands.ganpaint import AddGanStroke
from paintgan.core.ganpaint_layer import INTENSITIES, MODES, GanPaintLayer, GanStroke, paint_segment
from paintgan.gui.tools.base import Tool, ToolContext

if TYPE_CHECKING:
    from paintgan.gui.canvas import CanvasWidget
    from paintgan.gui.ganpaint.controller import GanPaintController

MIN_SIZE, MAX_SIZE = 2.0, 400.0
DRAW_RGB = (60, 220, 90)
REMOVE_RGB = (235, 60, 60)


class GanBrushTool(Tool):
    name = "gan_brush"
    label = "GAN brush"
    shortcut = "Shift+G"
    shows_outline = True

    def __init__(self, ctx: ToolContext, controller: GanPaintController) -> None:
        super().__init__(ctx)
        self.controller = controller
        self.concept = ""
        self.mode = "draw"
        self.intensity = "medium"
        self.strength = 1.0
        self.size = 64.0  # document pixels
        self._layer: GanPaintLayer | None = None
        self._mask: np.ndarray | None = None  # float32 (H, W) of the stroke in progress
        self._points: list[tuple[float, float]] = []
        self._scale = (1.0, 1.0)
        self._canvases: list[CanvasWidget] = []
        self.moves_posted = 0

    # -- settings ----------------------------------------------------------------------------------
    def update_settings(self, **kw: object) -> None:
        changed = False
        for k, v in kw.items():
            if k == "size":
                v = min(MAX_SIZE, max(MIN_SIZE, float(v)))  # type: ignore[arg-type]
            elif k == "strength":
                v = min(1.0, max(0.0, float(v)))  # type: ignore[arg-type]
            elif k == "mode" and v not in MODES:
                raise ValueError(f"mode must be draw or remove, got {v!r}")
            elif k == "intensity" and v not in INTENSITIES:
                raise ValueError(f"intensity must be low, medium or high, got {v!r}")
            elif k not in ("concept", "mode", "intensity"):
                raise KeyError(f"unknown GAN brush setting {k!r}")
            if getattr(self, k) != v:
                setattr(self, k, v)
                changed = True
        if changed:
            self.settings_changed.emit()

    def grow(self, factor: float) -> None:
        self.update_settings(size=round(self.size * factor))
        self.ctx.message(f"{self.label} size {self.size:.0f} px")

    def settings_dict(self) -> dict[str, object]:
        return {"concept": self.concept, "mode": self.mode, "intensity": self.intensity,
                "strength": self.strength, "size": self.size}

    def load_settings(self, values: dict[str, object]) -> None:
        for k in ("concept", "mode", "intensity", "strength", "size"):
            if k in values:
                with contextlib.suppress(TypeError, ValueError, KeyError):
                    self.update_settings(**{k: values[k] if k in ("concept", "mode", "intensity")
                                            else float(values[k])})  # type: ignore[arg-type]

    def outline_diameter(self) -> float:
        return self.size

    # -- canvas overlay ----------------------------------------------------------------------------
    def attach(self, canvas: CanvasWidget) -> None:
        canvas.overlays.append(self.paint_overlay)
        self._canvases.append(canvas)

    def _repaint(self, rect: tuple[float, float, float, float] | None = None) -> None:
        for canvas in self._canvases:
            if rect is None:
                canvas.update()
            else:
                x, y, w, h = rect
                r = canvas.view.qtransform().mapRect(QRectF(x, y, w, h)).adjusted(-3, -3, 3, 3)
                canvas.update(r.toAlignedRect())

    def paint_overlay(self, p: QPainter, canvas: CanvasWidget) -> None:
        mask = self._mask
        if mask is None or self._layer is None:
            return
        h, w = mask.shape
        rgb = DRAW_RGB if self.mode == "draw" else REMOVE_RGB
        rgba = np.empty((h, w, 4), np.uint8)
        rgba[..., :3] = rgb
        rgba[..., 3] = (mask * 140.0 + 0.5).astype(np.uint8)
        img = QImage(rgba.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()
        sy, sx = self._scale
        p.save()
        p.setTransform(QTransform.fromScale(sx, sy) * canvas.view.qtransform())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(QRectF(0, 0, w, h), img)
        p.restore()

    # -- events ------------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._layer is not None

    def _target(self) -> GanPaintLayer | None:
        layer = self.controller.target()
        if layer is None:
            self.ctx.message("No GANPaint scene: use File ▸ New GANPaint Scene… first")
            return None
        if not self.controller.status.usable:
            self.ctx.message(self.controller.status.error or "GANPaint unavailable")
            return None
        if not self.concept:
            self.ctx.message("Pick a concept in the GANPaint panel first")
            return None
        if layer.locked:
            self.ctx.message(f"“{layer.name}” is locked")
            return None
        return layer

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._layer is not None:
            self.cancel()
        layer = self._target()
        if layer is None:
            return
        self._layer = layer
        self._scale = layer.display_scale()
        self._mask = np.zeros(layer.image_size, np.float32)
        self._points = [(x, y)]
        self._paint((x, y), (x, y))
        self._post()

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._layer is None:
            return
        last = self._points[-1]
        if (x - last[0]) ** 2 + (y - last[1]) ** 2 < 1.0:
            return
        self._points.append((x, y))
        self._paint(last, (x, y))
        self._post()

    def _paint(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        assert self._mask is not None
        sy, sx = self._scale
        r = self.size / 2.0 / ((sx + sy) / 2.0)
        touched = paint_segment(self._mask, (a[0] / sx, a[1] / sy), (b[0] / sx, b[1] / sy), r)
        if touched is not None:
            self._repaint((touched.x * sx, touched.y * sy, touched.w * sx, touched.h * sy))

    def _stroke(self) -> GanStroke | None:
        if self._mask is None or not np.any(self._mask > 0):
            return None
        return GanStroke(self.concept, self.mode, self.intensity, self.strength, self._mask,
                         tuple(self._points), self.size)

    def _post(self) -> None:
        stroke = self._stroke()
        if stroke is not None and self._layer is not None:
            self.controller.post(self._layer, [stroke])
            self.moves_posted += 1

    def release(self, x: float, y: float) -> None:
        layer = self._layer
        if layer is None:
            return
        if (x, y) != self._points[-1]:
            self.move(x, y)
        stroke = self._stroke()
        self._layer = None
        self._mask = None
        self._points = []
        self._repaint()
        if stroke is None:
            return
        stack = self.ctx.session().stack
        stack.push(AddGanStroke(layer, stroke))

    def cancel(self) -> None:
        layer, self._layer = self._layer, None
        self._mask = None
        self._points = []
        if layer is not None:
            self._repaint()
            if layer.document is not None:
                self.controller.post(layer)  # drop the live preview: back to the committed scene
