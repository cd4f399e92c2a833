"""Click-to-polygon engine for `segment` models (numpy + ONNX Runtime only).

Two kinds of model folder are served by one `PolygonPredictor`:

* a mask model (role `mask`, `paintgan.inference.segment.mask_engine`): box / clicks / extreme points ->
  foreground mask -> adaptive polygons; `predict_clicks` adds RITM corrective clicks, and `refine` turns
  vertex drags into model guidance (the dragged vertex's move becomes a positive or negative click on the
  region between its old and new position; every fixed vertex is a boundary point) and then puts each
  fixed vertex exactly where the user put it;
* the older 40-vertex polygon model (roles `encoder`, `gcn`, `refine`), described below.

For the polygon model, `predict` crops the box (+15 % context) to 224x224, runs `encoder` then `gcn`
from the ellipse inscribed in the box, and maps the points back to image pixels. `refine` moves the free
vertices around the fixed ones with the `refine` graph, reusing the encoder features of the last image/box
(cached), and then puts every fixed vertex exactly where the user put it.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.errors import ModelError, PaintGANError
from paintgan.inference.segment import geometry as geo
from paintgan.inference.segment.geometry import BoxError
from paintgan.inference.segment.mask_engine import MaskSegmenter, SegmentResult, drag_guidance, insert_fixed

DEFAULT_MODEL = "segment"  # the mask model; "polygon" (the 40-vertex GCN model) when it is absent
FALLBACK_MODEL = "polygon"
ROLES = ("encoder", "gcn", "refine")
MASK_ROLES = ("mask",)


class SegmentInputError(PaintGANError, ValueError):
    """An image, polygon or fixed-vertex argument the polygon model cannot use."""


def _load_model(model: str | os.PathLike[str], device: str) -> Any:
    from paintgan.inference.registry import LoadedModel, ModelRegistry, inspect_model_dir

    path = Path(model)
    if path.is_dir():  # a model folder (its name need not match the manifest name)
        from paintgan.inference.runtime import create_session

        info = inspect_model_dir(path, verify=True)
        if not info.ok:
            raise ModelError(f"Click segmentation unavailable: {info.error}")
        assert info.manifest is not None
        handles = {
            f.role: create_session(path / f.path, device, sha256=f.sha256) for f in info.manifest.files
        }
        loaded = LoadedModel(info, handles, device)
    else:
        name = str(model)
        if os.sep in name or "/" in name:
            raise ModelError(f"Click segmentation unavailable: model folder {name} does not exist")
        loaded = ModelRegistry().load(name, device)
    if all(r in loaded.roles for r in MASK_ROLES):
        return loaded
    missing = [r for r in ROLES if r not in loaded.roles]
    if missing:
        raise ModelError(
            f"model {loaded.name} is not a polygon model: it has no '{missing[0]}' graph "
            f"(roles: {', '.join(loaded.roles)})"
        )
    return loaded


def _as_rgb(image: Any) -> np.ndarray:
    """(H, W, 3) uint8 RGB from uint8 / uint16 (top 8 bits) / float in [0, 1] images that are gray (H, W),
    (H, W, 1), RGB or RGBA (alpha ignored: the object is segmented on its colours)."""
    if not isinstance(image, np.ndarray):
        raise SegmentInputError(
            f"image must be a numpy array (H, W, 3) uint8 RGB, got {type(image).__name__}"
        )
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype.kind == "f":
        if not np.all(np.isfinite(image)):
            raise SegmentInputError("a float image must be finite (values in [0, 1])")
        image = np.clip(np.asarray(image, np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    elif image.dtype == np.bool_:
        image = image.astype(np.uint8) * 255
    if image.dtype != np.uint8:
        raise SegmentInputError(f"image must be uint8, uint16 or float RGB, got dtype {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    elif image.ndim == 3 and image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise SegmentInputError(f"image must have shape (H, W, 3), got {image.shape}")
    return image


def _fingerprint(image: np.ndarray) -> str:
    """Cheap content key: shape + a hash of a strided subsample (about 16k pixels, well under 1 ms)."""
    h, w = image.shape[:2]
    step = max(1, math.ceil(math.sqrt(h * w / 16384.0)))
    sample = np.ascontiguousarray(image[::step, ::step])
    return f"{image.shape}:{hashlib.blake2b(sample.tobytes(), digest_size=16).hexdigest()}"


class PolygonPredictor:
    """Box, clicks or 4 extreme points -> polygon(s), and vertex-drag refinement.

    `PolygonPredictor(model_dir_or_name="segment", device="auto", finish="guided")` (finish: "none",
    "guided" or "grabcut", see `mask_engine`);
    `PolygonPredictor.default()` loads the shipped model (the mask model, else the 40-vertex polygon
    model). `kind` is "mask" or "polygon"; `num_points` is the polygon model's fixed vertex count and 0
    for the mask model (adaptive counts). Not thread-safe for concurrent calls on one instance (caches)."""

    def __init__(
        self,
        model: str | os.PathLike[str] = DEFAULT_MODEL,
        device: str = "auto",
        *,
        refine_window: int | None = None,
        drag_weight: float | None = None,
        drag_sigma: float | None = None,
        finish: str = "guided",
    ) -> None:
        self.model = _load_model(model, device)
        self.kind = "mask" if all(r in self.model.roles for r in MASK_ROLES) else "polygon"
        # refine moves only free vertices within this many steps (along the polygon) of a fixed vertex;
        # None: the refine graph may move every free vertex
        self.refine_window = refine_window
        pre = dict(self.model.manifest.preprocessing or {})
        self._cache: tuple[tuple[Any, ...], np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()
        self.last_timings: dict[str, float] = {}
        self.last_fixed: dict[int, tuple[float, float]] = {}
        self.last_result: SegmentResult | None = None
        if self.kind == "mask":
            self.segmenter: MaskSegmenter | None = MaskSegmenter(self.model, finish)
            self.num_points = 0
            self.crop_size, self.context = self.segmenter.crop_size, self.segmenter.context
            return
        self.segmenter = None
        spec = {t.name: t for t in self.model.inputs("gcn")}
        shape = spec["points"].shape if "points" in spec else (1, geo.NUM_POINTS, 2)
        self.num_points = (
            int(shape[1]) if isinstance(shape[1], int) else int(pre.get("num_points", geo.NUM_POINTS))
        )
        self.crop_size = int(pre.get("crop_size", geo.CROP_SIZE))
        self.context = float(pre.get("context", geo.CONTEXT))
        # refine blends the refine graph's answer with a geometric "soft drag" (each moved vertex pulls its
        # neighbours along, weight exp(-(k / sigma)^2) at k steps): on 60 held-out scenes NoC@90 4.0 -> 3.7
        # at weight 0.5 (the refine graph alone is barely better than the drag; see the manifest)
        self.drag_weight = float(pre.get("drag_weight", 0.5) if drag_weight is None else drag_weight)
        self.drag_sigma = float(pre.get("drag_sigma", 2.0) if drag_sigma is None else drag_sigma)
        self._init = geo.init_points(self.num_points, self.context)[None].astype(np.float32)

    @classmethod
    def default(cls, device: str = "auto", finish: str = "guided") -> PolygonPredictor:
        """The shipped mask model (else the polygon model); ModelError with a clear message when absent."""
        last = ""
        for name in (DEFAULT_MODEL, FALLBACK_MODEL):
            try:
                return cls(name, device, finish=finish)
            except ModelError as exc:
                last = str(exc)
                if not last.startswith("no model named"):
                    raise ModelError(last) from None
        raise ModelError(f"Click segmentation unavailable: no segment model is installed ({last})")

    @property
    def device(self) -> str:
        return str(self.model.device)

    @property
    def name(self) -> str:
        return str(self.model.name)

    # ------------------------------------------------------------------------------ internals
    def _features(self, image: np.ndarray, box: Sequence[float]) -> tuple[np.ndarray, np.ndarray, bool]:
        """Encoder features and crop matrix for (image, box); cached for the last image/box."""
        b = geo.validate_box(box, image.shape)
        key = (
            id(image),
            image.__array_interface__["data"][0],
            _fingerprint(image),
            tuple(round(v, 4) for v in b),
        )
        with self._lock:
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1], self._cache[2], True
        t0 = time.perf_counter()
        crop, m = geo.crop_image(image, b, self.crop_size, self.context)
        x = (crop.astype(np.float32) * (1.0 / 255.0)).transpose(2, 0, 1)[None]
        t1 = time.perf_counter()
        feats = self.model.run({"image": np.ascontiguousarray(x)}, role="encoder")["features"]
        self.last_timings.update(crop_ms=(t1 - t0) * 1e3, encoder_ms=(time.perf_counter() - t1) * 1e3)
        with self._lock:
            self._cache = (key, feats, m)
        return feats, m, False

    def clear_cache(self) -> None:
        with self._lock:
            self._cache = None
        if self.segmenter is not None:
            self.segmenter.clear_cache()

    def _check_polygon(self, polygon: Any) -> np.ndarray:
        p = np.asarray(polygon, dtype=np.float64)
        if self.kind == "mask":
            if p.ndim != 2 or p.shape[1:] != (2,) or len(p) < 3 or not np.all(np.isfinite(p)):
                raise SegmentInputError(
                    f"polygon must be 3 or more finite (x, y) vertices, got shape {p.shape}"
                )
            return p.copy()
        if p.shape != (self.num_points, 2) or not np.all(np.isfinite(p)):
            raise SegmentInputError(
                f"polygon must be {self.num_points} finite (x, y) vertices as returned by "
                f"predict, got shape {p.shape}"
            )
        return p

    def _check_fixed(
        self, fixed: Mapping[int, Sequence[float]], n: int | None = None
    ) -> dict[int, tuple[float, float]]:
        n = self.num_points if n is None else n
        out: dict[int, tuple[float, float]] = {}
        for k, v in dict(fixed).items():
            i = int(k)
            if not -n <= i < n:
                raise SegmentInputError(f"fixed vertex index {k} is out of range (0..{n - 1})")
            try:
                x, y = (float(c) for c in v)
            except (TypeError, ValueError):
                raise SegmentInputError(f"fixed vertex {k} must be an (x, y) pair, got {v!r}") from None
            if not (np.isfinite(x) and np.isfinite(y)):
                raise SegmentInputError(f"fixed vertex {k} must be finite, got {v!r}")
            out[i % n] = (x, y)
        return out

    # ------------------------------------------------------------------------------ public API
    def predict(self, image: np.ndarray, box: Sequence[float]) -> np.ndarray:
        """Polygon (N, 2) float64 in image pixel coordinates for the object in `box` (x0, y0, x1, y1): the
        largest part for the mask model (all parts: `predict_clicks`)."""
        t0 = time.perf_counter()
        image = _as_rgb(image)
        if self.segmenter is not None:
            res = self._segment(image, box)
            self.last_timings.update(predict_ms=(time.perf_counter() - t0) * 1e3)
            return res.polygon.copy()
        feats, m, _ = self._features(image, box)
        t1 = time.perf_counter()
        pts = self.model.run({"features": feats, "points": self._init}, role="gcn")["points_out"][0]
        self.last_timings.update(
            gcn_ms=(time.perf_counter() - t1) * 1e3, predict_ms=(time.perf_counter() - t0) * 1e3
        )
        return geo.unit_to_image(pts.astype(np.float64), m, self.crop_size)

    def refine(
        self,
        image: np.ndarray,
        box: Sequence[float],
        polygon: Any,
        fixed: Mapping[int, Sequence[float]],
        *,
        live: bool = False,
    ) -> np.ndarray:
        """Move the free vertices of `polygon` given the vertices in `fixed` ({index: (x, y)}), which are
        returned exactly as given. Reuses the encoder features when image and box are unchanged.

        Mask model: any polygon (N >= 3); the drags become guidance (`mask_engine.drag_guidance`) with the
        polygon as the previous mask, and the new adaptive polygon gets every fixed point as a vertex
        (their new indices: `last_fixed`; the last fixed vertex keeps its index). `live=True` is for a
        drag in progress (every mouse move): one model pass instead of the flip-averaged two, half the
        time; the drag's release then refines once more with `live=False`. The polygon model ignores it."""
        t0 = time.perf_counter()
        image = _as_rgb(image)
        poly = self._check_polygon(polygon)
        fx = self._check_fixed(fixed, len(poly))
        if self.segmenter is not None:
            return self._refine_mask(image, box, poly, fx, t0, live)
        feats, m, _ = self._features(image, box)
        if not fx:
            return poly
        dragged = soft_drag(poly, fx, self.drag_sigma) if self.drag_weight > 0 else poly
        for i, xy in fx.items():
            poly[i] = xy
        u = geo.image_to_unit(poly, m, self.crop_size).astype(np.float32)[None]
        mask = np.zeros((1, self.num_points), np.float32)
        mask[0, list(fx)] = 1.0
        out = self.model.run({"features": feats, "points": u, "fixed": mask}, role="refine")["points_out"][0]
        res = geo.unit_to_image(out.astype(np.float64), m, self.crop_size)
        if self.drag_weight > 0:
            res = (1.0 - self.drag_weight) * res + self.drag_weight * dragged
        if self.refine_window is not None:
            n = self.num_points
            idx = np.arange(n)
            near = np.zeros(n, bool)
            for i in fx:
                d = np.abs(idx - i)
                near |= np.minimum(d, n - d) <= self.refine_window
            res[~near] = poly[~near]
        for i, xy in fx.items():
            res[i] = xy
        self.last_timings.update(refine_ms=(time.perf_counter() - t0) * 1e3)
        return res

    def predict_extreme(self, image: np.ndarray, points4: Any) -> np.ndarray:
        """Polygon from 4 extreme points (left, top, right, bottom in any order): the box they span, then
        each point is fixed at the nearest polygon vertex (distinct vertices) and the polygon refined."""
        p = np.asarray(points4, dtype=np.float64)
        if p.shape != (4, 2) or not np.all(np.isfinite(p)):
            raise BoxError(f"extreme points must be 4 finite (x, y) points, got shape {p.shape}")
        image = _as_rgb(image)
        box = (p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max())
        if self.segmenter is not None:
            box = (box[0] - 1.0, box[1] - 1.0, box[2] + 1.0, box[3] + 1.0)  # the points lie on the object
            return self._segment(image, box, extreme=p).polygon.copy()
        poly = self.predict(image, box)
        fixed = assign_to_vertices(poly, p)
        return self.refine(image, box, poly, fixed)

    # ------------------------------------------------------------------------------ mask model
    def predict_clicks(
        self,
        image: np.ndarray,
        box: Sequence[float],
        positive: Sequence[Sequence[float]] = (),
        negative: Sequence[Sequence[float]] = (),
    ) -> SegmentResult:
        """Re-predict the object in `box` with corrective clicks (image pixel coordinates; positive on
        missed object, negative on wrongly included background). Returns a `SegmentResult` (`polygons`
        largest first, `mask`; `np.asarray(result)` is the largest polygon). Clicks that extend the
        previous call's on the same image and box continue from its mask (RITM)."""
        t0 = time.perf_counter()
        image = _as_rgb(image)
        pos, neg = _points(positive, "positive"), _points(negative, "negative")
        if self.segmenter is None:  # polygon model: each click fixes its nearest vertex
            poly = self.predict(image, box)
            pts = np.concatenate([pos, neg]) if len(pos) + len(neg) else np.zeros((0, 2))
            if len(pts):
                poly = self.refine(image, box, poly, assign_to_vertices(poly, pts))
            b = geo.validate_box(box, image.shape)
            m = geo.crop_matrix(b, self.crop_size, self.context)
            res = SegmentResult([poly], b, np.zeros((self.crop_size,) * 2, np.float32), m, image.shape[:2])
            res._mask = geo.polygon_to_mask(poly, image.shape[:2])
            return res
        res = self._segment(image, box, pos, neg)
        self.last_timings.update(clicks_ms=(time.perf_counter() - t0) * 1e3)
        return res

    def _segment(
        self,
        image: np.ndarray,
        box: Sequence[float],
        positive: Any = (),
        negative: Any = (),
        extreme: Any = (),
        prev: np.ndarray | None = None,
        live: bool = False,
    ) -> SegmentResult:
        assert self.segmenter is not None
        res = self.segmenter.segment(
            image, box, positive, negative, extreme, prev, key=_fingerprint(image), live=live
        )
        if not res.polygons:  # nothing above 0.5: the box itself, so the user always gets a shape
            x0, y0, x1, y1 = res.box
            h, w = image.shape[:2]
            x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, w - 1.0), min(y1, h - 1.0)
            res.polygons = [np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)]
        self.last_timings.update(res.timings)
        self.last_result = res
        return res

    def _refine_mask(
        self,
        image: np.ndarray,
        box: Sequence[float],
        poly: np.ndarray,
        fx: dict[int, tuple[float, float]],
        t0: float,
        live: bool = False,
    ) -> np.ndarray:
        assert self.segmenter is not None
        if not fx:
            self.last_fixed = {}
            return poly
        pos, neg, boundary = drag_guidance(poly, fx)
        moved = poly.copy()
        for i, xy in fx.items():
            moved[i] = xy
        b = geo.validate_box(box, image.shape)
        # the box must hold every fixed vertex
        xs, ys = [p[0] for p in boundary], [p[1] for p in boundary]
        b = grow_box(b, xs, ys, LIVE_BOX_STEP if live else 0.0)
        s = self.segmenter.crop_size
        m = geo.crop_matrix(b, s, self.segmenter.context)
        prev = geo.polygon_to_mask(moved @ m[:, :2].T + m[:, 2], (s, s)).astype(np.float32)
        res = self._segment(image, b, pos, neg, boundary, prev=prev, live=live)
        out, placed = insert_fixed(res.polygon, list(fx.values()))
        # keep the last fixed vertex at its index (a drag in progress keeps addressing the same vertex)
        anchor_i, anchor_xy = list(fx.items())[-1]
        j = next(k for k, xy in placed.items() if xy == anchor_xy)
        shift = (anchor_i - j) % len(out)
        out = np.roll(out, shift, axis=0)
        self.last_fixed = {(k + shift) % len(out): xy for k, xy in placed.items()}
        self.last_timings.update(refine_ms=(time.perf_counter() - t0) * 1e3)
        return out


