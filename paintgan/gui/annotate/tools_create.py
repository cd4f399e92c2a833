"""Annotation tools that create or reshape shapes with the model or by hand:

- Box → polygon (W): drag a box around an object, the model returns its polygon. Shift+click adds a
  positive, Ctrl+click a negative corrective click to the selected polygon.
- Extreme clicks (Shift+W): click the leftmost, topmost, rightmost and bottommost points of the object.
- Corrective clicks (C): click inside the object where the selected polygon misses it (positive) or
  Shift/Ctrl/right-click where it covers background (negative); the model re-predicts.
- Polygon (P): click vertices; click the first vertex or press Enter to close, Backspace removes the
  last vertex, Esc cancels.
- Rectangle (R): drag. Point (Shift+P): click.

Each finished shape is one `AddShapes` command, each correction one `SetShapePoints`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF

from paintgan.commands.annotations import SetShapePoints
from paintgan.core.annotations import Shape
from paintgan.gui.annotate.tool_base import AnnotTool
from paintgan.gui.canvas import CanvasWidget

BOX_COLOR = QColor(255, 200, 0)
POSITIVE = QColor(40, 200, 60)
NEGATIVE = QColor(230, 50, 50)


class _DragBoxTool(AnnotTool):
    """Press-drag-release of a box, with the rubber band as preview."""

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self._start: tuple[float, float] | None = None
        self._end: tuple[float, float] | None = None

    @property
    def active(self) -> bool:
        return self._start is not None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self._start = self._end = (x, y)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._start is not None:
            self._end = (x, y)
            self.env.overlay._repaint()

    def release(self, x: float, y: float) -> None:
        start, self._start, self._end = self._start, None, None
        self.env.overlay._repaint()
        if start is None:
            return
        if self.is_click(start, (x, y)):
            self.clicked(x, y)
            return
        w, h = self.image_size()
        x0, x1 = sorted((min(max(start[0], 0.0), w), min(max(x, 0.0), w)))
        y0, y1 = sorted((min(max(start[1], 0.0), h), min(max(y, 0.0), h)))
        if x1 - x0 < 2 or y1 - y0 < 2:
            self.ctx.message("The box is too small or outside the image")
            return
        self.finished((x0, y0, x1, y1))

    def cancel(self) -> None:
        self._start = self._end = None
        self.env.overlay._repaint()

    def clicked(self, x: float, y: float) -> None: ...

    def finished(self, box: tuple[float, float, float, float]) -> None: ...

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        if self._start is None or self._end is None:
            return
        (x0, y0), (x1, y1) = self._start, self._end
        poly = QPolygonF([QPointF(*canvas.view.to_widget(x, y)) for x, y in
                          ((x0, y0), (x1, y0), (x1, y1), (x0, y1))])
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(QColor(255, 200, 0, 30))
        p.setPen(self._pen(BOX_COLOR, 1.5, dash=True))
        p.drawPolygon(poly)


class CorrectionMixin:
    """Positive/negative corrective clicks on the selected polygon: the model re-predicts it. With the
    predictor's `predict_clicks` the clicks are model inputs; otherwise each click fixes the polygon's
    nearest vertex at the click and the model's refine graph moves the rest."""

    def correct(self: AnnotTool, x: float, y: float, positive: bool) -> bool:  # type: ignore[misc]
        env = self.env
        sel = env.overlay.selected_shapes()
        shape = sel[-1] if sel else None
        if shape is None or shape.shape_type != "polygon":
            self.ctx.message("Select a polygon first, then click to correct it")
            return False
        image = env.image()
        layer = self.layer()
        if image is None or layer is None:
            self.ctx.message("No image to segment")
            return False
        clicks: dict[str, tuple[list[tuple[float, float]], list[tuple[float, float]]]] = \
            env.state.setdefault("clicks", {})  # type: ignore[assignment]
        pos, neg = clicks.setdefault(shape.id, ([], []))
        (pos if positive else neg).append((x, y))
        x0, y0, x1, y1 = shape.bbox()
        for px, py in pos:
            x0, y0, x1, y1 = min(x0, px), min(y0, py), max(x1, px), max(y1, py)
        h, w = image.shape[:2]
        box = (max(0.0, x0), max(0.0, y0), min(float(w), x1), min(float(h), y1))
        poly = self._repredict(shape, box, pos, neg)
        if poly is None:
            self.ctx.message(env.assist.error or "The model could not correct this shape")
            return False
        clipped = shape.with_points(poly).clipped(w, h)
        if clipped is None:
            return False
        kind = "positive" if positive else "negative"
        cmd = self.push(lambda: SetShapePoints(layer, shape.id, clipped.points, f"Correct ({kind} click)"))
        if cmd is not None:
            clicks[shape.id] = (pos, neg)  # the id stays; the clicks keep counting for this shape
            ms = env.assist.last_ms
            self.ctx.message(f"{kind.capitalize()} click: polygon re-predicted in {ms:.0f} ms")
        return cmd is not None

    def _repredict(self: AnnotTool, shape: Shape, box: tuple[float, float, float, float],  # type: ignore[misc]
                   pos: list[tuple[float, float]], neg: list[tuple[float, float]]) -> np.ndarray | None:
        env = self.env
        image = env.image()
        assert image is not None
        predictor = env.assist.predictor()
        if predictor is None:
            return None
        if hasattr(predictor, "predict_clicks"):
            return env.assist.clicks(image, box, pos, neg)
        from paintgan.inference.segment import assign_to_vertices

        base = env.assist.box(image, box)
        if base is None:
            return None
        pts = np.array(pos + neg, np.float64)
        fixed = assign_to_vertices(base, pts)
        return env.assist.refine(image, box, base, fixed)

    def draw_clicks(self: AnnotTool, p: QPainter, canvas: CanvasWidget) -> None:  # type: ignore[misc]
        sel = self.env.overlay.selection.ids
        clicks = self.env.state.get("clicks", {})
        if not sel or not isinstance(clicks, dict) or sel[-1] not in clicks:
            return
        pos, neg = clicks[sel[-1]]
        self.draw_marks(p, canvas, pos, POSITIVE)
        self.draw_marks(p, canvas, neg, NEGATIVE)


