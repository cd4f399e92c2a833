"""The colour references of the Colorize panel: coloured pictures (image files, or pages of other open
documents) that "Colour from References" matches the shown page against (issue 15).

References belong to the window's session, not to a document and not to the undo history: a colourist adds
the character sheets once and colours page after page of the chapter from them. They are not saved with
the document. Each reference keeps its pixels (straight RGBA uint8, read-only: worker threads read them
while the GUI thread may drop the reference) and a small thumbnail for the list.

`ReferenceList` is a small Qt model-less list with a `changed` signal; the panel mirrors it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from paintgan.errors import PaintGANError

THUMB_PX = 64
MAX_REFERENCES = 16  # more gives the matcher nothing new and costs memory (each is a whole picture)

_ids = itertools.count(1)


class ReferenceListError(PaintGANError):
    """A reference that cannot be added (the list is full, the document is empty...)."""


def thumbnail(pixels: np.ndarray, size: int = THUMB_PX) -> QPixmap:
    """A `size`-pixel (long side) pixmap of straight RGBA `pixels`, over white (as the page shows it)."""
    h, w = pixels.shape[:2]
    scale = min(1.0, size / max(h, w))
    small = pixels
    if scale < 1.0:
        small = cv2.resize(pixels, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
    a = small[..., 3:4].astype(np.float32) / 255.0
    rgb = np.ascontiguousarray((small[..., :3] * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8))
    img = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.shape[1] * 3, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(img.copy())


@dataclass(eq=False)
class Reference:
    """One coloured reference picture."""

    name: str  # shown in the list and in messages ("hero.png", "page 3 (page03.ora)")
    origin: str  # the file path, or "document: <name>"
    pixels: np.ndarray  # (H, W, 4) uint8 straight RGBA, read-only
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def size(self) -> tuple[int, int]:
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])

    @property
    def label(self) -> str:
        w, h = self.size
        return f"{self.name}\n{w}×{h}"


def _frozen(pixels: np.ndarray) -> np.ndarray:
    px = np.ascontiguousarray(pixels)
    if px.base is not None:  # a view of something its owner may still change
        px = px.copy()
    px.setflags(write=False)
    return px


def load_reference(path: str | Path) -> Reference:
    """A reference from an image file (paintgan.io.images: bounded, every failure a PaintGANError naming
    the file)."""
    from paintgan.io.images import load_image

    p = Path(path)
    img = load_image(p)
    return Reference(p.name, str(p), _frozen(img.pixels))


def document_reference(name: str, composite: np.ndarray) -> Reference:
    """A reference from an open document's composited image (straight RGBA uint8)."""
    if composite.ndim != 3 or composite.shape[2] != 4 or composite.dtype != np.uint8:
        raise ReferenceListError(f"{name}: not an RGBA picture")
    if not composite[..., 3].any():
        raise ReferenceListError(f"{name}: the document is empty (nothing visible to take colours from)")
    return Reference(name, f"document: {name}", _frozen(composite))


class ReferenceList(QObject):
    """The ordered references of the window's session."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Reference] = []

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._items))

    def __getitem__(self, i: int) -> Reference:
        return self._items[i]

    def items(self) -> tuple[Reference, ...]:
        return tuple(self._items)

    def add(self, ref: Reference) -> Reference:
        if len(self._items) >= MAX_REFERENCES:
            raise ReferenceListError(f"at most {MAX_REFERENCES} references; remove one first")
        self._items.append(ref)
        self.changed.emit()
        return ref

    def remove(self, index: int) -> Reference:
        if not 0 <= index < len(self._items):
            raise IndexError(f"no reference {index} (there are {len(self._items)})")
        ref = self._items.pop(index)
        self.changed.emit()
        return ref

    def clear(self) -> None:
        if self._items:
            self._items.clear()
            self.changed.emit()
