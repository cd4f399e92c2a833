"""Paint transactions (after Krita's KisTransaction): paint live, commit at pen-up.

    tx = PaintTransaction(layer)          # pen down: start recording touched tiles
    ... write pixels through layer.surface.tile_for_write / layer.write, calling tx.touch(rect) ...
    stack.push(tx.commit(), done=True)    # pen up: one undo step holding only the touched tiles
    tx.abort()                            # or: Esc — the old tiles come back

The command stores the old and new versions of the touched tiles only (shared copy-on-write arrays).
"""

from __future__ import annotations

import numpy as np

from paintgan.commands.stack import Command
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer, as_rgba8
from paintgan.core.tiles import TileMap, tile_rect, tilemap_nbytes


class LayerLockedError(RuntimeError):
    pass


class PaintTransaction:
    def __init__(self, layer: RasterLayer, text: str = "Brush stroke") -> None:
        if layer.locked:
            raise LayerLockedError(f"layer {layer.name!r} is locked")
        self.layer = layer
        self.text = text
        self.dirty: Rect | None = None
        layer.surface.begin_recording()
        self._open = True

    def touch(self, rect: Rect) -> None:
        """Announce that `rect` (document coordinates) was painted; the canvas repaints it now."""
        self.dirty = rect.united(self.dirty)
        self.layer.notify("pixels", rect)

    def commit(self) -> PaintCommand | None:
        """Close the transaction. Returns the command to push with `done=True`, or None if nothing changed."""
        self._ensure_open()
        old, new = self.layer.surface.end_recording()
        self._open = False
        if not old:
            return None
        return PaintCommand(self.layer, old, new, self.text)

    def abort(self) -> None:
        """Close the transaction and put back every touched tile."""
        self._ensure_open()
        old, _new = self.layer.surface.end_recording()
        self._open = False
        self.layer.surface.set_tiles(old)
        rect = _tiles_rect(old)
        if rect is not None:
            self.layer.notify("pixels", self.layer.to_doc(rect))

    @property
    def is_open(self) -> bool:
        return self._open

    def _ensure_open(self) -> None:
        if not self._open:
            raise RuntimeError("paint transaction already closed")


class PaintCommand(Command):
    def __init__(self, layer: RasterLayer, old: TileMap, new: TileMap, text: str = "Brush stroke") -> None:
        self.layer = layer
        self.old = old
        self.new = new
        self.text = text
        self._rect = _tiles_rect(old)
        self._bytes = tilemap_nbytes(old, new)

    def _apply(self, tiles: TileMap) -> None:
        self.layer.surface.set_tiles(tiles)
        if self._rect is not None:
            self.layer.notify("pixels", self.layer.to_doc(self._rect))

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)

    def nbytes(self) -> int:
        return self._bytes


class ReplacePixelsCommand(Command):
    """Replace a layer's whole content with `pixels` placed at document (x, y): a model result applied
    to a layer, a flood fill... Stored like a stroke: only the tiles that differ."""

    def __init__(self, layer: RasterLayer, pixels: np.ndarray, x: int = 0, y: int = 0,
                 text: str = "Replace pixels") -> None:
        self.layer = layer
        self.text = text
        tx = PaintTransaction(layer, text)
        layer.surface.clear()
        layer.surface.write(x - layer.x, y - layer.y, as_rgba8(pixels))
        self._cmd = tx.commit()
        if self._cmd is not None:
            self._cmd.undo()  # constructing changes nothing; the stack's push() applies it

    def redo(self) -> None:
        if self._cmd is not None:
            self._cmd.redo()

    def undo(self) -> None:
        if self._cmd is not None:
            self._cmd.undo()

    def nbytes(self) -> int:
        return self._cmd.nbytes() if self._cmd is not None else 0


def _tiles_rect(tiles: TileMap) -> Rect | None:
    return Rect.union_all(tile_rect(k) for k in tiles)
