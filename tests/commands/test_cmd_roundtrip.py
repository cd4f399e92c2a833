"""Undo/redo round-trips for every command: after undo the document (structure, layer content, canvas,
composite) is identical to before; after redo identical to after."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from paintgan.commands import (
    AddLayerCommand,
    CommandStack,
    CropCommand,
    DuplicateLayerCommand,
    MergeDownCommand,
    MoveLayerCommand,
    PaintTransaction,
    RemoveLayerCommand,
    ReplacePixelsCommand,
    ResizeCanvasCommand,
    SetLayerPropertiesCommand,
)
from paintgan.commands.layers import SetActiveLayerCommand
from paintgan.commands.stack import Command
from paintgan.core import Document, GroupLayer, RasterLayer, Rect
from paintgan.core.blend import BLEND_MODES


def _px(rng: np.random.Generator, h: int, w: int, opaque: bool = False) -> np.ndarray:
    px = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    if opaque:
        px[..., 3] = 255
    return px


def build_doc(seed: int = 7) -> Document:
    """Background, two paint layers (one offset, multiply at 70 %), a group (screen) holding two layers."""
    rng = np.random.default_rng(seed)
    doc = Document(160, 120)
    bg = RasterLayer.from_pixels("Background", _px(rng, 120, 160, opaque=True))
    a = RasterLayer.from_pixels("A", _px(rng, 60, 90), x=20, y=-10, opacity=0.7, blend_mode="multiply")
    b = RasterLayer.from_pixels("B", _px(rng, 70, 70), x=70, y=40)
    g = GroupLayer("G", blend_mode="screen", opacity=0.8)
    g1 = RasterLayer.from_pixels("G1", _px(rng, 50, 50), x=5, y=60)
    g2 = RasterLayer.from_pixels("G2", _px(rng, 40, 100), x=40, y=30, blend_mode="difference")
    for i, layer in enumerate([bg, a, b, g]):
        doc.root.insert(i, layer)
    g.insert(0, g1)
    g.insert(1, g2)
    doc.active_layer = b
    return doc


def by_name(doc: Document, name: str):
    return next(layer for layer in doc.layers() if layer.name == name)


def stroke(doc: Document) -> Command:
    layer = by_name(doc, "B")
    tx = PaintTransaction(layer)
    rect = layer.write(60, 50, np.full((30, 80, 4), (255, 0, 0, 200), np.uint8))
    tx.touch(rect)
    cmd = tx.commit()
    assert cmd is not None
    cmd.undo()  # the round-trip helper pushes it (re-applying it), like every other command
    return cmd


FACTORIES: dict[str, Callable[[Document], Command]] = {
    "add-above-active": lambda d: AddLayerCommand(d, RasterLayer.from_pixels(
        "new", np.full((10, 10, 4), 99, np.uint8), 3, 4)),
    "add-into-group": lambda d: AddLayerCommand(d, RasterLayer("new"), by_name(d, "G"), 0),
    "add-group-on-top": lambda d: AddLayerCommand(d, GroupLayer("new group"), d.root),
    "remove-raster": lambda d: RemoveLayerCommand(d, by_name(d, "A")),
    "remove-active": lambda d: RemoveLayerCommand(d, by_name(d, "B")),
    "remove-group": lambda d: RemoveLayerCommand(d, by_name(d, "G")),
    "move-down": lambda d: MoveLayerCommand(d, by_name(d, "B"), d.root, 0),
    "move-into-group": lambda d: MoveLayerCommand(d, by_name(d, "A"), by_name(d, "G"), 1),
    "move-out-of-group": lambda d: MoveLayerCommand(d, by_name(d, "G1"), d.root, 4),
    "duplicate-raster": lambda d: DuplicateLayerCommand(d, by_name(d, "A")),
    "duplicate-group": lambda d: DuplicateLayerCommand(d, by_name(d, "G")),
    "props-opacity": lambda d: SetLayerPropertiesCommand(d, by_name(d, "A"), opacity=0.2),
    "props-many": lambda d: SetLayerPropertiesCommand(d, by_name(d, "G"), visible=False, name="g!",
                                                      blend_mode="overlay", locked=True),
    "resize-canvas": lambda d: ResizeCanvasCommand(d, 200, 90, dx=17, dy=-9),
    "crop": lambda d: CropCommand(d, Rect(30, 20, 70, 50)),
    "replace-pixels": lambda d: ReplacePixelsCommand(by_name(d, "B"), np.full((40, 30, 4), 7, np.uint8),
                                                     5, 6),
    "paint-stroke": stroke,
    "set-active": lambda d: SetActiveLayerCommand(d, by_name(d, "G1")),
    "merge-down-normal": lambda d: MergeDownCommand(d, by_name(d, "B")),
    "merge-down-multiply-70%": lambda d: MergeDownCommand(d, by_name(d, "A")),
    "merge-down-in-group": lambda d: MergeDownCommand(d, by_name(d, "G2")),
    "merge-down-group": lambda d: MergeDownCommand(d, by_name(d, "G")),
}


def roundtrip(doc: Document, stack: CommandStack, cmd: Command, snap, done: bool = False) -> None:
    before = snap(doc)
    stack.push(cmd, done=done)
    after = snap(doc)
    assert after != before
    for _ in range(2):
        assert stack.undo()
        assert snap(doc) == before
        assert stack.redo()
        assert snap(doc) == after


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_command_undo_redo_roundtrip(name, snap):
    doc = build_doc()
    stack = CommandStack()
    roundtrip(doc, stack, FACTORIES[name](doc), snap)
    assert stack.index == 1 and len(stack) == 1


def test_all_commands_in_sequence_then_undo_all(snap):
    """Every command applied one after the other, then undone to the start and redone to the end."""
    doc = build_doc()
    stack = CommandStack()
    states = [snap(doc)]
    for name in ["paint-stroke", "add-into-group", "props-opacity", "move-into-group", "duplicate-group",
                 "replace-pixels", "merge-down-normal", "resize-canvas", "remove-raster", "crop"]:
        stack.push(FACTORIES[name](doc))
        states.append(snap(doc))
    for i in range(len(states) - 1, -1, -1):
        assert snap(doc) == states[i]
        stack.undo()
    for i in range(1, len(states)):
        stack.redo()
        assert snap(doc) == states[i]


@pytest.mark.parametrize("mode", sorted(BLEND_MODES))
@pytest.mark.parametrize("opacity", [1.0, 0.45])
def test_merge_down_keeps_the_picture(mode, opacity, rng, snap):
    """Merging into the bottom layer changes the layers, not the picture (within rounding)."""
    doc = Document(96, 80)
    below = RasterLayer.from_pixels("below", _px(rng, 70, 80), x=10, y=5)
    upper = RasterLayer.from_pixels("upper", _px(rng, 60, 90), x=-5, y=15, opacity=opacity, blend_mode=mode)
    doc.root.insert(0, below)
    doc.root.insert(1, upper)
    doc.active_layer = upper
    picture = doc.composite()
    stack = CommandStack()
    roundtrip(doc, stack, MergeDownCommand(doc, upper), snap)
    assert [layer.name for layer in doc.layers()] == ["below"]
    assert doc.active_layer is below
    assert np.abs(_visible(doc.composite()) - _visible(picture)).max() <= 1


def _visible(px: np.ndarray) -> np.ndarray:
    """Pixels as ints with the (meaningless) colour of fully transparent pixels zeroed."""
    out = px.astype(int)
    out[out[..., 3] == 0] = 0
    return out


def test_merge_down_hidden_layer_discards_it(rng, snap):
    doc = build_doc()
    a = by_name(doc, "A")
    a.visible = False
    bg_before = by_name(doc, "Background").export_state().pixels
    doc.active_layer = a
    stack = CommandStack()
    roundtrip(doc, stack, MergeDownCommand(doc, a), snap)
    assert np.array_equal(by_name(doc, "Background").export_state().pixels, bg_before)


def test_merge_down_refuses_bad_targets():
    doc = build_doc()
    with pytest.raises(ValueError):
        MergeDownCommand(doc, by_name(doc, "Background"))  # nothing below
    doc.root.insert(4, RasterLayer("top"))
    with pytest.raises(ValueError):
        MergeDownCommand(doc, by_name(doc, "top"))  # below is a group
    with pytest.raises(ValueError):
        MoveLayerCommand(doc, by_name(doc, "G"), by_name(doc, "G"), 0)


def test_crop_and_resize_keep_pixels_outside_the_canvas():
    doc = build_doc()
    stack = CommandStack()
    full = doc.composite()
    stack.push(CropCommand(doc, Rect(30, 20, 70, 50)))
    assert (doc.width, doc.height) == (70, 50)
    assert np.array_equal(doc.composite(), full[20:70, 30:100])
    stack.push(ResizeCanvasCommand(doc, 160, 120, dx=30, dy=20))
    assert np.array_equal(doc.composite(), full)  # nothing was destroyed by the crop
    with pytest.raises(ValueError):
        CropCommand(doc, Rect(500, 500, 10, 10))
    with pytest.raises(ValueError):
        ResizeCanvasCommand(doc, 0, 10)
