"""Marching ants: the outline of the document's selection, and of the selection tool's shape in progress.

The outline polygons are traced once per selection change (`paintgan.core.selection.outline`) and kept
as a QPainterPath in document coordinates; the path mapped to the widget is cached per view (zoom, pan,
rotation), so an animation frame only strokes a ready path twice (white under black dashes, cosmetic
1-pixel pens: sharp at any zoom). Only the outline's screen box is repainted per frame.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from paintgan.core import selection as sel
from paintgan.core.document import Change

if TYPE_CHECKING:
    from paintgan.gui.canvas import CanvasWidget
    from paintgan.gui.session import DocumentSession

ANTS_MS = 150
DASH = 4.0


def polygons_path(polys: list) -> QPainterPath:  # type: ignore[type-arg]
    path = QPainterPath()
    for poly in polys:
        if len(poly) < 2:
            continue
        path.addPolygon(QPolygonF([QPointF(float(x), float(y)) for x, y in poly]))
        path.closeSubpath()
    return path


class SelectionOverlay(QObject):
    """Draws the selection's marching ants on a canvas (an entry of `canvas.overlays`)."""

    def __init__(self, canvas: CanvasWidget) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self._session: DocumentSession | None = None
        self._path: QPainterPath | None = None  # document coordinates
        self._mapped: tuple[tuple[float, ...], QPainterPath] | None = None
        self._offset = 0.0
        self._had_preview = False
        self._timer = QTimer(self, interval=ANTS_MS)
        self._timer.timeout.connect(self._step)
        canvas.overlays.append(self.paint)
        canvas.cursor_moved.connect(lambda _c: self._tool_preview_update())
        self.follow(canvas.session)

    # -- following the document ----------------------------------------------------------------------
    def follow(self, session: DocumentSession) -> None:
        if self._session is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._session.document_changed.disconnect(self._on_change)
        self._session = session
        session.document_changed.connect(self._on_change)
        self._rebuild()

    def _on_change(self, change: Change) -> None:
        if change.kind in ("selection", "size"):
            self._rebuild()

    def _rebuild(self) -> None:
        old = self.screen_rect()
        assert self._session is not None
        s = self._session.doc.selection
        self._path = polygons_path(sel.outline(s)) if s is not None else None
        self._mapped = None
        if self._path is None:
            self._timer.stop()
        elif not self._timer.isActive():
            self._timer.start()
        self.canvas.update(old.united(self.screen_rect()))

    # -- geometry ------------------------------------------------------------------------------------
    def mapped_path(self) -> QPainterPath | None:
        if self._path is None:
            return None
        v = self.canvas.view
        key = (v.zoom, v.angle, float(v.mirror), v.cx, v.cy, float(v.width), float(v.height))
        if self._mapped is None or self._mapped[0] != key:
            self._mapped = (key, v.qtransform().map(self._path))
        return self._mapped[1]

    def screen_rect(self):  # type: ignore[no-untyped-def]
        path = self.mapped_path()
        if path is None:
            return QRectF().toAlignedRect()
        return path.boundingRect().toAlignedRect().adjusted(-2, -2, 2, 2)

    # -- animation -----------------------------------------------------------------------------------
    def _step(self) -> None:
        self._offset = (self._offset + 1.0) % (2 * DASH)
        if not self.canvas.isVisible():
            return
        self.canvas.update(self.screen_rect())
        self._tool_preview_update()

    def _tool_preview_update(self) -> None:
        """A tool shape in progress (rubber band) follows the cursor; nothing to do otherwise."""
        preview = getattr(self.canvas.tool, "preview_path", None)
        if preview is not None and (preview() is not None or self._had_preview):
            self._had_preview = preview() is not None
            self.canvas.update()

    # -- painting ------------------------------------------------------------------------------------
    def _ants(self, p: QPainter, path: QPainterPath) -> None:
        p.setBrush(Qt.BrushStyle.NoBrush)
        white = QPen(QColor(255, 255, 255), 0)
        white.setCosmetic(True)
        p.setPen(white)
        p.drawPath(path)
        black = QPen(QColor(0, 0, 0), 0)
        black.setCosmetic(True)
        black.setDashPattern([DASH, DASH])
        black.setDashOffset(self._offset)
        p.setPen(black)
        p.drawPath(path)

    def paint(self, p: QPainter, canvas: CanvasWidget) -> None:
        p.save()
        p.setTransform(QTransform())
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        path = self.mapped_path()
        if path is not None:
            self._ants(p, path)
        preview = getattr(canvas.tool, "preview_path", None)
        if preview is not None:
            doc_path = preview()
            if doc_path is not None and not doc_path.isEmpty():
                self._ants(p, canvas.view.qtransform().map(doc_path))
        p.restore()
