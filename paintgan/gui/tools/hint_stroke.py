"""Stroke hints: paint a coloured polyline on the colorize layer; it becomes one AddStroke at pen-up."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF

from paintgan.commands.hints import AddStroke
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.gui.tools.base import ToolContext
from paintgan.gui.tools.hint_point import HintEnv, HintTool


class HintStrokeTool(HintTool):
    name = "hint_stroke"
    label = "Colour stroke hint"
    shortcut = "Shift+H"

    def __init__(self, ctx: ToolContext, env: HintEnv) -> None:
        super().__init__(ctx, env)
        self.size = 4.0
        self._layer: ColorizeLayer | None = None
        self._points: list[tuple[float, float]] = []

    @property
    def active(self) -> bool:
        return self._layer is not None

    def outline_diameter(self) -> float:
        return self.size

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self._layer = self.layer()
        if self._layer is None:
            return
        self._points = [(x, y)]
        self._show()

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._layer is None:
            return
        lx, ly = self._points[-1]
        if math.hypot(x - lx, y - ly) >= max(1.0, 0.25 * self.size):
            self._points.append((x, y))
            self._show()

    def _show(self) -> None:
        self.env.overlay.live_stroke = (list(self._points), self.ctx.colors.fg, self.size)
        self.env.overlay.region_changed.emit(_box(self._points[-2:], self.size))

    def release(self, x: float, y: float) -> None:
        layer, self._layer = self._layer, None
        pts, self._points = self._points, []
        self.env.overlay.live_stroke = None
        if pts:
            self.env.overlay.region_changed.emit(_box(pts, self.size))
        if layer is None or not pts:
            return
        if (x, y) != pts[-1]:
            pts.append((x, y))
        stack = self.ctx.session().stack
        stack.push(AddStroke(layer, pts, self.ctx.colors.fg, width=self.size))
        self.ctx.colors.note_used()

    def cancel(self) -> None:
        self._layer = None
        self._points = []
        if self.env.overlay.live_stroke is not None:
            self.env.overlay.live_stroke = None
            self.env.overlay.changed.emit()


def _box(pts: list[tuple[float, float]], width: float) -> QRectF:
    w = width / 2 + 2
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return QRectF(min(xs) - w, min(ys) - w, max(xs) - min(xs) + 2 * w, max(ys) - min(ys) + 2 * w)
