"""Image operations and resampling: exact pixels after rotate/flip, undo restores everything, scale with
every resampling method, canvas size anchors, crop to selection."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.brush import image_ops
from paintgan.brush.resample import resize, warp
from paintgan.commands.stack import CommandStack
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer


def _doc() -> tuple[Document, RasterLayer, np.ndarray]:
    doc = Document.new(7, 5, None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    px = np.random.default_rng(0).integers(1, 256, (5, 7, 4), np.uint8)
    px[..., 3] = 255
    layer.write(0, 0, px)
    layer.surface.snapshot()
    return doc, layer, px


@pytest.mark.parametrize(("k", "ref"), [(1, lambda p: np.rot90(p, -1)), (2, lambda p: np.rot90(p, 2)),
                                        (3, lambda p: np.rot90(p, 1))])
def test_rotate_exact_and_undo(k: int, ref) -> None:  # type: ignore[no-untyped-def]
    doc, layer, px = _doc()
    doc.set_selection(sel.rectangle(0, 0, 2, 1, doc.rect))
    stack = CommandStack()
    stack.push(image_ops.rotate_image(doc, k))
    assert np.array_equal(layer.read(doc.rect), ref(px))
    assert doc.selection is not None
    m = np.zeros((5, 7), np.uint8)
    m[0, 0:2] = 255
    assert np.array_equal(doc.selection.read(doc.rect) > 127, ref(m) > 127)
    stack.undo()
    assert (doc.width, doc.height) == (7, 5)
    assert np.array_equal(layer.read(doc.rect), px)
    assert doc.selection.rect == Rect(0, 0, 2, 1)


def test_flip_both_ways() -> None:
    doc, layer, px = _doc()
    stack = CommandStack()
    stack.push(image_ops.flip_image(doc, True))
    assert np.array_equal(layer.read(doc.rect), px[:, ::-1])
    stack.push(image_ops.flip_image(doc, False))
    assert np.array_equal(layer.read(doc.rect), px[::-1, ::-1])
    stack.undo()
    stack.undo()
    assert np.array_equal(layer.read(doc.rect), px)


@pytest.mark.parametrize("method", ["nearest", "bilinear", "area"])
def test_scale_image(method: str) -> None:
    doc, layer, px = _doc()
    stack = CommandStack()
    stack.push(image_ops.scale_image(doc, 14, 10, method))
    assert (doc.width, doc.height) == (14, 10)
    out = layer.read(doc.rect)
    assert out.shape == (10, 14, 4) and (out[..., 3] == 255).all()
    if method == "nearest":
        assert np.array_equal(out, px.repeat(2, 0).repeat(2, 1))
    stack.undo()
    assert np.array_equal(layer.read(doc.rect), px) and doc.width == 7


def test_canvas_size_anchor_and_crop_to_selection() -> None:
    doc, layer, px = _doc()
    stack = CommandStack()
    doc.set_selection(sel.rectangle(1, 1, 3, 3, doc.rect))
    stack.push(image_ops.resize_canvas(doc, 11, 9, (1.0, 1.0)))  # picture anchored bottom-right
    assert (doc.width, doc.height) == (11, 9)
    assert np.array_equal(layer.read(Rect(4, 4, 7, 5)), px)
    assert doc.selection is not None and doc.selection.rect == Rect(5, 5, 2, 2)
    stack.push(image_ops.crop_to_selection(doc))  # type: ignore[arg-type]
    assert (doc.width, doc.height) == (2, 2)
    assert np.array_equal(layer.read(doc.rect), px[1:3, 1:3])
    assert doc.selection.rect == Rect(0, 0, 2, 2)
    stack.undo()
    stack.undo()
    assert (doc.width, doc.height) == (7, 5) and np.array_equal(layer.read(doc.rect), px)
    assert doc.selection.rect == Rect(1, 1, 2, 2)
    doc.set_selection(None)
    assert image_ops.crop_to_selection(doc) is None


def test_resampling_no_dark_fringe_and_area_average() -> None:
    px = np.zeros((4, 4, 4), np.uint8)
    px[:, :2] = (255, 255, 255, 255)  # white opaque left half, transparent black right half
    half = resize(px, 2, 2, "area")
    assert (half[:, 0] == (255, 255, 255, 255)).all()
    mid = resize(px, 3, 4, "bilinear")
    assert mid[0, 1, 0] == 255  # colour stays white where alpha fades (premultiplied filtering)
    rot = warp(px, np.array([[0, -1, 4], [1, 0, 0]], float), 4, 4, "nearest")  # 90° turn
    assert np.array_equal(rot, np.ascontiguousarray(np.rot90(px, -1)))
    with pytest.raises(ValueError):
        resize(px, 2, 2, "cubic")
