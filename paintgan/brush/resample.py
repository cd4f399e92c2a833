"""Resampling of straight-RGBA pixels: scaling and affine warps with nearest, bilinear or area filtering.
Qt-free.

Colours are filtered premultiplied (a transparent pixel's colour never bleeds into its neighbours, the
dark-fringe bug of naive RGBA scaling) and turned back to straight alpha. "area" averages the covered
source pixels when shrinking (cv2 INTER_AREA; for a warp that shrinks, the source is first reduced by
area to the warp's scale, then warped bilinearly) and is bilinear when enlarging.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

METHODS = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "area": cv2.INTER_AREA}


def _premul(px: np.ndarray) -> np.ndarray:
    f = px.astype(np.float32)
    f[:, :, :3] *= f[:, :, 3:4] * np.float32(1.0 / 255.0)
    return f


def _straight(f: np.ndarray) -> np.ndarray:
    a = f[:, :, 3:4]
    safe = np.where(a > 1e-3, a, 1.0)
    f[:, :, :3] *= np.float32(255.0) / safe
    f[:, :, :3] = np.where(a > 1e-3, f[:, :, :3], 0.0)
    np.add(f, 0.5, out=f)
    return np.clip(f, 0, 255).astype(np.uint8)


def resize(px: np.ndarray, width: int, height: int, method: str = "area") -> np.ndarray:
    """`px` (h, w, 4) straight RGBA uint8 scaled to (height, width, 4)."""
    if method not in METHODS:
        raise ValueError(f"unknown resampling {method!r} (nearest, bilinear, area)")
    width, height = max(1, int(width)), max(1, int(height))
    if method == "nearest":
        return cv2.resize(px, (width, height), interpolation=cv2.INTER_NEAREST)
    h, w = px.shape[:2]
    interp = METHODS[method] if (width < w or height < h) else cv2.INTER_LINEAR
    return _straight(cv2.resize(_premul(px), (width, height), interpolation=interp))


def warp(px: np.ndarray, matrix: np.ndarray, width: int, height: int, method: str = "bilinear"
         ) -> np.ndarray:
    """`px` mapped through the 2×3 affine `matrix` (source pixel coordinates → output pixel coordinates,
    pixel centres at +0.5) into a transparent (height, width, 4) image."""
    if method not in METHODS:
        raise ValueError(f"unknown resampling {method!r} (nearest, bilinear, area)")
    m = np.asarray(matrix, np.float64).reshape(2, 3).copy()
    # pixel-centre convention: cv2 maps centre (i, j) to (i, j); ours maps i + 0.5
    shift_in = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    shift_out = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    full = shift_out @ np.vstack([m, [0, 0, 1]]) @ shift_in
    src = px
    if method == "area":
        scale = math.sqrt(abs(np.linalg.det(full[:2, :2])))
        if scale < 0.999:  # shrink by area first, then warp the remaining rotation bilinearly
            h, w = px.shape[:2]
            sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
            src = resize(px, sw, sh, "area")
            pre = np.array([[w / sw, 0, 0], [0, h / sh, 0], [0, 0, 1]])
            full = full @ (shift_out @ pre @ shift_in)  # small centre -> original centre
    if method == "nearest":
        return cv2.warpAffine(src, full[:2], (int(width), int(height)), flags=cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    out = cv2.warpAffine(_premul(src), full[:2], (int(width), int(height)), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    return _straight(out)


def warp_mask(mask: np.ndarray, matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """A uint8 coverage mask warped bilinearly (selections follow the pixels they select)."""
    m = np.asarray(matrix, np.float64).reshape(2, 3)
    shift_in = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    shift_out = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    full = shift_out @ np.vstack([m, [0, 0, 1]]) @ shift_in
    return cv2.warpAffine(mask, full[:2], (int(width), int(height)), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
