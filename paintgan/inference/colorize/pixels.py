"""Pixel helpers of the colorize engine (numpy + OpenCV; no model, no torch, no Qt): any picture to uint8
RGB, fast CIE lightness, Lab -> RGB, line-art levels and the line-art / gray detection.

They sit below both the network engine (`engine.py`) and the classical flats (`flat.py`), so neither has
to import the other for them. Colour conversions use OpenCV's float Lab, the convention of `color.py`
(which is ~40x slower on an A4 page and is kept for hints, palettes and the ab bins).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from paintgan.errors import PaintGANError


class ColorizeInputError(PaintGANError, ValueError):
    """An image or argument the colorizer cannot use."""


def as_rgb_u8(image: Any) -> np.ndarray:
    """(H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA (composited over white), uint8 or float [0, 1]
    -> (H, W, 3) uint8 RGB."""
    if not isinstance(image, np.ndarray):
        raise ColorizeInputError(f"image must be a numpy array, got {type(image).__name__}")
    a = image
    if a.dtype != np.uint8:
        if a.dtype.kind == "f":
            a = (np.clip(np.nan_to_num(a), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        elif a.dtype == np.uint16:
            a = (a >> 8).astype(np.uint8)
        else:
            raise ColorizeInputError(f"image must be uint8 or float, got dtype {a.dtype}")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_GRAY2RGB)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ColorizeInputError(f"image must have shape (H, W), (H, W, 3) or (H, W, 4), got {a.shape}")
    if a.shape[2] == 4:
        alpha = a[..., 3:4].astype(np.uint16)
        rgb = (a[..., :3].astype(np.uint16) * alpha + 255 * (255 - alpha) + 127) // 255
        return rgb.astype(np.uint8)
    return np.ascontiguousarray(a)


_LIN_LUT: np.ndarray | None = None
_L_LUT: np.ndarray | None = None


def _l_of_y(y: np.ndarray) -> np.ndarray:
    y = np.ascontiguousarray(y, dtype=np.float32)
    L = cv2.pow(np.maximum(y, 0.0), 1.0 / 3.0)
    L *= 116.0
    L -= 16.0
    small = y <= 0.008856
    if small.any():
        L[small] = 903.3 * y[small]
    return L


def lightness(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) or (H, W) uint8 -> CIE L (0..100) float32, fast (OpenCV LUT + cube root), same formula as
    `color.rgb_to_lab`. Gray input (2-D) takes a 256-entry table."""
    global _LIN_LUT, _L_LUT
    if _LIN_LUT is None:
        v = np.arange(256, dtype=np.float64) / 255.0
        _LIN_LUT = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)
        _L_LUT = _l_of_y(_LIN_LUT.reshape(1, -1)).reshape(-1)
    if rgb.ndim == 2:
        assert _L_LUT is not None
        return cv2.LUT(np.ascontiguousarray(rgb), _L_LUT)
    lin = cv2.LUT(rgb, _LIN_LUT)
    y = cv2.transform(lin, np.array([[0.212671, 0.715160, 0.072169]], np.float32))
    return _l_of_y(y.reshape(rgb.shape[:2]))


def gray_if_neutral(image: np.ndarray) -> np.ndarray | None:
    """(H, W) uint8 when `image` is 2-D or an RGB(A) uint8 picture with R = G = B (and opaque), else None."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        return None
    if a.ndim == 2:
        return a
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        return None
    if a.shape[2] == 4 and a[::7, ::7, 3].min() < 255:
        return None
    sub = a[::7, ::7]
    if not (np.array_equal(sub[..., 0], sub[..., 1]) and np.array_equal(sub[..., 0], sub[..., 2])):
        return None
    r = a[..., 0]
    if a.shape[2] == 4 and a[..., 3].min() < 255:
        return None
    if cv2.countNonZero(cv2.absdiff(r, a[..., 1])) or cv2.countNonZero(cv2.absdiff(r, a[..., 2])):
        return None
    return np.ascontiguousarray(r)


def lab_to_rgb_u8(lab: np.ndarray) -> np.ndarray:
    """float32 Lab (H, W, 3) (OpenCV convention) -> uint8 RGB, fast."""
    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB)
    return cv2.convertScaleAbs(rgb, alpha=255.0)


def lineart_levels(gray_u8: np.ndarray, sample: int = 262144) -> np.ndarray:
    """Gray uint8 line art -> float32 [0, 1] with paper stretched to 1 and the darkest ink to 0 (scans),
    like `lineart.prepare_lineart_input` but with the percentiles taken on a subsample (fast on pages)."""
    g = gray_u8
    step = max(1, int(np.sqrt(g.size / sample)))
    sub = g[::step, ::step].astype(np.float32) / 255.0
    lo, hi = np.percentile(sub, 0.5), np.percentile(sub, 90)
    out = g.astype(np.float32)
    out *= 1.0 / 255.0
    if hi - lo > 0.1:
        out -= lo
        out *= 1.0 / (hi - lo)
        np.clip(out, 0.0, 1.0, out=out)
    return out


def detect_input_kind(image: np.ndarray) -> str:
    """"lineart" for mostly near-white paper with thin dark ink, else "gray"."""
    rgb = as_rgb_u8(image)
    h, w = rgb.shape[:2]
    f = min(1.0, 1024.0 / max(h, w))
    if f < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    hsv_s = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gn = lineart_levels(g)
    white = gn > 0.85
    if white.mean() < 0.5 or np.percentile(g, 90) < 140:
        return "gray"
    nonwhite = ~white
    if nonwhite.any() and (hsv_s[nonwhite] > 60).mean() > 0.3:  # a colour picture on white
        return "gray"
    ink = gn < 0.5
    mid = nonwhite & ~ink
    if ink.mean() > 0.3 or ink.mean() < 1e-4 or mid.mean() > max(0.12, 1.5 * ink.mean()):
        return "gray"
    k = max(5, round(max(rgb.shape[:2]) / 100)) | 1
    opened = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return "lineart" if opened.sum() <= 0.6 * ink.sum() else "gray"

