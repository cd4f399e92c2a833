"""Mask-first click segmentation around a `mask` ONNX graph (numpy + OpenCV + ONNX Runtime, no torch).

One call: cut the box (+ context) to a `crop_size` crop (`geometry.crop_image`), stack the RGB with the
guidance maps (`clickmaps.guidance`: positive / negative clicks, extreme or boundary points, previous
mask), run the graph, and turn the foreground probability into adaptive polygons
(`polygonize.mask_to_polygons`). Corrective clicks re-run the graph with the previous probability fed
back (RITM); the last result per (image, box) is cached so a growing click list continues from it.

Finishing step: `finish="guided"` (the default) adds a colour model of the object and its surroundings (the
crop, and a ring of the photograph around the box) to the probability (`colour_prior`) and snaps it to the
photograph's colour edges with a colour guided filter on the crop (`guided_filter.finish_probability`,
about 8 ms; vertex drags skip it while the mouse moves; the next click is fed the model's own
probability), then fills the mask's holes that are coloured like the object rather than like the
photograph around the box (`colour_prior.fill_object_coloured_holes`, also while dragging);
`finish="grabcut"`: GrabCut (2 iterations) on a
160x160 crop of the box, initialised from the guided-filtered probability (sure foreground where it is
confident, sure background outside the box, clicks forced); the polygons then come from its mask, which
is also fed back on the next click.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import cv2
import numpy as np

from paintgan.inference.segment import geometry as geo
from paintgan.inference.segment import polygonize as pz
from paintgan.inference.segment.clickmaps import CONTEXT, CROP, SIGMA, guidance
from paintgan.inference.segment.colour_prior import (
    box_ring_channel,
    fill_object_coloured_holes,
    ring_pixels,
)
from paintgan.inference.segment.guided_filter import finish_probability

MIN_SIDE = 4.0  # the smallest box side (image pixels) the mask model segments
FINISH_SIZE = 160  # the GrabCut finishing step's crop side
FINISH_ITERS = 2
FINISHES = ("none", "guided", "grabcut")
Points = Sequence[Sequence[float]]


@dataclass
class SegmentResult:
    """Polygons (image pixel coordinates, clockwise, largest first) and the mask they came from.

    `np.asarray(result)` is the largest polygon, so code that wants one polygon keeps working."""

    polygons: list[np.ndarray]
    box: tuple[float, float, float, float]
    prob: np.ndarray  # (S, S) foreground probability on the crop
    crop_matrix: np.ndarray  # image pixel -> crop pixel (2x3)
    image_shape: tuple[int, int]
    timings: dict[str, float] = field(default_factory=dict)
    _mask: np.ndarray | None = None

    @property
    def polygon(self) -> np.ndarray:
        return self.polygons[0] if self.polygons else np.zeros((0, 2), np.float64)

    @property
    def mask(self) -> np.ndarray:
        """Bool (H, W) mask on the whole image (holes kept), computed on first use."""
        if self._mask is None:
            self._mask = pz.paste_prob(self.prob, self.crop_matrix, self.image_shape) > 0.5
        return self._mask

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.polygon, dtype=dtype or np.float64)

    def __len__(self) -> int:
        return len(self.polygon)


def check_box(
    box: Sequence[float], image_shape: Sequence[int], min_side: float = MIN_SIDE
) -> tuple[float, float, float, float]:
    b = geo.validate_box(box, image_shape)
    bw, bh = b[2] - b[0], b[3] - b[1]
    if bw < min_side or bh < min_side:
        raise geo.BoxError(
            f"box is too small ({bw:g}x{bh:g} px): the mask model needs a box at least {min_side:g} px "
            "wide and high around the object"
        )
    return b


def grabcut_finish(
    image: np.ndarray,
    box: Sequence[float],
    prob: np.ndarray,
    context: float,
    positive: Points = (),
    negative: Points = (),
    size: int = FINISH_SIZE,
    iters: int = FINISH_ITERS,
) -> tuple[np.ndarray, np.ndarray]:
    """GrabCut on a `size` crop of the box, initialised from the model: probably foreground where the
    model says > 0.5, sure foreground above 0.97 and at positive clicks, sure background outside the box
    (where the model agrees) and at negative clicks, probably background elsewhere. Returns the 0/1 map
    and its crop matrix (image pixel -> `size` crop pixel). Points are image pixel coordinates."""
    crop, m = geo.crop_image(image, box, size, context)
    p = cv2.resize(prob, (size, size), interpolation=cv2.INTER_LINEAR) if prob.shape[0] != size else prob
    lab = np.where(p > 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    lab[p > 0.97] = cv2.GC_FGD
    c0 = round(context / (1 + 2 * context) * size)
    outside = np.ones((size, size), bool)
    outside[c0 : size - c0, c0 : size - c0] = False
    lab[outside & (p < 0.5)] = cv2.GC_BGD
    for pts, v in ((positive, cv2.GC_FGD), (negative, cv2.GC_BGD)):
        for x, y in np.asarray(pts, np.float64).reshape(-1, 2) @ m[:, :2].T + m[:, 2]:
            cv2.circle(lab, (round(x), round(y)), 2, int(v), -1)
    fg = (lab == cv2.GC_FGD) | (lab == cv2.GC_PR_FGD)
    if fg.sum() < 10 or (~fg).sum() < 10:
        return (p > 0.5).astype(np.float32), m
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(
            np.ascontiguousarray(crop[..., ::-1]), lab, (0, 0, 1, 1), bgd, fgd, iters, cv2.GC_INIT_WITH_MASK
        )
    except cv2.error:
        return (p > 0.5).astype(np.float32), m
    return ((lab == cv2.GC_FGD) | (lab == cv2.GC_PR_FGD)).astype(np.float32), m


class BoxInputs(NamedTuple):
    crop: np.ndarray  # (S, S, 3) uint8 RGB: the box plus context
    matrix: np.ndarray  # image pixel -> crop pixel (2, 3)
    ring: np.ndarray  # (N, 3) uint8: the photograph around the box
    colour: np.ndarray | None  # (S, S) float32 colour channel, None when neither model nor finishing reads it


class MaskSegmenter:
    """Runs the `mask` graph of a loaded model (`paintgan.inference.registry.LoadedModel`)."""

    def __init__(self, model: Any, finish: str = "guided", flip: bool = True) -> None:
        if finish not in FINISHES:
            raise ValueError(f"finish must be one of {', '.join(FINISHES)}, got {finish!r}")
        self.model = model
        pre = dict(model.manifest.preprocessing or {})
        self.crop_size = int(pre.get("crop_size", CROP))
        self.context = float(pre.get("context", CONTEXT))
        self.sigma = float(pre.get("click_sigma", SIGMA))
        # models from step 13800 on read an eighth input channel: the colours inside the box
        # against the photograph's around it (`colour_prior.box_ring_channel`)
        self.colour_channel = pre.get("colour_channel") == "box_ring"
        self.finish = finish
        # average with the prediction on the mirrored crop, for twice the model time (about 5 ms on this
        # CPU). Shipped model (step 2200) on the 120 held-out scenes, with / without: box mIoU 0.850 /
        # 0.848, NoC@85 clicks 3.04 / 2.95, NoC@90 clicks 4.41 / 4.58, 31.6 / 34.8 vertices. Live vertex
        # drags skip it (`segment(live=True)`); NoC@85/90 with drags 4.22/5.26 with it, 4.42/5.90 without
        self.flip = flip
        self._last: tuple[Any, tuple[Any, ...], np.ndarray] | None = None
        self._box: tuple[tuple[Any, ...], BoxInputs] | None = None

    def clear_cache(self) -> None:
        self._last = None
        self._box = None

    def box_inputs(self, image: np.ndarray, box: tuple[float, ...], key: Any) -> BoxInputs:
        """What the box alone decides: its crop and crop matrix, the photograph's pixels around it
        (`ring_pixels`) and the colour channel (when the model or the "guided" finishing's hole fill reads
        it, else None). With `key` (an image fingerprint) the last box's are reused for the same image
        array and box (vertex drags inside the box and corrective clicks: about 2 ms of a 4000x3000
        photo's crop and resize saved per call)."""
        ck = (id(image), image.__array_interface__["data"][0], image.shape, key, box)
        if key is not None and self._box is not None and self._box[0] == ck:
            return self._box[1]
        crop, m = geo.crop_image(image, box, self.crop_size, self.context)
        ring = ring_pixels(image, box)
        wanted = self.colour_channel or self.finish == "guided"
        colour = box_ring_channel(crop, ring, self.context) if wanted else None
        out = BoxInputs(crop, m, ring, colour)
        if key is not None:
            crop.setflags(write=False)
            self._box = (ck, out)
        return out

    def _run(self, x: np.ndarray) -> np.ndarray:
        return self.model.run({"input": np.ascontiguousarray(x, np.float32)}, role="mask")["logits"][0, 0]

    def to_crop(self, points: Points, m: np.ndarray) -> np.ndarray:
        p = np.asarray(points, np.float64).reshape(-1, 2)
        return p @ m[:, :2].T + m[:, 2]

    def segment(
        self,
        image: np.ndarray,
        box: Sequence[float],
        positive: Points = (),
        negative: Points = (),
        extreme: Points = (),
        prev: np.ndarray | None = None,
        key: Any = None,
        live: bool = False,
    ) -> SegmentResult:
        """Box (+ clicks) -> SegmentResult. With `key` (an image fingerprint) and no `prev`, a call whose
        clicks extend the previous call's clicks on the same image and box reuses its probability as the
        previous mask. `live`: a vertex drag in progress, repeated on every mouse move: one model pass (no
        flip averaging) and no finishing step."""
        t0 = time.perf_counter()
        b = check_box(box, image.shape)
        clicks = (
            tuple(map(tuple, np.asarray(positive, float).reshape(-1, 2).tolist())),
            tuple(map(tuple, np.asarray(negative, float).reshape(-1, 2).tolist())),
            tuple(map(tuple, np.asarray(extreme, float).reshape(-1, 2).tolist())),
        )
        if prev is None and key is not None and self._last is not None:
            lkey, lclicks, lprob = self._last
            if (
                lkey == (key, b)
                and lclicks != clicks
                and all(c[: len(lc)] == lc for c, lc in zip(clicks, lclicks, strict=True))
                and (lclicks[0] or lclicks[1] or any(clicks[:2]))
            ):
                prev = lprob
        s = self.crop_size
        crop, m, ring, colour = self.box_inputs(image, b, key)
        pc, nc, ec = (self.to_crop(p, m) for p in (positive, negative, extreme))
        maps = guidance(pc, nc, ec, prev, s, self.sigma)
        parts = [(crop.astype(np.float32) * (1.0 / 255.0)).transpose(2, 0, 1), maps]
        if self.colour_channel:
            assert colour is not None
            parts.append(colour[None])
        x = np.concatenate(parts)[None]
        t1 = time.perf_counter()
        logits = self._run(x)
        if self.flip and not live:
            logits = 0.5 * (logits + self._run(x[..., ::-1])[:, ::-1])
        t2 = time.perf_counter()
        prob = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        out_prob, out_m = prob, m
        clicked = bool(len(pc) or len(nc))
        if self.finish == "guided":
            if not live:
                out_prob = finish_probability(crop, prob, ring, clicked)
            assert colour is not None
            out_prob = fill_object_coloured_holes(out_prob, colour, nc)
        elif self.finish == "grabcut":
            # initialised from the guided-filter finish: held-out box mIoU 0.914 -> 0.921, NoC@85/90 clicks
            # 1.34/2.88 -> 0.98/2.73 (about 44 ms a call)
            start = finish_probability(crop, prob, ring, clicked)
            out_prob, out_m = grabcut_finish(image, b, start, self.context, positive, negative)
            prob = cv2.resize(out_prob, (s, s), interpolation=cv2.INTER_AREA)  # fed back on the next click
        t3 = time.perf_counter()
        polys = pz.mask_to_polygons(out_prob, out_m, image.shape[:2])
        t4 = time.perf_counter()
        if key is not None:
            self._last = ((key, b), clicks, prob)
        timings = {
            "crop_ms": (t1 - t0) * 1e3,
            "model_ms": (t2 - t1) * 1e3,
            "finish_ms": (t3 - t2) * 1e3,
            "polygon_ms": (t4 - t3) * 1e3,
            "total_ms": (t4 - t0) * 1e3,
        }
        return SegmentResult(
            polys, b, out_prob.astype(np.float32), out_m, (int(image.shape[0]), int(image.shape[1])), timings
        )


# ------------------------------------------------------------------------------------- vertex drags


def point_in_polygon(poly: np.ndarray, xy: Sequence[float]) -> bool:
    c = np.asarray(poly, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(c, (float(xy[0]), float(xy[1])), False) >= 0


def drag_guidance(
    poly: np.ndarray, fixed: dict[int, tuple[float, float]], min_move: float = 1.0
) -> tuple[list[tuple[float, float]], list[tuple[float, float]], list[tuple[float, float]]]:
    """Vertex drags as model guidance: (positive clicks, negative clicks, boundary points).

    A vertex dragged out of the polygon means the region between its old and new place is foreground:
    a positive click at the midpoint; dragged inwards: a negative click there. Every fixed vertex is a
    point on the true outline (the extreme/boundary channel)."""
    pos: list[tuple[float, float]] = []
    neg: list[tuple[float, float]] = []
    for i, (x, y) in fixed.items():
        ox, oy = float(poly[i][0]), float(poly[i][1])
        if (x - ox) ** 2 + (y - oy) ** 2 < min_move**2:
            continue
        mid = ((x + ox) / 2.0, (y + oy) / 2.0)
        (neg if point_in_polygon(poly, (x, y)) else pos).append(mid)
    return pos, neg, [(float(x), float(y)) for x, y in fixed.values()]


def insert_fixed(
    poly: np.ndarray, points: Sequence[Sequence[float]]
) -> tuple[np.ndarray, dict[int, tuple[float, float]]]:
    """Put each point exactly on `poly`: it replaces the nearest vertex when that is within 2 px and not
    already taken, else it is inserted into the nearest edge. Returns the polygon and {index: point}."""
    out = [tuple(map(float, v)) for v in np.asarray(poly, np.float64)]
    taken: set[int] = set()
    pts = [tuple(map(float, p)) for p in points]
    for p in pts:
        arr = np.asarray(out)
        d = np.hypot(arr[:, 0] - p[0], arr[:, 1] - p[1])
        free = [i for i in np.argsort(d) if i not in taken]
        if free and d[free[0]] <= 2.0:
            out[free[0]] = p
            taken.add(int(free[0]))
            continue
        a, b = arr, np.roll(arr, -1, axis=0)
        ab = b - a
        t = np.clip(np.sum((np.asarray(p) - a) * ab, 1) / np.maximum(np.sum(ab * ab, 1), 1e-12), 0, 1)
        dist = np.hypot(*(a + t[:, None] * ab - np.asarray(p)).T)
        j = int(np.argmin(dist)) + 1
        out.insert(j, p)
        taken = {i + 1 if i >= j else i for i in taken} | {j}
    res = np.asarray(out, np.float64)
    mapping = {i: (float(res[i, 0]), float(res[i, 1])) for i in sorted(taken)}
    return res, mapping


__all__ = [
    "MIN_SIDE",
    "BoxInputs",
    "MaskSegmenter",
    "SegmentResult",
    "check_box",
    "drag_guidance",
    "grabcut_finish",
    "insert_fixed",
]
