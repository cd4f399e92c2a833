"""The select/edit tool (V): select, move, delete shapes; edit vertices.

- Click a shape: select it (Shift or Ctrl+click: add/remove it); drag: move the selection (one step).
- Drag on empty canvas: rubber-band selection (Shift/Ctrl adds).
- Drag a vertex of a selected shape: move it. For a model polygon (the model's vertex count) the model
  refines the neighbours while you drag (toggle in the Annotate menu); one undo step per drag.
- Press on an edge of a selected polygon: insert a vertex there and drag it.
- Right-click a vertex of a selected shape: delete it. Delete / Backspace: delete the selected shapes.
- Double-click a shape: edit its label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QPolygonF

from paintgan.commands.annotations import (
    DeleteVertex,
    InsertVertex,
    MoveShapes,
    MoveVertex,
    SetShapeAttributes,
    SetShapePoints,
)
from paintgan.commands.stack import new_gesture
from paintgan.core.annotations import Shape
from paintgan.core.polygons import nearest_edge
from paintgan.gui.annotate.tool_base import AnnotTool
from paintgan.gui.canvas import CanvasWidget


@dataclass
class _VertexDrag:
    shape_id: str
    index: int
    gesture: int
    start_points: np.ndarray  # the polygon at press (the model refines from it)
    box: tuple[float, float, float, float]
    refine: bool
    refined: bool = False  # a live (one-pass) refine was shown; the release refines at full quality


class SelectTool(AnnotTool):
    name = "annot_select"
    label = "Select / edit shapes"
    shortcut = "V"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self._vertex: _VertexDrag | None = None
        self._move: tuple[int, float, float] | None = None  # gesture, last x, last y
        self._band: tuple[tuple[float, float], tuple[float, float]] | None = None
        self.last_refine_ms = 0.0

    @property
    def active(self) -> bool:
        return self._vertex is not None or self._move is not None or self._band is not None

    # -- hit tests -------------------------------------------------------------------------------
    def shape_at(self, x: float, y: float) -> Shape | None:
        layer = self.layer()
        if layer is None:
            return None
        # selected shapes first, so their vertices and edges stay reachable under others
        for s in reversed(self.env.overlay.selected_shapes()):
            if s.contains(x, y, self.pick_radius()):
                return s
        return self.env.overlay.shape_at(x, y, self.pick_radius())

    def selected_vertex(self, x: float, y: float) -> tuple[Shape, int] | None:
        for s in reversed(self.env.overlay.selected_shapes()):
            i = self.vertex_at(s, x, y)
            if i is not None:
                return s, i
        return None

    def selected_edge(self, x: float, y: float) -> tuple[Shape, int] | None:
        for s in reversed(self.env.overlay.selected_shapes()):
            if s.shape_type not in ("polygon", "linestrip"):
                continue
            hit = nearest_edge(s.points, x, y, self.pick_radius(), closed=s.shape_type == "polygon")
            if hit is not None:
                return s, hit[0]
        return None

    # -- pointer ---------------------------------------------------------------------------------
    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        layer = self.layer()
        if layer is None:
            return
        sel = self.env.overlay.selection
        multi = self.env.shift() or self.env.ctrl()
        hit_v = None if multi else self.selected_vertex(x, y)
        if hit_v is not None:
            self._start_vertex_drag(*hit_v)
            return
        hit_e = None if multi else self.selected_edge(x, y)
        if hit_e is not None:
            shape, i = hit_e
            if self.push(lambda: InsertVertex(layer, shape.id, i + 1, x, y)) is not None:
                self._start_vertex_drag(layer.shape(shape.id), i + 1, refine=False)
            return
        shape = self.shape_at(x, y)
        if shape is None:
            if not multi:
                sel.clear()
            self._band = ((x, y), (x, y))
            return
        if multi:
            sel.toggle(shape.id)
            return
        if shape.id not in sel:
            sel.set([shape.id])
        self._move = (new_gesture(), x, y)

    def _start_vertex_drag(self, shape: Shape, index: int, refine: bool = True) -> None:
        use_model = refine and self.env.refine_drag() and shape.shape_type == "polygon" \
            and self.env.assist.can_refine(len(shape.points))
        x0, y0, x1, y1 = shape.bbox()
        self._vertex = _VertexDrag(shape.id, index, new_gesture(), shape.array(), (x0, y0, x1, y1), use_model)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        layer = self.layer()
        if layer is None:
            return
        if self._vertex is not None:
            self._drag_vertex(x, y)
        elif self._move is not None:
            gesture, lx, ly = self._move
            if (x, y) != (lx, ly) and self.env.overlay.selection.ids:
                ids = list(self.env.overlay.selection.ids)
                self.push(lambda: MoveShapes(layer, ids, x - lx, y - ly, gesture=gesture))
                self._move = (gesture, x, y)
        elif self._band is not None:
            self._band = (self._band[0], (x, y))
            self.env.overlay._repaint()

    def _drag_vertex(self, x: float, y: float, live: bool = True) -> None:
        """Move the dragged vertex to (x, y). With the model on, its neighbours follow: one model pass
        per mouse move (`live`), the flip-averaged refine once at the release."""
        layer = self.layer()
        d = self._vertex
        assert d is not None and layer is not None
        if d.shape_id not in layer:
            self._vertex = None
            return
        w, h = self.image_size()
        x, y = min(max(x, 0.0), float(w)), min(max(y, 0.0), float(h))
        image = self.env.image()
        if d.refine and image is not None:
            poly = self.env.assist.refine(image, d.box, d.start_points.copy(), {d.index: (x, y)}, live=live)
            if poly is not None:
                self.last_refine_ms = self.env.assist.last_ms
                d.refined = live
                pts = np.clip(poly, 0.0, [float(w), float(h)])
                self.push(lambda: SetShapePoints(layer, d.shape_id, pts, "Move vertex (refined)",
                                                 gesture=d.gesture))
                return
        self.push(lambda: MoveVertex(layer, d.shape_id, d.index, x, y, gesture=d.gesture))

    def release(self, x: float, y: float) -> None:
        band, self._band = self._band, None
        if self._vertex is not None and self._vertex.refined and self.layer() is not None:
            self._drag_vertex(x, y, live=False)  # same gesture: still one undo step
        self._vertex = None
        self._move = None
        if band is not None:
            self._select_band(band)
            self.env.overlay._repaint()

    def _select_band(self, band: tuple[tuple[float, float], tuple[float, float]]) -> None:
        layer = self.layer()
        if layer is None or self.is_click(*band):
            return
        (ax, ay), (bx, by) = band
        x0, x1, y0, y1 = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
        inside = []
        for s in layer.shapes:
            if s.label in layer.hidden_labels:
                continue
            sx0, sy0, sx1, sy1 = s.bbox()
            if sx0 >= x0 and sx1 <= x1 and sy0 >= y0 and sy1 <= y1:
                inside.append(s.id)
        sel = self.env.overlay.selection
        sel.set([*sel.ids, *inside] if (self.env.shift() or self.env.ctrl()) else inside)

    def cancel(self) -> None:
        self._vertex = None
        self._move = None
        self._band = None
        self.env.overlay._repaint()

    def hover(self, x: float, y: float) -> None:
        shape = self.shape_at(x, y)
        self.env.overlay.set_hovered(shape.id if shape is not None else None)

    def context_press(self, x: float, y: float) -> bool:
        hit = self.selected_vertex(x, y)
        layer = self.layer()
        if hit is None or layer is None:
            return False
        shape, i = hit
        self.push(lambda: DeleteVertex(layer, shape.id, i))
        return True

    def double_click(self, x: float, y: float) -> bool:
        shape = self.shape_at(x, y)
        if shape is None:
            return False
        self.edit_label([shape.id])
        return True

    def edit_label(self, ids: list[str]) -> None:
        layer = self.layer()
        if layer is None or not ids:
            return
        first = layer.shape(ids[0])
        answer = self.env.ask_label(first.label)
        if answer is None:
            return
        label, group_id, description = answer
        self.env.last_label = label
        self.push(lambda: SetShapeAttributes(layer, ids, label=label, group_id=group_id,
                                             description=description))

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        if self._band is None:
            return
        (ax, ay), (bx, by) = self._band
        poly = QPolygonF([QPointF(*canvas.view.to_widget(x, y)) for x, y in
                          ((ax, ay), (bx, ay), (bx, by), (ax, by))])
        p.setBrush(QColor(80, 160, 255, 30))
        p.setPen(self._pen(QColor(80, 160, 255), 1.0, dash=True))
        p.drawPolygon(poly)
