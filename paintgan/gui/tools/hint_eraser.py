"""Hint eraser: drag over hints to delete the point hints and strokes it touches (one undo step per drag)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF

from paintgan.commands.hints import SetHints
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.hints import Hints
from paintgan.gui.tools.base import ToolContext
from paintgan.gui.tools.hint_point import HintEnv, HintTool


def _seg_dist(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    L2 = dx * dx + dy * dy
    t = 0.0 if L2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / L2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def erase_at(hints: Hints, x: float, y: float, r: float) -> Hints | None:
    """The hints without those within `r` of (x, y); None when nothing is touched."""
    pts = [p for p in hints.points if math.hypot(p.x - x, p.y - y) > r + p.radius]
    strokes = []
    for s in hints.strokes:
        reach = r + s.width / 2.0
        if len(s.points) == 1:
            hit = math.hypot(s.points[0][0] - x, s.points[0][1] - y) <= reach
        else:
            hit = any(_seg_dist(x, y, a, b) <= reach for a, b in zip(s.points, s.points[1:], strict=False))
        if not hit:
            strokes.append(s)
    if len(pts) == len(hints.points) and len(strokes) == len(hints.strokes):
        return None
    return Hints(pts, strokes, list(hints.palette), hints.image_size)


class HintEraserTool(HintTool):
    name = "hint_eraser"
    label = "Hint eraser"
    shortcut = "Alt+H"

    def __init__(self, ctx: ToolContext, env: HintEnv) -> None:
        super().__init__(ctx, env)
        self.size = 12.0
        self._layer: ColorizeLayer | None = None
        self._before: Hints | None = None

    @property
    def active(self) -> bool:
        return self._layer is not None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self._layer = self.layer()
        if self._layer is None:
            return
        self._before = self._layer.hints.copy()
        self._erase(x, y)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._layer is not None:
            self._erase(x, y)

    def _erase(self, x: float, y: float) -> None:
        assert self._layer is not None
        self._show((x, y, self.size))
        after = erase_at(self._layer.hints, x, y, max(self.size, self._pick_radius()))
        if after is not None:
            self._layer.set_hints(after)  # live; recorded as one command at pen-up

    def release(self, x: float, y: float) -> None:
        layer, self._layer = self._layer, None
        before, self._before = self._before, None
        self._show(None)
        if layer is None or before is None:
            return
        after = layer.hints.copy()
        if len(after) == len(before) and after.points == before.points and after.strokes == before.strokes:
            return
        layer.hints = before  # SetHints records "before" from the layer
        cmd = SetHints(layer, after, "Erase colour hints")
        stack = self.ctx.session().stack
        stack.push(cmd)
        self.env.overlay.select(None, None)

    def _show(self, at: tuple[float, float, float] | None) -> None:
        old = self.env.overlay.eraser_at
        self.env.overlay.eraser_at = at
        for c in (old, at):
            if c is not None:
                r = c[2] + 2
                self.env.overlay.region_changed.emit(QRectF(c[0] - r, c[1] - r, 2 * r, 2 * r))

    def cancel(self) -> None:
        layer, self._layer = self._layer, None
        before, self._before = self._before, None
        self.env.overlay.eraser_at = None
        if layer is not None and before is not None and len(layer.hints) != len(before):
            layer.set_hints(before)
