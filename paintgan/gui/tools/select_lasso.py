"""Freehand lasso (drag around the area) and polygon lasso (click the corners)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainterPath

from paintgan.core import selection as sel
from paintgan.gui.tools.select_base import SelectionTool, points_path

#: a polygon closes when a click lands this close (screen pixels) to its first corner
CLOSE_PX = 8.0


class LassoSelectTool(SelectionTool):
    name = "select_lasso"
    label = "Freehand selection"
    shortcut = "F"
    what = "freehand area"
    help_text = "Drag around the area to select."

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)
        self.points: list[tuple[float, float]] | None = None

    @property
    def active(self) -> bool:
        return self.points is not None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self.begin_mode()
        self.points = [(x, y)]

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self.points is not None:
            lx, ly = self.points[-1]
            if (x - lx) ** 2 + (y - ly) ** 2 >= 0.25:
                self.points.append((x, y))
                self.preview_changed.emit()

    def release(self, x: float, y: float) -> None:
        pts, self.points = self.points, None
        self.preview_changed.emit()
        if pts is None:
            return
        pts.append((x, y))
        doc = self.ctx.session().doc
        self.commit(sel.polygon(pts, doc.rect) if len(pts) >= 3 else None)

    def cancel(self) -> None:
        self.points = None
        self.preview_changed.emit()

    def preview_path(self) -> QPainterPath | None:
        return None if self.points is None else points_path(self.points, closed=False)


class PolygonSelectTool(SelectionTool):
    name = "select_polygon"
    label = "Polygon selection"
    shortcut = "Shift+F"
    what = "polygon"
    help_text = ("Click the corners; double-click, click the first corner or press Enter to close. "
                 "Backspace removes the last corner, Esc cancels.")

    def __init__(self, *a: object, zoom: Callable[[], float] | None = None,
                 cursor: Callable[[], tuple[float, float] | None] | None = None, **kw: object) -> None:
        super().__init__(*a, **kw)
        self.points: list[tuple[float, float]] = []
        self.zoom = zoom or (lambda: 1.0)
        self.cursor = cursor or (lambda: None)

    @property
    def active(self) -> bool:
        return bool(self.points)

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        if not self.points:
            self.begin_mode()
        elif len(self.points) >= 3:
            fx, fy = self.points[0]
            if math.hypot(x - fx, y - fy) * self.zoom() <= CLOSE_PX:
                self.close()
                return
        if not self.points or self.points[-1] != (x, y):
            self.points.append((x, y))
        self.preview_changed.emit()

    def canvas_double_click(self, x: float, y: float) -> bool:
        if self.points:
            self.close()
        return True

    def key_press(self, key: int) -> bool:
        if not self.points:
            return super().key_press(key)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close()
            return True
        if key == Qt.Key.Key_Backspace:
            self.points.pop()
            self.preview_changed.emit()
            return True
        return False

    def close(self) -> None:
        pts, self.points = self.points, []
        self.preview_changed.emit()
        doc = self.ctx.session().doc
        self.commit(sel.polygon(pts, doc.rect) if len(pts) >= 3 else None)

    def cancel(self) -> None:
        self.points = []
        self.preview_changed.emit()

    def preview_path(self) -> QPainterPath | None:
        if not self.points:
            return None
        pts = list(self.points)
        cur = self.cursor()
        if cur is not None:
            pts.append(cur)
        return points_path(pts, closed=False) if len(pts) >= 2 else None
