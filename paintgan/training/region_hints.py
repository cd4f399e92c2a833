"""Reference-protocol training: region hints for line-art samples and a per-region flat loss.

The app colours a page from a coloured reference by giving most (~92 %) of the page's line-enclosed
regions one point hint (the matched colour, at the region's most interior point) and letting the network
guess the rest; each unhinted region then shows the mean of the network's colours over it (the flats,
`paintgan.inference.colorize.flat.flat_region_rgb`).  The Zhang-style sparse hints the network was trained
with never look like that, so it does not learn to use the many hinted regions as context for the holes.

- :func:`simulate_region_hints` builds that input for one training sample: the sample's regions from the
  app's own `segment_regions` on its line-art ink (gap radius 1, as the reference matcher), a random
  fraction of them hinted at their most interior pixel with their true mean colour (as the matcher does).
- :func:`region_flat_loss` compares, per region, the mean predicted Lab with the true mean Lab (what the
  app renders for an unhinted region), weighted towards the unhinted regions; vectorised over the batch
  with `index_add_`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from paintgan.inference.colorize.color import rgb_to_lab
from paintgan.inference.colorize.flat import ink_mask, segment_regions

if TYPE_CHECKING:
    import torch

REGION_GAP_RADIUS = 1  # as reference.py's page regions
HINT_FRACTION = (0.5, 0.97)  # fraction of regions hinted (the app hints ~92 % on held-out pages)
HINT_RADIUS = (1, 2)  # point hint radius: a square of side 2r + 1, as the engine rasterises a point
LAB_NORM = np.array([100.0, 110.0, 110.0], np.float32)


def interior_points(labels: np.ndarray, n: int, ink: np.ndarray) -> np.ndarray:
    """(n + 1,) flat pixel index of each region's most interior pixel: the non-ink pixel farthest from ink
    (the picture's edge counts as ink, as in reference.py); row 0 unused.  A region with no non-ink pixel
    gets its farthest pixel anyway (distance 0 everywhere: any of its pixels)."""
    free = (~ink).astype(np.uint8)
    padded = cv2.copyMakeBorder(free, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    dist = np.ascontiguousarray(cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]).ravel()
    order = np.argsort(dist, kind="stable")
    best = np.zeros(n + 1, np.int64)
    best[labels.ravel()[order]] = order  # the last write per label is its largest distance
    return best


def region_mean_rgb(rgb8: np.ndarray, labels: np.ndarray, n: int, paper: np.ndarray) -> np.ndarray:
    """(n + 1, 3) float64 mean RGB (0..255) per region over its paper (non-ink) pixels, or over all its
    pixels when it has none (as the reference matcher's region colours)."""
    lab = labels.ravel()
    w = paper.ravel().astype(np.float64)
    cnt = np.bincount(lab, weights=w, minlength=n + 1)
    cnt_all = np.bincount(lab, minlength=n + 1).astype(np.float64)
    out = np.zeros((n + 1, 3), np.float64)
    for k in range(3):
        v = rgb8[..., k].ravel().astype(np.float64)
        s_paper = np.bincount(lab, weights=v * w, minlength=n + 1)
        s_all = np.bincount(lab, weights=v, minlength=n + 1)
        out[:, k] = np.where(cnt > 0, s_paper / np.maximum(cnt, 1e-9), s_all / np.maximum(cnt_all, 1))
    return out


def simulate_region_hints(
    rgb8: np.ndarray,
    lineart: np.ndarray,
    rng: np.random.Generator,
    fraction: tuple[float, float] = HINT_FRACTION,
    radius: tuple[int, int] = HINT_RADIUS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One line-art sample -> (hint (3, H, W) normalised Lab, mask (1, H, W), labels (H, W) int32,
    hinted (H, W) float32).

    ``rgb8``: (H, W, 3) uint8 ground truth; ``lineart``: (H, W) float [0, 1] (1 = paper), what the network
    sees.  Regions: `segment_regions` of the line art's ink (gap radius 1).  A fraction uniform in
    ``fraction`` of the regions (at least one) gets one point hint, radius uniform in ``radius``, at its
    most interior pixel, coloured with the region's mean RGB over its paper pixels (rounded to uint8, as
    the matcher's colours).  ``labels``: region id 1..n on paper pixels, 0 on ink (the flats average over
    paper only); ``hinted``: 1 on the pixels of hinted regions."""
    h, w = lineart.shape
    ink = ink_mask(lineart.astype(np.float32))
    labels, n = segment_regions(ink, gap_radius=REGION_GAP_RADIUS)
    paper = ~ink
    k = max(1, round(rng.uniform(*fraction) * n))
    chosen = np.sort(rng.choice(n, size=min(k, n), replace=False)) + 1
    colors = np.clip(np.round(region_mean_rgb(rgb8, labels, n, paper)), 0, 255).astype(np.uint8)
    nlab = rgb_to_lab(colors[None])[0] / LAB_NORM  # (n + 1, 3)
    best = interior_points(labels, n, ink)
    hint = np.zeros((h, w, 3), np.float32)
    mask = np.zeros((h, w), np.float32)
    radii = rng.integers(radius[0], radius[1] + 1, size=len(chosen))
    for region, r in zip(chosen, radii):
        cy, cx = divmod(int(best[region]), w)
        y0, y1, x0, x1 = max(0, cy - r), min(h, cy + r + 1), max(0, cx - r), min(w, cx + r + 1)
        hint[y0:y1, x0:x1] = nlab[region]
        mask[y0:y1, x0:x1] = 1.0
    is_hinted = np.zeros(n + 1, np.float32)
    is_hinted[chosen] = 1.0
    hinted = is_hinted[labels]
    labels = np.where(paper, labels, 0).astype(np.int32)
    return hint.transpose(2, 0, 1).copy(), mask[None], labels, hinted


def region_labels(lineart: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Region labels of a sample with any other hints (Zhang-style or none), so that the per-region flat
    loss also trains the regions nobody hinted on ordinary samples: ``lineart`` (H, W) float [0, 1]
    (1 = paper), ``mask`` (1, H, W) or (H, W) hint mask -> (labels (H, W) int32, ids on paper pixels and 0 on
    ink, as :func:`simulate_region_hints`; hinted (H, W) float32, 1 on regions that hold a hint pixel)."""
    ink = ink_mask(lineart.astype(np.float32))
    labels, n = segment_regions(ink, gap_radius=REGION_GAP_RADIUS)
    touched = np.zeros(n + 1, np.float32)
    m = np.asarray(mask).reshape(labels.shape) > 0
    touched[np.unique(labels[m])] = 1.0
    touched[0] = 0.0
    hinted = touched[labels]
    labels = np.where(~ink, labels, 0).astype(np.int32)
    return labels, hinted


def region_flat_loss(
    color: torch.Tensor,
    target: torch.Tensor,
    labels: torch.Tensor,
    hinted: torch.Tensor,
    hinted_weight: float = 0.2,
    beta: float = 0.02,
) -> torch.Tensor:
    """Area-weighted smooth-L1 between each region's mean predicted Lab and its mean true Lab (normalised
    Lab, all three channels), regions of hinted regions weighted ``hinted_weight``, unhinted 1.

    ``color``, ``target``: (B, 3, H, W); ``labels``: (B, H, W) int, region ids > 0 (0 = ignored: ink, or a
    sample without regions); ``hinted``: (B, H, W) 1 on hinted regions' pixels.  Area weighting matches a
    per-pixel PSNR of the rendered flats.  Zero (with a gradient graph) when no sample has regions."""
    import torch

    b = color.shape[0]
    lab = labels.reshape(b, -1).long()
    m = int(lab.max()) + 1 if lab.numel() else 1
    idx = (lab + torch.arange(b, device=lab.device).reshape(b, 1) * m).reshape(-1)
    valid = (lab > 0).reshape(-1).to(color.dtype)
    k = b * m
    pred = color.permute(0, 2, 3, 1).reshape(-1, 3)
    true = target.permute(0, 2, 3, 1).reshape(-1, 3).to(color.dtype)
    cnt = torch.zeros(k, device=color.device, dtype=color.dtype).index_add_(0, idx, valid)
    ps = torch.zeros(k, 3, device=color.device, dtype=color.dtype).index_add_(0, idx, pred * valid[:, None])
    ts = torch.zeros(k, 3, device=color.device, dtype=color.dtype).index_add_(0, idx, true * valid[:, None])
    hs = torch.zeros(k, device=color.device, dtype=color.dtype).index_add_(
        0, idx, hinted.reshape(-1).to(color.dtype) * valid
    )
    safe = cnt.clamp(min=1.0)
    diff = torch.nn.functional.smooth_l1_loss(
        ps / safe[:, None], ts / safe[:, None], beta=beta, reduction="none"
    ).sum(1)
    region_hinted = hs / safe > 0.5
    wt = cnt * torch.where(region_hinted, torch.full_like(cnt, hinted_weight), torch.ones_like(cnt))
    total = wt.sum()
    if float(total) <= 0:
        return color.sum() * 0.0
    return (diff * wt).sum() / total
