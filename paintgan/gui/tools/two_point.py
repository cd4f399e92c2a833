"""The drag both the gradient and the line-and-shapes tools are made of: press puts down the start point,
moves drag the end point, release ends the drag (the tool then paints from the start point to where the
pointer was let go), Escape drops it. One class, so that both tools track the drag, report `active` and
refresh their preview the same way."""

from __future__ import annotations

from PySide6.QtCore import Signal

from paintgan.gui.tools.base import Tool

Point = tuple[float, float]


class TwoPointDragTool(Tool):
    """Base of the tools that act on a drag's start and end points. `preview_changed` tells the canvas
    to redraw the tool's preview (`preview_path`) at every change of the drag."""

    preview_changed = Signal()

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self._p0: Point | None = None
        self._p1: Point | None = None

    @property
    def active(self) -> bool:
        return self._p0 is not None

    def drag_points(self) -> tuple[Point, Point] | None:
        """(start, end) of the drag in progress, None when there is none."""
        if self._p0 is None or self._p1 is None:
            return None
        return self._p0, self._p1

    def end_drag(self) -> Point | None:
        """End the drag and clear its preview: its start point (None when no drag was in progress)."""
        p0, self._p0, self._p1 = self._p0, None, None
        self.preview_changed.emit()
        return p0

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self._p0 = self._p1 = (x, y)
        self.preview_changed.emit()

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._p0 is not None:
            self._p1 = (x, y)
            self.preview_changed.emit()

    def cancel(self) -> None:
        self.end_drag()
