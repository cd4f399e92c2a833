"""Colour picker: samples the merged image (what you see) under the cursor."""

from __future__ import annotations

from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.gui.tools.base import Tool

RGB = tuple[int, int, int]


def pick_color(doc: Document, x: float, y: float) -> RGB | None:
    """Straight RGB of the visible image at (x, y), None outside the canvas or where fully transparent."""
    ix, iy = int(x // 1), int(y // 1)
    if not doc.rect.contains_point(ix, iy):
        return None
    r, g, b, a = (int(v) for v in doc.composite(Rect(ix, iy, 1, 1))[0, 0])
    if a == 0:
        return None
    return r, g, b


class PickerTool(Tool):
    name = "picker"
    label = "Color picker"
    shortcut = "I"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self._down = False

    def _pick(self, x: float, y: float) -> None:
        rgb = pick_color(self.ctx.session().doc, x, y)
        if rgb is not None:
            self.ctx.colors.set_fg(rgb)

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self._down = True
        self._pick(x, y)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._down:
            self._pick(x, y)

    def release(self, x: float, y: float) -> None:
        if self._down:
            self._down = False
            self.ctx.colors.note_used()
