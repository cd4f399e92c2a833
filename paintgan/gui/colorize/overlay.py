"""Hint overlay state shared by the hint tools, the canvas and the colorize panel: which hint is selected,
whether hints are shown, the stroke being drawn; and the painting of the hints over the canvas (small
circles with a contrasting outline, strokes as polylines), in widget coordinates so they stay crisp at
every zoom."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.gui.colorize.controller import target_layer

if TYPE_CHECKING:
    from paintgan.gui.canvas import CanvasWidget
    from paintgan.gui.session import DocumentSession

RGB = tuple[int, int, int]
MIN_SCREEN_RADIUS = 5.0


def contrast(rgb: RGB) -> QColor:
    lum = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return QColor(0, 0, 0) if lum > 140 else QColor(255, 255, 255)


class HintOverlay(QObject):
    changed = Signal()  # repaint the whole overlay
    region_changed = Signal(object)  # QRectF in document coordinates to repaint
    selection_changed = Signal()

    def __init__(self, session: DocumentSession) -> None:
        super().__init__()
        self.session = session
        self._markers: dict[object, tuple[float, float, float, float]] = {}
        self._unsubscribe = session.doc.subscribe(self._on_doc_change)
        self.visible = True
        self.selected: tuple[str, int] | None = None  # (layer id, point index)
        self.live_stroke: tuple[list[tuple[float, float]], RGB, float] | None = None
        self.eraser_at: tuple[float, float, float] | None = None

    def set_session(self, session: DocumentSession) -> None:
        self._unsubscribe()
        self.session = session
        self._unsubscribe = session.doc.subscribe(self._on_doc_change)
        self._markers = {}
        self.select(None, None)

    # -- repainting only what changed ---------------------------------------------------------------
    def _current_markers(self) -> dict[object, tuple[float, float, float, float]]:
        """Document-space boxes (x0, y0, x1, y1) of every hint drawn, keyed by the hint itself."""
        layer = self.layer()
        out: dict[object, tuple[float, float, float, float]] = {}
        if layer is None:
            return out
        for h in layer.hints.points:
            r = h.radius
            out[h] = (h.x - r, h.y - r, h.x + r, h.y + r)
        for stroke in layer.hints.strokes:
            xs = [p[0] for p in stroke.points]
            ys = [p[1] for p in stroke.points]
            w = stroke.width / 2
            out[stroke] = (min(xs) - w, min(ys) - w, max(xs) + w, max(ys) + w)
        return out

    def _on_doc_change(self, change: object) -> None:
        kind = getattr(change, "kind", "")
        if kind not in ("hints", "structure", "active"):
            return
        new = self._current_markers()
        old = self._markers
        self._markers = new
        if kind != "hints":
            self.changed.emit()
            return
        boxes = [old[k] for k in old.keys() - new.keys()] + [new[k] for k in new.keys() - old.keys()]
        if boxes:
            self.region_changed.emit(QRectF(min(b[0] for b in boxes), min(b[1] for b in boxes),
                                            max(b[2] for b in boxes) - min(b[0] for b in boxes),
                                            max(b[3] for b in boxes) - min(b[1] for b in boxes)))

    def attach(self, canvas: CanvasWidget) -> None:
        """Draw on `canvas` and repaint its areas under changed hints (never the whole page per edit)."""
        canvas.overlays.append(self.paint)
        self.changed.connect(canvas.update)
        pad = MIN_SCREEN_RADIUS + 8.0

        def repaint(rect: QRectF) -> None:
            r = canvas.view.qtransform().mapRect(rect).adjusted(-pad, -pad, pad, pad)
            canvas.update(r.toAlignedRect())

        self.region_changed.connect(repaint)

    def layer(self) -> ColorizeLayer | None:
        return target_layer(self.session.doc)

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        self.changed.emit()

    def select(self, layer: ColorizeLayer | None, index: int | None) -> None:
        sel = None if layer is None or index is None else (layer.id, int(index))
        if sel != self.selected:
            boxes = [b for b in (self._selected_box(), ) if b is not None]
            self.selected = sel
            boxes += [b for b in (self._selected_box(), ) if b is not None]
            self.selection_changed.emit()
            if boxes:
                x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
                x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
                self.region_changed.emit(QRectF(x0 - 6, y0 - 6, x1 - x0 + 12, y1 - y0 + 12))

    def _selected_box(self) -> tuple[float, float, float, float] | None:
        layer = self.layer()
        i = self.selected_index(layer)
        if layer is None or i is None:
            return None
        h = layer.hints.points[i]
        return (h.x - h.radius, h.y - h.radius, h.x + h.radius, h.y + h.radius)

    def selected_index(self, layer: ColorizeLayer | None) -> int | None:
        if layer is None or self.selected is None or self.selected[0] != layer.id:
            return None
        i = self.selected[1]
        return i if 0 <= i < len(layer.hints.points) else None

    # -- painting ----------------------------------------------------------------------------------
    def paint(self, p: QPainter, canvas: CanvasWidget) -> None:
        layer = self.layer()
        if layer is None or not layer.ancestors_visible():  # a hidden colorize layer (after Apply): no hints
            return
        view = canvas.view
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.visible:
            for s in layer.hints.strokes:
                self._polyline(p, canvas, list(s.points), s.rgb, s.width)
            sel = self.selected_index(layer)
            for i, h in enumerate(layer.hints.points):
                cx, cy = view.to_widget(h.x, h.y)
                r = max(MIN_SCREEN_RADIUS, h.radius * view.zoom)
                c = QPointF(cx, cy)
                outline = contrast(h.rgb)
                p.setBrush(QColor(*h.rgb))
                p.setPen(QPen(outline, 1.5))
                p.drawEllipse(c, r, r)
                p.setBrush(Qt.BrushStyle.NoBrush)
                inv = QColor(255, 255, 255) if outline.value() < 128 else QColor(0, 0, 0)
                p.setPen(QPen(inv, 1.0))
                p.drawEllipse(c, r + 1.5, r + 1.5)
                if i == sel:
                    p.setPen(QPen(QColor(255, 200, 0), 2.0, Qt.PenStyle.DashLine))
                    p.drawEllipse(c, r + 4.5, r + 4.5)
        if self.live_stroke is not None:
            pts, rgb, width = self.live_stroke
            self._polyline(p, canvas, pts, rgb, width)
        if self.eraser_at is not None:
            x, y, r = self.eraser_at
            cx, cy = view.to_widget(x, y)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(QColor(255, 60, 60), 1.5, Qt.PenStyle.DashLine))
            p.drawEllipse(QPointF(cx, cy), r * view.zoom, r * view.zoom)
        p.restore()

    @staticmethod
    def _polyline(p: QPainter, canvas: CanvasWidget, pts: list[tuple[float, float]], rgb: RGB,
                  width: float) -> None:
        if not pts:
            return
        view = canvas.view
        poly = QPolygonF([QPointF(*view.to_widget(x, y)) for x, y in pts])
        first = QPointF(*view.to_widget(*pts[0]))
        w = max(2.0, width * view.zoom)
        for pen in (QPen(contrast(rgb), w + 3.0), QPen(QColor(*rgb), w)):  # contrasting outline, colour
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            if len(pts) == 1:
                p.drawPoint(first)
            else:
                p.drawPolyline(poly)
