"""Qt-free clipboard halves: copy of a layer / the merged image through a (feathered) selection, clear
and fill of the selected pixels as one undoable paint step."""

from __future__ import annotations

import numpy as np

from paintgan.commands.clipboard import clear_selected, copy_layer, copy_merged, fill_selected
from paintgan.commands.stack import CommandStack
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer


def _doc() -> tuple[Document, RasterLayer]:
    doc = Document.new(80, 60)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    layer.write(10, 10, np.full((20, 30, 4), (200, 10, 10, 255), np.uint8))
    layer.surface.snapshot()
    return doc, layer


def test_copy_layer_whole_content_and_through_selection() -> None:
    doc, layer = _doc()
    clip = copy_layer(doc, layer)
    assert clip is not None and clip.rect == Rect(10, 10, 30, 20)
    doc.set_selection(sel.feather(sel.rectangle(0, 0, 20, 20, doc.rect), 2, doc.rect))
    clip = copy_layer(doc, layer)
    assert clip is not None and clip.rect.x == 0
    a = clip.pixels[:, :, 3]
    assert a[15 - clip.y, 12 - clip.x] == 255  # inside
    assert 0 < a[15 - clip.y, 20 - clip.x] < 255  # the feathered edge copies soft
    assert (clip.pixels[a == 0] == 0).all()
    merged = copy_merged(doc)
    assert merged is not None and merged.pixels[0, 0, 3] == 255  # the white background is in the merge


def test_clear_and_fill_selected_undo_exactly() -> None:
    doc, layer = _doc()
    stack = CommandStack()
    before = layer.read(doc.rect)
    doc.set_selection(sel.rectangle(15, 15, 25, 25, doc.rect))
    cmd = clear_selected(doc, layer, "Cut")
    assert cmd is not None
    stack.push(cmd, done=True)
    after = layer.read(doc.rect)
    assert after[20, 20, 3] == 0 and after[12, 12, 3] == 255
    stack.undo()
    assert np.array_equal(layer.read(doc.rect), before)
    stack.redo()
    assert np.array_equal(layer.read(doc.rect), after)
    fill = fill_selected(doc, layer, (0, 255, 0))
    assert fill is not None
    stack.push(fill, done=True)
    assert tuple(layer.read(Rect(20, 20, 1, 1))[0, 0]) == (0, 255, 0, 255)
    stack.undo()
    assert np.array_equal(layer.read(doc.rect), after)
