"""The document: canvas size, a layer tree under an invisible root group, and change events.

The document never imports Qt. Observers (the canvas, panels, model-backed layers) subscribe with
`subscribe(callback)` and receive `Change` events carrying the dirty rectangle; they change the document
only through commands (`paintgan.commands`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from paintgan.core.blend import premul_f32_to_premul_u8, premul_f32_to_straight_u8
from paintgan.core.geometry import Rect
from paintgan.core.layers import GroupLayer, Layer, RasterLayer
from paintgan.core.selection import Selection

# Change kinds: "pixels" (rect dirty), "properties" (a layer's props; rect = its bounds), "structure"
# (layers added/removed/moved), "size" (canvas resized), "active" (active layer changed), "meta",
# "selection" (doc.selection changed; rect = old and new bounds, no pixels changed).
Listener = Callable[["Change"], None]
COMPOSITE_BLOCK = 512


@dataclass(frozen=True)
class Change:
    kind: str
    layer: Layer | None = None
    rect: Rect | None = None


class Document:
    def __init__(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"invalid canvas size {width}×{height}")
        self.width = int(width)
        self.height = int(height)
        self.root = GroupLayer("Root")
        self.root._document = self
        self.active_layer: Layer | None = None
        self.metadata: dict[str, Any] = {}  # extra document state other features may store (saved in .ora)
        #: The selection (None = nothing selected); changed only through SetSelectionCommand.
        self.selection: Selection | None = None
        self._listeners: list[Listener] = []

    @classmethod
    def new(cls, width: int, height: int, background: tuple[int, int, int, int] | None = (255, 255, 255, 255)
            ) -> Document:
        """A new document with one paint layer (filled with `background` when given)."""
        doc = cls(width, height)
        if background is not None and background[3] > 0:
            bg = RasterLayer("Background")
            bg.surface.write(0, 0, np.broadcast_to(np.array(background, np.uint8), (height, width, 4)))
            bg.surface.snapshot()
            doc.root.insert(0, bg)
            paint = RasterLayer("Layer 1")
            doc.root.insert(1, paint)
        else:
            paint = RasterLayer("Layer 1")
            doc.root.insert(0, paint)
        doc.active_layer = paint
        return doc

    # -- geometry --------------------------------------------------------------------------------
    @property
    def rect(self) -> Rect:
        return Rect(0, 0, self.width, self.height)

    # -- events ----------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, kind: str, layer: Layer | None = None, rect: Rect | None = None) -> None:
        change = Change(kind, layer, rect)
        for listener in list(self._listeners):
            listener(change)

    # -- layers ----------------------------------------------------------------------------------
    def layers(self) -> Iterator[Layer]:
        """Every layer in the tree, depth first, bottom to top."""
        return self.root.walk()

    def find(self, layer_id: str) -> Layer | None:
        return next((layer for layer in self.layers() if layer.id == layer_id), None)

    def set_active(self, layer: Layer | None) -> None:
        if layer is not self.active_layer:
            self.active_layer = layer
            self.emit("active", layer)

    def set_selection(self, selection: Selection | None) -> None:
        """Replace the selection and announce it (commands call this; tools push a command)."""
        old, self.selection = self.selection, selection
        rect = Rect.union_all([None if old is None else old.rect,
                               None if selection is None else selection.rect])
        self.emit("selection", None, rect)

    def nbytes(self) -> int:
        return self.root.nbytes()

    # -- compositing -----------------------------------------------------------------------------
    def composite_premul(self, rect: Rect) -> np.ndarray:
        """Premultiplied float32 (h, w, 4) of the whole visible stack inside `rect`."""
        out = self.root.render(rect)
        if out is None:
            return np.zeros((rect.h, rect.w, 4), np.float32)
        return out

    def composite(self, rect: Rect | None = None) -> np.ndarray:
        """Straight-alpha RGBA uint8 of the visible stack inside `rect` (default: the canvas).
        Large areas are composited block by block to bound memory."""
        rect = rect or self.rect
        out = np.empty((rect.h, rect.w, 4), np.uint8)
        for block in _blocks(rect, COMPOSITE_BLOCK):
            out[block.y - rect.y:block.y1 - rect.y, block.x - rect.x:block.x1 - rect.x] = \
                premul_f32_to_straight_u8(self.composite_premul(block))
        return out

    def composite_display(self, rect: Rect) -> np.ndarray:
        """Premultiplied RGBA uint8 of `rect`, the cheapest form for a display (Qt RGBA8888_Premultiplied)."""
        return premul_f32_to_premul_u8(self.composite_premul(rect))

    def flatten_rgb(self, background: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
        """The visible image over an opaque background colour as (h, w, 3) uint8."""
        out = np.empty((self.height, self.width, 3), np.uint8)
        bg = np.array(background, np.float32) / 255.0
        for block in _blocks(self.rect, COMPOSITE_BLOCK):
            px = self.composite_premul(block)
            rgb = px[..., :3] + bg * (1.0 - px[..., 3:4])
            out[block.y:block.y1, block.x:block.x1] = np.clip(rgb * 255.0 + 0.5, 0, 255)
        return out


def _blocks(rect: Rect, size: int) -> Iterator[Rect]:
    for y in range(rect.y, rect.y1, size):
        for x in range(rect.x, rect.x1, size):
            yield Rect(x, y, min(size, rect.x1 - x), min(size, rect.y1 - y))
