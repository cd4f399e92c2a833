"""Selection commands: undo/redo of every kind, history texts, memory accounting; painting and filling
respect the selection."""

from __future__ import annotations

import numpy as np

from paintgan.brush.engine import BrushSettings, paint_stroke
from paintgan.commands import selection as selcmd
from paintgan.commands.stack import CommandStack
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.layers import RasterLayer


def test_every_selection_command_undoes_and_redoes() -> None:
    doc = Document.new(64, 48)
    stack = CommandStack()
    rect = sel.rectangle(10, 10, 30, 30, doc.rect)
    steps = [
        selcmd.select_command(doc, rect, "replace", "rectangle"),
        lambda: selcmd.select_command(doc, sel.ellipse(20, 20, 40, 40, doc.rect), "add", "ellipse"),
        lambda: selcmd.select_command(doc, sel.rectangle(0, 0, 15, 15, doc.rect), "subtract", "rectangle"),
        lambda: selcmd.select_command(doc, sel.rectangle(12, 12, 40, 40, doc.rect), "intersect", "rectangle"),
        lambda: selcmd.grow_command(doc, 2),
        lambda: selcmd.shrink_command(doc, 1),
        lambda: selcmd.feather_command(doc, 2),
        lambda: selcmd.invert_command(doc),
        lambda: selcmd.select_all_command(doc),
        lambda: selcmd.deselect_command(doc),
    ]
    states = [None]
    for step in steps:
        cmd = step() if callable(step) else step
        assert cmd.changes_anything()
        stack.push(cmd)
        states.append(doc.selection)
    texts = [c.text for c in stack.entries()]
    assert texts[:4] == ["Select rectangle", "Add ellipse to selection", "Subtract rectangle from selection",
                         "Intersect selection with rectangle"]
    assert doc.selection is None
    for i in range(len(steps), 0, -1):
        stack.undo()
        assert doc.selection is states[i - 1]
    for i in range(1, len(steps) + 1):
        stack.redo()
        assert doc.selection is states[i]


def test_selection_command_memory_is_the_mask_not_in_the_document() -> None:
    doc = Document.new(200, 100)
    stack = CommandStack()
    stack.push(selcmd.select_all_command(doc))
    assert stack.nbytes == 0  # the old selection was None; the new one lives in the document
    stack.push(selcmd.deselect_command(doc))
    assert stack.nbytes == 200 * 100  # the history alone keeps the select-all mask
    stack.undo()
    assert stack.nbytes == 0 + 0  # applied select-all holds nothing; the undone deselect holds None


def test_brush_and_fill_respect_selection() -> None:
    doc = Document.new(64, 64, None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    doc.set_selection(sel.rectangle(0, 0, 32, 64, doc.rect))
    paint_stroke(layer, BrushSettings(size=10, hardness=1.0, color=(255, 0, 0)), [(5, 32), (60, 32)])
    px = layer.read(doc.rect)
    assert px[32, 10, 3] == 255 and px[32, 50, 3] == 0
    assert (px[:, 32:, 3] == 0).all()


def test_layer_offset_brush_uses_document_coordinates() -> None:
    doc = Document.new(64, 64, None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    layer.x, layer.y = 10, 10
    doc.set_selection(sel.rectangle(20, 20, 40, 40, doc.rect))
    paint_stroke(layer, BrushSettings(size=30, hardness=1.0), [(30, 30)])
    alpha = layer.read(doc.rect)[:, :, 3]
    assert alpha[30, 30] == 255 and alpha[18, 30] == 0 and alpha[41, 30] == 0
    assert np.count_nonzero(alpha) == 400
