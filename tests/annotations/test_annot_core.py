"""The annotation layer kind and its geometry helpers (Qt-free)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from paintgan.core import Document, LayerState
from paintgan.core import polygons as geo
from paintgan.core.annotations import (
    AnnotationLayer,
    Shape,
    ShapeError,
    default_label_color,
    make_shape,
)
from paintgan.core.geometry import Rect
from paintgan.core.layers import LAYER_KINDS, layer_from_state

SQUARE = [(10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0)]


def circle(n: int = 400, r: float = 50.0, c: float = 100.0) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([c + r * np.cos(t), c + r * np.sin(t)], axis=1)


def test_area_bbox_and_hits() -> None:
    assert geo.polygon_area(SQUARE) == 400.0
    assert geo.polygon_area(circle()) == pytest.approx(math.pi * 2500, rel=1e-3)
    assert geo.bbox(SQUARE) == (10.0, 10.0, 30.0, 30.0)
    assert geo.point_in_polygon(20, 20, SQUARE) and not geo.point_in_polygon(31, 20, SQUARE)
    assert geo.nearest_vertex(SQUARE, 29, 29, 2) == 2
    assert geo.nearest_vertex(SQUARE, 20, 20, 2) is None
    i, t, d = geo.nearest_edge(SQUARE, 20, 9, 2)
    assert (i, t, d) == (0, 0.5, 1.0)
    assert geo.nearest_edge(SQUARE, 20, 20, 2) is None


def test_clip_validate_and_self_intersection() -> None:
    clipped = geo.clip_polygon([(-10, -10), (10, -10), (10, 10), (-10, 10)], 5, 100)
    assert geo.polygon_area(clipped) == pytest.approx(50.0)
    assert geo.bbox(clipped) == (0.0, 0.0, 5.0, 10.0)
    assert len(geo.clip_polygon([(-10, -10), (-5, -10), (-5, -5)], 5, 5)) == 0
    assert geo.self_intersects([(0, 0), (10, 10), (10, 0), (0, 10)])
    assert not geo.self_intersects(circle())
    assert geo.polygon_problem([(0, 0), (1, 1)]).startswith("fewer than 3")
    assert geo.polygon_problem([(0, 0), (1, 1), (2, 2)]) == "zero area"
    assert geo.polygon_problem([(0, 0), (1, float("nan")), (2, 0)]) is not None
    assert geo.polygon_problem(SQUARE) is None


def test_simplify_keeps_iou_with_few_points() -> None:
    c = circle()
    s = geo.simplify_polygon(c)
    assert geo.polygon_iou(c, s) >= 0.98
    assert len(s) <= 22  # a regular 18-gon is the optimum for IoU 0.98
    # collinear points on a square go away entirely
    sq = [(0, 0), (5, 0), (10, 0), (10, 5), (10, 10), (5, 10), (0, 10), (0, 5)]
    assert len(geo.simplify_polygon(sq)) == 4
    assert len(geo.simplify_polygon(c, tolerance=0.5)) < len(c)
    assert geo.polygon_iou(SQUARE, SQUARE) == 1.0
    assert geo.polygon_iou(SQUARE, [(10, 10), (30, 10), (30, 20), (10, 20)]) == pytest.approx(0.5, abs=0.01)


def test_shape_validation_and_dict_roundtrip() -> None:
    with pytest.raises(ShapeError):
        Shape(((0, 0), (1, 1)))  # polygon with 2 points
    with pytest.raises(ShapeError):
        Shape(((0, 0), (1, float("inf")), (2, 2)))
    with pytest.raises(ShapeError):
        make_shape("blob", SQUARE)
    s = make_shape("polygon", SQUARE, "猫 🐈", group_id=3, flags={"occluded": True}, description="d")
    d = s.to_dict()
    assert list(d)[:6] == ["label", "points", "group_id", "description", "shape_type", "flags"]
    d["other_tool_field"] = {"x": [1, 2]}
    back = Shape.from_dict(d)
    assert back.label == "猫 🐈" and back.group_id == 3 and back.flags == {"occluded": True}
    assert back.extra == {"other_tool_field": {"x": [1, 2]}}
    assert back.to_dict() == d
    assert back.id != s.id  # LabelMe dicts carry no id: a new one
    assert Shape.from_dict(s.to_dict(with_id=True), with_id=True).id == s.id
    for bad in ({"points": "x"}, {"points": [[0, "a"], [1, 1], [2, 2]]}, {"points": [], "label": 3},
                {"points": [[0, 0]], "shape_type": "point", "group_id": "g"}):
        with pytest.raises(ShapeError):
            Shape.from_dict(bad)


def test_shape_geometry_by_type() -> None:
    rect = make_shape("rectangle", [(30, 40), (10, 20)], "r")
    assert rect.area() == 400 and rect.bbox() == (10, 20, 30, 40)
    assert rect.contains(20, 30) and not rect.contains(5, 5)
    pt = make_shape("point", [(5, 5)], "p")
    assert pt.area() == 0 and pt.contains(6, 6, tolerance=2) and not pt.contains(9, 9, tolerance=2)
    line = make_shape("linestrip", [(0, 0), (10, 0), (10, 10)], "l")
    assert line.contains(5, 1, tolerance=1.5) and not line.contains(5, 5, tolerance=1.5)
    poly = make_shape("polygon", [(-5, -5), (5, -5), (5, 5), (-5, 5)])
    assert poly.problem(100, 100) == "points outside the image"
    c = poly.clipped(100, 100)
    assert c is not None and c.area() == 25 and c.id == poly.id
    assert make_shape("polygon", [(-5, -5), (-1, -5), (-1, -1)]).clipped(10, 10) is None


def test_label_colors_are_deterministic() -> None:
    assert default_label_color("cat") == default_label_color("cat")
    assert default_label_color("cat") != (0, 0, 0)
    colours = {default_label_color(f"label{i}") for i in range(20)}
    assert len(colours) >= 15
    layer = AnnotationLayer()
    assert layer.color("cat") == default_label_color("cat")
    layer.set_label_style({"cat": (1, 2, 3)})
    assert layer.color("cat") == (1, 2, 3)
    layer.set_label_style({"cat": None})
    assert layer.color("cat") == default_label_color("cat")


def test_layer_emits_dirty_rects_and_ids() -> None:
    doc = Document.new(100, 80)
    layer = AnnotationLayer()
    doc.root.insert(len(doc.root.children), layer)
    events = []
    doc.subscribe(events.append)
    a = make_shape("polygon", SQUARE, "a")
    b = make_shape("rectangle", [(50, 50), (60, 70)], "b")
    layer.set_shapes([a, b])
    assert events[-1].kind == "shapes" and events[-1].layer is layer
    assert layer.last_changed_ids == {a.id, b.id}
    assert events[-1].rect == Rect.from_bounds(9, 9, 61, 71)
    moved = a.moved(5, 0)
    layer.set_shapes([moved, b])
    assert layer.last_changed_ids == {a.id}
    assert events[-1].rect == Rect.from_bounds(9, 9, 36, 31)  # old and new place of a only
    assert layer.shape(a.id) is moved and layer.index_of(b.id) == 1
    assert layer.shape_at(20, 20) is moved and layer.shape_at(55, 60) is b and layer.shape_at(90, 5) is None
    layer.set_label_style(hidden=["b"])
    assert layer.shape_at(55, 60) is None
    assert layer.labels() == {"a": 1, "b": 1}
    with pytest.raises(ValueError):
        layer.set_shapes([a, a])
    assert layer.render(Rect(0, 0, 10, 10)) is None  # an overlay, not part of the composite


def test_layer_state_roundtrip() -> None:
    assert LAYER_KINDS["annotations"] is AnnotationLayer
    layer = AnnotationLayer("Ann", opacity=0.5)
    shapes = [make_shape("polygon", SQUARE, "été", flags={"a": 1}),
              Shape(((1, 1), (2, 2)), "c", "circle", extra={"x": 1})]
    layer.set_shapes(shapes)
    layer.set_label_style({"été": (9, 8, 7)}, hidden=["c"])
    layer.flags = {"blurry": False}
    layer.file_extra = {"imageData": "AAAA", "newKey": [1]}
    state = layer.export_state()
    assert state.attrs == {"shapes": "2"} and "annotations.json" in state.blobs
    back = layer_from_state(LayerState(state.kind, state.props, None, (0, 0), state.attrs, state.blobs))
    assert isinstance(back, AnnotationLayer)
    assert [s.id for s in back.shapes] == [s.id for s in shapes]
    assert list(back.shapes) == shapes
    assert back.color("été") == (9, 8, 7) and back.hidden_labels == {"c"}
    assert back.flags == {"blurry": False} and back.file_extra == {"newKey": [1]}  # imageData not in .ora
    assert back.opacity == 0.5
    dup = layer.copy()
    assert [s.points for s in dup.shapes] == [s.points for s in shapes]
    assert not {s.id for s in dup.shapes} & {s.id for s in shapes}


def test_translate_moves_points() -> None:
    layer = AnnotationLayer(shapes=[make_shape("polygon", SQUARE)])
    layer.translate(-10, 5)
    assert layer.shapes[0].bbox() == (0.0, 15.0, 20.0, 35.0)


@pytest.mark.parametrize("blob", [
    b"{", b'{"shapes": [{"points": [[0, NaN]]}]}', b'{"version": 99, "shapes": []}', b'{"version": "x"}',
    b'{"shapes": [{"points": [[0, 0]], "shape_type": "polygon"}]}', b"[]", b"\xff\xfe"])
def test_bad_state_blob_is_a_user_error(blob: bytes) -> None:
    from paintgan.errors import PaintGANError

    state = LayerState("annotations", {"name": "Ann"}, None, (0, 0), {}, {"annotations.json": blob})
    with pytest.raises(PaintGANError) as info:
        layer_from_state(state)
    assert "Ann" in str(info.value) and "\n" not in str(info.value)
