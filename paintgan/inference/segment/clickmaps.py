"""Guidance maps and the RITM click rule for the mask model (numpy + OpenCV only).

The mask model sees the box crop (`CROP` x `CROP`, box plus `CONTEXT` on every side, as
`geometry.crop_image` cuts it) and `NUM_MAPS` guidance channels, all in [0, 1]:

0. positive clicks, 1. negative clicks, 2. extreme points: each a max of Gaussian blobs
   exp(-d^2 / (2 sigma^2)) centred on the clicks (crop pixel coordinates);
3. the previous mask (foreground probability), 0 before the first prediction.

`next_click` is the RITM evaluation protocol (Sofiiuk et al. 2022): the next click goes to the point of
the false-negative or false-positive region farthest from that region's boundary, in whichever error
has the larger such distance; a false negative gives a positive click. Training simulates corrections
with the same rule so the model learns what an annotator does.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

CROP = 128
CONTEXT = 0.15
NUM_MAPS = 4
SIGMA = 4.0  # crop pixels


def gaussian_map(points: Sequence[Sequence[float]], size: int = CROP, sigma: float = SIGMA) -> np.ndarray:
    """(size, size) float32: max over points of exp(-d^2 / (2 sigma^2)); zeros when there are none."""
    out = np.zeros((size, size), np.float32)
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) == 0:
        return out
    r = int(np.ceil(3 * sigma))
    g = np.arange(-r, r + 1, dtype=np.float64)
    for x, y in pts:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        cx, cy = round(x), round(y)
        x0, x1 = max(0, cx - r), min(size, cx + r + 1)
        y0, y1 = max(0, cy - r), min(size, cy + r + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        gx = np.exp(-((g[x0 - cx + r : x1 - cx + r] + cx - x) ** 2) / (2 * sigma * sigma))
        gy = np.exp(-((g[y0 - cy + r : y1 - cy + r] + cy - y) ** 2) / (2 * sigma * sigma))
        np.maximum(out[y0:y1, x0:x1], np.outer(gy, gx).astype(np.float32), out=out[y0:y1, x0:x1])
    return out


def guidance(
    positive: Sequence[Sequence[float]] = (),
    negative: Sequence[Sequence[float]] = (),
    extreme: Sequence[Sequence[float]] = (),
    prev_mask: np.ndarray | None = None,
    size: int = CROP,
    sigma: float = SIGMA,
) -> np.ndarray:
    """(NUM_MAPS, size, size) float32 guidance maps; points in crop pixel coordinates."""
    prev = np.zeros((size, size), np.float32) if prev_mask is None else np.asarray(prev_mask, np.float32)
    if prev.shape != (size, size):
        prev = cv2.resize(prev, (size, size), interpolation=cv2.INTER_LINEAR)
    return np.stack(
        [
            gaussian_map(positive, size, sigma),
            gaussian_map(negative, size, sigma),
            gaussian_map(extreme, size, sigma),
            np.clip(prev, 0.0, 1.0),
        ]
    )


def next_click(pred: np.ndarray, gt: np.ndarray, pad: bool = True) -> tuple[float, float, bool] | None:
    """RITM click: (x, y, positive) at the error point farthest from the error boundary; None if no error.

    `pred` and `gt` are bool masks of one shape. With `pad`, the image border counts as boundary (as in
    RITM), so clicks stay away from the frame."""
    fn = np.logical_and(gt, ~pred)
    fp = np.logical_and(~gt, pred)
    if not fn.any() and not fp.any():
        return None
    best: tuple[float, float, bool] | None = None
    best_d = -1.0
    for err, positive in ((fn, True), (fp, False)):
        if not err.any():
            continue
        e = np.pad(err, 1).astype(np.uint8) if pad else err.astype(np.uint8)
        d = cv2.distanceTransform(e, cv2.DIST_L2, 5)
        if pad:
            d = d[1:-1, 1:-1]
        i = int(np.argmax(d))
        if float(d.flat[i]) > best_d:
            best_d = float(d.flat[i])
            y, x = divmod(i, err.shape[1])
            best = (float(x), float(y), positive)
    return best


__all__ = ["CONTEXT", "CROP", "NUM_MAPS", "SIGMA", "gaussian_map", "guidance", "next_click"]
