"""Rectangle and ellipse selection: drag from corner to corner."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath

from paintgan.core import selection as sel
from paintgan.gui.tools.select_base import SelectionTool


class RectSelectTool(SelectionTool):
    name = "select_rect"
    label = "Rectangle selection"
    shortcut = "Ctrl+R"
    what = "rectangle"
    help_text = "Drag to select a rectangle; click to deselect."
    ellipse = False

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)
        self._start: tuple[float, float] | None = None
        self._end: tuple[float, float] | None = None

    @property
    def active(self) -> bool:
        return self._start is not None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self.begin_mode()
        self._start = self._end = (x, y)
        self.preview_changed.emit()

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._start is not None:
            self._end = (x, y)
            self.preview_changed.emit()

    def _box(self) -> tuple[float, float, float, float] | None:
        if self._start is None or self._end is None:
            return None
        (x0, y0), (x1, y1) = self._start, self._end
        # whole pixels, like the pixels the ants will surround
        return round(x0), round(y0), round(x1), round(y1)

    def release(self, x: float, y: float) -> None:
        if self._start is None:
            return
        self._end = (x, y)
        box = self._box()
        self._start = self._end = None
        self.preview_changed.emit()
        assert box is not None
        doc = self.ctx.session().doc
        if abs(box[2] - box[0]) < 1 or abs(box[3] - box[1]) < 1:
            self.commit(None)
            return
        make = sel.ellipse if self.ellipse else sel.rectangle
        self.commit(make(*box, doc.rect))

    def cancel(self) -> None:
        self._start = self._end = None
        self.preview_changed.emit()

    def preview_path(self) -> QPainterPath | None:
        box = self._box()
        if box is None:
            return None
        x0, y0, x1, y1 = box
        path = QPainterPath()
        r = QRectF(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
        if self.ellipse:
            path.addEllipse(r)
        else:
            path.addRect(r)
        return path


class EllipseSelectTool(RectSelectTool):
    name = "select_ellipse"
    label = "Ellipse selection"
    shortcut = "J"
    what = "ellipse"
    help_text = "Drag to select the ellipse inside the box; click to deselect."
    ellipse = True
