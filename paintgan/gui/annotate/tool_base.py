"""What every annotation tool shares: the environment (overlay, model, image, label dialog, modifiers),
the target annotation layer (created on first use, undoably), hit tests in screen-pixel tolerances, and
adding a finished shape (clipped to the image, labelled, selected) as one command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from paintgan.commands.annotations import AddAnnotationLayer, AddShapes, RemoveShapes
from paintgan.core.annotations import AnnotationLayer, Shape, ShapeError, make_shape
from paintgan.core.polygons import nearest_vertex
from paintgan.gui.annotate.assist import ModelAssist
from paintgan.gui.annotate.overlay import AnnotationOverlay
from paintgan.gui.canvas import CanvasWidget
from paintgan.gui.tools.base import Tool, ToolContext

PICK_PIXELS = 7.0  # screen pixels within which a click grabs a vertex or an edge
CLICK_PIXELS = 4.0  # a press and release closer than this is a click, not a drag
LabelAnswer = tuple[str, int | None, str]


@dataclass
class AnnotEnv:
    overlay: AnnotationOverlay
    assist: ModelAssist
    image: Callable[[], np.ndarray | None]  # (H, W, 3) uint8 RGB of the shown image
    ask_label: Callable[[str], LabelAnswer | None]  # default label -> answer or None (cancelled)
    zoom: Callable[[], float]
    refine_drag: Callable[[], bool] = lambda: True  # the model moves a dragged vertex's neighbours
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier  # of the last mouse event
    hover: tuple[float, float] | None = None  # cursor in document coordinates (no button needed)
    last_label: str = ""
    state: dict[str, object] = field(default_factory=dict)

    def shift(self) -> bool:
        return bool(self.modifiers & Qt.KeyboardModifier.ShiftModifier)

    def ctrl(self) -> bool:
        return bool(self.modifiers & Qt.KeyboardModifier.ControlModifier)


class AnnotTool(Tool):
    """Base class of the annotation tools."""

    def __init__(self, ctx: ToolContext, env: AnnotEnv) -> None:
        super().__init__(ctx)
        self.env = env

    # -- targets ---------------------------------------------------------------------------------
    def layer(self, create: bool = False) -> AnnotationLayer | None:
        layer = self.env.overlay.layer()
        if layer is None and create:
            session = self.ctx.session()
            cmd = AddAnnotationLayer(session.doc)
            session.stack.push(cmd)
            layer = cmd.layer
            self.env.overlay._sync()
        return layer

    def pick_radius(self) -> float:
        return PICK_PIXELS / max(self.env.zoom(), 1e-6)

    def is_click(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        return float(np.hypot(a[0] - b[0], a[1] - b[1])) * self.env.zoom() < CLICK_PIXELS

    def image_size(self) -> tuple[int, int]:
        doc = self.ctx.session().doc
        return doc.width, doc.height

    def push(self, cmd_factory: Callable[[], object]) -> object | None:
        """Build a command (validation errors become a status message) and push it."""
        try:
            cmd = cmd_factory()
        except (ShapeError, KeyError, IndexError, ValueError) as exc:
            self.ctx.message(str(exc))
            return None
        self.ctx.session().stack.push(cmd)  # type: ignore[arg-type]
        return cmd

    # -- shapes ----------------------------------------------------------------------------------
    def add_shape(self, shape_type: str, points: np.ndarray | list[tuple[float, float]],
                  text: str | None = None) -> Shape | None:
        """Ask the label, clip to the image and add the shape as one command (selected afterwards)."""
        try:
            shape = make_shape(shape_type, points)
        except ShapeError as exc:
            self.ctx.message(str(exc))
            return None
        w, h = self.image_size()
        clipped = shape.clipped(w, h)
        if clipped is None:
            self.ctx.message(f"The {shape_type} lies outside the image")
            return None
        if shape_type == "polygon":
            why = clipped.problem()
            if why:
                self.ctx.message(f"Polygon refused: {why}")
                return None
        answer = self.env.ask_label(self.env.last_label)
        if answer is None:
            self.ctx.message("Shape discarded (no label)")
            return None
        label, group_id, description = answer
        self.env.last_label = label
        shape = replace(clipped, label=label, group_id=group_id, description=description)
        layer = self.layer(create=True)
        assert layer is not None
        cmd = self.push(lambda: AddShapes(layer, [shape], text=text))
        if cmd is None:
            return None
        added = cmd.shapes[0]  # type: ignore[attr-defined]
        self.env.overlay.selection.set([added.id])
        return added

    def vertex_at(self, shape: Shape, x: float, y: float) -> int | None:
        if shape.shape_type == "circle":
            return None
        return nearest_vertex(shape.points, x, y, self.pick_radius())

    def delete_selected(self) -> bool:
        layer = self.layer()
        ids = list(self.env.overlay.selection.ids)
        if layer is None or not ids:
            return False
        self.push(lambda: RemoveShapes(layer, ids))
        self.env.overlay.selection.clear()
        return True

    def key_press(self, key: int) -> bool:
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not self.active:
            return self.delete_selected()
        return False

    # -- preview helpers -------------------------------------------------------------------------
    @staticmethod
    def _pen(color: QColor, width: float = 1.5, dash: bool = False) -> QPen:
        pen = QPen(color, width)
        if dash:
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def draw_marks(self, p: QPainter, canvas: CanvasWidget, pts: list[tuple[float, float]],
                   color: QColor, radius: float = 4.0) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._pen(QColor(255, 255, 255), 1.5))
        p.setBrush(color)
        for x, y in pts:
            p.drawEllipse(QPointF(*canvas.view.to_widget(x, y)), radius, radius)

    def paint_preview(self, p: QPainter, canvas: CanvasWidget) -> None:
        """Draw the operation in progress (widget coordinates)."""
