from __future__ import annotations

import numpy as np
import pytest
from colorize_helpers import lineart_page

from paintgan.commands import CommandStack
from paintgan.commands.hints import (
    AddHint,
    AddStroke,
    ApplyColorizeResult,
    ClearHints,
    DeleteHint,
    MoveHint,
    RecolorHint,
    SetColorizeSettings,
    create_colorize_stack,
)
from paintgan.commands.stack import new_gesture
from paintgan.core import Document, RasterLayer
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.layers import LAYER_KINDS, layer_from_state
from paintgan.io.hints import PointHint


@pytest.fixture
def setup():
    doc = Document(120, 100)
    art = RasterLayer.from_pixels("Ink", lineart_page())
    doc.root.insert(0, art)
    stack = CommandStack()
    events = []
    doc.subscribe(events.append)
    layer = create_colorize_stack(doc, art, stack, mode="flat")
    return doc, art, stack, layer, events


def test_stack_layout_and_undo(setup):
    doc, art, stack, layer, _ = setup
    assert LAYER_KINDS["colorize"] is ColorizeLayer
    assert [c.name for c in doc.root.children] == ["Paper", "Ink colours", "Ink"]
    assert art.blend_mode == "multiply" and doc.active_layer is layer
    assert layer.source_layer(doc) is art
    stack.undo()
    assert [c.name for c in doc.root.children] == ["Ink"] and art.blend_mode == "normal"
    stack.redo()
    assert len(doc.root.children) == 3


def test_hint_commands_undo_redo_mark_stale(setup):
    doc, _art, stack, layer, events = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    stack.push(AddHint(layer, 80, 50, (0, 0, 255), radius=3))
    assert [p.rgb for p in layer.hints.points] == [(255, 0, 0), (0, 0, 255)]
    assert any(e.kind == "hints" and e.layer is layer for e in events)
    layer.set_result(layer.compute(doc))
    assert not layer.stale
    gen = layer.generation
    stack.push(RecolorHint(layer, 0, (0, 255, 0)))
    assert layer.stale and layer.generation == gen + 1
    stack.undo()
    assert layer.hints.points[0].rgb == (255, 0, 0) and layer.stale and layer.generation == gen + 2
    stack.redo()
    assert layer.hints.points[0].rgb == (0, 255, 0)
    stack.push(DeleteHint(layer, 1))
    stack.push(AddStroke(layer, [(5, 5), (30, 5)], (1, 2, 3), 2))
    assert len(layer.hints.points) == 1 and len(layer.hints.strokes) == 1
    stack.push(ClearHints(layer))
    assert len(layer.hints) == 0
    stack.undo()
    stack.undo()
    stack.undo()
    assert len(layer.hints.points) == 2 and not layer.hints.strokes


def test_move_hint_drag_coalesces(setup):
    _doc, _art, stack, layer, _ = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    n = len(stack)
    drag = new_gesture()
    for x in range(21, 30):
        stack.push(MoveHint(layer, 0, x, 51, gesture=drag))
    assert len(stack) == n + 1
    assert (layer.hints.points[0].x, layer.hints.points[0].y) == (29, 51)
    stack.push(MoveHint(layer, 0, 40, 40, gesture=new_gesture()))  # the next drag
    assert len(stack) == n + 2
    stack.undo()
    stack.undo()
    assert (layer.hints.points[0].x, layer.hints.points[0].y) == (20, 50)


def test_settings_command(setup):
    _doc, _art, stack, layer, _ = setup
    drag = new_gesture()
    stack.push(SetColorizeSettings(layer, gap_radius=3, gesture=drag))
    stack.push(SetColorizeSettings(layer, gap_radius=5, gesture=drag))
    assert layer.gap_radius == 5
    stack.push(SetColorizeSettings(layer, palette=[(1, 2, 3)], input_kind="lineart"))
    assert layer.hints.palette == [(1, 2, 3)] and layer.input_kind == "lineart"
    stack.undo()
    assert layer.hints.palette == [] and layer.input_kind == "auto"
    stack.undo()
    assert layer.gap_radius == 2
    with pytest.raises(ValueError):
        SetColorizeSettings(layer, mode="magic")
    assert layer.flat_regions
    stack.push(SetColorizeSettings(layer, flat_regions=False))
    assert not layer.flat_regions and layer.stale
    assert layer_from_state(layer.export_state()).flat_regions is False  # persisted
    stack.undo()
    assert layer.flat_regions


