"""Canvas-size commands: resize the canvas around an offset, crop to a rectangle."""

from __future__ import annotations

from paintgan.commands.stack import Command
from paintgan.core.document import Document
from paintgan.core.geometry import Rect


class ResizeCanvasCommand(Command):
    """Set the canvas to `width`×`height` and move all content by (dx, dy).

    Pixels are never destroyed (layers keep content outside the canvas, as Krita does), so undo is exact
    and costs no memory."""

    def __init__(self, doc: Document, width: int, height: int, dx: int = 0, dy: int = 0,
                 text: str = "Resize canvas") -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"invalid canvas size {width}×{height}")
        self.doc = doc
        self.size = (int(width), int(height))
        self.old_size = (doc.width, doc.height)
        self.delta = (int(dx), int(dy))
        self.text = text

    def _apply(self, size: tuple[int, int], dx: int, dy: int) -> None:
        self.doc.width, self.doc.height = size
        if dx or dy:
            self.doc.root.translate(dx, dy)
        self.doc.emit("size", None, self.doc.rect)

    def redo(self) -> None:
        self._apply(self.size, *self.delta)

    def undo(self) -> None:
        self._apply(self.old_size, -self.delta[0], -self.delta[1])


class CropCommand(ResizeCanvasCommand):
    def __init__(self, doc: Document, rect: Rect) -> None:
        rect = rect.intersected(doc.rect)
        if rect.is_empty():
            raise ValueError("the crop rectangle does not overlap the canvas")
        super().__init__(doc, rect.w, rect.h, -rect.x, -rect.y, text="Crop")
