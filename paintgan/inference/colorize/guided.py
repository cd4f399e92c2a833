"""Guided filter (He, Sun & Tang, "Guided Image Filtering", ECCV 2010 / TPAMI 2013) and its fast
upsampling variant (He & Sun 2015), numpy + OpenCV box filters only (cv2.ximgproc is not in
opencv-python-headless).

`guided_filter(I, p, r, eps)`: edge-preserving smoothing of `p` (H, W) or (H, W, C) guided by the gray
image `I` (H, W); q = mean(a)·I + mean(b) with a, b the per-window linear coefficients.

`guided_upsample(I_full, p_low, r, eps)`: brings a low-resolution `p_low` (e.g. the network's colour at
its working size) to the resolution of the full-resolution guide: the coefficients are computed at low
resolution against the downscaled guide, upsampled bilinearly and applied to the full-resolution guide,
so edges of the result follow the edges of `I_full` (colour stays inside the lines).
"""

from __future__ import annotations

import cv2
import numpy as np


def box(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window (border: reflect), float32, any channel count."""
    k = 2 * int(r) + 1
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 3 and x.shape[2] > 4:
        return np.stack([box(x[..., c], r) for c in range(x.shape[2])], axis=2)
    return cv2.boxFilter(x, cv2.CV_32F, (k, k), normalize=True, borderType=cv2.BORDER_REFLECT)


def _coefficients(I: np.ndarray, p: np.ndarray, r: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Window-averaged linear coefficients (mean_a, mean_b) with p ≈ a·I + b."""
    I = np.ascontiguousarray(I, dtype=np.float32)
    p = np.ascontiguousarray(p, dtype=np.float32)
    Ie = I[..., None] if p.ndim == 3 else I
    mean_I = box(I, r)
    var_I = box(I * I, r) - mean_I * mean_I
    mean_p = box(p, r)
    cov_Ip = box(Ie * p, r) - (mean_I[..., None] if p.ndim == 3 else mean_I) * mean_p
    denom = var_I + np.float32(eps)
    a = cov_Ip / (denom[..., None] if p.ndim == 3 else denom)
    b = mean_p - a * (mean_I[..., None] if p.ndim == 3 else mean_I)
    return box(a, r), box(b, r)


def guided_filter(I: np.ndarray, p: np.ndarray, r: int = 4, eps: float = 1e-3) -> np.ndarray:
    """Guided filter of `p` ((H, W) or (H, W, C) float) with gray guide `I` (H, W) in about [0, 1]."""
    if I.shape[:2] != p.shape[:2]:
        raise ValueError(f"guide {I.shape[:2]} and input {p.shape[:2]} differ in size")
    mean_a, mean_b = _coefficients(I, p, r, eps)
    I = np.asarray(I, np.float32)
    if p.ndim == 3:
        return mean_a * I[..., None] + mean_b
    return mean_a * I + mean_b


def guided_upsample(
    I_full: np.ndarray, p_low: np.ndarray, r: int = 2, eps: float = 1e-3, I_low: np.ndarray | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Fast guided upsampling: `p_low` (h, w[, C]) -> (H, W[, C]) float32 following the edges of `I_full`
    (H, W). `r` is the window radius at the *low* resolution. `I_low` (h, w) defaults to `I_full` resized
    with area averaging. `out` (H, W, C) float32 may be given to avoid an allocation."""
    H, W = I_full.shape[:2]
    h, w = p_low.shape[:2]
    I_full = np.ascontiguousarray(I_full, dtype=np.float32)
    if I_low is None:
        I_low = cv2.resize(I_full, (w, h), interpolation=cv2.INTER_AREA) if (h, w) != (H, W) else I_full
    mean_a, mean_b = _coefficients(I_low, p_low, r, eps)
    chans = p_low.shape[2] if p_low.ndim == 3 else 0
    if out is None:
        out = np.empty((H, W, chans) if chans else (H, W), np.float32)
    for c in range(max(chans, 1)):
        a = mean_a[..., c] if chans else mean_a
        b = mean_b[..., c] if chans else mean_b
        A = cv2.resize(np.ascontiguousarray(a), (W, H), interpolation=cv2.INTER_LINEAR)
        B = cv2.resize(np.ascontiguousarray(b), (W, H), interpolation=cv2.INTER_LINEAR)
        # q = A * I + B, written in place (cv2 is faster than numpy temporaries on big pages)
        q = cv2.multiply(A, I_full)
        cv2.add(q, B, dst=q)
        if chans:
            out[..., c] = q
        else:
            out[...] = q
    return out
