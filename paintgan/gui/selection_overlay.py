"""Marching ants: the outline of the document's selection, and of the selection tool's shape in progress.

The outline polygons are traced once per selection change and detail level (`paintgan.core.selection.
outline`, simplified to half a screen pixel: an A4 page at fit zoom strokes a few thousand points, not
the 100,000 of a noisy wand selection) and kept as QPainterPaths in document coordinates; the path mapped
to the widget is cached per view (zoom, pan, rotation), so an animation frame only strokes a ready path
twice (white under black dashes, cosmetic 1-pixel pens: sharp at any zoom). Only the outline's screen
box is repainted per frame.
"""

from __future__ import annotations

import ctypes
import math
from typing import TYPE_CHECKING

import numpy as np
import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from paintgan.core import selection as sel
from paintgan.core.document import Change
from paintgan.gui.session import DocumentSession, SessionObserver

if TYPE_CHECKING:
    from paintgan.gui.canvas import CanvasWidget

ANTS_MS = 150
DASH = 4.0


def polygon_from_array(pts: np.ndarray) -> QPolygonF:
    """A QPolygonF of (n, 2) points, filled through its memory (a list of 100,000 QPointF objects takes
    0.4 s; this 10 ms), with the slow way as the fallback where qreal is not a double."""
    n = len(pts)
    poly = QPolygonF()
    poly.resize(n)
    if n:
        try:
            addr = shiboken6.getCppPointer(poly.data())[0]
            buf = np.ctypeslib.as_array((ctypes.c_double * (2 * n)).from_address(addr))
            buf[:] = np.asarray(pts, np.float64).ravel()
            first = poly.at(0)
            if (first.x(), first.y()) == (float(pts[0][0]), float(pts[0][1])):
                return poly
        except (TypeError, ValueError, AttributeError):
            pass
    return QPolygonF([QPointF(float(x), float(y)) for x, y in pts])


def polygons_path(polys: list) -> QPainterPath:  # type: ignore[type-arg]
    path = QPainterPath()
    for poly in polys:
        if len(poly) < 2:
            continue
        path.addPolygon(polygon_from_array(poly))
        path.closeSubpath()
    return path


def detail_level(zoom: float) -> int:
    """0 at 100 % and above, then one level per halving of the zoom."""
    return max(0, math.floor(math.log2(1.0 / max(zoom, 1e-6))))


class SelectionOverlay(SessionObserver, QObject):
    """Draws the selection's marching ants on a canvas (an entry of `canvas.overlays`)."""

    def __init__(self, canvas: CanvasWidget) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self._paths: dict[int, QPainterPath] = {}  # document coordinates, per detail level
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
        self.observe(session)
        self._rebuild()

    def _on_change(self, change: Change) -> None:
        if change.kind in ("selection", "size"):
            self._rebuild()

    def _rebuild(self) -> None:
        old = self.screen_rect()
        assert self._session is not None
        self._paths = {}
        self._mapped = None
        if self._session.doc.selection is None:
            self._timer.stop()
        elif not self._timer.isActive():
            self._timer.start()
        self.canvas.update(old.united(self.screen_rect()))

    # -- geometry ------------------------------------------------------------------------------------
    def doc_path(self, level: int) -> QPainterPath | None:
        """The outline in document coordinates, simplified to half a screen pixel at `level`'s zoom."""
        assert self._session is not None
        s = self._session.doc.selection
        if s is None:
            return None
        if level not in self._paths:
            self._paths[level] = polygons_path(sel.outline(s, 0.5 * 2 ** level if level else 0.0))
        return self._paths[level]

    def mapped_path(self) -> QPainterPath | None:
        v = self.canvas.view
        key = (v.zoom, v.angle, float(v.mirror), v.cx, v.cy, float(v.width), float(v.height))
        if self._mapped is None or self._mapped[0] != key:
            path = self.doc_path(detail_level(v.zoom))
            if path is None:
                return None
            self._mapped = (key, v.qtransform().map(path))
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
        floating = getattr(canvas.tool, "floating", None) is not None  # a transform shows its own box
        if path is not None and not floating:
            self._ants(p, path)
        preview = getattr(canvas.tool, "preview_path", None)
        if preview is not None:
            doc_path = preview()
            if doc_path is not None and not doc_path.isEmpty():
                self._ants(p, canvas.view.qtransform().map(doc_path))
        p.restore()
