"""Drawing annotation shapes over the canvas, fast enough for 1,000 polygons at any zoom.

Why it is built this way (measured on the 2-core CI machine, 1,000 polygons of 40 vertices):
- Building a QPolygonF from Python points costs ~95 ms per 1,000 shapes; `qpolygon()` fills it from numpy
  through QDataStream (~14 ms) and the result is cached per shape until the shape changes.
- Drawing 1,000 antialiased 1-px outlines costs ~12 ms, aliased hairlines ~3 ms; pens wider than 1 px
  cost 45-600 ms. So outlines are one merged cosmetic path per colour (antialiased and drawn twice,
  offset by a pixel, for a 2-px line up to `AA_LIMIT` visible shapes; aliased hairlines above), built in
  *view coordinates up to a translation* (the zoom/rotation part of the view) and cached until the zoom,
  rotation, the shapes or the set of visible shapes change: panning only translates the painter.
- Those outlines are rendered into an image for the current view (keyed by view, visible shapes and
  their versions) that later frames blit: repaints while editing one shape cost a blit plus that shape,
  because the selected and hovered shapes are left out of the image and drawn live.
- Only shapes whose bounding box meets the exposed area are drawn (numpy test over all boxes).
- Fills and vertex handles are drawn only for the selected and hovered shapes (as labelme does).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from paintgan.gui.view_transform import ViewTransform

POINT_RADIUS = 4.0  # screen pixels: a point shape
VERTEX_RADIUS = 3.5  # screen pixels: a vertex handle of a selected shape
AA_LIMIT = 300  # visible shapes up to which outlines are antialiased
MANY_SELECTED = 40  # above this many selected shapes they are filled without handles


def qpolygon(points: np.ndarray) -> QPolygonF:
    """QPolygonF from an (N, 2) array without creating N QPointF objects (QDataStream: count + doubles)."""
    pts = np.ascontiguousarray(points, dtype=">f8").reshape(-1)
    data = np.array([pts.size // 2], ">u4").tobytes() + pts.tobytes()
    buffer = QByteArray(data)  # must outlive the stream (a temporary would be freed under it)
    stream = QDataStream(buffer, QIODevice.OpenModeFlag.ReadOnly)
    poly = QPolygonF()
    stream >> poly
    if poly.size() != pts.size // 2:  # never expected; stay correct rather than fast
        poly = QPolygonF([QPointF(float(x), float(y)) for x, y in pts.reshape(-1, 2)])
    return poly


def outline_points(shape_type: str, points: np.ndarray) -> tuple[np.ndarray, bool]:
    """The vertices to draw for a shape and whether the outline is closed (rectangles are stored as two
    corners, circles as centre + a point on the circle, as LabelMe does)."""
    if shape_type == "rectangle" and len(points) >= 2:
        (x0, y0), (x1, y1) = points[0], points[1]
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64), True
    if shape_type == "circle" and len(points) >= 2:
        c, r = points[0], float(np.hypot(*(points[1] - points[0])))
        a = np.linspace(0.0, 2.0 * np.pi, 48, endpoint=False)
        return np.stack([c[0] + r * np.cos(a), c[1] + r * np.sin(a)], 1), True
    return points, shape_type == "polygon"


@dataclass(eq=False)
class RenderItem:
    """What the renderer needs of one shape. `key` identifies it across frames and `version` changes
    whenever its points change (the overlay uses the shape's id and the identity of the immutable shape
    object, which `source` keeps alive so that identity is never reused while cached)."""

    key: Hashable
    shape_type: str
    points: np.ndarray  # (N, 2) document coordinates
    color: tuple[int, int, int]
    version: int = 0
    source: object = None
    _poly: QPolygonF | None = field(default=None, repr=False)
    _closed: bool = True
    _box: tuple[float, float, float, float] | None = None

    def poly(self) -> QPolygonF:
        if self._poly is None:
            pts, self._closed = outline_points(self.shape_type, np.asarray(self.points, np.float64))
            self._poly = qpolygon(pts)
        return self._poly

    def box(self) -> tuple[float, float, float, float]:
        if self._box is None:
            pts = np.asarray(self.points, np.float64).reshape(-1, 2)
            if self.shape_type == "circle" and len(pts) >= 2:
                r = float(np.hypot(*(pts[1] - pts[0])))
                self._box = (pts[0, 0] - r, pts[0, 1] - r, pts[0, 0] + r, pts[0, 1] + r)
            elif len(pts):
                self._box = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
            else:
                self._box = (0.0, 0.0, -1.0, -1.0)
        return self._box


class ShapeRenderer:
    """Keeps the items to draw and the per-view caches; `paint` draws them in widget coordinates."""

    def __init__(self) -> None:
        self.items: list[RenderItem] = []
        self._boxes = np.zeros((0, 4), np.float64)
        self._tokens = np.zeros(0, np.int64)  # per item: changes when its points or colour change
        self._linear: tuple[float, float, float, float] | None = None
        # (key, version) -> polygon in view coordinates without the translation
        self._view_polys: dict[tuple[Hashable, int], QPolygonF] = {}
        self._merged: dict[tuple[int, int, int], QPainterPath] = {}
        self._merged_key: bytes | None = None
        self._doc_merged: dict[tuple[int, int, int], QPainterPath] = {}
        self._doc_points: dict[tuple[int, int, int], list[QPointF]] = {}
        self._doc_merged_key: bytes | None = None
        self._image: QImage | None = None  # the outlines drawn for the current view (widget pixels)
        self._image_key: tuple[object, ...] | None = None
        self._image_state: tuple[tuple[object, ...], np.ndarray, np.ndarray] | None = None
        self.stats = {"drawn": 0, "rebuilt": 0, "rendered": 0}

    def set_items(self, items: Sequence[RenderItem]) -> None:
        """Replace the shapes; items whose (key, version) did not change keep their cached polygons."""
        old = {(it.key, it.version): it for it in self.items}
        new: list[RenderItem] = []
        for it in items:
            prev = old.get((it.key, it.version))
            if prev is not None and prev._poly is not None:
                it._poly, it._closed = prev._poly, prev._closed
            new.append(it)
        self.items = new
        self._boxes = np.array([it.box() for it in new], np.float64).reshape(-1, 4)
        self._tokens = np.array([hash((it.version, it.color)) for it in new], np.int64)
        live = {(it.key, it.version) for it in new}
        for k in [k for k in self._view_polys if k not in live]:
            del self._view_polys[k]

    def replace(self, i: int, item: RenderItem) -> None:
        """Replace item i (the same shape, edited) without rebuilding the others."""
        old = self.items[i]
        self._view_polys.pop((old.key, old.version), None)
        self.items[i] = item
        self._boxes[i] = item.box()
        self._tokens[i] = hash((item.version, item.color))

    def visible(self, doc_box: tuple[float, float, float, float], margin: float = 0.0) -> np.ndarray:
        """Indices of items whose bounding box meets `doc_box` (x0, y0, x1, y1)."""
        if not len(self._boxes):
            return np.zeros(0, np.int64)
        x0, y0, x1, y1 = doc_box
        b = self._boxes
        hit = (b[:, 2] >= x0 - margin) & (b[:, 0] <= x1 + margin) & (b[:, 3] >= y0 - margin) & \
              (b[:, 1] <= y1 + margin)
        return np.nonzero(hit)[0]

    def _view_poly(self, i: int, linear: QTransform) -> QPolygonF:
        it = self.items[i]
        poly = self._view_polys.get((it.key, it.version))
        if poly is None:
            poly = linear.map(it.poly())
            self._view_polys[(it.key, it.version)] = poly
        return poly

    def paint(self, p: QPainter, view: ViewTransform, exposed: QRectF, *, selected: Iterable[int] = (),
              hovered: int | None = None, hidden: Iterable[int] = ()) -> None:
        """Draw the items over `exposed` (the widget rectangle). `selected`, `hovered`, `hidden`: indices.

        The outlines of the shapes that are neither selected nor hovered are drawn once into an image
        for the current view and blitted on later frames, so a repaint while editing one shape (a vertex
        drag, a new shape) costs a blit plus that shape."""
        a, b, c, d = view._linear()
        linear = (a, b, c, d)
        if linear != self._linear:
            self._linear = linear
            self._view_polys.clear()
            self._merged_key = None
        full = view.qtransform()
        inv, _ok = full.inverted()
        area = inv.mapRect(exposed)
        margin = POINT_RADIUS / max(view.zoom, 1e-6)
        vis = self.visible((area.left(), area.top(), area.right(), area.bottom()), margin)
        hidden_set = set(hidden)
        sel = [i for i in dict.fromkeys(selected) if 0 <= i < len(self.items) and i not in hidden_set]
        many = len(sel) > MANY_SELECTED  # select-all of a big image: drawn with the others
        live = set(sel if not many else [])  # drawn over the cached image (the hovered one too, on top)
        drop = hidden_set | live
        if drop:
            vis = vis[~np.isin(vis, np.fromiter(drop, np.int64, len(drop)))]
        self.stats["drawn"] = len(vis) + len(live)
        lin = QTransform(a, c, b, d, 0.0, 0.0)
        w, h = max(1, int(exposed.width())), max(1, int(exposed.height()))
        tokens = self._tokens[vis]
        view_key = (linear, round(full.dx(), 3), round(full.dy(), 3), w, h, tuple(sel) if many else ())
        key = (view_key, vis.tobytes(), tokens.tobytes())
        if key != self._image_key:
            added = self._added_only(view_key, vis, tokens)
            if added is not None and (len(vis) <= AA_LIMIT) == (len(vis) - len(added) <= AA_LIMIT):
                self._draw_outlines(added, lin, full)  # deselected or new shapes: onto the image
            else:
                self._render_image(vis, lin, full, w, h, sel if many else [])
            self._image_key = key
            self._image_state = (view_key, vis, tokens)
        assert self._image is not None
        p.save()
        p.drawImage(0, 0, self._image)
        p.setTransform(QTransform.fromTranslate(full.dx(), full.dy()))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if hovered is not None and 0 <= hovered < len(self.items) and hovered not in sel \
                and hovered not in hidden_set:
            self._emphasise(p, hovered, lin, alpha=50, handles=False)
        if not many:
            for i in sel:
                self._emphasise(p, i, lin, alpha=90, handles=True)
        p.restore()

    def _added_only(self, view_key: tuple[object, ...], vis: np.ndarray, tokens: np.ndarray
                    ) -> np.ndarray | None:
        """The visible indices to draw onto the cached image when the view is the same and the only
        difference is shapes that appeared (a new shape, a shape deselected); None: redraw all."""
        state = self._image_state
        if state is None or state[0] != view_key or self._image is None:
            return None
        old_vis, old_tok = state[1], state[2]
        if len(old_vis) > len(vis):
            return None
        pos = np.searchsorted(vis, old_vis)
        if len(old_vis) and (pos.max() >= len(vis) or not np.array_equal(vis[pos], old_vis)
                             or not np.array_equal(tokens[pos], old_tok)):
            return None
        added = np.setdiff1d(vis, old_vis, assume_unique=True)
        return added if len(added) <= 64 else None

    def _draw_outlines(self, vis: np.ndarray, lin: QTransform, full: QTransform) -> None:
        """Outlines of `vis` onto the cached image, grouped by colour."""
        self.stats["added"] = self.stats.get("added", 0) + 1
        assert self._image is not None
        self._merged_key = None  # the merged paths no longer match the image
        p = QPainter(self._image)
        self._stroke(p, self._merge(vis, lin), full, aa=len(self._image_state[1]) + len(vis) <= AA_LIMIT
                     if self._image_state is not None else True)
        p.end()

    @staticmethod
    def _stroke(p: QPainter, merged: dict[tuple[int, int, int], QPainterPath], full: QTransform,
                aa: bool) -> None:
        # 2-px outlines as two 1-px passes offset by (1, 1): wide pens cost 5-50x more in Qt's raster
        # engine; above AA_LIMIT visible shapes the hairlines are aliased (3 ms instead of 12 ms / 1,000)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, aa)
        for offset in ((0.0, 1.0) if aa else (0.0,)):
            p.setTransform(QTransform.fromTranslate(full.dx() + offset, full.dy() + offset))
            for rgb, path in merged.items():
                pen = QPen(QColor(*rgb), 1.0 if aa else 0.0)
                pen.setCosmetic(True)
                p.setPen(pen)
                p.drawPath(path)

    def _render_image(self, vis: np.ndarray, lin: QTransform, full: QTransform, w: int, h: int,
                      selected: list[int]) -> None:
        self.stats["rendered"] += 1
        key = vis.tobytes() + self._tokens[vis].tobytes()
        if key != self._merged_key:
            self.stats["rebuilt"] += 1
            self._merged = self._merge(vis, lin)
            self._merged_key = key
        img = self._image
        if img is None or img.width() != w or img.height() != h:
            img = self._image = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        p = QPainter(img)
        self._stroke(p, self._merged, full, aa=len(vis) <= AA_LIMIT)
        if selected:
            p.setTransform(QTransform.fromTranslate(full.dx(), full.dy()))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for i in selected:
                self._emphasise(p, i, lin, alpha=90, handles=False, width=0.0)
        p.end()

    def _merge(self, vis: np.ndarray, lin: QTransform) -> dict[tuple[int, int, int], QPainterPath]:
        """One path per colour holding the outlines of `vis` in view coordinates (no translation).

        The per-colour paths are first built in document coordinates (cached while the visible shapes
        do not change) and then mapped by the view in one call each: a zoom step costs 8 path maps, not
        1,000 polygon maps."""
        key = vis.tobytes() + self._tokens[vis].tobytes()
        if key != self._doc_merged_key:
            doc: dict[tuple[int, int, int], QPainterPath] = {}
            points: dict[tuple[int, int, int], list[QPointF]] = {}
            for i in vis.tolist():
                it = self.items[i]
                poly = it.poly()
                if it.shape_type == "point" or poly.size() == 1:
                    points.setdefault(it.color, []).append(poly.at(0))
                    continue
                path = doc.get(it.color)
                if path is None:
                    path = doc[it.color] = QPainterPath()
                path.addPolygon(poly)
                if it._closed:
                    path.closeSubpath()
            self._doc_merged, self._doc_points, self._doc_merged_key = doc, points, key
        merged = {rgb: lin.map(path) for rgb, path in self._doc_merged.items()}
        for rgb, pts in self._doc_points.items():
            path = merged.get(rgb)
            if path is None:
                path = merged[rgb] = QPainterPath()
            for q in pts:
                path.addEllipse(lin.map(q), POINT_RADIUS, POINT_RADIUS)
        return merged

    def _emphasise(self, p: QPainter, i: int, lin: QTransform, alpha: int, handles: bool,
                   width: float = 2.0) -> None:
        it = self.items[i]
        poly = self._view_poly(i, lin)
        color = QColor(*it.color)
        fill = QColor(*it.color, alpha)
        p.setPen(QPen(color, width))
        if it.shape_type == "point" or poly.size() == 1:
            p.setBrush(fill)
            p.drawEllipse(poly.at(0), POINT_RADIUS + 1.5, POINT_RADIUS + 1.5)
            return
        if it._closed:
            p.setBrush(fill)
            p.drawPolygon(poly)
        else:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(poly)
        if not handles:
            return
        p.setPen(QPen(QColor(255, 255, 255), 1.0))
        p.setBrush(color)
        pts = it.points if it.shape_type not in ("rectangle", "circle") else np.asarray(it.points)[:2]
        for x, y in np.asarray(pts, np.float64).reshape(-1, 2).tolist():
            q = lin.map(QPointF(x, y))
            p.drawRect(QRectF(q.x() - VERTEX_RADIUS, q.y() - VERTEX_RADIUS, 2 * VERTEX_RADIUS,
                              2 * VERTEX_RADIUS))
