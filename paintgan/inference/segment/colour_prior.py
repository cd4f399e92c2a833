"""A colour model of the object and of its surroundings, from the mask model's own probability (one
GrabCut-like step without the graph cut): joint RGB histograms (16 levels a channel) of the crop weighted
by p and by 1 - p; each pixel's log likelihood ratio is added to the model's logit. It pulls in object parts
the network missed that share the object's colours, and drops background it took that does not.

Chosen on the training generator's validation crops (200 synthetic scenes, box only, shipped model 2.1.0,
then the guided filter): mIoU 0.695 -> 0.724 at weight 2 with the cut at 0.45 (weights 0.25..3, 8 or 16
levels, with or without smoothing the histograms, one or two rounds tried). About 1 ms on a 128 px crop."""

from __future__ import annotations

import numpy as np

LEVELS = 16  # histogram levels a channel
WEIGHT = 2.0  # of the log likelihood ratio added to the logit
PRIOR = 1.0  # pseudo-count spread over all bins (as a share of one image's mass)


def colour_log_ratio(crop_rgb: np.ndarray, prob: np.ndarray, levels: int = LEVELS) -> np.ndarray:
    """(S, S) float32 log(P(colour | object) / P(colour | background)) from crop ((S, S, 3) uint8 RGB)
    and the object probability `prob` ((S, S) in [0, 1])."""
    q = crop_rgb.astype(np.int32) * levels // 256
    idx = ((q[..., 0] * levels + q[..., 1]) * levels + q[..., 2]).ravel()
    p = np.asarray(prob, np.float64).ravel()
    n = levels**3
    fg = np.bincount(idx, weights=p, minlength=n)
    bg = np.bincount(idx, weights=1.0 - p, minlength=n)
    eps = PRIOR / n
    fg = fg / max(fg.sum(), 1e-6) + eps
    bg = bg / max(bg.sum(), 1e-6) + eps
    return np.log(fg / bg)[idx].reshape(prob.shape).astype(np.float32)


def with_colour_prior(crop_rgb: np.ndarray, prob: np.ndarray, weight: float = WEIGHT) -> np.ndarray:
    """The probability with the colour model's evidence added to its logit."""
    p = np.clip(np.asarray(prob, np.float32), 1e-6, 1.0 - 1e-6)
    z = np.log(p / (1.0 - p)) + weight * colour_log_ratio(crop_rgb, p)
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float32)
