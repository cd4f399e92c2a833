"""Undoable commands on an annotation layer's shapes: one history step per edit.

Shapes are immutable, so each command keeps the layer's shape tuple before and after (references, shared
with the layer and with neighbouring commands) and swaps them in through `AnnotationLayer.set_shapes()`,
which emits the "shapes" change with the dirty rectangle. Every command validates in `__init__` (raising
`ShapeError`/`KeyError`/`IndexError` before anything changes), so a tool can show the reason and push
nothing.

Drags: give the commands of one drag the same `gesture` (`paintgan.commands.stack.new_gesture()` at mouse
press); consecutive commands with the same gesture and target merge into one history entry.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from paintgan.commands.layers import AddLayerCommand
from paintgan.commands.stack import Command
from paintgan.core import polygons as geo
from paintgan.core.annotations import MIN_POINTS, RGB, AnnotationLayer, Shape, ShapeError, shape_nbytes
from paintgan.core.document import Document
from paintgan.core.layers import GroupLayer

__all__ = [
    "AddAnnotationLayer", "AddShapes", "ClipShapes", "DeleteVertex", "InsertVertex", "MoveShapes",
    "MoveVertex", "RemoveShapes", "ReplaceShapes", "SetLabelStyle", "SetShapeAttributes", "SetShapePoints",
    "SimplifyShapes",
]

_UNSET: Any = object()


class ShapesEdit(Command):
    """Base: the shape tuple before and after; redo/undo swap them in. Subclasses compute `after`."""

    def __init__(self, layer: AnnotationLayer, after: Sequence[Shape], text: str,
                 merge_key: Hashable | None = None) -> None:
        self.layer = layer
        self.before: tuple[Shape, ...] = layer.shapes
        self.after: tuple[Shape, ...] = tuple(after)
        self.text = text
        self.merge_key = merge_key
        self._check_ids(self.after)

    @staticmethod
    def _check_ids(shapes: Sequence[Shape]) -> None:
        ids = [s.id for s in shapes]
        if len(set(ids)) != len(ids):
            raise ShapeError("two shapes would share an id")

    def redo(self) -> None:
        self.layer.set_shapes(self.after)

    def undo(self) -> None:
        self.layer.set_shapes(self.before)

    def merge(self, newer: Command) -> bool:
        if type(newer) is not type(self) or not isinstance(newer, ShapesEdit) \
                or newer.layer is not self.layer:
            return False
        self.after = newer.after
        return True

    def nbytes(self) -> int:
        """Tuples of references plus the shapes only one side of the edit holds."""
        b_ids = {id(s) for s in self.before}
        a_ids = {id(s) for s in self.after}
        own = [s for s in self.before if id(s) not in a_ids] + [s for s in self.after if id(s) not in b_ids]
        return 128 + 8 * (len(self.before) + len(self.after)) + sum(shape_nbytes(s) for s in own)



def _replaced(layer: AnnotationLayer, new: Mapping[str, Shape]) -> tuple[Shape, ...]:
    """The layer's shapes with those in `new` (by id) replaced; KeyError for an unknown id."""
    for sid in new:
        layer.shape(sid)
    return tuple(new.get(s.id, s) for s in layer.shapes)


def _ids(layer: AnnotationLayer, ids: Iterable[str]) -> tuple[str, ...]:
    out = tuple(dict.fromkeys(ids))
    for sid in out:
        layer.shape(sid)
    if not out:
        raise ShapeError("no shapes given")
    return out


class AddShapes(ShapesEdit):
    """Add shapes (on top, or at `index`). Shapes whose id is already in the layer get a new id (pasting
    the same shapes twice). `.shapes` holds the shapes as added."""

    def __init__(self, layer: AnnotationLayer, shapes: Iterable[Shape], index: int | None = None,
                 text: str | None = None) -> None:
        new = []
        taken = set(s.id for s in layer.shapes)
        for s in shapes:
            if s.id in taken:
                s = s.with_new_id()
            taken.add(s.id)
            new.append(s)
        if not new:
            raise ShapeError("no shapes to add")
        cur = list(layer.shapes)
        i = len(cur) if index is None else max(0, min(int(index), len(cur)))
        self.shapes = tuple(new)
        label = new[0].label if len(new) == 1 else ""
        default = (f"Add {new[0].shape_type} “{label}”" if len(new) == 1 else f"Add {len(new)} shapes")
        super().__init__(layer, cur[:i] + new + cur[i:], text or default)