LIVE_BOX_STEP = 0.1  # a live drag outside the box grows it in steps of this fraction of its side


def grow_box(
    box: Sequence[float], xs: Sequence[float], ys: Sequence[float], step: float = 0.0
) -> tuple[float, float, float, float]:
    """`box` grown to hold the points (xs, ys). With `step` > 0 each side that must move goes out in whole
    steps of `step` times the box's side, so the mouse moves of a drag past the box edge mostly see the
    same box (and reuse its crop) instead of a new one per event."""
    x0, y0, x1, y1 = (float(v) for v in box)
    qx, qy = step * (x1 - x0), step * (y1 - y0)

    def out(edge: float, beyond: float, q: float, sign: float) -> float:
        d = (beyond - edge) * sign  # how far past the edge (outwards), if at all
        if d <= 0:
            return edge
        return edge + sign * (math.ceil(d / q) * q if q > 0 else d)

    return (
        out(x0, min(xs, default=x0), qx, -1.0),
        out(y0, min(ys, default=y0), qy, -1.0),
        out(x1, max(xs, default=x1), qx, 1.0),
        out(y1, max(ys, default=y1), qy, 1.0),
    )


def soft_drag(poly: np.ndarray, fixed: Mapping[int, tuple[float, float]], sigma: float) -> np.ndarray:
    """Every fixed vertex that moved pulls the others along by its displacement times
    exp(-(k / sigma)^2), k = steps along the (closed) polygon; fixed vertices end exactly where given."""
    poly = np.asarray(poly, np.float64)
    n = len(poly)
    out = poly.copy()
    idx = np.arange(n)
    for i, xy in fixed.items():
        d = np.asarray(xy, np.float64) - poly[i]
        if not d.any():
            continue
        k = np.abs(idx - i)
        k = np.minimum(k, n - k)
        out += np.exp(-((k / max(sigma, 1e-6)) ** 2))[:, None] * d
    for i, xy in fixed.items():
        out[i] = xy
    return out


def assign_to_vertices(poly: np.ndarray, points: np.ndarray) -> dict[int, tuple[float, float]]:
    """Map each point to a distinct polygon vertex, closest pairs first."""
    d = np.linalg.norm(poly[None, :, :] - points[:, None, :], axis=-1)  # (P, N)
    out: dict[int, tuple[float, float]] = {}
    used_p: set[int] = set()
    for flat in np.argsort(d, axis=None):
        pi, vi = divmod(int(flat), poly.shape[0])
        if pi in used_p or vi in out:
            continue
        out[vi] = (float(points[pi, 0]), float(points[pi, 1]))
        used_p.add(pi)
        if len(used_p) == len(points):
            break
    return out


def _points(points: Any, what: str) -> np.ndarray:
    p = np.asarray(points if len(points) else np.zeros((0, 2)), dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or not np.all(np.isfinite(p)):
        raise SegmentInputError(f"{what} clicks must be finite (x, y) points, got shape {p.shape}")
    return p
