"""Line and shape tool: drag a line, a rectangle or an ellipse; at release it is stroked with the brush's
current settings and the foreground colour, as one brush stroke in the history (inside the selection)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from paintgan.brush.engine import BrushSettings, StrokeEngine
from paintgan.commands.paint import LayerLockedError
from paintgan.gui.tools.base import paintable_layer
from paintgan.gui.tools.two_point import TwoPointDragTool

SHAPES = ("line", "rectangle", "ellipse")


def shape_points(shape: str, p0: tuple[float, float], p1: tuple[float, float]) -> list[tuple[float, float]]:
    """The polyline that draws `shape` between the drag's two points (closed shapes end at their start)."""
    (x0, y0), (x1, y1) = p0, p1
    if shape == "line":
        return [p0, p1]
    if shape == "rectangle":
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
    n = max(16, int(2 * math.pi * max(rx, ry) / 3))
    return [(cx + rx * math.cos(2 * math.pi * i / n), cy + ry * math.sin(2 * math.pi * i / n))
            for i in range(n + 1)]


class ShapeTool(TwoPointDragTool):
    name = "shape"
    label = "Line and shapes"
    shortcut = "Shift+L"

    def __init__(self, *a: object, brush: Callable[[], BrushSettings] | None = None, **kw: object) -> None:
        super().__init__(*a, **kw)
        self.shape = "line"
        self.brush = brush or BrushSettings

    def update_settings(self, **kw: object) -> None:
        for k, v in kw.items():
            setattr(self, k, v)
        self.settings_changed.emit()

    def settings_dict(self) -> dict[str, object]:
        return {"shape": self.shape}

    def load_settings(self, values: dict[str, object]) -> None:
        if values.get("shape") in SHAPES:
            self.shape = str(values["shape"])

    def release(self, x: float, y: float) -> None:
        p0 = self.end_drag()
        if p0 is None or (abs(x - p0[0]) < 1 and abs(y - p0[1]) < 1):
            return
        layer = paintable_layer(self.ctx)
        if layer is None:
            return
        settings = self.brush().with_(color=self.ctx.colors.fg, eraser=False)
        try:
            engine = StrokeEngine(layer, settings, text=f"Draw {self.shape}")
        except (LayerLockedError, RuntimeError) as exc:
            self.ctx.message(str(exc))
            return
        first, *rest = shape_points(self.shape, p0, (x, y))
        engine.begin(*first)
        for p in rest:
            engine.move_to(*p)
        cmd = engine.end()
        if cmd is not None:
            self.ctx.session().stack.push(cmd, done=True)
            self.ctx.colors.note_used()

    def preview_path(self) -> QPainterPath | None:
        drag = self.drag_points()
        if drag is None:
            return None
        path = QPainterPath()
        (x0, y0), (x1, y1) = drag
        if self.shape == "line":
            path.moveTo(QPointF(x0, y0))
            path.lineTo(QPointF(x1, y1))
        elif self.shape == "rectangle":
            path.addRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized())
        else:
            path.addEllipse(QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized())
        return path

    def options_widget(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(6, 6, 6, 6)
        shape = QComboBox()
        for s in SHAPES:
            shape.addItem(s.capitalize(), s)
        shape.setCurrentIndex(SHAPES.index(self.shape))
        shape.currentIndexChanged.connect(lambda _i: self.update_settings(shape=shape.currentData()))
        form.addRow("Shape", shape)
        note = QLabel("Stroked with the Brush tool's size, hardness and opacity.")
        note.setWordWrap(True)
        form.addRow(note)
        return page