class RemoveShapes(ShapesEdit):
    def __init__(self, layer: AnnotationLayer, ids: Iterable[str]) -> None:
        gone = set(_ids(layer, ids))
        super().__init__(layer, [s for s in layer.shapes if s.id not in gone],
                         "Delete shape" if len(gone) == 1 else f"Delete {len(gone)} shapes")


class ReplaceShapes(ShapesEdit):
    """Replace the whole shape list (load shapes, copy the previous image's shapes, clear)."""

    def __init__(self, layer: AnnotationLayer, shapes: Iterable[Shape], text: str = "Replace shapes") -> None:
        super().__init__(layer, list(shapes), text)


class MoveShapes(ShapesEdit):
    """Move shapes by (dx, dy). With `gesture`, the moves of one drag merge (deltas add up)."""

    def __init__(self, layer: AnnotationLayer, ids: Iterable[str], dx: float, dy: float,
                 gesture: int | None = None) -> None:
        sel = _ids(layer, ids)
        moved = {sid: layer.shape(sid).moved(float(dx), float(dy)) for sid in sel}
        key = None if gesture is None else ("move-shapes", layer.id, sel, gesture)
        super().__init__(layer, _replaced(layer, moved),
                         "Move shape" if len(sel) == 1 else f"Move {len(sel)} shapes", key)


class SetShapePoints(ShapesEdit):
    """Replace one shape's points (a model result, a refined polygon, a vertex drag that moved its
    neighbours too). With `gesture`, the edits of one drag merge."""

    def __init__(self, layer: AnnotationLayer, shape_id: str, points: geo.Points,
                 text: str = "Edit shape", gesture: int | None = None) -> None:
        shape = layer.shape(shape_id).with_points(points)  # validates point count and finiteness
        key = None if gesture is None else ("shape-points", layer.id, shape_id, gesture)
        super().__init__(layer, _replaced(layer, {shape_id: shape}), text, key)
        self.shape_id = shape_id

    def merge(self, newer: Command) -> bool:
        """Any point edit of the same shape in the same gesture (vertex moves, model refinements)."""
        if not isinstance(newer, SetShapePoints) or newer.layer is not self.layer \
                or newer.shape_id != self.shape_id:
            return False
        self.after = newer.after
        return True


class MoveVertex(SetShapePoints):
    """Move vertex `index` of a shape to (x, y)."""

    def __init__(self, layer: AnnotationLayer, shape_id: str, index: int, x: float, y: float,
                 gesture: int | None = None) -> None:
        pts = layer.shape(shape_id).array()
        i = _vertex(pts, index)
        pts[i] = (float(x), float(y))
        super().__init__(layer, shape_id, pts, "Move vertex", gesture)


class InsertVertex(SetShapePoints):
    """Insert a vertex at (x, y) before vertex `index` (on the edge index-1 -> index; `index` = the
    number of points appends). `nearest_edge()` gives i for the edge i -> i+1: insert at i + 1."""

    def __init__(self, layer: AnnotationLayer, shape_id: str, index: int, x: float, y: float) -> None:
        shape = layer.shape(shape_id)
        if shape.shape_type not in ("polygon", "linestrip"):
            raise ShapeError(f"cannot insert a vertex into a {shape.shape_type}")
        pts = shape.array()
        i = int(index)
        if not 0 <= i <= len(pts):
            raise IndexError(f"no vertex position {index} (the shape has {len(pts)} points)")
        super().__init__(layer, shape_id, np.insert(pts, i, (float(x), float(y)), axis=0), "Insert vertex")


class DeleteVertex(SetShapePoints):
    def __init__(self, layer: AnnotationLayer, shape_id: str, index: int) -> None:
        shape = layer.shape(shape_id)
        pts = shape.array()
        i = _vertex(pts, index)
        need = MIN_POINTS.get(shape.shape_type, 1)
        if len(pts) - 1 < need or shape.shape_type == "rectangle":
            raise ShapeError(f"a {shape.shape_type} needs at least {need} points; delete the shape instead")
        super().__init__(layer, shape_id, np.delete(pts, i, axis=0), "Delete vertex")


def _vertex(pts: np.ndarray, index: int) -> int:
    if not -len(pts) <= int(index) < len(pts):
        raise IndexError(f"no vertex {index} (the shape has {len(pts)} points)")
    return int(index) % len(pts)


