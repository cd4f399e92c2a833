"""Tiled copy-on-write surfaces."""

from __future__ import annotations

import numpy as np

from paintgan.core import TILE, Rect, TiledSurface
from paintgan.core.tiles import tilemap_nbytes

TILE_BYTES = TILE * TILE * 4


def _random(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    px = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    px[..., 3] = rng.integers(1, 256, (h, w), dtype=np.uint8)  # never fully transparent
    return px


def test_write_read_roundtrip_across_tiles_and_negative_coords(rng):
    s = TiledSurface()
    px = _random(rng, 150, 130)
    s.write(-37, -70, px)
    assert np.array_equal(s.read(Rect(-37, -70, 130, 150)), px)
    # a larger read is transparent outside
    big = s.read(Rect(-100, -100, 300, 300))
    assert np.array_equal(big[30:180, 63:193], px)
    assert big[:30].sum() == 0 and big[:, :63].sum() == 0
    assert s.pixel(-37, -70) == tuple(int(v) for v in px[0, 0])
    assert s.content_bbox() == Rect(-37, -70, 130, 150)


def test_transparent_writes_do_not_allocate():
    s = TiledSurface()
    s.write(0, 0, np.zeros((300, 300, 4), np.uint8))
    assert s.is_empty() and s.nbytes() == 0 and s.content_bbox() is None


def test_snapshot_shares_tiles_and_copies_on_write(rng):
    s = TiledSurface()
    s.write(0, 0, _random(rng, 128, 128))
    snap = s.snapshot()
    assert all(s.tile(k) is t for k, t in snap.items())
    s.write(0, 0, _random(rng, 10, 10))  # touches tile (0, 0) only
    assert s.tile((0, 0)) is not snap[(0, 0)]
    assert all(s.tile(k) is snap[k] for k in snap if k != (0, 0))
    before = snap[(0, 0)].copy()
    s.write(5, 5, _random(rng, 3, 3))  # the surface owns its copy now: no second copy
    owned = s.tile((0, 0))
    s.write(6, 6, _random(rng, 3, 3))
    assert s.tile((0, 0)) is owned
    assert np.array_equal(snap[(0, 0)], before)  # the snapshot never changes
    s.restore(snap)
    assert np.array_equal(s.tile((0, 0)), before)


def test_recording_holds_only_touched_tiles(rng):
    s = TiledSurface()
    s.write(0, 0, _random(rng, 512, 512))  # 64 tiles
    s.snapshot()
    originals = {k: s.tile(k) for k in s.keys()}  # noqa: SIM118
    s.begin_recording()
    s.write(70, 70, _random(rng, 60, 60))  # inside tiles (1,1), (1,2)?, (2,1), (2,2)
    old, new = s.end_recording()
    touched = set(old)
    assert touched == {(1, 1), (2, 1), (1, 2), (2, 2)}
    assert all(old[k] is originals[k] for k in touched)  # shared, not copied
    assert tilemap_nbytes(old, new) == 2 * len(touched) * TILE_BYTES
    s.set_tiles(old)
    assert all(s.tile(k) is originals[k] for k in originals)


def test_recording_frees_tiles_erased_to_transparent_and_drops_unchanged(rng):
    s = TiledSurface()
    s.write(0, 0, _random(rng, 64, 128))
    s.snapshot()
    s.begin_recording()
    s.write(0, 0, np.zeros((64, 64, 4), np.uint8))  # erase tile (0, 0)
    t = s.tile_for_write((1, 0))  # touched, but left unchanged
    assert t is not None
    old, new = s.end_recording()
    assert set(old) == {(0, 0)} and new[(0, 0)] is None
    assert s.tile((0, 0)) is None and s.tile((1, 0)) is not None


def test_clear_is_recorded(rng):
    s = TiledSurface()
    s.write(0, 0, _random(rng, 100, 100))
    s.snapshot()
    before = s.read(Rect(0, 0, 100, 100))
    s.begin_recording()
    s.clear()
    old, _new = s.end_recording()
    assert s.is_empty()
    s.set_tiles(old)
    assert np.array_equal(s.read(Rect(0, 0, 100, 100)), before)


def test_translated_copy(rng):
    s = TiledSurface()
    px = _random(rng, 70, 90)
    s.write(3, 4, px)
    for dx, dy in [(64, -128), (5, -7)]:
        t = s.translated_copy(dx, dy)
        assert np.array_equal(t.read(Rect(3 + dx, 4 + dy, 90, 70)), px)
    assert np.array_equal(s.read(Rect(3, 4, 90, 70)), px)