class BoxPolygonTool(CorrectionMixin, _DragBoxTool):
    name = "annot_box"
    label = "Box → polygon"
    shortcut = "W"

    def finished(self, box: tuple[float, float, float, float]) -> None:
        image = self.env.image()
        if image is None:
            self.ctx.message("No image to segment")
            return
        poly = self.env.assist.box(image, box)
        if poly is None:
            self.ctx.message(self.env.assist.error or "The model could not segment this box")
            return
        if self.add_shape("polygon", poly, text="Add polygon (box)") is not None:
            self.ctx.message(f"Polygon from the model in {self.env.assist.last_ms:.0f} ms")

    def clicked(self, x: float, y: float) -> None:
        if self.env.shift():
            self.correct(x, y, True)
        elif self.env.ctrl():
            self.correct(x, y, False)

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        super().paint_preview(p, canvas)
        self.draw_clicks(p, canvas)


class ClickCorrectTool(CorrectionMixin, AnnotTool):
    name = "annot_clicks"
    label = "Corrective clicks"
    shortcut = "C"

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self.correct(x, y, not (self.env.shift() or self.env.ctrl()))

    def context_press(self, x: float, y: float) -> bool:
        self.correct(x, y, False)
        return True

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        self.draw_clicks(p, canvas)


class RectangleTool(_DragBoxTool):
    name = "annot_rect"
    label = "Rectangle"
    shortcut = "R"

    def finished(self, box: tuple[float, float, float, float]) -> None:
        self.add_shape("rectangle", [(box[0], box[1]), (box[2], box[3])])


class _ClicksTool(AnnotTool):
    """Collects clicks until the shape is complete; Esc cancels, Backspace removes the last click."""

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.points: list[tuple[float, float]] = []

    @property
    def active(self) -> bool:
        return bool(self.points)

    def cancel(self) -> None:
        self.points = []
        self.env.overlay._repaint()

    def key_press(self, key: int) -> bool:
        if key == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self.env.overlay._repaint()
            return True
        return super().key_press(key)


class ExtremeTool(_ClicksTool):
    name = "annot_extreme"
    label = "Extreme clicks"
    shortcut = "Shift+W"

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self.points.append((x, y))
        self.env.overlay._repaint()
        if len(self.points) < 4:
            self.ctx.message(f"Extreme point {len(self.points)} of 4")
            return
        pts, self.points = self.points, []
        image = self.env.image()
        if image is None:
            self.ctx.message("No image to segment")
            return
        poly = self.env.assist.extreme(image, pts)
        if poly is None:
            self.ctx.message(self.env.assist.error or "The model could not segment these points")
            return
        self.add_shape("polygon", poly, text="Add polygon (extreme clicks)")

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        self.draw_marks(p, canvas, self.points, BOX_COLOR)


class PolygonTool(_ClicksTool):
    name = "annot_polygon"
    label = "Polygon"
    shortcut = "P"
    shape_type = "polygon"

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        if len(self.points) >= 3 and self.is_near_first(x, y):
            self.close()
            return
        self.points.append((x, y))
        self.env.overlay._repaint()

    def is_near_first(self, x: float, y: float) -> bool:
        fx, fy = self.points[0]
        return float(np.hypot(fx - x, fy - y)) <= self.pick_radius()

    def close(self) -> None:
        pts, self.points = self.points, []
        self.env.overlay._repaint()
        self.add_shape(self.shape_type, pts)

    def key_press(self, key: int) -> bool:
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.points:
            if len(self.points) >= (3 if self.shape_type == "polygon" else 2):
                self.close()
            else:
                self.ctx.message("A polygon needs at least 3 points")
            return True
        return super().key_press(key)

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        if not self.points:
            return
        pts = list(self.points)
        if self.env.hover is not None:
            pts.append(self.env.hover)
        poly = QPolygonF([QPointF(*canvas.view.to_widget(x, y)) for x, y in pts])
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(self._pen(BOX_COLOR, 1.5))
        p.drawPolyline(poly)
        self.draw_marks(p, canvas, self.points[:1], QColor(255, 255, 255), 5.0)
        self.draw_marks(p, canvas, self.points[1:], BOX_COLOR, 3.0)


class PointTool(AnnotTool):
    name = "annot_point"
    label = "Point"
    shortcut = "Shift+P"

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self.add_shape("point", [(x, y)])

