"""The Qt-free GANPaint layer and its commands: strokes and masks, one history step per stroke, undo
bringing back the earlier image, reset, seeds, OpenRaster round trip, send to layer."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.commands.ganpaint import (
    AddGanStroke,
    CreateGanPaintDocument,
    ResetGanEdits,
    SendToLayer,
    SetGanSeed,
)
from paintgan.commands.stack import CommandStack
from paintgan.core.document import Document
from paintgan.core.ganpaint_layer import (
    GanPaintFormatError,
    GanPaintLayer,
    GanStroke,
    display_factor,
    dump_masks,
    dump_scene,
    parse_scene,
    stroke_mask,
    target_layer,
)
from paintgan.core.layers import LAYER_KINDS, RasterLayer
from paintgan.ganpaint import GanPainter


def _stroke(concept: str = "tree", mode: str = "draw", box: tuple[int, int, int, int] = (8, 8, 40, 24),
            shape: tuple[int, int] = (64, 64)) -> GanStroke:
    m = np.zeros(shape, np.uint8)
    x0, y0, x1, y1 = box
    m[y0:y1, x0:x1] = 255
    return GanStroke(concept, mode, "high", 1.0, m, ((x0, y0), (x1, y1)), 8.0)


def test_kind_registered_and_display_factor() -> None:
    assert LAYER_KINDS["ganpaint"] is GanPaintLayer
    assert display_factor((128, 128)) == 4 and display_factor((64, 64)) == 8
    assert display_factor((600, 600)) == 1
    made = CreateGanPaintDocument((128, 128), seed=3)
    assert (made.doc.width, made.doc.height) == (512, 512) and made.factor == 4
    assert target_layer(made.doc) is made.layer and made.layer.seed == 3
    assert made.layer.display_size() == (512, 512) and made.layer.display_scale() == (4.0, 4.0)


def test_stroke_mask_and_validation() -> None:
    m = stroke_mask([(40.0, 40.0), (200.0, 40.0)], 32.0, (64, 64), scale=4.0)
    assert m.shape == (64, 64) and m.dtype == np.uint8
    assert m[10, 10] == 255 and m[10, 50] == 255  # (x=10..50, y=10) in model pixels
    assert m[30, 30] == 0 and m[10, 60] == 0
    dot = stroke_mask([(8.0, 8.0)], 4.0, (16, 16))
    assert dot[8, 8] > 0 and dot[0, 0] == 0
    s = GanStroke("sky", "remove", "low", 2.0, np.ones((8, 8), np.float32))
    assert s.strength == 1.0 and s.mask.dtype == np.uint8 and int(s.mask.max()) == 255
    assert not s.mask.flags.writeable
    assert s.key == GanStroke("sky", "remove", "low", 1.0, np.ones((8, 8), np.float32)).key
    assert s.key != GanStroke("sky", "draw", "low", 1.0, np.ones((8, 8), np.float32)).key
    with pytest.raises(ValueError):
        GanStroke("sky", "paint", "low", 1.0, np.ones((8, 8)))
    with pytest.raises(ValueError):
        GanStroke("sky", "draw", "huge", 1.0, np.ones((8, 8)))
    edit = s.to_edit()
    assert edit.mode == "remove" and float(edit.mask.max()) == 1.0 and edit.intensity == "low"


def test_commands_one_step_each_and_undo_restores_image(tiny_model) -> None:
    painter = GanPainter(tiny_model, "cpu")
    made = CreateGanPaintDocument(painter.image_size, model=str(tiny_model), seed=1)
    doc, layer = made.doc, made.layer
    events: list[str] = []
    doc.subscribe(lambda c: events.append(c.kind))
    stack = CommandStack()
    base = layer.compute(painter).copy()
    assert layer.result is not None and layer.result.shape == (doc.height, doc.width, 4) and not layer.stale
    np.testing.assert_array_equal(base, painter.generate(1))

    gen = layer.generation
    stack.push(AddGanStroke(layer, _stroke("tree", "draw")))
    assert len(stack) == 1 and layer.generation == gen + 1 and layer.stale and "hints" in events
    assert stack.undo_text() == "GAN draw tree"
    drawn = layer.compute(painter).copy()
    assert not np.array_equal(drawn, base)
    diff = np.abs(drawn.astype(int) - base).sum(axis=2)
    assert diff[8:24, 8:40].mean() > diff[40:, :].mean()
    stale_result = layer.result
    assert not layer.set_result(base, gen) and layer.result is stale_result  # older generation ignored

    stack.push(AddGanStroke(layer, _stroke("sky", "remove", (30, 30, 60, 60))))
    both = layer.compute(painter).copy()
    stack.push(ResetGanEdits(layer))
    assert layer.strokes == () and len(stack) == 3
    np.testing.assert_array_equal(layer.compute(painter), base)
    stack.undo()
    np.testing.assert_array_equal(layer.compute(painter), both)
    stack.undo()
    np.testing.assert_array_equal(layer.compute(painter), drawn)
    stack.undo()
    np.testing.assert_array_equal(layer.compute(painter), base)

    stack.redo()
    stack.push(SetGanSeed(layer, 9))  # a new scene clears the edits; undo brings them back
    assert layer.seed == 9 and layer.strokes == ()
    np.testing.assert_array_equal(layer.compute(painter), painter.generate(9))
    stack.undo()
    assert layer.seed == 1 and len(layer.strokes) == 1
    stack.push(SetGanSeed(layer, 4, keep_edits=True))
    assert layer.seed == 4 and len(layer.strokes) == 1
    assert stack.nbytes < 64 * 64 * 4  # masks are shared between before/after states
    with pytest.raises(ValueError):
        AddGanStroke(layer, _stroke(shape=(32, 32)))


def test_live_result_keeps_layer_stale(tiny_model) -> None:
    painter = GanPainter(tiny_model, "cpu")
    layer = CreateGanPaintDocument(painter.image_size, model=str(tiny_model)).layer
    gen, fn = layer.job(painter, [_stroke()])
    image, rgba = fn()
    assert layer.set_result(image, gen, rgba=rgba, live=True) and layer.stale
    layer.compute(painter)
    assert not layer.stale


def test_ora_round_trip(tiny_model, tmp_path) -> None:
    from paintgan.io.ora import load_ora, save_ora

    painter = GanPainter(tiny_model, "cpu")
    made = CreateGanPaintDocument(painter.image_size, model=tiny_model.name, seed=5)  # files keep names only
    layer = made.layer
    AddGanStroke(layer, _stroke("tree")).redo()
    AddGanStroke(layer, _stroke("grass", "remove", (0, 40, 64, 64))).redo()
    image = layer.compute(painter)
    path = tmp_path / "scene.ora"
    save_ora(made.doc, path)
    back = load_ora(path)
    (lay,) = list(back.layers())
    assert isinstance(lay, GanPaintLayer)
    assert (lay.seed, lay.model, lay.image_size) == (5, tiny_model.name, layer.image_size)
    assert [(s.concept, s.mode, s.intensity) for s in lay.strokes] == [("tree", "draw", "high"),
                                                                      ("grass", "remove", "high")]
    for a, b in zip(layer.strokes, lay.strokes, strict=True):
        np.testing.assert_array_equal(a.mask, b.mask)
        assert a.key == b.key and a.points == b.points
    assert not lay.stale and lay.result is not None
    np.testing.assert_array_equal(lay.result, layer.result)  # the cached picture, shown at once
    np.testing.assert_array_equal(lay.compute(painter), image)  # and recomputed: the same
    np.testing.assert_array_equal(back.composite(), made.doc.composite())
    dup = lay.copy()
    assert dup.seed == 5 and len(dup.strokes) == 2


def test_scene_blob_errors() -> None:
    s = _stroke()
    blob = dump_scene("ganpaint", 3, (64, 64), [s])
    model, seed, size, strokes = parse_scene(blob, dump_masks([s]))
    assert (model, seed, size, len(strokes)) == ("ganpaint", 3, (64, 64), 1)
    with pytest.raises(GanPaintFormatError, match=r"no masks\.npz"):
        parse_scene(blob, None)
    with pytest.raises(GanPaintFormatError, match="malformed"):
        parse_scene(b"{not json", None)
    with pytest.raises(GanPaintFormatError, match="newer"):
        parse_scene(b'{"version": 99, "image_size": [64, 64]}', None)


def test_send_to_layer_centres_and_undoes() -> None:
    doc = Document.new(300, 200)
    n = len(list(doc.layers()))
    pic = np.zeros((100, 120, 3), np.uint8)
    pic[..., 1] = 200
    stack = CommandStack()
    stack.push(SendToLayer(doc, pic, "GANPaint seed 1"))
    lay = doc.active_layer
    assert isinstance(lay, RasterLayer) and lay.name == "GANPaint seed 1"
    st = lay.export_state()
    assert st.offset == (90, 50) and st.pixels is not None and st.pixels.shape == (100, 120, 4)
    assert tuple(doc.composite()[100, 150]) == (0, 200, 0, 255)
    stack.undo()
    assert len(list(doc.layers())) == n
