"""Simulated user hints for colorization training (Zhang et al. 2017, "Real-Time User-Guided Image
Colorization with Learned Deep Priors"), extended with stroke hints and a global palette.

Representation (what the network consumes, also what the engine must rasterise from Hints JSON):
- ``hint``: (3, H, W) float32, normalised Lab (L/100, a/110, b/110) of the hinted colour, 0 elsewhere;
- ``mask``: (1, H, W) float32, 1 where a hint is present;
- ``palette``: (Q,) float32 ab-bin histogram of the palette colours with equal weights summing to 1
  (all zeros = no palette), see :func:`paintgan.inference.colorize.color.palette_histogram`.
A point hint of radius r covers the square [x - r, x + r] x [y - r, y + r]; a stroke is a polyline of
width w.  Hint colours are the mean ground-truth colour under the patch / stroke.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintgan.inference.colorize.color import AB_SCALE, num_ab_bins


@dataclass
class HintConfig:
    p_geometric: float = 1.0 / 8.0  # number of point hints ~ Geometric(p) - 1 (P(no hints) = p)
    max_points: int = 48
    max_patch: int = 9  # patch sides 1..max_patch
    p_region_centre: float = 0.5  # positions biased to region interiors
    p_strokes: float = 0.3
    max_strokes: int = 4
    p_palette: float = 0.15
    max_palette: int = 8
    plain_weight: float = 0.15  # relative weight of achromatic regions for region-centre hints


def _region_interior(boundary: np.ndarray) -> np.ndarray | None:
    """Distance to the nearest region boundary (float64), None when there is no boundary."""
    if not boundary.any():
        return None
    free = (~boundary).astype(np.uint8)
    d = cv2.distanceTransform(free, cv2.DIST_L2, 3).astype(np.float64)
    return np.minimum(d, float(max(boundary.shape)))


def _centre_weight(nlab: np.ndarray, interior: np.ndarray | None, cfg: HintConfig) -> np.ndarray | None:
    """Region interiors, favouring coloured regions (users rarely hint white paper or black ink)."""
    if interior is None:
        return None
    chroma = np.hypot(nlab[..., 1], nlab[..., 2]) * AB_SCALE
    return interior**2 * (cfg.plain_weight + np.minimum(chroma / 30.0, 1.0))


def _sample_positions(n: int, h: int, w: int, weight: np.ndarray | None, rng: np.random.Generator):
    if weight is None or weight.sum() <= 0:
        ys = rng.integers(0, h, n)
        xs = rng.integers(0, w, n)
        return ys, xs
    p = weight.ravel().astype(np.float64)
    total = p.sum()
    if not np.isfinite(total) or total <= 0:
        return rng.integers(0, h, n), rng.integers(0, w, n)
    p /= total
    idx = rng.choice(p.size, size=n, p=p)
    return idx // w, idx % w


def simulate_hints(
    nlab: np.ndarray,
    rng: np.random.Generator,
    cfg: HintConfig | None = None,
    boundary: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground truth normalised Lab (H, W, 3) -> (hint (3, H, W), mask (1, H, W), palette (Q,)).

    ``boundary`` (bool (H, W), optional): colour-region boundaries, used to bias points to region centres
    and to keep strokes inside one region.
    """
    cfg = cfg or HintConfig()
    h, w = nlab.shape[:2]
    hint = np.zeros((h, w, 3), np.float32)
    mask = np.zeros((h, w), np.float32)

    interior = None
    labels = None
    if boundary is not None:
        interior = _region_interior(boundary)
    n_points = min(int(rng.geometric(cfg.p_geometric)) - 1, cfg.max_points)
    if n_points > 0:
        n_centre = int(rng.binomial(n_points, cfg.p_region_centre)) if interior is not None else 0
        ys1, xs1 = _sample_positions(n_points - n_centre, h, w, None, rng)
        ys2, xs2 = _sample_positions(n_centre, h, w, _centre_weight(nlab, interior, cfg), rng)
        ys = np.concatenate([ys1, ys2])
        xs = np.concatenate([xs1, xs2])
        sizes = rng.integers(1, cfg.max_patch + 1, len(ys))
        for y, x, s in zip(ys, xs, sizes):
            r = int(s) // 2
            y0, y1 = max(0, y - r), min(h, y - r + int(s))
            x0, x1 = max(0, x - r), min(w, x - r + int(s))
            patch = nlab[y0:y1, x0:x1].reshape(-1, 3)
            hint[y0:y1, x0:x1] = patch.mean(0)
            mask[y0:y1, x0:x1] = 1.0

    if rng.random() < cfg.p_strokes:
        if boundary is not None:
            _, labels = cv2.connectedComponents((~boundary).astype(np.uint8), connectivity=4)
        weight = _centre_weight(nlab, interior, cfg)
        for _ in range(int(rng.integers(1, cfg.max_strokes + 1))):
            _add_stroke(nlab, hint, mask, labels, weight, rng)

    q = num_ab_bins()
    palette = np.zeros(q, np.float32)
    if rng.random() < cfg.p_palette:
        from paintgan.inference.colorize.color import ab_to_bin

        bins = ab_to_bin(nlab[::2, ::2, 1:].reshape(-1, 2) * AB_SCALE)
        counts = np.bincount(bins, minlength=q)
        k = int(rng.integers(1, cfg.max_palette + 1))
        top = np.argsort(-counts)[:k]
        top = top[counts[top] > 0]
        palette[top] = 1.0 / max(len(top), 1)

    return hint.transpose(2, 0, 1).copy(), mask[None], palette


def _add_stroke(nlab, hint, mask, labels, weight, rng) -> None:
    h, w = mask.shape
    ys, xs = _sample_positions(1, h, w, weight, rng)
    pts = [(int(xs[0]), int(ys[0]))]
    ang = rng.uniform(0, 2 * np.pi)
    for _ in range(int(rng.integers(1, 4))):
        ang += rng.normal(0, 0.8)
        length = rng.uniform(4, max(6.0, 0.2 * min(h, w)))
        x, y = pts[-1]
        pts.append(
            (
                int(np.clip(x + length * np.cos(ang), 0, w - 1)),
                int(np.clip(y + length * np.sin(ang), 0, h - 1)),
            )
        )
    width = int(rng.integers(1, 6))
    m = np.zeros((h, w), np.uint8)
    cv2.polylines(m, [np.array(pts, np.int32)], False, 1, thickness=width)
    sel = m > 0
    if labels is not None:
        lab_id = labels[pts[0][1], pts[0][0]]
        if lab_id > 0:
            sel &= labels == lab_id
    if sel.sum() == 0:
        return
    hint[sel] = nlab[sel].mean(0)
    mask[sel] = 1.0
