"""Floating pixels: lift / commit / abort, exact integer moves, scale+rotate+flip with each resampling,
the selection following, undo restoring the exact pixels."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.brush.transform import Affine, FloatingPixels
from paintgan.commands.stack import CommandStack
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer


def _doc() -> tuple[Document, RasterLayer, np.ndarray]:
    doc = Document.new(64, 48, None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    px = np.random.default_rng(5).integers(0, 256, (10, 16, 4), np.uint8)
    px[..., 3] = 255
    layer.write(8, 6, px)
    layer.surface.snapshot()
    return doc, layer, px


def test_affine_matrix() -> None:
    a = Affine(10, 10, dx=5, sx=2, angle=90)
    assert np.allclose(a.map(10, 10), (15, 10))  # the centre only moves
    assert np.allclose(a.map(11, 10), (15, 12))  # x scaled ×2 then turned 90° clockwise (y down)
    assert Affine(0, 0, dx=3, dy=-2).is_integer_move() and not a.is_integer_move()


def test_abort_restores_and_empty_lift() -> None:
    doc, layer, _px = _doc()
    before = layer.read(doc.rect)
    fl = FloatingPixels.lift(doc, layer)
    assert fl is not None and layer.surface.content_bbox() is None
    fl.abort()
    assert np.array_equal(layer.read(doc.rect), before)
    doc.set_selection(sel.rectangle(40, 30, 50, 40, doc.rect))
    assert FloatingPixels.lift(doc, layer) is None  # nothing under the selection


@pytest.mark.parametrize("method", ["nearest", "bilinear", "area"])
def test_scale_rotate_flip_commit_and_undo(method: str) -> None:
    doc, layer, _px = _doc()
    before = layer.read(doc.rect)
    doc.set_selection(sel.rectangle(8, 6, 24, 16, doc.rect))
    stack = CommandStack()
    fl = FloatingPixels.lift(doc, layer)
    assert fl is not None
    aff = fl.affine().with_(sx=-0.5, sy=0.5, angle=180)  # flip + half size + half turn
    cmd = fl.commit(aff.matrix(), method)
    assert cmd is not None
    stack.push(cmd, done=True)
    b = layer.surface.content_bbox()
    assert b is not None and (b.w, b.h) in ((8, 5), (9, 6), (8, 6), (9, 5))
    assert doc.selection is not None and abs(doc.selection.rect.w - 8) <= 2
    if method == "nearest":  # a half-size copy flipped vertically (−x scale, then 180° = y flip)
        out = layer.read(b)
        assert np.array_equal(out[:, :, 3], np.full((b.h, b.w), 255, np.uint8))
    stack.undo()
    assert np.array_equal(layer.read(doc.rect), before)
    assert doc.selection.rect == Rect(8, 6, 16, 10)
    stack.redo()
    assert layer.surface.content_bbox() == b
