"""Gradient tool: drag from where the gradient starts to where it ends (linear or radial; foreground to
background or to transparent); one paint step, inside the selection."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import (
    QColor,
    QGradient,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QRadialGradient,
    QTransform,
)
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget

from paintgan.brush.gradient import apply_gradient
from paintgan.commands.paint import LayerLockedError
from paintgan.gui.tools.base import paintable_layer
from paintgan.gui.tools.two_point import TwoPointDragTool


class GradientTool(TwoPointDragTool):
    name = "gradient"
    label = "Gradient"
    shortcut = "L"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)
        self.kind = "linear"
        self.to = "background"  # or "transparent"
        self.opacity = 1.0

    def update_settings(self, **kw: object) -> None:
        for k, v in kw.items():
            setattr(self, k, v)
        self.settings_changed.emit()

    def settings_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "to": self.to, "opacity": self.opacity}

    def load_settings(self, values: dict[str, object]) -> None:
        if values.get("kind") in ("linear", "radial"):
            self.kind = str(values["kind"])
        if values.get("to") in ("background", "transparent"):
            self.to = str(values["to"])
        with contextlib.suppress(TypeError, ValueError):
            self.opacity = min(1.0, max(0.01, float(values.get("opacity", self.opacity))))  # type: ignore[arg-type]

    def release(self, x: float, y: float) -> None:
        p0 = self.end_drag()
        if p0 is None:
            return
        layer = paintable_layer(self.ctx)
        if layer is None:
            return
        fg = (*self.ctx.colors.fg, 255)
        end = (*self.ctx.colors.bg, 255) if self.to == "background" else (*self.ctx.colors.fg, 0)
        session = self.ctx.session()
        try:
            cmd = apply_gradient(session.doc, layer, p0, (x, y), fg, end, self.kind, self.opacity)
        except LayerLockedError as exc:
            self.ctx.message(str(exc))
            return
        if cmd is not None:
            session.stack.push(cmd, done=True)

    def paint_preview(self, p: QPainter, view_t: QTransform) -> None:
        """The gradient drawn by Qt over the selection (or the page) while dragging: what the release
        will paint, at screen resolution (the real one is computed once, at pen-up)."""
        drag = self.drag_points()
        if drag is None:
            return
        doc = self.ctx.session().doc
        a, b = QPointF(*drag[0]), QPointF(*drag[1])
        if self.kind == "radial":
            grad: QGradient = QRadialGradient(a, max(QLineF(a, b).length(), 0.5))
        else:
            grad = QLinearGradient(a, b)
        fg = QColor(*self.ctx.colors.fg)
        end = QColor(*self.ctx.colors.bg) if self.to == "background" else QColor(*self.ctx.colors.fg, 0)
        fg.setAlphaF(fg.alphaF() * self.opacity)
        end.setAlphaF(end.alphaF() * self.opacity)
        grad.setColorAt(0.0, fg)
        grad.setColorAt(1.0, end)
        area = QPainterPath()
        if doc.selection is not None:
            r = doc.selection.rect
            area.addRect(QRectF(r.x, r.y, r.w, r.h))
        else:
            area.addRect(QRectF(0, 0, doc.width, doc.height))
        p.save()
        p.setTransform(view_t)
        p.fillPath(area, grad)
        p.restore()

    def preview_path(self) -> QPainterPath | None:
        drag = self.drag_points()
        if drag is None:
            return None
        path = QPainterPath()
        a, b = QPointF(*drag[0]), QPointF(*drag[1])
        path.moveTo(a)
        path.lineTo(b)
        if self.kind == "radial":
            r = QLineF(a, b).length()
            path.addEllipse(a, r, r)
        return path

    def options_widget(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(6, 6, 6, 6)
        kind = QComboBox()
        kind.addItem("Linear", "linear")
        kind.addItem("Radial", "radial")
        kind.setCurrentIndex(0 if self.kind == "linear" else 1)
        kind.currentIndexChanged.connect(lambda _i: self.update_settings(kind=kind.currentData()))
        to = QComboBox()
        to.addItem("Foreground → background", "background")
        to.addItem("Foreground → transparent", "transparent")
        to.setCurrentIndex(0 if self.to == "background" else 1)
        to.currentIndexChanged.connect(lambda _i: self.update_settings(to=to.currentData()))
        form.addRow("Shape", kind)
        form.addRow("Colours", to)
        return page
