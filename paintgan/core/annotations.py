"""The annotation layer: labelled shapes over the image (LabelMe's model), Qt-free.

A `Shape` is immutable: polygon, rectangle (two opposite corners), point or linestrip — LabelMe's
`shape_type` names; other LabelMe types (circle, line, points, mask) are kept as they are — with a label,
group id, flags, description, a stable `id` (kept in .ora files, new for each LabelMe load) and `extra`,
the LabelMe fields we do not use, written back unchanged. The layer holds an ordered tuple of shapes
(bottom first, LabelMe order). Commands (`paintgan.commands.annotations`) change it only through
`set_shapes()`, which emits a "shapes" change event whose rectangle covers the old and new extent of every
shape that changed (`last_changed_ids` names them), so a canvas repaints only that part.

The layer renders nothing into the composite (annotations are drawn as an overlay by the GUI and are not
part of exported pictures). It also keeps per-label colours (a deterministic default per label name, the
same on every image; `label_colors` overrides), hidden labels, and the image-level LabelMe `flags` and
other top-level fields (`file_extra`, e.g. `imageData` and keys of newer labelme versions).

Persistence (.ora): attribute `shapes` (the count) and blob `annotations.json`
`{"version": 1, "shapes": [<LabelMe shape dict> + "id"], "label_colors": {label: [r, g, b]},
"hidden_labels": [...], "flags": {...}, "file_extra": {...}}` (`imageData` is not copied into .ora files:
the image is there already).
"""

from __future__ import annotations

import json
import math
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from paintgan.core import polygons as geo
from paintgan.core.geometry import Rect
from paintgan.core.layers import Layer, LayerState, layer_kind
from paintgan.errors import FormatError

RGB = tuple[int, int, int]
SHAPE_TYPES = ("polygon", "rectangle", "point", "linestrip")
#: LabelMe shape types we keep and draw but do not create.
OTHER_SHAPE_TYPES = ("circle", "line", "points", "mask")
#: LabelMe shape keys that are Shape fields; every other key goes to `Shape.extra`.
SHAPE_KEYS = ("label", "points", "group_id", "description", "shape_type", "flags")
MIN_POINTS = {"polygon": 3, "rectangle": 2, "point": 1, "linestrip": 2, "line": 2, "circle": 2,
              "points": 1, "mask": 2}
STATE_BLOB = "annotations.json"
FORMAT = 1


class ShapeError(ValueError):
    """A shape that cannot be stored (too few points, non-finite coordinates, bad fields)."""


