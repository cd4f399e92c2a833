"""Annotation commands: each edit is one undo step; undo restores exactly the shapes before, redo after."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from paintgan.commands.annotations import (
    AddAnnotationLayer,
    AddShapes,
    ClipShapes,
    DeleteVertex,
    InsertVertex,
    MoveShapes,
    MoveVertex,
    RemoveShapes,
    ReplaceShapes,
    SetLabelStyle,
    SetShapeAttributes,
    SetShapePoints,
    SimplifyShapes,
)
from paintgan.commands.stack import Command, CommandStack, new_gesture
from paintgan.core import Document
from paintgan.core import polygons as geo
from paintgan.core.annotations import AnnotationLayer, ShapeError, make_shape

SQUARE = [(10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0)]


@pytest.fixture
def setup() -> tuple[Document, CommandStack, AnnotationLayer]:
    doc = Document.new(200, 150)
    stack = CommandStack()
    cmd = AddAnnotationLayer(doc)
    stack.push(cmd)
    layer = cmd.layer
    assert doc.active_layer is layer and layer in list(doc.layers())
    layer.set_shapes([make_shape("polygon", SQUARE, "a"),
                      make_shape("rectangle", [(50, 50), (70, 60)], "b", flags={"x": True}),
                      make_shape("linestrip", [(0, 100), (20, 100), (40, 110)], "c")])
    return doc, stack, layer


def snapshot(layer: AnnotationLayer) -> list[tuple]:
    return [(s.id, s.label, s.shape_type, s.points, s.group_id, dict(s.flags), s.description)
            for s in layer.shapes]


def t(layer: AnnotationLayer, i: int) -> str:
    return layer.shapes[i].id


CASES: dict[str, Callable[[AnnotationLayer], Command]] = {
    "add": lambda L: AddShapes(L, [make_shape("point", [(5, 5)], "p")]),
    "add-at": lambda L: AddShapes(L, [make_shape("polygon", SQUARE, "q")], index=0),
    "paste-same-ids": lambda L: AddShapes(L, list(L.shapes)),
    "remove": lambda L: RemoveShapes(L, [t(L, 0), t(L, 2)]),
    "replace-all": lambda L: ReplaceShapes(L, [make_shape("point", [(1, 1)], "z")]),
    "move": lambda L: MoveShapes(L, [t(L, 0), t(L, 1)], 3.5, -2),
    "set-points": lambda L: SetShapePoints(L, t(L, 0), [(0, 0), (50, 0), (25, 40)], "Model result"),
    "move-vertex": lambda L: MoveVertex(L, t(L, 0), 2, 40, 40),
    "insert-vertex": lambda L: InsertVertex(L, t(L, 0), 1, 20, 5),
    "delete-vertex": lambda L: DeleteVertex(L, t(L, 0), 0),
    "label": lambda L: SetShapeAttributes(L, [t(L, 0), t(L, 1)], label="ñandú"),
    "flags-group": lambda L: SetShapeAttributes(L, [t(L, 1)], flags={"y": 1}, group_id=4, description="d"),
    "simplify": lambda L: SimplifyShapes(L, [t(L, 2)], tolerance=100),
    "clip": lambda L: ClipShapes(L, 25, 25),
}


@pytest.mark.parametrize("name", list(CASES))
def test_undo_redo_roundtrip(setup, name: str) -> None:
    doc, stack, layer = setup
    events = []
    doc.subscribe(events.append)
    before = snapshot(layer)
    n = len(stack)
    stack.push(CASES[name](layer))
    after = snapshot(layer)
    assert after != before
    assert len(stack) == n + 1  # one step
    assert events and events[-1].kind == "shapes" and events[-1].rect is not None
    assert stack.nbytes > 0
    stack.undo()
    assert snapshot(layer) == before
    stack.redo()
    assert snapshot(layer) == after


def test_drags_merge_into_one_step(setup) -> None:
    _, stack, layer = setup
    n = len(stack)
    sid = t(layer, 0)
    g = new_gesture()
    for _ in range(5):
        stack.push(MoveShapes(layer, [sid], 1, 0, gesture=g))
    assert len(stack) == n + 1 and layer.shape(sid).bbox()[0] == 15.0
    g = new_gesture()
    for k in range(5):
        stack.push(MoveVertex(layer, sid, 0, 0 + k, 0, gesture=g))
    # a refine step (neighbours moved by the model) in the same drag joins too
    pts = layer.shape(sid).array()
    pts[1] += 1
    stack.push(SetShapePoints(layer, sid, pts, gesture=g))
    assert len(stack) == n + 2
    stack.undo()
    assert layer.shape(sid).points[0] == (15.0, 10.0)
    stack.undo()
    assert layer.shape(sid).points[0] == (10.0, 10.0)
    # a new gesture is a new step
    stack.push(MoveShapes(layer, [sid], 1, 0, gesture=new_gesture()))
    stack.push(MoveShapes(layer, [sid], 1, 0, gesture=new_gesture()))
    assert len(stack) == n + 2


def test_invalid_edits_change_nothing(setup) -> None:
    _, stack, layer = setup
    before = snapshot(layer)
    tri = AddShapes(layer, [make_shape("polygon", [(0, 0), (10, 0), (5, 5)], "tri")])
    stack.push(tri)
    tri_id = tri.shapes[0].id
    with pytest.raises(ShapeError):
        DeleteVertex(layer, tri_id, 0)  # would leave 2 points
    with pytest.raises(ShapeError):
        DeleteVertex(layer, t(layer, 1), 0)  # rectangles keep their 2 corners
    with pytest.raises(ShapeError):
        InsertVertex(layer, t(layer, 1), 1, 0, 0)
    with pytest.raises(IndexError):
        MoveVertex(layer, t(layer, 0), 9, 0, 0)
    with pytest.raises(KeyError):
        RemoveShapes(layer, ["nope"])
    with pytest.raises(ShapeError):
        SetShapePoints(layer, t(layer, 0), [(0, 0), (float("nan"), 1), (3, 3)])
    with pytest.raises(ShapeError):
        SimplifyShapes(layer, [t(layer, 1)])
    with pytest.raises(ShapeError):
        SetShapeAttributes(layer, [t(layer, 0)])
    stack.undo()
    assert snapshot(layer) == before


def test_simplify_default_keeps_iou(setup) -> None:
    _, stack, layer = setup
    tt = np.linspace(0, 2 * np.pi, 300, endpoint=False)
    c = np.stack([100 + 40 * np.cos(tt), 75 + 40 * np.sin(tt)], axis=1)
    add = AddShapes(layer, [make_shape("polygon", c, "round")])
    stack.push(add)
    sid = add.shapes[0].id
    cmd = SimplifyShapes(layer, [sid])
    stack.push(cmd)
    s = layer.shape(sid)
    assert len(s.points) < 30 and cmd.removed_points == 300 - len(s.points)
    assert geo.polygon_iou(c, s.points) >= 0.98
    stack.undo()
    assert len(layer.shape(sid).points) == 300


def test_paste_renews_ids_and_label_style(setup) -> None:
    _, stack, layer = setup
    ids = {s.id for s in layer.shapes}
    cmd = AddShapes(layer, list(layer.shapes))
    stack.push(cmd)
    assert len(layer) == 6 and not ids & {s.id for s in cmd.shapes}
    stack.push(SetLabelStyle(layer, "a", color=(1, 2, 3)))
    stack.push(SetLabelStyle(layer, "a", visible=False))
    assert layer.color("a") == (1, 2, 3) and not layer.is_label_visible("a")
    stack.undo()
    assert layer.is_label_visible("a")
    stack.undo()
    assert layer.color("a") != (1, 2, 3)


def test_add_layer_undo(setup) -> None:
    doc, stack, layer = setup
    while stack.can_undo():
        stack.undo()
    assert layer not in list(doc.layers())
    stack.redo()
    assert layer in list(doc.layers()) and doc.active_layer is layer
