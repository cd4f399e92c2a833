"""The canvas widget: shows the document from the display tile cache and feeds pointer events to tools.

- Document `Change` events invalidate only their rectangle in the tile cache and schedule a repaint of that
  rectangle's screen area; the tiles are recomposited lazily in `paintEvent`.
- View: zoom 1 %–3200 % about the cursor (wheel), pan (Space+drag or middle button), rotation and mirror
  (a QTransform), nearest-neighbour sampling above 200 %, smooth below, checkerboard under transparency.
- Input: mouse and tablet (pressure) go to the current tool in document coordinates; Alt+click picks a
  colour; Esc cancels a stroke in progress.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from paintgan.core.document import Change
from paintgan.core.geometry import Rect
from paintgan.gui.colors import ColorState
from paintgan.gui.session import DocumentSession, SessionObserver
from paintgan.gui.tile_cache import TileCache
from paintgan.gui.tools.base import Tool
from paintgan.gui.tools.picker import pick_color
from paintgan.gui.view_transform import ViewTransform

BACKGROUND = QColor(72, 72, 76)
NEAREST_ABOVE = 2.0  # zoom factor from which pixels are drawn crisp


def _checker_brush() -> QBrush:
    pm = QPixmap(16, 16)
    pm.fill(QColor(204, 204, 204))
    p = QPainter(pm)
    p.fillRect(0, 0, 8, 8, QColor(153, 153, 153))
    p.fillRect(8, 8, 8, 8, QColor(153, 153, 153))
    p.end()
    return QBrush(pm)


class CanvasWidget(SessionObserver, QWidget):
    cursor_moved = Signal(object)  # (x, y, (r, g, b, a) | None) or None when outside the canvas
    view_changed = Signal()
    message = Signal(str)

    def __init__(self, session: DocumentSession, colors: ColorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 150)
        self.colors = colors
        self.view = ViewTransform()
        self.tool: Tool | None = None
        self._checker = _checker_brush()
        self._session: DocumentSession | None = None
        self.cache: TileCache | None = None
        self._fitted = False
        # the view was fitted automatically and the user has not zoomed, panned or rotated since: a resize
        # (the window manager giving the first window its real size) fits again
        self._auto_fit = True
        self._space = False
        self._panning: QPointF | None = None
        self._tool_down = False
        self._tablet_down = False
        self._cursor: QPointF | None = None
        self._wheel_accum = 0
        self._cursor_timer = QTimer(self, singleShot=True, interval=40)
        self._cursor_timer.timeout.connect(self._report_cursor)
        # painters drawn over the page in widget coordinates (e.g. colour hints); optional tool hooks:
        # alt_pick(x, y), context_press(x, y), wheel(steps, modifiers), key_press(key) -> bool (handled)
        self.overlays: list[Callable[[QPainter, CanvasWidget], None]] = []
        # draws the page instead of the tiles when it returns True (painter in document coordinates;
        # the exposed document rectangle; zoom): the annotation mode's zoomed-out photo pyramid
        self.backdrop: Callable[[QPainter, Rect, float], bool] | None = None
        self.set_session(session)

    # -- session -----------------------------------------------------------------------------------
    def set_session(self, session: DocumentSession) -> None:
        if self.tool is not None:
            self.tool.cancel()
        self.cache = TileCache(session.doc)
        self.observe(session)
        self._fitted = False
        if self.width() > 1:
            self.fit()
        self.update()

    def set_tool(self, tool: Tool) -> None:
        if self.tool is not None:
            finish = getattr(self.tool, "finish_on_switch", None)  # e.g. a transform applies itself
            if finish is None:
                self.tool.cancel()
            elif tool is not self.tool:  # choosing the same tool again keeps its work in progress
                finish()
            self.tool.settings_changed.disconnect(self._update_outline)
        self.tool = tool
        tool.settings_changed.connect(self._update_outline)
        self._update_cursor_shape()
        self.update()

    # -- change events -----------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if change.kind in ("active", "meta"):
            return
        if change.kind == "hints":  # no pixels changed (results come as "pixels"); overlays repaint

            return
        if change.kind in ("shapes", "selection"):  # no pixels changed: the overlays repaint their area
            self.update(self.widget_rect(change.rect) if change.rect is not None else self.rect())
            return
        assert self.cache is not None
        if change.kind == "size" or change.rect is None:
            self.cache.invalidate(None)
            self.update()
            return
        self.cache.invalidate(change.rect)
        self.update(self.widget_rect(change.rect))

    def widget_rect(self, rect: Rect) -> QRect:
        r = self.view.qtransform().mapRect(QRectF(rect.x, rect.y, rect.w, rect.h))
        return r.toAlignedRect().adjusted(-2, -2, 2, 2)

    # -- view --------------------------------------------------------------------------------------
    def _view_updated(self) -> None:
        self._update_cursor_shape()
        self.update()
        self.view_changed.emit()

    def fit(self) -> None:
        doc = self.session.doc
        self.view.fit(doc.width, doc.height)
        self._fitted = True
        self._auto_fit = True
        self._view_updated()

    def set_zoom(self, zoom: float, anchor: tuple[float, float] | None = None) -> None:
        self._auto_fit = False
        self.view.set_zoom(zoom, anchor)
        self._view_updated()

    def zoom_step(self, steps: int, anchor: tuple[float, float] | None = None) -> None:
        self._auto_fit = False
        self.view.zoom_step(steps, anchor)
        self._view_updated()

    def actual_pixels(self) -> None:
        self._auto_fit = False
        self.view.set_zoom(1.0)
        self._view_updated()

    def rotate_by(self, degrees: float) -> None:
        self._auto_fit = False
        self.view.rotate_by(degrees)
        self._view_updated()

    def reset_rotation(self) -> None:
        self.view.angle = 0.0
        self.view.mirror = False
        self._view_updated()

    def set_mirror(self, on: bool) -> None:
        self.view.mirror = on
        self._view_updated()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.view.width, self.view.height = max(1, self.width()), max(1, self.height())
        if not self._fitted or self._auto_fit:
            self.fit()
        super().resizeEvent(event)

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        assert self.cache is not None
        doc = self.session.doc
        p = QPainter(self)
        exposed = event.rect()
        p.fillRect(exposed, BACKGROUND)
        t = self.view.qtransform()
        p.save()
        if self.view.angle % 90 == 0:  # the page is an axis-aligned rectangle: a cheap rectangular clip
            page_rect = t.mapRect(QRectF(0, 0, doc.width, doc.height)).intersected(QRectF(exposed))
            p.setClipRect(page_rect)
            p.fillRect(page_rect, self._checker)
        else:
            clip = QPainterPath()
            clip.addPolygon(t.map(QPolygonF(QRectF(0, 0, doc.width, doc.height))))
            p.setClipPath(clip)
            p.fillRect(exposed, self._checker)
        inv, _ok = t.inverted()
        area = inv.mapRect(QRectF(exposed))
        doc_area = Rect.from_bounds(area.left() - 1, area.top() - 1, area.right() + 1, area.bottom() + 1)
        p.setTransform(t)
        smooth = self.view.zoom < NEAREST_ABOVE and not (self.view.zoom == 1.0 and self.view.angle % 90 == 0)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        if self.backdrop is None or not self.backdrop(p, doc_area, self.view.zoom):
            for tile in self.cache.tiles_in(doc_area):
                if tile.empty:  # transparent: nothing to draw
                    continue
                r = tile.rect
                p.drawImage(QRectF(r.x, r.y, r.w, r.h), tile.image, QRectF(0, 0, r.w, r.h))
        p.restore()
        for overlay in self.overlays:
            overlay(p, self)
        self._paint_outline(p)
        p.end()

    def _outline_radius(self) -> float:
        if self.tool is None or not self.tool.shows_outline:
            return 0.0
        return self.tool.outline_diameter() * self.view.zoom / 2.0

    def _paint_outline(self, p: QPainter) -> None:
        r = self._outline_radius()
        if self._cursor is None or r < 2.0 or self._panning is not None or self._space:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(255, 255, 255, 200), 1.0))
        p.drawEllipse(self._cursor, r + 1.0, r + 1.0)
        p.setPen(QPen(QColor(0, 0, 0, 220), 1.0))
        p.drawEllipse(self._cursor, r, r)

    def _outline_rect(self, pos: QPointF | None) -> QRect:
        if pos is None:
            return QRect()
        r = self._outline_radius() + 3
        return QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r).toAlignedRect()

    def _update_outline(self) -> None:
        self.update(self._outline_rect(self._cursor))
        self._update_cursor_shape()

    def _update_cursor_shape(self) -> None:
        if self._panning is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._space:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(Qt.CursorShape.CrossCursor)

    def _track_cursor(self, pos: QPointF | None) -> None:
        old = self._outline_rect(self._cursor)
        self._cursor = pos
        self.update(old.united(self._outline_rect(pos)) if pos is not None else old)
        if not self._cursor_timer.isActive():  # the status bar follows at most every 40 ms
            self._cursor_timer.start()

    def _report_cursor(self) -> None:
        pos = self._cursor
        if pos is None:
            self.cursor_moved.emit(None)
            return
        x, y = self.view.doc_point(pos)
        ix, iy = int(x // 1), int(y // 1)
        assert self.cache is not None
        if not self.session.doc.rect.contains_point(ix, iy):
            self.cursor_moved.emit(None)
            return
        self.cursor_moved.emit((ix, iy, self.cache.pixel_premul(ix, iy)))

    # -- pointer input -----------------------------------------------------------------------------
    def _tool_press(self, pos: QPointF, pressure: float,
                    mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        if self.tool is None:
            return
        self._tool_down = True
        self.tool.modifiers = mods  # selection tools: Shift adds, Alt subtracts, both intersect
        self.tool.press(*self.view.doc_point(pos), pressure)

    def _tool_move(self, pos: QPointF, pressure: float) -> None:
        if self._tool_down and self.tool is not None:
            self.tool.move(*self.view.doc_point(pos), pressure)

    def _tool_release(self, pos: QPointF) -> None:
        if self._tool_down and self.tool is not None:
            self._tool_down = False
            self.tool.release(*self.view.doc_point(pos))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space):
            self._panning = pos
            self._update_cursor_shape()
            return
        if event.button() == Qt.MouseButton.RightButton and self._tool_hook("context_press",
                                                                          *self.view.doc_point(pos)):
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if event.modifiers() & Qt.KeyboardModifier.AltModifier and not self.tool_takes_alt():
            if self._tool_hook("alt_pick", *self.view.doc_point(pos)):
                return
            rgb = pick_color(self.session.doc, *self.view.doc_point(pos))
            if rgb is not None:
                self.colors.set_fg(rgb)
            return
        self._tool_press(pos, 1.0, event.modifiers())

    def tool_takes_alt(self) -> bool:
        """Tools whose Alt+click means something else than picking a colour (selection: subtract)."""
        return bool(getattr(self.tool, "takes_alt", False))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._tool_hook(
                "canvas_double_click", *self.view.doc_point(event.position())):
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._panning is not None:
            d = pos - self._panning
            self._panning = pos
            self._auto_fit = False
            self.view.pan_by(d.x(), d.y())
            self._view_updated()
            return
        self._tool_move(pos, 1.0)
        self._track_cursor(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                            Qt.MouseButton.LeftButton):
            self._panning = None
            self._update_cursor_shape()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._tool_release(event.position())

    def tabletEvent(self, event: QTabletEvent) -> None:
        pos, pressure = event.position(), float(event.pressure())
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            if self._space or event.button() != Qt.MouseButton.LeftButton:
                event.ignore()  # let the synthesized mouse event pan
                return
            self._tablet_down = True
            self._tool_press(pos, pressure, event.modifiers())
        elif kind == QTabletEvent.Type.TabletMove:
            if self._tablet_down:
                self._tool_move(pos, pressure)
            self._track_cursor(pos)
        elif kind == QTabletEvent.Type.TabletRelease and self._tablet_down:
            self._tablet_down = False
            self._tool_release(pos)
        event.accept()

    def _tool_hook(self, name: str, *args: object) -> bool:
        hook = getattr(self.tool, name, None)
        return bool(hook(*args)) if hook is not None else False

    def wheelEvent(self, event: QWheelEvent) -> None:
        dy = event.angleDelta().y()
        if dy and self._tool_hook("wheel", 1 if dy > 0 else -1, event.modifiers()):
            event.accept()
            return
        self._wheel_accum += event.angleDelta().y()
        steps = int(self._wheel_accum / 120)
        if steps:
            self._wheel_accum -= steps * 120
            pos = event.position()
            self.zoom_step(steps, (pos.x(), pos.y()))
        event.accept()

    def leaveEvent(self, event: object) -> None:
        self._track_cursor(None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self._update_cursor_shape()
            self.update(self._outline_rect(self._cursor))
            return
        if event.key() == Qt.Key.Key_Escape and self.tool is not None and self.tool.active:
            self.tool.cancel()
            self._tool_down = self._tablet_down = False
            return
        if self._tool_hook("key_press", event.key()):
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._panning = None
            self._update_cursor_shape()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: object) -> None:
        self._space = False
        if self._tool_down and self.tool is not None and self._cursor is not None:
            self._tool_release(self._cursor)
        super().focusOutEvent(event)  # type: ignore[arg-type]

    def cursor_doc_pos(self) -> tuple[float, float] | None:
        pos = self.mapFromGlobal(QCursor.pos())
        return self.view.to_doc(pos.x(), pos.y()) if self.rect().contains(pos) else None