def test_persistence_roundtrip(setup):
    doc, art, stack, layer, _ = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    stack.push(AddStroke(layer, [(70, 40), (90, 40)], (0, 0, 255), 3))
    stack.push(SetColorizeSettings(layer, gap_radius=4, input_kind="lineart"))
    layer.set_result(layer.compute(doc))
    state = layer.export_state()
    assert state.kind == "colorize" and "hints.json" in state.blobs
    assert state.pixels is not None and state.pixels.shape == (100, 120, 4)
    assert state.attrs["mode"] == "flat" and state.attrs["gap-radius"] == "4"
    back = layer_from_state(state)
    assert isinstance(back, ColorizeLayer)
    assert back.hints == layer.hints and back.settings() == layer.settings()
    assert not back.stale and np.array_equal(back.result, layer.result)
    assert back.source_id == art.id
    # ids are not kept by files: the source is found again by name
    back.source_id = "gone"
    doc.root.insert(1, back)
    assert back.source_layer(doc) is art


def test_render_and_stale_results(setup):
    doc, _art, stack, layer, _ = setup
    assert layer.render(doc.rect) is None
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    old_gen = layer.generation
    res = layer.compute(doc)
    stack.push(AddHint(layer, 80, 50, (0, 0, 255)))
    assert layer.set_result(res, old_gen) is False  # an older generation is dropped
    assert layer.set_result(layer.compute(doc)) is True
    px = doc.composite()
    assert tuple(px[50, 20, :3]) == (255, 0, 0)


def test_apply_result_is_undoable(setup):
    doc, _art, stack, layer, _ = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    layer.set_result(layer.compute(doc))
    before = doc.composite()
    stack.push(ApplyColorizeResult(doc, layer))
    names = [c.name for c in doc.root.children]
    assert names == ["Paper", "Flats", "Ink"]
    assert np.array_equal(doc.composite(), before)
    stack.undo()
    assert [c.name for c in doc.root.children] == ["Paper", "Ink colours", "Ink"]


def test_point_hint_type():
    layer = ColorizeLayer()
    layer.set_hints(layer.hints.__class__([PointHint(1, 2, (3, 4, 5))]))
    assert layer.generation == 1 and layer.stale


def test_openraster_roundtrip(setup, tmp_path):
    import zipfile

    from paintgan.io.ora import load_ora, save_ora

    doc, _art, stack, layer, _ = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    layer.set_result(layer.compute(doc))
    path = tmp_path / "page.ora"
    save_ora(doc, path)
    with zipfile.ZipFile(path) as z:
        assert any(n.endswith("/hints.json") for n in z.namelist())
    back = load_ora(path)
    col = [c for c in back.root.children if isinstance(c, ColorizeLayer)]
    assert len(col) == 1
    assert col[0].hints == layer.hints and col[0].mode == "flat"
    assert col[0].source_layer(back).name == "Ink"  # found again by name (ids are not in the file)
    assert np.array_equal(back.composite(), doc.composite())


def test_job_through_inference_service(setup):
    from paintgan.inference.service import InferenceService

    doc, _art, stack, layer, _ = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    gen, fn = layer.colorize_job(doc)
    stack.push(AddHint(layer, 80, 50, (0, 0, 255)))  # the snapshot is not affected
    with InferenceService() as svc:
        res = svc.submit(("colorize", layer.id), fn, generation=gen).wait(10)
    assert res is not None and res.ok
    assert layer.set_result(res.value, res.generation) is False  # superseded by the second hint
    assert tuple(res.value[50, 80]) != (0, 0, 255, 255)


def test_crop_moves_hints_and_undo_restores(setup):
    from paintgan.commands.canvas import CropCommand
    from paintgan.core import Rect

    doc, _art, stack, layer, _ = setup
    stack.push(AddHint(layer, 20, 50, (255, 0, 0)))
    layer.set_result(layer.compute(doc))
    gen = layer.generation
    stack.push(CropCommand(doc, Rect(10, 10, 80, 60)))
    assert (layer.hints.points[0].x, layer.hints.points[0].y) == (10, 40)
    assert layer.stale and layer.result is None and layer.generation > gen
    layer.set_result(layer.compute(doc))
    assert layer.result.shape == (60, 80, 4)
    stack.undo()
    assert (layer.hints.points[0].x, layer.hints.points[0].y) == (20, 50) and layer.stale


def test_a_stored_result_far_from_the_page_is_dropped_not_padded():
    """A colorize layer saved at x = y = 10^6 once asked for terabytes; now its cache is dropped (stale)."""
    from paintgan.core.layers import LayerState

    px = np.full((4, 4, 4), 200, np.uint8)
    far = ColorizeLayer.from_state(LayerState("colorize", {"name": "c"}, px, offset=(10**6, 10**6)))
    assert far.result is None and far.stale
    near = ColorizeLayer.from_state(LayerState("colorize", {"name": "c"}, px, offset=(3, 2),
                                               attrs={"stale": "false"}))
    assert near.result is not None and near.result.shape == (6, 7, 4) and not near.stale
    assert near.result[2:, 3:].min() == 200 and near.result[:2].max() == 0
