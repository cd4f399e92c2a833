"""Geometry shared by the polygon model's training and inference (numpy + OpenCV only, no torch).

Coordinates are image pixel coordinates (x right, y down, pixel centres at integers, as OpenCV and
LabelMe use). The model works in a 224x224 crop around the box with 15 % context on every side; points
inside the model are "unit" crop coordinates in [0, 1] (0 = left/top edge of the crop, 1 = right/bottom
edge), which is what `F.grid_sample(..., align_corners=False)` expects after `2 * p - 1`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from paintgan.errors import PaintGANError

CROP_SIZE = 224
CONTEXT = 0.15  # fraction of the box size added on every side
NUM_POINTS = 40
MIN_BOX_SIDE = 2.0  # pixels


class BoxError(PaintGANError, ValueError):
    """A box (or extreme points) the polygon model cannot use: empty, 1 pixel, outside the image."""


def validate_box(box: Sequence[float], image_shape: Sequence[int]) -> tuple[float, float, float, float]:
    """Check a box (x0, y0, x1, y1) against an image of shape (H, W, ...); returns it as floats."""
    try:
        vals = [float(v) for v in box]
    except (TypeError, ValueError):
        raise BoxError(f"box must be 4 numbers x0,y0,x1,y1, got {box!r}") from None
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        raise BoxError(f"box must be 4 finite numbers x0,y0,x1,y1, got {box!r}")
    x0, y0, x1, y1 = vals
    if x1 < x0:
        x0, x1 = x1, x0
    if y1 < y0:
        y0, y1 = y1, y0
    h, w = int(image_shape[0]), int(image_shape[1])
    bw, bh = x1 - x0, y1 - y0
    if bw < MIN_BOX_SIDE or bh < MIN_BOX_SIDE:
        raise BoxError(
            f"box {_fmt(vals)} is too small ({bw:g}x{bh:g} px); draw a box at least "
            f"{MIN_BOX_SIDE:g} px wide and high around the object"
        )
    ix0, iy0, ix1, iy1 = max(x0, 0.0), max(y0, 0.0), min(x1, w - 1.0), min(y1, h - 1.0)
    if ix1 - ix0 < 1.0 or iy1 - iy0 < 1.0:
        raise BoxError(f"box {_fmt(vals)} is outside the {w}x{h} image")
    return x0, y0, x1, y1


def _fmt(vals: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:g}" for v in vals) + ")"


def crop_matrix(box: Sequence[float], size: int = CROP_SIZE, context: float = CONTEXT) -> np.ndarray:
    """2x3 affine matrix from image pixel coordinates to crop pixel coordinates."""
    x0, y0, x1, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    cx0, cy0 = x0 - context * w, y0 - context * h
    sx, sy = size / (w * (1 + 2 * context)), size / (h * (1 + 2 * context))
    return np.array([[sx, 0.0, -cx0 * sx], [0.0, sy, -cy0 * sy]], dtype=np.float64)


def crop_image(
    image: np.ndarray, box: Sequence[float], size: int = CROP_SIZE, context: float = CONTEXT
) -> tuple[np.ndarray, np.ndarray]:
    """Cut the box (+ context) out of `image` and resize it to size x size (outside the image: black).

    Returns (crop, M) where M maps image pixel coordinates to crop pixel coordinates. Large shrink
    factors go through an INTER_AREA pre-shrink of the region of interest, so thin details don't alias.
    """
    m = crop_matrix(box, size, context)
    sx, sy = m[0, 0], m[1, 1]
    cx0, cy0 = -m[0, 2] / sx, -m[1, 2] / sy
    cw, ch = size / sx, size / sy
    hh, ww = image.shape[:2]
    ix0, iy0 = max(0, math.floor(cx0) - 1), max(0, math.floor(cy0) - 1)
    ix1, iy1 = min(ww, math.ceil(cx0 + cw) + 2), min(hh, math.ceil(cy0 + ch) + 2)
    if ix1 <= ix0 or iy1 <= iy0:
        return np.zeros((size, size, *image.shape[2:]), image.dtype), m
    roi = image[iy0:iy1, ix0:ix1]
    rw, rh = ix1 - ix0, iy1 - iy0
    rx, ry = min(1.0, 2.0 * sx), min(1.0, 2.0 * sy)
    if rx < 1.0 or ry < 1.0:
        nw, nh = max(1, round(rw * rx)), max(1, round(rh * ry))
        roi = cv2.resize(roi, (nw, nh), interpolation=cv2.INTER_AREA)
        rx, ry = nw / rw, nh / rh
    a = np.array(
        [
            [sx / rx, 0.0, (0.5 / rx - 0.5 + ix0 - cx0) * sx],
            [0.0, sy / ry, (0.5 / ry - 0.5 + iy0 - cy0) * sy],
        ],
        dtype=np.float64,
    )
    crop = cv2.warpAffine(
        np.ascontiguousarray(roi),
        a,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return crop, m


def image_to_unit(points: np.ndarray, m: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Image pixel coordinates -> unit crop coordinates."""
    p = np.asarray(points, dtype=np.float64)
    q = p @ m[:, :2].T + m[:, 2]
    return (q + 0.5) / size


