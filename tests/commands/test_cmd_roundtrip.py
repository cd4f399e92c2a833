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
from paintgan.commands.ganpaint import AddGanStroke, SetGanScene, SetGanSeed
from paintgan.commands.hints import (
    AddHint,
    AddStroke,
    ClearHints,
    DeleteHint,
    MoveHint,
    RecolorHint,
    SetColorizeSettings,
    SetHints,
)
from paintgan.commands.layers import SetActiveLayerCommand
from paintgan.commands.stack import Command, new_gesture
from paintgan.core import Document, GroupLayer, RasterLayer, Rect
from paintgan.core.blend import BLEND_MODES
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.ganpaint_layer import GanPaintLayer, GanStroke
from paintgan.io.hints import Hints, PointHint


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


# -- hints and GAN edits: the same round-trip, on a document holding a colorize and a GANPaint layer -----

def build_model_doc() -> tuple[Document, ColorizeLayer, GanPaintLayer]:
    doc = Document(64, 64)
    doc.root.insert(0, RasterLayer.from_pixels("Ink", np.full((64, 64, 4), 255, np.uint8)))
    hints = Hints(points=[PointHint(10.0, 12.0, (255, 0, 0), 2.0), PointHint(40.0, 30.0, (0, 0, 255), 3.0)])
    colorize = ColorizeLayer(hints=hints, mode="flat")
    gan = GanPaintLayer(image_size=(64, 64), seed=3)
    doc.root.insert(1, colorize)
    doc.root.insert(2, gan)
    return doc, colorize, gan


def _gan_stroke(concept: str = "tree") -> GanStroke:
    mask = np.zeros((64, 64), np.uint8)
    mask[8:30, 10:50] = 255
    return GanStroke(concept, "draw", "high", 1.0, mask, ((10, 8), (50, 30)), 8.0)


def model_state(doc: Document) -> tuple:
    """Structure, props and the model layers' saved state (hints, settings, seed, strokes) as saved."""
    states = [(layer.id, layer.export_state()) for layer in doc.layers()]
    return tuple((lid, st.kind, tuple(sorted(st.props.items())), tuple(sorted(st.attrs.items())),
                  tuple(sorted(st.blobs.items()))) for lid, st in states)


MODEL_FACTORIES: dict[str, Callable[[ColorizeLayer, GanPaintLayer], Command]] = {
    "add-hint": lambda c, g: AddHint(c, 20, 20, (0, 255, 0)),
    "move-hint": lambda c, g: MoveHint(c, 0, 30, 31, gesture=new_gesture()),
    "recolor-hint": lambda c, g: RecolorHint(c, 1, (9, 9, 9)),
    "delete-hint": lambda c, g: DeleteHint(c, 0),
    "add-stroke": lambda c, g: AddStroke(c, [(1, 1), (20, 20)], (1, 2, 3), 4),
    "clear-hints": lambda c, g: ClearHints(c),
    "set-hints": lambda c, g: SetHints(c, Hints(points=[PointHint(5.0, 5.0, (7, 7, 7), 1.0)])),
    "colorize-settings": lambda c, g: SetColorizeSettings(c, gap_radius=5, palette=[(1, 2, 3)]),
    "gan-stroke": lambda c, g: AddGanStroke(g, _gan_stroke()),
    "gan-scene": lambda c, g: SetGanScene(g, 11, (_gan_stroke("grass"),), "Set scene"),
    "gan-seed": lambda c, g: SetGanSeed(g, 42),
}


@pytest.mark.parametrize("name", sorted(MODEL_FACTORIES))
def test_hint_and_gan_commands_roundtrip(name):
    doc, colorize, gan = build_model_doc()
    stack = CommandStack()
    roundtrip(doc, stack, MODEL_FACTORIES[name](colorize, gan), model_state)
    assert stack.nbytes == sum(c.nbytes() for c in stack.entries())


def test_merge_down_refuses_an_annotation_layer():
    from paintgan.core.annotations import AnnotationLayer

    doc = build_doc()
    shapes = AnnotationLayer("Labels")
    doc.root.insert(1, shapes)
    with pytest.raises(ValueError, match="shapes"):
        MergeDownCommand(doc, shapes)