def new_shape_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True)
class Shape:
    points: tuple[tuple[float, float], ...]
    label: str = ""
    shape_type: str = "polygon"
    group_id: int | None = None
    flags: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_shape_id, compare=False)

    def __post_init__(self) -> None:
        pts = tuple((float(p[0]), float(p[1])) for p in self.points)
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "label", str(self.label))
        object.__setattr__(self, "shape_type", str(self.shape_type or "polygon"))
        object.__setattr__(self, "description", "" if self.description is None else str(self.description))
        for name in ("flags", "extra"):
            value = getattr(self, name) or {}
            if not isinstance(value, Mapping):
                raise ShapeError(f"{name} must be a mapping, got {type(value).__name__}")
            object.__setattr__(self, name, dict(value))
        if self.group_id is not None:
            gid = self.group_id
            if isinstance(gid, bool) or not isinstance(gid, int | float) or (
                    isinstance(gid, float) and not gid.is_integer()):  # (float(huge int) would overflow)
                raise ShapeError(f"group_id must be an integer or null, got {gid!r}")
            object.__setattr__(self, "group_id", int(gid))
        need = MIN_POINTS.get(self.shape_type, 1)
        if len(pts) < need:
            raise ShapeError(f"a {self.shape_type} needs at least {need} points, got {len(pts)}")
        if not all(math.isfinite(c) for p in pts for c in p):
            raise ShapeError(f"a {self.shape_type} has a coordinate that is not a finite number")

    __hash__ = None  # type: ignore[assignment]  # flags/extra are dicts

    # -- geometry (computed once per shape: shapes are immutable) ---------------------------------
    def _cached(self, key: str, make: Any) -> Any:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_cache", cache)
        if key not in cache:
            cache[key] = make()
        return cache[key]

    @property
    def points_array(self) -> np.ndarray:
        """The points as a read-only (n, 2) float64 array (shared; use `array()` for a copy to edit)."""
        def make() -> np.ndarray:
            a = np.array(self.points, np.float64).reshape(-1, 2)
            a.setflags(write=False)
            return a
        return self._cached("points", make)

    def array(self) -> np.ndarray:
        """A writable copy of the points as an (n, 2) float64 array."""
        return self.points_array.copy()

    def outline(self) -> np.ndarray:
        """The area the shape covers as polygon vertices (rectangles: 4 corners, circles: 32-gon); the
        points themselves for point and line shapes. Read-only, shared."""
        def make() -> np.ndarray:
            if self.shape_type == "rectangle":
                a = geo.rectangle_corners(self.points)
            elif self.shape_type == "circle":
                a = geo.circle_polygon(self.points)
            else:
                return self.points_array
            a.setflags(write=False)
            return a
        return self._cached("outline", make)

    @property
    def is_area(self) -> bool:
        """True for shapes that enclose an area (polygon, rectangle, circle): COCO/YOLO exportable."""
        return self.shape_type in ("polygon", "rectangle", "circle")

    def bbox(self) -> tuple[float, float, float, float]:
        def make() -> tuple[float, float, float, float]:
            o = self.outline()
            return (float(o[:, 0].min()), float(o[:, 1].min()), float(o[:, 0].max()), float(o[:, 1].max()))
        return self._cached("bbox", make)

    def rect(self, margin: float = 1.0) -> Rect:
        """Integer document rectangle covering the shape plus `margin` pixels."""
        x0, y0, x1, y1 = self.bbox()
        return Rect.from_bounds(x0 - margin, y0 - margin, x1 + margin, y1 + margin)

    def area(self) -> float:
        return self._cached("area", lambda: geo.polygon_area(self.outline()) if self.is_area else 0.0)

    def contains(self, x: float, y: float, tolerance: float = 0.0) -> bool:
        """Hit test: inside an area shape, or within `tolerance` of its outline / line / point."""
        if self.is_area and geo.point_in_polygon(x, y, self.outline()):
            return True
        if self.shape_type in ("point", "points"):
            return geo.nearest_vertex(self.points, x, y, max(tolerance, 0.0)) is not None
        closed = self.is_area
        return geo.nearest_edge(self.outline(), x, y, tolerance, closed=closed) is not None

    def moved(self, dx: float, dy: float) -> Shape:
        return replace(self, points=tuple((x + dx, y + dy) for x, y in self.points))

    def with_points(self, points: geo.Points) -> Shape:
        return replace(self, points=tuple((float(x), float(y)) for x, y in np.asarray(points).reshape(-1, 2)))

    def with_new_id(self) -> Shape:
        return replace(self, id=new_shape_id())

    def problem(self, width: float | None = None, height: float | None = None) -> str | None:
        """Why this shape would be garbage in a dataset (degenerate / self-intersecting polygon, points
        outside the image when a size is given), or None."""
        if self.shape_type == "polygon":
            why = geo.polygon_problem(self.points)
            if why:
                return why
        elif self.shape_type == "rectangle":
            x0, y0, x1, y1 = self.bbox()
            if x1 - x0 <= 0 or y1 - y0 <= 0:
                return "zero area"
        if width is not None and height is not None:
            x0, y0, x1, y1 = self.bbox()
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                return "points outside the image"
        return None

    def clipped(self, width: float, height: float) -> Shape | None:
        """The shape clipped to the image [0, width] × [0, height]; None when nothing usable is left."""
        if self.shape_type == "polygon":
            pts = geo.clip_polygon(self.points, width, height)
            if len(pts) < 3 or geo.polygon_area(pts) <= 1e-9:
                return None
            return self.with_points(pts)
        if self.shape_type in ("point", "points"):
            inside = [(x, y) for x, y in self.points if 0 <= x <= width and 0 <= y <= height]
            return self.with_points(inside) if inside else None
        out = self.with_points(geo.clip_points(self.points, width, height))
        return None if out.shape_type == "rectangle" and out.area() <= 0 else out

    # -- LabelMe dicts ---------------------------------------------------------------------------
    def to_dict(self, *, with_id: bool = False) -> dict[str, Any]:
        """The LabelMe shape dict (labelme's key order), unknown fields from `extra` included."""
        d: dict[str, Any] = {"label": self.label, "points": [[x, y] for x, y in self.points],
                             "group_id": self.group_id, "description": self.description,
                             "shape_type": self.shape_type, "flags": dict(self.flags)}
        for k, v in self.extra.items():
            if k not in d:
                d[k] = v
        if with_id:
            d["id"] = self.id
        return d

    @classmethod
    def from_dict(cls, d: Any, *, with_id: bool = False) -> Shape:
        """A shape from a LabelMe shape dict; ShapeError naming the bad field."""
        if not isinstance(d, dict):
            raise ShapeError("a shape must be a JSON object")
        pts = d.get("points")
        if not isinstance(pts, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in pts):
            raise ShapeError("“points” must be a list of [x, y] pairs")
        try:
            points = tuple((float(p[0]), float(p[1])) for p in pts)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an integer too large for a float
            raise ShapeError("“points” holds something that is not a number") from None
        label = d.get("label", "")
        if not isinstance(label, str):
            raise ShapeError("“label” must be a string")
        flags = d.get("flags") or {}
        if not isinstance(flags, dict):
            raise ShapeError("“flags” must be an object")
        gid = d.get("group_id")
        if gid is not None and (isinstance(gid, bool) or not isinstance(gid, int | float)):
            raise ShapeError("“group_id” must be an integer or null")
        keys = (*SHAPE_KEYS, "id") if with_id else SHAPE_KEYS
        extra = {k: v for k, v in d.items() if k not in keys}
        kw: dict[str, Any] = {}
        if with_id and isinstance(d.get("id"), str) and d["id"]:
            kw["id"] = d["id"]
        desc = d.get("description")
        return cls(points, label, str(d.get("shape_type") or "polygon"), gid, flags,
                   "" if desc is None else str(desc), extra, **kw)


