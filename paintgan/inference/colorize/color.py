"""Colour conversions and ab quantisation shared by training and the colorize engine, and the in-gamut
ab plane the colour picker shows (`ab_gamut`).

numpy-only (no torch, no Qt).  Lab follows OpenCV's float32 convention
(``cv2.cvtColor(rgb_float01, cv2.COLOR_RGB2Lab)``): sRGB in [0, 1], D65 white,
L in [0, 100], a and b roughly in [-128, 127].

The networks work in *normalised Lab*: ``(L / 100, a / 110, b / 110)``.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

L_SCALE = 100.0
AB_SCALE = 110.0
AB_GRID = 10.0  # ideepcolor quantisation step (gives ~313 in-gamut bins)
AB_RANGE = 110.0  # bins cover [-AB_RANGE, AB_RANGE]

# OpenCV's sRGB -> XYZ (D65) matrix and white point.
_RGB2XYZ = np.array(
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]],
    dtype=np.float64,
)
_WHITE = np.array([0.950456, 1.0, 1.088754], dtype=np.float64)
_XYZ2RGB = np.linalg.inv(_RGB2XYZ)
_T = 0.008856
_KAPPA = 903.3


def to_float_rgb(img: np.ndarray, background: float = 1.0) -> np.ndarray:
    """uint8/uint16/float RGB or RGBA (H, W, 3|4) or gray (H, W) -> float32 RGB in [0, 1].

    RGBA is composited over a uniform ``background`` (white by default).
    """
    a = np.asarray(img)
    if a.dtype == np.uint8:
        f = a.astype(np.float32) / 255.0
    elif a.dtype == np.uint16:
        f = a.astype(np.float32) / 65535.0
    else:
        f = a.astype(np.float32)
    if f.ndim == 2:
        f = np.repeat(f[..., None], 3, axis=2)
    if f.shape[2] == 4:
        alpha = f[..., 3:4]
        f = f[..., :3] * alpha + background * (1.0 - alpha)
    elif f.shape[2] == 1:
        f = np.repeat(f, 3, axis=2)
    return np.clip(f[..., :3], 0.0, 1.0).astype(np.float32)


def _pow32(x: np.ndarray, e: float) -> np.ndarray:
    """Elementwise x ** e for non-negative float32 x (OpenCV's SIMD pow: ~10x faster than np.cbrt)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.size == 0:
        return x.copy()
    return cv2.pow(x.reshape(-1, 1), float(e)).reshape(x.shape)


def _srgb_to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(c: np.ndarray) -> np.ndarray:
    c = np.clip(c, 0.0, None)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1.0 / 2.4) - 0.055)


_LIN_LUT_U8 = None


