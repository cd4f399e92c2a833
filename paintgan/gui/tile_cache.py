"""Display tile cache: one premultiplied QImage per 256×256 block of the document.

Document change events only mark the touched part of the touched tiles stale (`invalidate(rect)`); a tile
is brought up to date lazily when painted, recompositing only its stale sub-rectangle, so a brush dab
costs a few hundred pixels of compositing, never the whole image.

A tile no layer covers (most of a huge, mostly empty canvas) owns no pixels: it shares one read-only
transparent block, so a tiny file declaring a 20000² canvas costs kilobytes here, not 1.6 GB
(`bench/bench_huge_canvas.py`). Such a tile is composited afresh when something is drawn into it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.gui.compositor import composite_u8, render_u8

DISPLAY_TILE = 256
PREMUL = QImage.Format.Format_RGBA8888_Premultiplied
_EMPTY = np.zeros((DISPLAY_TILE, DISPLAY_TILE, 4), np.uint8)
_EMPTY.flags.writeable = False
_EMPTY_IMAGE: QImage | None = None


def _empty_image() -> QImage:
    global _EMPTY_IMAGE
    if _EMPTY_IMAGE is None:
        _EMPTY_IMAGE = QImage(_EMPTY.data, DISPLAY_TILE, DISPLAY_TILE, DISPLAY_TILE * 4, PREMUL)
    return _EMPTY_IMAGE


@dataclass
class DisplayTile:
    pixels: np.ndarray  # (h, w, 4) premultiplied RGBA8, the document part of the tile
    image: QImage  # wraps `pixels` (no copy)
    rect: Rect  # document rectangle covered (clipped to the canvas)
    stale: Rect | None = None  # document rectangle to recomposite
    empty: bool = False  # nothing covers it: `pixels`/`image` are the shared transparent block (read-only)


def keys_for_rect(rect: Rect) -> Iterator[tuple[int, int]]:
    if rect.is_empty():
        return
    t = DISPLAY_TILE
    for ty in range(max(0, rect.y) // t, (rect.y1 - 1) // t + 1):
        for tx in range(max(0, rect.x) // t, (rect.x1 - 1) // t + 1):
            yield tx, ty


class TileCache:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._tiles: dict[tuple[int, int], DisplayTile] = {}
        self.composited_pixels = 0  # statistics for tests and benchmarks

    def clear(self) -> None:
        self._tiles.clear()

    def nbytes(self) -> int:
        """Bytes of display pixels the cache owns (empty tiles own none)."""
        return sum(t.pixels.nbytes for t in self._tiles.values() if not t.empty)

    def invalidate(self, rect: Rect | None) -> None:
        if rect is None:
            self._tiles.clear()
            return
        rect = rect.intersected(self.doc.rect)
        for key in keys_for_rect(rect):
            tile = self._tiles.get(key)
            if tile is not None:
                part = rect.intersected(tile.rect)
                tile.stale = part.united(tile.stale)

    def tile(self, key: tuple[int, int]) -> DisplayTile | None:
        """The up-to-date tile at `key`, or None outside the canvas."""
        tile = self._tiles.get(key)
        if tile is not None and tile.empty and tile.stale is not None:
            tile = None  # something was drawn into an empty tile: composite it afresh
        if tile is None:
            t = DISPLAY_TILE
            rect = Rect(key[0] * t, key[1] * t, t, t).intersected(self.doc.rect)
            if rect.is_empty():
                return None
            out = render_u8(self.doc.root, rect)
            self.composited_pixels += rect.w * rect.h
            if out is None:
                tile = DisplayTile(_EMPTY[:rect.h, :rect.w], _empty_image(), rect, empty=True)
            else:
                pixels = np.ascontiguousarray(out)
                image = QImage(pixels.data, rect.w, rect.h, rect.w * 4, PREMUL)
                tile = DisplayTile(pixels, image, rect)
            self._tiles[key] = tile
        elif tile.stale is not None:
            s = tile.stale
            tile.stale = None
            if not s.is_empty():
                tile.pixels[s.y - tile.rect.y:s.y1 - tile.rect.y, s.x - tile.rect.x:s.x1 - tile.rect.x] = \
                    composite_u8(self.doc, s)
                self.composited_pixels += s.w * s.h
        return tile

    def tiles_in(self, rect: Rect) -> Iterator[DisplayTile]:
        for key in keys_for_rect(rect.intersected(self.doc.rect)):
            tile = self.tile(key)
            if tile is not None:
                yield tile

    def pixel_premul(self, x: int, y: int) -> tuple[int, int, int, int] | None:
        if not self.doc.rect.contains_point(x, y):
            return None
        tile = self.tile((x // DISPLAY_TILE, y // DISPLAY_TILE))
        if tile is None:
            return None
        r, g, b, a = tile.pixels[y - tile.rect.y, x - tile.rect.x]
        return int(r), int(g), int(b), int(a)
