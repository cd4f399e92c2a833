"""The annotation overlay on the canvas: the shapes of the shown document's annotation layer, the
selection, the shape under the cursor and the active annotation tool's preview (rubber band, clicks,
polygon in progress).

It follows the document through "shapes" change events: render items are rebuilt only for shapes whose
(immutable) object changed, and the canvas repaints only the changed area plus a margin for handles.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QRect, QRectF, Signal
from PySide6.QtGui import QPainter

from paintgan.core.annotations import AnnotationLayer, Shape, annotation_layers
from paintgan.core.document import Change
from paintgan.gui.annotate.render import RenderItem, ShapeRenderer
from paintgan.gui.canvas import CanvasWidget
from paintgan.gui.session import DocumentSession, SessionObserver

HANDLE_MARGIN = 8  # widget pixels around a changed shape's rectangle (vertex handles, pens)


class Selection(QObject):
    """The selected shape ids of the shown annotation layer (ordered as selected)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ids: list[str] = []

    def set(self, ids: list[str] | tuple[str, ...]) -> None:
        ids = list(dict.fromkeys(ids))
        if ids != self.ids:
            self.ids = ids
            self.changed.emit()

    def toggle(self, sid: str) -> None:
        self.set([i for i in self.ids if i != sid] if sid in self.ids else [*self.ids, sid])

    def clear(self) -> None:
        self.set([])

    def __contains__(self, sid: object) -> bool:
        return sid in self.ids

    def __bool__(self) -> bool:
        return bool(self.ids)


class AnnotationOverlay(SessionObserver, QObject):
    shapes_changed = Signal()  # the shown layer's shapes changed (panels refresh)

    def __init__(self, session: DocumentSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.renderer = ShapeRenderer()
        self.selection = Selection(self)
        self.selection.changed.connect(self._repaint)
        self.hovered: str | None = None
        self.canvas: CanvasWidget | None = None
        self.enabled = True
        # the active tool's preview painter (widget coordinates), set by the annotation tools
        self.preview: Callable[[QPainter, CanvasWidget], None] | None = None
        self._items: dict[str, RenderItem] = {}
        self._layer: AnnotationLayer | None = None
        self.set_session(session)

    def attach(self, canvas: CanvasWidget) -> None:
        self.canvas = canvas
        canvas.overlays.append(self.paint)

    def set_session(self, session: DocumentSession) -> None:
        self.observe(session)
        self.selection.clear()
        self.hovered = None
        self._sync()

    def layer(self) -> AnnotationLayer | None:
        """The annotation layer the tools work on: the active one if it is one, else the topmost."""
        doc = self.session.doc
        if isinstance(doc.active_layer, AnnotationLayer):
            return doc.active_layer
        layers = annotation_layers(doc)
        return layers[-1] if layers else None

    def _on_change(self, change: Change) -> None:
        if change.kind in ("shapes", "structure"):
            layer = change.layer if change.kind == "shapes" else None
            if not (isinstance(layer, AnnotationLayer) and self._sync_changed(layer)):
                self._sync()
            if self.canvas is not None and change.kind == "shapes" and change.rect is not None:
                r = self.canvas.widget_rect(change.rect)
                m = HANDLE_MARGIN
                self.canvas.update(r.adjusted(-m, -m, m, m))
            elif self.canvas is not None:
                self.canvas.update()

    def _sync(self) -> None:
        """Rebuild the render items from the layer (reusing those whose shape object is unchanged)."""
        layer = self.layer()
        self._layer = layer
        shapes = layer.shapes if layer is not None else ()
        items: list[RenderItem] = []
        fresh: dict[str, RenderItem] = {}
        colors: dict[str, tuple[int, int, int]] = {}
        for s in shapes:
            color = colors.get(s.label)
            if color is None:
                color = colors[s.label] = layer.color(s.label) if layer is not None else (255, 0, 0)
            it = self._items.get(s.id)
            if it is None or it.source is not s or it.color != color:
                it = RenderItem(s.id, s.shape_type, s.array(), color, id(s), s)
            fresh[s.id] = it
            items.append(it)
        self._items = fresh
        self.renderer.set_items(items)
        if self.selection.ids:
            self.selection.set([i for i in self.selection.ids if i in fresh])
        if self.hovered is not None and self.hovered not in fresh:
            self.hovered = None
        self.shapes_changed.emit()

    def _sync_changed(self, layer: AnnotationLayer) -> bool:
        """Update only the render items of the shapes that changed (a vertex drag touches one of 1,000);
        False when the change is not a same-place replacement (added, removed, reordered shapes)."""
        changed = layer.last_changed_ids
        items = self.renderer.items
        if layer is not self._layer or len(layer) != len(items) or not changed or len(changed) > 64:
            return False
        where = []
        for sid in changed:
            if sid not in layer or sid not in self._items:
                return False
            i = layer.index_of(sid)
            if items[i].key != sid:
                return False
            where.append((i, layer.shapes[i]))
        for i, s in where:
            it = RenderItem(s.id, s.shape_type, s.array(), layer.color(s.label), id(s), s)
            self._items[s.id] = it
            self.renderer.replace(i, it)
        self.shapes_changed.emit()
        return True

    def shape(self, sid: str) -> Shape | None:
        layer = self._layer
        return layer.shape(sid) if layer is not None and sid in layer else None

    def shape_at(self, x: float, y: float, tolerance: float = 0.0) -> Shape | None:
        """The topmost visible shape hit at (x, y): bounding boxes tested in numpy first, so hovering over
        an image with 1,000 shapes tests only the few under the cursor."""
        layer = self._layer
        boxes = self.renderer._boxes
        if layer is None or not len(boxes) or len(boxes) != len(self.renderer.items):
            return None
        t = tolerance
        hit = np.nonzero((boxes[:, 0] - t <= x) & (x <= boxes[:, 2] + t) & (boxes[:, 1] - t <= y)
                         & (y <= boxes[:, 3] + t))[0]
        for i in hit[::-1].tolist():
            s = self.renderer.items[i].source
            if isinstance(s, Shape) and s.label not in layer.hidden_labels and s.contains(x, y, t):
                return s
        return None

    def selected_shapes(self) -> list[Shape]:
        return [s for s in (self.shape(i) for i in self.selection.ids) if s is not None]

    def set_hovered(self, sid: str | None) -> None:
        if sid != self.hovered:
            self.hovered = sid
            self._repaint()

    def _repaint(self) -> None:
        if self.canvas is not None:
            self.canvas.update()

    def paint(self, p: QPainter, canvas: CanvasWidget) -> None:
        if not self.enabled:
            return
        layer = self._layer
        if layer is not None and len(layer):
            index = {it.key: i for i, it in enumerate(self.renderer.items)} if (
                self.selection.ids or self.hovered) else {}
            hidden = [i for i, s in enumerate(layer.shapes) if s.label in layer.hidden_labels] \
                if layer.hidden_labels else []
            # cull against the whole widget (not the exposed part): the merged outline paths stay cached
            # across partial repaints, and Qt clips the drawing to the exposed region anyway
            self.renderer.paint(p, canvas.view, QRectF(canvas.rect()),
                                selected=[index[i] for i in self.selection.ids if i in index],
                                hovered=index.get(self.hovered) if self.hovered else None,
                                hidden=hidden)
        if self.preview is not None:
            self.preview(p, canvas)

    def widget_rect_of(self, shape: Shape) -> QRect:
        assert self.canvas is not None
        return self.canvas.widget_rect(shape.rect()).adjusted(-HANDLE_MARGIN, -HANDLE_MARGIN, HANDLE_MARGIN,
                                                              HANDLE_MARGIN)
