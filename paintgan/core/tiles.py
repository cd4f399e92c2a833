"""Tiled RGBA8 surfaces with copy-on-write tiles (after MyPaint's tiledsurface).

Pixels are **straight (non-premultiplied) alpha RGBA, uint8**, the same convention as PNG, OpenRaster
and numpy users expect; compositing converts to premultiplied float32 per rectangle (see `blend.py`).

A surface is unbounded: tiles live in a dict keyed by tile coordinates (tx, ty), a missing tile is fully
transparent. Tiles are shared between the surface and undo records; a tile may only be written when the
surface *owns* it (it was copied since the last snapshot). `tile_for_write` makes that copy on first write,
so an undo record holds references to the touched tiles only: a stroke costs the tiles it touched, never
the whole image.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from paintgan.core.geometry import Rect

TILE = 64
TileKey = tuple[int, int]
TileMap = dict[TileKey, np.ndarray | None]


def tile_keys_for_rect(rect: Rect) -> Iterator[TileKey]:
    if rect.is_empty():
        return
    for ty in range(rect.y // TILE, (rect.y1 - 1) // TILE + 1):
        for tx in range(rect.x // TILE, (rect.x1 - 1) // TILE + 1):
            yield tx, ty


def tile_rect(key: TileKey) -> Rect:
    return Rect(key[0] * TILE, key[1] * TILE, TILE, TILE)


class TiledSurface:
    """An unbounded RGBA8 (straight alpha) raster made of TILE×TILE copy-on-write tiles."""

    def __init__(self) -> None:
        self._tiles: dict[TileKey, np.ndarray] = {}
        self._owned: set[TileKey] = set()
        self._recording: TileMap | None = None

    # -- reading ---------------------------------------------------------------------------------
    def tile(self, key: TileKey) -> np.ndarray | None:
        """The tile at `key` (read-only by contract) or None when transparent."""
        return self._tiles.get(key)

    def keys(self) -> list[TileKey]:
        return list(self._tiles)

    def is_empty(self) -> bool:
        return not self._tiles

    def bbox(self) -> Rect | None:
        """Bounds of the allocated tiles (tile granularity)."""
        return Rect.union_all(tile_rect(k) for k in self._tiles)

    def content_bbox(self) -> Rect | None:
        """Tight bounds of the non-transparent pixels."""
        out: Rect | None = None
        for key, t in self._tiles.items():
            alpha = t[:, :, 3]
            rows = np.flatnonzero(alpha.any(axis=1))
            if rows.size == 0:
                continue
            cols = np.flatnonzero(alpha.any(axis=0))
            r = Rect(key[0] * TILE + int(cols[0]), key[1] * TILE + int(rows[0]),
                     int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
            out = r if out is None else out.united(r)
        return out

    def read(self, rect: Rect) -> np.ndarray:
        """Copy of the pixels in `rect` as (h, w, 4) uint8; transparent where no tile exists."""
        out = np.zeros((max(rect.h, 0), max(rect.w, 0), 4), np.uint8)
        self.read_into(rect, out)
        return out

    def read_into(self, rect: Rect, out: np.ndarray) -> bool:
        """Write the pixels of `rect` into zeroed `out`; return whether any tile overlapped."""
        any_tile = False
        for key in tile_keys_for_rect(rect):
            t = self._tiles.get(key)
            if t is None:
                continue
            any_tile = True
            tr = tile_rect(key)
            ov = tr.intersected(rect)
            out[ov.y - rect.y:ov.y1 - rect.y, ov.x - rect.x:ov.x1 - rect.x] = \
                t[ov.y - tr.y:ov.y1 - tr.y, ov.x - tr.x:ov.x1 - tr.x]
        return any_tile

    def pixel(self, x: int, y: int) -> tuple[int, int, int, int]:
        t = self._tiles.get((x // TILE, y // TILE))
        if t is None:
            return (0, 0, 0, 0)
        r, g, b, a = t[y % TILE, x % TILE]
        return int(r), int(g), int(b), int(a)

    # -- writing ---------------------------------------------------------------------------------
    def tile_for_write(self, key: TileKey) -> np.ndarray:
        """A tile the caller may modify in place (copied first if shared, allocated if missing)."""
        if key in self._owned:
            return self._tiles[key]
        old = self._tiles.get(key)
        if self._recording is not None and key not in self._recording:
            self._recording[key] = old
        new = np.zeros((TILE, TILE, 4), np.uint8) if old is None else old.copy()
        self._tiles[key] = new
        self._owned.add(key)
        return new

    def write(self, x: int, y: int, pixels: np.ndarray) -> Rect:
        """Replace the pixels at (x, y) with `pixels` ((h, w, 4) uint8). Returns the written rectangle."""
        h, w = pixels.shape[:2]
        rect = Rect(x, y, w, h)
        for key in tile_keys_for_rect(rect):
            tr = tile_rect(key)
            ov = tr.intersected(rect)
            src = pixels[ov.y - y:ov.y1 - y, ov.x - x:ov.x1 - x]
            if key not in self._tiles and not src[:, :, 3].any():
                continue  # keep transparent areas unallocated
            t = self.tile_for_write(key)
            t[ov.y - tr.y:ov.y1 - tr.y, ov.x - tr.x:ov.x1 - tr.x] = src
        return rect

    def clear(self) -> None:
        if self._recording is not None:
            for key, t in self._tiles.items():
                self._recording.setdefault(key, t)
        self._tiles = {}
        self._owned = set()

    # -- snapshots and undo records -------------------------------------------------------------------
    def snapshot(self) -> dict[TileKey, np.ndarray]:
        """A cheap copy of the whole surface: tiles become shared and will be copied on next write."""
        self._owned.clear()
        return dict(self._tiles)

    def restore(self, tiles: dict[TileKey, np.ndarray]) -> None:
        self._tiles = dict(tiles)
        self._owned = set()

    def set_tiles(self, tiles: TileMap) -> None:
        """Put the given tiles back (None removes a tile). Used by undo/redo of paint records."""
        for key, t in tiles.items():
            self._owned.discard(key)
            if t is None:
                self._tiles.pop(key, None)
            else:
                self._tiles[key] = t

    def begin_recording(self) -> None:
        """Start recording the old version of every tile written from now on (a paint transaction)."""
        if self._recording is not None:
            raise RuntimeError("a paint transaction is already open on this surface")
        self._owned.clear()
        self._recording = {}

    @property
    def recording(self) -> bool:
        return self._recording is not None

    def end_recording(self) -> tuple[TileMap, TileMap]:
        """Finish the transaction: (old tiles, new tiles) for every touched key. Fully transparent
        new tiles are freed. All tiles become shared so the record stays immutable."""
        if self._recording is None:
            raise RuntimeError("no paint transaction is open on this surface")
        old = self._recording
        self._recording = None
        new: TileMap = {}
        for key in old:
            t = self._tiles.get(key)
            if t is not None and not t[:, :, 3].any():
                del self._tiles[key]
                t = None
            new[key] = t
        # drop keys whose content did not change at all
        for key in [k for k in old if _same_tile(old[k], new[k])]:
            if old[key] is not None:
                self._tiles[key] = old[key]  # share the old array, free the copy
            del old[key]
            del new[key]
        self._owned.clear()
        return old, new

    def translated_copy(self, dx: int, dy: int) -> TiledSurface:
        """A new surface with the content moved by (dx, dy) pixels."""
        out = TiledSurface()
        if dx % TILE == 0 and dy % TILE == 0:
            out._tiles = {(k[0] + dx // TILE, k[1] + dy // TILE): t for k, t in self._tiles.items()}
            self._owned.clear()
            return out
        for key, t in self._tiles.items():
            out.write(key[0] * TILE + dx, key[1] * TILE + dy, t)
        out._owned.clear()
        return out

    def nbytes(self) -> int:
        return sum(t.nbytes for t in self._tiles.values())


def _same_tile(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or np.array_equal(a, b)


def tilemap_nbytes(*maps: TileMap) -> int:
    """Bytes held by the distinct tile arrays in the given maps."""
    seen: dict[int, int] = {}
    for m in maps:
        for t in m.values():
            if t is not None:
                seen[id(t)] = t.nbytes
    return sum(seen.values())