class SetShapeAttributes(ShapesEdit):
    """Set label, flags, group id and/or description of shapes (only the arguments given)."""

    def __init__(self, layer: AnnotationLayer, ids: Iterable[str], *, label: str = _UNSET,
                 flags: Mapping[str, Any] = _UNSET, group_id: int | None = _UNSET,
                 description: str = _UNSET) -> None:
        changes = {k: v for k, v in dict(label=label, flags=flags, group_id=group_id,
                                          description=description).items() if v is not _UNSET}
        if not changes:
            raise ShapeError("nothing to change")
        if "label" in changes and not isinstance(changes["label"], str):
            raise ShapeError("a label must be a string")
        sel = _ids(layer, ids)
        new = {sid: replace(layer.shape(sid), **changes) for sid in sel}
        what = "label" if set(changes) == {"label"} else "shape properties"
        text = f"Set {what}" + (f" “{changes['label']}”" if "label" in changes else "")
        super().__init__(layer, _replaced(layer, new), text)


class SimplifyShapes(ShapesEdit):
    """Simplify polygons (and line strips) to fewer points: at `tolerance` pixels, or the fewest points
    keeping IoU ≥ `min_iou` with the original. Shapes that cannot lose a point are left as they are;
    ShapeError when none can."""

    def __init__(self, layer: AnnotationLayer, ids: Iterable[str], min_iou: float = geo.SIMPLIFY_MIN_IOU,
                 tolerance: float | None = None) -> None:
        new = {}
        removed = 0
        for sid in _ids(layer, ids):
            s = layer.shape(sid)
            if s.shape_type == "polygon":
                pts = geo.simplify_polygon(s.points, min_iou, tolerance)
            elif s.shape_type == "linestrip":
                pts = geo.douglas_peucker(s.points, tolerance if tolerance is not None else 1.0, closed=False)
            else:
                continue
            if len(pts) < len(s.points):
                removed += len(s.points) - len(pts)
                new[sid] = s.with_points(pts)
        if not new:
            raise ShapeError("nothing to simplify: no point can go without changing the shape")
        self.removed_points = removed
        super().__init__(layer, _replaced(layer, new), f"Simplify ({removed} points fewer)")


class ClipShapes(ShapesEdit):
    """Clip shapes to the image [0, width] × [0, height]; shapes left with nothing are removed."""

    def __init__(self, layer: AnnotationLayer, width: float, height: float,
                 ids: Iterable[str] | None = None) -> None:
        sel = set(_ids(layer, ids)) if ids is not None else {s.id for s in layer.shapes}
        out = []
        for s in layer.shapes:
            if s.id in sel:
                c = s.clipped(width, height)
                if c is not None:
                    out.append(c if c.points != s.points else s)
            else:
                out.append(s)
        super().__init__(layer, out, "Clip shapes to the image")


class SetLabelStyle(Command):
    """Change a label's colour (None: back to the default) and/or its visibility on the canvas."""

    def __init__(self, layer: AnnotationLayer, label: str, *, color: RGB | None = _UNSET,
                 visible: bool | None = None) -> None:
        self.layer = layer
        self.label = label
        self.old_color = layer.label_colors.get(label)
        self.new_color = self.old_color if color is _UNSET else color
        self.old_hidden = layer.hidden_labels
        self.new_hidden = self.old_hidden if visible is None else (
            self.old_hidden - {label} if visible else self.old_hidden | {label})
        self.text = f"Label “{label}” " + ("colour" if color is not _UNSET else "visibility")

    def redo(self) -> None:
        self.layer.set_label_style({self.label: self.new_color}, self.new_hidden)

    def undo(self) -> None:
        self.layer.set_label_style({self.label: self.old_color}, self.old_hidden)


class AddAnnotationLayer(AddLayerCommand):
    """Add an annotation layer (a new empty one by default) on top of the document, or into `parent` at
    `index`, and make it active. `.layer` is the layer."""

    def __init__(self, doc: Document, layer: AnnotationLayer | None = None, parent: GroupLayer | None = None,
                 index: int | None = None) -> None:
        layer = layer or AnnotationLayer()
        parent = parent or doc.root
        super().__init__(doc, layer, parent, len(parent.children) if index is None else index,
                         "Add annotation layer")
        self.layer: AnnotationLayer = layer