def make_shape(shape_type: str, points: geo.Points, label: str = "", **kw: Any) -> Shape:
    """A new shape of one of the types PaintGAN creates, validated (ShapeError)."""
    if shape_type not in SHAPE_TYPES:
        raise ShapeError(f"shape type must be one of {', '.join(SHAPE_TYPES)}, got {shape_type!r}")
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    return Shape(tuple(map(tuple, pts)), label, shape_type, **kw)


# ------------------------------------------------------------------------------------ colours
def _voc_colormap(n: int = 256) -> list[RGB]:
    """The PASCAL VOC label colormap (labelme's and imgviz's default): bits of the index spread over RGB."""
    out: list[RGB] = []
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out.append((r, g, b))
    return out


LABEL_COLORMAP: tuple[RGB, ...] = tuple(_voc_colormap())


def default_label_color(label: str) -> RGB:
    """A colour for `label` that is the same in every document and every run (VOC colormap entry chosen
    by a CRC of the label; entry 0, black, is never used)."""
    return LABEL_COLORMAP[1 + zlib.crc32(label.encode("utf-8")) % (len(LABEL_COLORMAP) - 1)]


# ------------------------------------------------------------------------------------- the layer
@layer_kind("annotations")
class AnnotationLayer(Layer):
    #: Shapes are not pixels: merging the layer down would silently drop them.
    mergeable = False

    def __init__(self, name: str = "Annotations", *, shapes: Iterable[Shape] = (), **kw: Any) -> None:
        super().__init__(name, **kw)
        self._shapes: tuple[Shape, ...] = ()
        self._index: dict[str, int] = {}
        self.label_colors: dict[str, RGB] = {}
        self.hidden_labels: frozenset[str] = frozenset()
        self.flags: dict[str, Any] = {}  # image-level LabelMe flags
        self.file_extra: dict[str, Any] = {}  # other top-level LabelMe fields (imageData, unknown keys)
        self.last_changed_ids: frozenset[str] = frozenset()
        self.generation = 0  # bumped on every shape change (autosave, caches)
        self._store(tuple(shapes))

    # -- reading ---------------------------------------------------------------------------------
    @property
    def shapes(self) -> tuple[Shape, ...]:
        return self._shapes

    def __len__(self) -> int:
        return len(self._shapes)

    def shape(self, shape_id: str) -> Shape:
        try:
            return self._shapes[self._index[shape_id]]
        except KeyError:
            raise KeyError(f"no shape {shape_id!r} in {self!r}") from None

    def index_of(self, shape_id: str) -> int:
        return self._index[shape_id]

    def __contains__(self, shape_id: object) -> bool:
        return shape_id in self._index

    def labels(self) -> dict[str, int]:
        """Label -> number of shapes, in order of first appearance."""
        out: dict[str, int] = {}
        for s in self._shapes:
            out[s.label] = out.get(s.label, 0) + 1
        return out

    def color(self, label: str) -> RGB:
        return self.label_colors.get(label) or default_label_color(label)

    def is_label_visible(self, label: str) -> bool:
        return label not in self.hidden_labels

    def shape_at(self, x: float, y: float, tolerance: float = 0.0, *,
                 visible_only: bool = True) -> Shape | None:
        """The topmost shape hit at (x, y) (see `Shape.contains`), None when none."""
        for s in reversed(self._shapes):
            if visible_only and s.label in self.hidden_labels:
                continue
            x0, y0, x1, y1 = s.bbox()
            if x0 - tolerance <= x <= x1 + tolerance and y0 - tolerance <= y <= y1 + tolerance \
                    and s.contains(x, y, tolerance):
                return s
        return None

    def shapes_in(self, rect: Rect) -> list[Shape]:
        """Shapes whose bounding box meets `rect` (bottom first)."""
        out = []
        for s in self._shapes:
            x0, y0, x1, y1 = s.bbox()
            if x1 >= rect.x and x0 <= rect.x1 and y1 >= rect.y and y0 <= rect.y1:
                out.append(s)
        return out

    # -- changing (commands only) ----------------------------------------------------------------
    def _store(self, shapes: tuple[Shape, ...]) -> None:
        index: dict[str, int] = {}
        for i, s in enumerate(shapes):
            if not isinstance(s, Shape):
                raise TypeError(f"expected Shape, got {type(s).__name__}")
            if s.id in index:
                raise ValueError(f"two shapes share the id {s.id!r}")
            index[s.id] = i
        self._shapes = shapes
        self._index = index

    def set_shapes(self, shapes: Sequence[Shape]) -> Rect | None:
        """Replace the shape list; emits a "shapes" change covering what changed (returned)."""
        old = self._shapes
        new = tuple(shapes)
        self._store(new)
        old_by_id = {s.id: s for s in old}
        new_by_id = {s.id: s for s in new}
        changed = {i for i, s in old_by_id.items() if new_by_id.get(i) is not s}
        changed |= {i for i, s in new_by_id.items() if old_by_id.get(i) is not s}
        reordered = not changed and [s.id for s in old] != [s.id for s in new]
        rects = [old_by_id[i].rect() for i in changed if i in old_by_id]
        rects += [new_by_id[i].rect() for i in changed if i in new_by_id]
        if reordered:
            rects += [s.rect() for s in new]
            changed = set(new_by_id)
        self.last_changed_ids = frozenset(changed)
        self.generation += 1
        dirty = Rect.union_all(rects)
        self.notify("shapes", dirty)
        return dirty

    def set_label_style(self, colors: Mapping[str, RGB | None] | None = None,
                        hidden: Iterable[str] | None = None) -> None:
        """Override label colours (None: back to the default) and/or set the hidden labels; emits
        "shapes" over the layer's bounds."""
        if colors:
            for label, rgb in colors.items():
                if rgb is None:
                    self.label_colors.pop(label, None)
                else:
                    self.label_colors[label] = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if hidden is not None:
            self.hidden_labels = frozenset(hidden)
        self.last_changed_ids = frozenset(self._index)
        self.notify("shapes", self.bounds())

    # -- Layer interface -------------------------------------------------------------------------
    def bounds(self) -> Rect | None:
        return Rect.union_all(s.rect() for s in self._shapes)

    def translate(self, dx: int, dy: int) -> None:
        if dx or dy:
            self._store(tuple(s.moved(dx, dy) for s in self._shapes))

    def nbytes(self) -> int:
        return sum(shape_nbytes(s) for s in self._shapes)

    def export_state(self) -> LayerState:
        blob = json.dumps({
            "version": FORMAT,
            "shapes": [s.to_dict(with_id=True) for s in self._shapes],
            "label_colors": {k: list(v) for k, v in self.label_colors.items()},
            "hidden_labels": sorted(self.hidden_labels),
            "flags": self.flags,
            "file_extra": {k: v for k, v in self.file_extra.items() if k != "imageData"},
        }, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return LayerState(self.kind, self.props(), None, (0, 0), {"shapes": str(len(self._shapes))},
                          {STATE_BLOB: blob})

    @classmethod
    def from_state(cls, state: LayerState) -> AnnotationLayer:
        layer = cls()
        layer._apply_common(state.props)
        blob = state.blobs.get(STATE_BLOB)
        if blob:
            try:
                parse_state_blob(layer, blob)
            except ShapeError as exc:  # a user-facing one-line error, not a traceback
                raise FormatError(f"annotation layer “{layer.name[:60]}”: {exc}") from None
        return layer

    def copy(self) -> AnnotationLayer:
        dup = type(self).from_state(self.export_state())
        dup._store(tuple(s.with_new_id() for s in dup._shapes))
        dup.file_extra = dict(self.file_extra)
        dup.name = f"{self.name} copy"
        return dup


def shape_nbytes(s: Shape) -> int:
    return 200 + 64 * len(s.points) + 2 * len(s.label) + 64 * (len(s.flags) + len(s.extra))


def parse_state_blob(layer: AnnotationLayer, blob: bytes) -> None:
    """Fill `layer` from an `annotations.json` blob; ShapeError naming what is wrong."""
    try:
        body = json.loads(blob.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ShapeError(f"annotations.json is not valid JSON ({exc})") from None
    if not isinstance(body, dict) or not isinstance(body.get("shapes", []), list):
        raise ShapeError("annotations.json must be an object with a “shapes” list")
    version = body.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ShapeError("annotations.json has no valid format version")
    if version > FORMAT:
        raise ShapeError(f"annotations.json is format {version}, newer than this PaintGAN reads")
    shapes = []
    for i, d in enumerate(body.get("shapes", [])):
        try:
            shapes.append(Shape.from_dict(d, with_id=True))
        except ShapeError as exc:
            raise ShapeError(f"shape {i}: {exc}") from None
    seen: set[str] = set()
    for i, s in enumerate(shapes):  # ids must be unique; renew duplicates
        if s.id in seen:
            shapes[i] = s.with_new_id()
        seen.add(shapes[i].id)
    layer._store(tuple(shapes))
    colors = body.get("label_colors") or {}
    if isinstance(colors, dict):
        for k, v in colors.items():
            if isinstance(v, list) and len(v) == 3 and all(isinstance(c, int) for c in v):
                layer.label_colors[str(k)] = (v[0] & 255, v[1] & 255, v[2] & 255)
    hidden = body.get("hidden_labels") or []
    if isinstance(hidden, list):
        layer.hidden_labels = frozenset(str(h) for h in hidden)
    if isinstance(body.get("flags"), dict):
        layer.flags = dict(body["flags"])
    if isinstance(body.get("file_extra"), dict):
        layer.file_extra = dict(body["file_extra"])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def annotation_layers(doc: Any) -> list[AnnotationLayer]:
    """Every annotation layer of a document, bottom first."""
    return [layer for layer in doc.layers() if isinstance(layer, AnnotationLayer)]