def unit_to_image(points: np.ndarray, m: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Unit crop coordinates -> image pixel coordinates."""
    q = np.asarray(points, dtype=np.float64) * size - 0.5
    return (q - m[:, 2]) / np.array([m[0, 0], m[1, 1]])


def init_points(n: int = NUM_POINTS, context: float = CONTEXT) -> np.ndarray:
    """n points on the ellipse inscribed in the box, in unit crop coordinates, starting at the top and
    going clockwise on screen (y down)."""
    r = 0.5 / (1 + 2 * context)
    t = -math.pi / 2 + 2 * math.pi * np.arange(n) / n
    return np.stack([0.5 + r * np.cos(t), 0.5 + r * np.sin(t)], axis=1).astype(np.float32)


# ------------------------------------------------------------------------------------- polygons & masks


def signed_area(poly: np.ndarray) -> float:
    """Shoelace area; positive when the polygon is clockwise on screen (y down)."""
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def orient_clockwise(poly: np.ndarray) -> np.ndarray:
    """The polygon with clockwise on-screen orientation (the model's convention)."""
    return poly if signed_area(poly) >= 0 else poly[::-1].copy()


def resample_polygon(poly: np.ndarray, n: int, start: float = 0.0) -> np.ndarray:
    """n points spaced uniformly by arc length along the closed polygon; `start` in [0, 1) shifts the
    first point along the perimeter."""
    p = np.asarray(poly, dtype=np.float64)
    if len(p) == 0:
        raise ValueError("empty polygon")
    closed = np.concatenate([p, p[:1]], axis=0)
    seg = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    total = float(seg.sum())
    if total <= 1e-12:
        return np.repeat(p[:1], n, axis=0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    t = ((np.arange(n) / n + start) % 1.0) * total
    idx = np.clip(np.searchsorted(cum, t, side="right") - 1, 0, len(seg) - 1)
    frac = (t - cum[idx]) / np.maximum(seg[idx], 1e-12)
    return closed[idx] + (closed[idx + 1] - closed[idx]) * frac[:, None]


def polygon_to_mask(poly: np.ndarray, shape: Sequence[int], shift: int = 4) -> np.ndarray:
    """Rasterise a polygon (pixel coordinates) to a bool mask of shape (H, W), sub-pixel accurate."""
    mask = np.zeros((int(shape[0]), int(shape[1])), np.uint8)
    p = np.asarray(poly, dtype=np.float64)
    if len(p) >= 3 and np.all(np.isfinite(p)):
        pts = np.round(p * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=shift)
    return mask.astype(bool)


def mask_to_polygon(mask: np.ndarray) -> np.ndarray | None:
    """The outer contour of the largest connected component of a mask (clockwise, pixel coordinates),
    or None for an empty mask."""
    m = np.ascontiguousarray(mask.astype(np.uint8))
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    best = max(contours, key=cv2.contourArea)
    poly = best.reshape(-1, 2).astype(np.float64)
    if len(poly) < 3:
        return None
    return orient_clockwise(poly)


def extreme_points(mask: np.ndarray) -> np.ndarray:
    """Left-most, top-most, right-most, bottom-most points of a mask (the median of ties), shape (4, 2)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        raise ValueError("empty mask")
    out = []
    for coord, other, pick in ((xs, ys, np.min), (ys, xs, np.min), (xs, ys, np.max), (ys, xs, np.max)):
        v = pick(coord)
        o = float(np.median(other[coord == v]))
        out.append((float(v), o) if coord is xs else (o, float(v)))
    return np.array(out, dtype=np.float64)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.logical_and(a, b).sum()
    union = np.logical_or(a, b).sum()
    return float(inter / union) if union else 1.0


def polygon_iou(pred: np.ndarray, gt: np.ndarray, shape: Sequence[int]) -> float:
    return mask_iou(polygon_to_mask(pred, shape), polygon_to_mask(gt, shape))


def point_to_polygon_distance(points: np.ndarray, poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to the closed polygon outline and the nearest outline point."""
    p = np.asarray(points, dtype=np.float64)[:, None, :]
    a = np.asarray(poly, dtype=np.float64)
    b = np.roll(a, -1, axis=0)
    ab = b - a
    t = np.clip(np.sum((p - a) * ab, -1) / np.maximum(np.sum(ab * ab, -1), 1e-12), 0.0, 1.0)
    proj = a + t[..., None] * ab
    d = np.linalg.norm(p - proj, axis=-1)
    j = np.argmin(d, axis=1)
    rows = np.arange(len(p))
    return d[rows, j], proj[rows, j]
