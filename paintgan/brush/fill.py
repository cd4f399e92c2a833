"""Flood fill with a colour tolerance and optional gap closing for line art. Qt-free.

`fill_mask(image, x, y, tolerance, gap)` returns the boolean region a bucket fill at (x, y) covers:
pixels 4-connected to the seed whose RGBA differs from the seed by at most `tolerance` (per channel).

Gap closing (useful on line art with small breaks): the "ink" (pixels that differ from the seed beyond the
tolerance) is dilated by `gap` pixels so breaks up to about 2×gap wide close, the fill is computed in what
remains, then grown back by `gap` pixels under the dilated ink (never onto the ink itself) so it still
reaches the lines.
"""

from __future__ import annotations

import cv2
import numpy as np

from paintgan.core.geometry import Rect


def _disk(radius: int) -> np.ndarray:
    d = 2 * radius + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d, d))


def _component(region: np.ndarray, x: int, y: int) -> np.ndarray:
    """The 4-connected component of boolean `region` that contains (x, y)."""
    h, w = region.shape
    img = region.view(np.uint8) if region.dtype == bool else region.astype(np.uint8)
    img = np.ascontiguousarray(img)
    mask = np.zeros((h + 2, w + 2), np.uint8)
    cv2.floodFill(img, mask, (int(x), int(y)), 0, 0, 0, 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    return mask[1:-1, 1:-1].view(bool)


def _similar(image: np.ndarray, seed: np.ndarray, tolerance: int) -> np.ndarray:
    """Pixels whose every channel is within `tolerance` of `seed`."""
    image = np.ascontiguousarray(image)
    out: np.ndarray | None = None
    for c in range(image.shape[2]):
        d = cv2.absdiff(np.ascontiguousarray(image[:, :, c]), int(seed[c]))
        out = d if out is None else cv2.max(out, d)
    assert out is not None
    return out <= tolerance


def fill_mask(image: np.ndarray, x: int, y: int, tolerance: int = 0, gap: int = 0) -> np.ndarray:
    """Boolean (h, w) mask of the fill region seeded at (x, y) in `image` ((h, w, C) uint8)."""
    if image.ndim == 2:
        image = image[:, :, None]
    h, w = image.shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        return np.zeros((h, w), bool)
    similar = _similar(image, image[y, x], int(tolerance))
    if gap <= 0:
        return _component(similar, x, y)
    ink = (~similar).astype(np.uint8)
    closed_ink = cv2.dilate(ink, _disk(gap)).astype(bool)
    if closed_ink[y, x]:  # clicked inside the closed-up margin: gap closing cannot help here
        return _component(similar, x, y)
    # every pixel under the closed ink belongs to its nearest free region (a Voronoi split), so growing
    # back never crosses a closed gap into the neighbouring region
    dist, labels = cv2.distanceTransformWithLabels(closed_ink.astype(np.uint8), cv2.DIST_L2, 5,
                                                   labelType=cv2.DIST_LABEL_CCOMP)
    core = _component(~closed_ink, x, y)
    mine = (labels == labels[y, x]) & (dist <= gap + 1.5)
    return _component((core | mine) & similar, x, y)


def mask_bbox(mask: np.ndarray) -> Rect | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return Rect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


def apply_fill(pixels: np.ndarray, mask: np.ndarray, color: tuple[int, int, int], opacity: float = 1.0
               ) -> np.ndarray:
    """Source-over `color` at `opacity` onto straight-alpha RGBA8 `pixels` where `mask` (a new array)."""
    out = pixels.copy()
    if opacity >= 1.0:
        out[mask] = (*color, 255)
        return out
    sel = out[mask].astype(np.float32)
    a = np.float32(opacity)
    da = sel[:, 3:4] / 255.0
    oa = a + da * (1.0 - a)
    safe = np.where(oa > 1e-6, oa, 1.0)
    rgb = (np.array(color, np.float32) * a + sel[:, :3] * da * (1.0 - a)) / safe
    sel[:, :3] = rgb
    sel[:, 3:4] = oa * 255.0
    out[mask] = np.clip(sel + 0.5, 0, 255).astype(np.uint8)
    return out