def _linear_lut_u8() -> np.ndarray:
    global _LIN_LUT_U8
    if _LIN_LUT_U8 is None:
        _LIN_LUT_U8 = _srgb_to_linear(np.arange(256, dtype=np.float64) / 255.0).astype(np.float32)
    return _LIN_LUT_U8


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """RGB (..., 3), float in [0, 1] or uint8 -> float32 Lab (..., 3), OpenCV float convention.

    uint8 input takes a fast table path (same result as ``rgb / 255``)."""
    a = np.asarray(rgb)
    if a.dtype == np.uint8:
        c = _linear_lut_u8()[a]
    else:
        c = np.clip(a.astype(np.float32), 0.0, 1.0)
        c = np.where(c <= 0.04045, c / 12.92, _pow32((c + 0.055) / 1.055, 2.4)).astype(np.float32)
    shape = c.shape
    xyz = (c.reshape(-1, 3) @ (_RGB2XYZ / _WHITE[:, None]).T.astype(np.float32)).reshape(shape)
    xyz = np.maximum(xyz, 0.0)
    f = np.where(xyz > _T, _pow32(xyz, 1.0 / 3.0), 7.787 * xyz + 16.0 / 116.0).astype(np.float32)
    y = xyz[..., 1]
    out = np.empty(xyz.shape, np.float32)
    out[..., 0] = np.where(y > _T, 116.0 * f[..., 1] - 16.0, _KAPPA * y)
    out[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    out[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return out


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Lab (..., 3) in OpenCV float convention -> float32 sRGB in [0, 1] (clipped)."""
    lab = np.asarray(lab, dtype=np.float64)
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    small = L <= _KAPPA * _T
    y = np.where(small, L / _KAPPA, ((L + 16.0) / 116.0) ** 3)
    fy = np.where(small, 7.787 * y + 16.0 / 116.0, (L + 16.0) / 116.0)
    fx = a / 500.0 + fy
    fz = fy - b / 200.0

    def finv(t: np.ndarray) -> np.ndarray:
        return np.where(t > 0.206893, t**3, (t - 16.0 / 116.0) / 7.787)

    xyz = np.stack([finv(fx), y, finv(fz)], axis=-1) * _WHITE
    rgb = _linear_to_srgb(xyz @ _XYZ2RGB.T)
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def rgb_to_gray(rgb: np.ndarray) -> np.ndarray:
    """float RGB [0, 1] -> lightness L / 100 in [0, 1] (the 'gray' network input)."""
    return (rgb_to_lab(rgb)[..., 0] / L_SCALE).astype(np.float32)


def normalize_lab(lab: np.ndarray) -> np.ndarray:
    """Lab -> the network representation (L/100, a/110, b/110)."""
    lab = np.asarray(lab, dtype=np.float32)
    return lab / np.array([L_SCALE, AB_SCALE, AB_SCALE], dtype=np.float32)


def denormalize_lab(nlab: np.ndarray) -> np.ndarray:
    return np.asarray(nlab, dtype=np.float32) * np.array([L_SCALE, AB_SCALE, AB_SCALE], dtype=np.float32)


def rgb_to_net(rgb: np.ndarray) -> np.ndarray:
    """float RGB [0, 1] (..., 3) -> normalised Lab (..., 3)."""
    return normalize_lab(rgb_to_lab(rgb))


def net_to_rgb(nlab: np.ndarray) -> np.ndarray:
    """normalised Lab (..., 3) -> float RGB [0, 1]."""
    return lab_to_rgb(denormalize_lab(nlab))


# --------------------------------------------------------------------------- ab bins
def _grid_n(grid: float = AB_GRID, ab_range: float = AB_RANGE) -> int:
    return round(2 * ab_range / grid) + 1


@lru_cache(maxsize=4)
def _gamut_cells(grid: float = AB_GRID, ab_range: float = AB_RANGE) -> np.ndarray:
    """Grid cells (ia, ib) that some 8-bit sRGB colour falls into (sorted, deterministic)."""
    v = np.arange(0, 256, 3, dtype=np.float64) / 255.0
    v = np.unique(np.concatenate([v, [1.0]]))
    r, g, b = np.meshgrid(v, v, v, indexing="ij")
    lab = rgb_to_lab(np.stack([r, g, b], -1).reshape(-1, 3))
    n = _grid_n(grid, ab_range)
    idx = np.clip(np.round((lab[:, 1:] + ab_range) / grid).astype(np.int64), 0, n - 1)
    cells = np.unique(idx[:, 0] * n + idx[:, 1])
    return cells


def ab_bin_centers(grid: float = AB_GRID, ab_range: float = AB_RANGE) -> np.ndarray:
    """(Q, 2) float32 centres (a, b) of the in-gamut ab bins, in Lab units."""
    cells = _gamut_cells(grid, ab_range)
    n = _grid_n(grid, ab_range)
    ia, ib = cells // n, cells % n
    return np.stack([ia * grid - ab_range, ib * grid - ab_range], axis=1).astype(np.float32)


@lru_cache(maxsize=4)
def _cell_to_bin_lut(grid: float = AB_GRID, ab_range: float = AB_RANGE) -> np.ndarray:
    """(n*n,) int64: every grid cell -> nearest in-gamut bin."""
    centers = ab_bin_centers(grid, ab_range).astype(np.float64)
    n = _grid_n(grid, ab_range)
    g = np.arange(n) * grid - ab_range
    ca, cb = np.meshgrid(g, g, indexing="ij")
    pts = np.stack([ca.ravel(), cb.ravel()], 1)
    d = ((pts[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    return d.argmin(1).astype(np.int64)


def num_ab_bins(grid: float = AB_GRID, ab_range: float = AB_RANGE) -> int:
    return len(_gamut_cells(grid, ab_range))


def ab_to_bin(ab: np.ndarray, grid: float = AB_GRID, ab_range: float = AB_RANGE) -> np.ndarray:
    """ab in Lab units, shape (..., 2) -> int64 bin index (...,) (nearest in-gamut bin)."""
    ab = np.asarray(ab, dtype=np.float32)
    n = _grid_n(grid, ab_range)
    idx = np.clip(np.round((ab + ab_range) / grid).astype(np.int64), 0, n - 1)
    return _cell_to_bin_lut(grid, ab_range)[idx[..., 0] * n + idx[..., 1]]


def palette_histogram(rgb_colors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Palette colours (K, 3) float RGB [0, 1] -> (Q,) float32 normalised ab histogram (net 'palette' input).

    An empty palette gives all zeros (= no palette).
    """
    q = num_ab_bins()
    hist = np.zeros(q, dtype=np.float32)
    cols = np.asarray(rgb_colors, dtype=np.float32).reshape(-1, 3)
    if len(cols) == 0:
        return hist
    w = np.ones(len(cols), np.float32) if weights is None else np.asarray(weights, np.float32)
    bins = ab_to_bin(rgb_to_lab(cols)[:, 1:])
    np.add.at(hist, bins, w)
    s = hist.sum()
    return hist / s if s > 0 else hist


def softmax(logits: np.ndarray, axis: int = 0) -> np.ndarray:
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def suggest_colors(
    dist_logits: np.ndarray, L: float, k: int = 8, min_prob: float = 0.01, temperature: float = 1.0
) -> list[tuple[np.ndarray, float]]:
    """Suggested colours from the distribution head at one location (ideepcolor's recommended colours).

    ``dist_logits``: (Q,) logits (or (Q, h, w): averaged over the region).  ``L``: lightness 0..100 to
    render the ab bins with.  Returns up to ``k`` (rgb float32[3], probability), most probable first.
    """
    lg = np.asarray(dist_logits, dtype=np.float32)
    p = softmax(lg / max(temperature, 1e-6), axis=0)
    if p.ndim > 1:
        p = p.reshape(p.shape[0], -1).mean(1)
    centers = ab_bin_centers()
    order = np.argsort(-p)[:k]
    out = []
    for i in order:
        if p[i] < min_prob:
            break
        lab = np.array([L, centers[i, 0], centers[i, 1]], dtype=np.float32)
        out.append((lab_to_rgb(lab), float(p[i])))
    return out


# ------------------------------------------------------------------------------------------ gamut
def ab_gamut(L: float, size: int = 256, ab_range: float = AB_RANGE) -> np.ndarray:
    """The ab plane at lightness `L` as an RGBA uint8 (size, size) image (ideepcolor's colour picker):
    column = a, row = b, both from -range to +range (row 0 is b = -range); alpha 0 outside the sRGB
    gamut. `gamut_ab_at` maps a clicked pixel back to (a, b)."""
    v = np.linspace(-ab_range, ab_range, size, dtype=np.float32)
    bb, aa = np.meshgrid(v, v, indexing="ij")
    lab = np.stack([np.full_like(aa, float(L)), aa, bb], axis=-1)
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)  # clipped to [0, 1]
    back = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    ok = np.sqrt(((back - lab) ** 2).sum(-1)) < 2.0
    out = np.zeros((size, size, 4), np.uint8)
    out[..., :3] = cv2.convertScaleAbs(rgb, alpha=255.0)
    out[..., 3] = np.where(ok, 255, 0).astype(np.uint8)
    return out


def gamut_ab_at(L: float, row: int, col: int, size: int = 256, ab_range: float = AB_RANGE
                ) -> tuple[float, float]:
    """(a, b) of pixel (row, col) of `ab_gamut(L, size)`."""
    v = np.linspace(-ab_range, ab_range, size)
    return float(v[col]), float(v[row])
