"""Paint transactions, pixel replacement and the copy-on-write memory of strokes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paintgan.commands import CommandStack, PaintTransaction, ReplacePixelsCommand
from paintgan.commands.paint import LayerLockedError
from paintgan.core import TILE, Document, RasterLayer, Rect
from paintgan.core.tiles import tile_keys_for_rect

TILE_BYTES = TILE * TILE * 4


def _doc(size: int = 512) -> tuple[Document, RasterLayer]:
    doc = Document.new(size, size)
    layer = doc.root.children[0]  # the filled background: every tile exists
    assert isinstance(layer, RasterLayer)
    doc.active_layer = layer
    return doc, layer


def paint_line(layer: RasterLayer, tx: PaintTransaction, p0, p1, width: int, color) -> Rect:
    """A thick line drawn with OpenCV into the touched rectangle only."""
    r = Rect.from_bounds(min(p0[0], p1[0]) - width, min(p0[1], p1[1]) - width,
                         max(p0[0], p1[0]) + width + 1, max(p0[1], p1[1]) + width + 1)
    px = layer.read(r)
    cv2.line(px, (p0[0] - r.x, p0[1] - r.y), (p1[0] - r.x, p1[1] - r.y), color, width)
    rect = layer.write(r.x, r.y, px)
    tx.touch(rect)
    return rect


def test_transaction_commit_undo_redo(snap):
    doc, layer = _doc()
    stack = CommandStack()
    before = snap(doc)
    events = []
    doc.subscribe(events.append)
    tx = PaintTransaction(layer)
    rect = paint_line(layer, tx, (10, 10), (300, 200), 9, (255, 0, 0, 255))
    assert tx.dirty == rect and events[-1].rect == rect  # live repaint of the touched rect
    cmd = tx.commit()
    assert cmd is not None and not tx.is_open
    stack.push(cmd, done=True)
    after = snap(doc)
    assert after != before
    stack.undo()
    assert snap(doc) == before
    stack.redo()
    assert snap(doc) == after
    with pytest.raises(RuntimeError):
        tx.commit()


def test_transaction_abort_restores(snap):
    doc, layer = _doc()
    before = snap(doc)
    tx = PaintTransaction(layer)
    paint_line(layer, tx, (0, 0), (511, 511), 30, (0, 0, 255, 255))
    layer.write(600, 600, np.full((10, 10, 4), 255, np.uint8))  # outside the canvas: new tiles
    tx.abort()
    assert snap(doc) == before
    assert layer.surface.tile((600 // TILE, 600 // TILE)) is None
    # the surface accepts a new transaction afterwards
    PaintTransaction(layer).abort()


def test_transaction_without_change_records_nothing():
    _, layer = _doc()
    tx = PaintTransaction(layer)
    px = layer.read(Rect(0, 0, 100, 100))
    layer.write(0, 0, px)  # same pixels
    assert tx.commit() is None


def test_transaction_refusals():
    _, layer = _doc()
    tx = PaintTransaction(layer)
    with pytest.raises(RuntimeError):
        PaintTransaction(layer)  # already open on this surface
    tx.abort()
    layer.locked = True
    with pytest.raises(LayerLockedError):
        PaintTransaction(layer)


def test_stroke_holds_only_the_touched_tiles():
    _, layer = _doc(1024)
    tiles_before = {k: layer.surface.tile(k) for k in layer.surface.keys()}  # noqa: SIM118
    assert len(tiles_before) == (1024 // TILE) ** 2
    stack = CommandStack()
    tx = PaintTransaction(layer)
    rects = [paint_line(layer, tx, (100, 100), (400, 180), 12, (10, 200, 30, 255)),
             paint_line(layer, tx, (400, 180), (420, 600), 12, (10, 200, 30, 255))]
    cmd = tx.commit()
    assert cmd is not None
    stack.push(cmd, done=True)
    touched = set(cmd.old)
    in_rects = {k for r in rects for k in tile_keys_for_rect(r)}
    assert touched <= in_rects and len(touched) < len(tiles_before) // 4
    # old versions are the very arrays the layer held (shared, not copied); new ones are one copy each
    assert all(cmd.old[k] is tiles_before[k] for k in touched)
    assert cmd.nbytes() == 2 * len(touched) * TILE_BYTES
    assert stack.nbytes == cmd.nbytes() <= 2 * len(in_rects) * TILE_BYTES
    # untouched tiles are still shared with the state before the stroke
    assert all(layer.surface.tile(k) is t for k, t in tiles_before.items() if k not in touched)


def test_stroke_on_empty_layer_costs_the_new_tiles_only():
    doc = Document.new(1024, 1024, background=None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    tx = PaintTransaction(layer)
    paint_line(layer, tx, (0, 500), (1000, 520), 5, (1, 2, 3, 255))
    cmd = tx.commit()
    assert cmd is not None
    assert all(v is None for v in cmd.old.values())
    assert cmd.nbytes() == len(cmd.new) * TILE_BYTES
    cmd.undo()
    assert layer.surface.is_empty()


def test_replace_pixels(snap, rng):
    doc, layer = _doc(256)
    before = snap(doc)
    stack = CommandStack()
    result = rng.integers(0, 256, (100, 120, 3), dtype=np.uint8)  # RGB accepted, made opaque
    cmd = ReplacePixelsCommand(layer, result, 10, 20, text="Colorize")
    assert snap(doc) == before  # constructing changes nothing
    stack.push(cmd)
    assert np.array_equal(layer.read(Rect(10, 20, 120, 100))[..., :3], result)
    assert layer.bounds() == Rect(0, 0, 192, 128)  # the old content elsewhere is gone (tile bounds)
    assert layer.read(Rect(200, 200, 1, 1))[0, 0, 3] == 0
    after = snap(doc)
    stack.undo()
    assert snap(doc) == before
    stack.redo()
    assert snap(doc) == after
    assert cmd.nbytes() > 0 and stack.undo_text() == "Colorize"
