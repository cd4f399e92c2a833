"""Region-aware upsampling for line art: bilinear upsampling of the network's colour in which a page pixel
only takes low-resolution samples from its own line-enclosed region, so colours do not bleed across lines
(the guided filter's windows straddle thin lines whose two sides look alike in the guide).

Pixels whose four bilinear neighbours all lie in their own region use plain bilinear interpolation
(`cv2.resize`); the others (a band along the lines) renormalise the bilinear weights over the neighbours of
the same region, and fall back to the region's mean colour when no neighbour is in it.
"""

from __future__ import annotations

import cv2
import numpy as np


def _axis(n_full: int, n_low: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """cv2's bilinear (half-pixel centres) source indices i0, i1 and weight f of i1 along one axis."""
    src = (np.arange(n_full, dtype=np.float64) + 0.5) * (n_low / n_full) - 0.5
    src = np.clip(src, 0.0, n_low - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_low - 1)
    return i0, i1, (src - i0).astype(np.float32)


def region_upsample(labels: np.ndarray, p_low: np.ndarray, skip: np.ndarray | None = None,
                    out_size: tuple[int, int] | None = None, low_valid: np.ndarray | None = None
                    ) -> np.ndarray:
    """`p_low` (h, w, C) float32 -> float32 (H, W, C) at the size of `labels` (H, W) int32 region ids
    (or, with `out_size` = (W', H'), bilinearly resized on to that size: on big pages the region-aware
    step runs on subsampled labels, the remaining blur being hidden under the lines). Pixels where
    `skip` (H, W) bool is set (ink, multiplied black later) keep plain bilinear values. Samples where
    `low_valid` (h, w) bool is False (mostly ink at the working size: their colour is the line's) are
    not used near region boundaries."""
    H, W = labels.shape
    h, w = p_low.shape[:2]
    p_low = np.ascontiguousarray(p_low, np.float32)
    if p_low.ndim == 2:
        p_low = p_low[..., None]
    C = p_low.shape[2]
    out = cv2.resize(p_low, (W, H), interpolation=cv2.INTER_LINEAR).reshape(H, W, C)
    # labels of the low-resolution samples: the page label at each sample's centre
    yc = np.minimum(((np.arange(h) + 0.5) * H / h).astype(np.int64), H - 1)
    xc = np.minimum(((np.arange(w) + 0.5) * W / w).astype(np.int64), W - 1)
    low_lab = np.ascontiguousarray(labels[yc[:, None], xc[None, :]])
    if low_valid is not None:
        low_lab[~low_valid] = -2  # never matches a page label
    # a quad (y0, x0) is uniform when its 4 samples share a label
    y0, y1, fy = _axis(H, h)
    x0, x1, fx = _axis(W, w)
    ly = np.minimum(np.arange(h) + 1, h - 1)
    lx = np.minimum(np.arange(w) + 1, w - 1)
    q = low_lab
    uniform = (q == q[ly]) & (q == q[:, lx]) & (q == q[ly][:, lx])
    quad_lab = np.where(uniform, q, -1).astype(np.int32)
    mixed = quad_lab[y0[:, None], x0[None, :]] != labels
    if skip is not None:
        mixed &= ~skip
    ys, xs = np.nonzero(mixed)
    if len(ys):
        lab = labels[ys, xs]
        wy1 = fy[ys]
        wx1 = fx[xs]
        r0, r1 = y0[ys] * w, y1[ys] * w
        c0, c1 = x0[xs], x1[xs]
        flat_lab = low_lab.ravel()
        flat_p = p_low.reshape(-1, C)
        acc = np.zeros((len(ys), C), np.float32)
        wsum = np.zeros(len(ys), np.float32)
        for idx, wgt in ((r0 + c0, (1 - wy1) * (1 - wx1)), (r0 + c1, (1 - wy1) * wx1),
                         (r1 + c0, wy1 * (1 - wx1)), (r1 + c1, wy1 * wx1)):
            same = np.where(flat_lab[idx] == lab, wgt, np.float32(0.0))
            acc += flat_p[idx] * same[:, None]
            wsum += same
        ok = wsum > 1e-6
        vals = out[ys, xs]
        vals[ok] = acc[ok] / wsum[ok, None]
        if not ok.all():  # no sample of the pixel's region nearby: the region's mean colour
            n = int(max(labels.max(), low_lab.max())) + 1
            good = flat_lab >= 0
            cnt = np.bincount(flat_lab[good], minlength=n).astype(np.float64)
            bad = ~ok
            lb = lab[bad]
            has = cnt[lb] > 0
            sub = vals[bad]
            for c in range(C):
                sums = np.bincount(flat_lab[good], weights=flat_p[good, c], minlength=n)
                mean_c = sums / np.maximum(cnt, 1)
                sub[has, c] = mean_c[lb[has]]
            vals[bad] = sub
        out[ys, xs] = vals
    if out_size is not None and tuple(out_size) != (W, H):
        out = cv2.resize(out, tuple(out_size), interpolation=cv2.INTER_LINEAR)
        out = out.reshape(out_size[1], out_size[0], C)
    return out
