"""A colour model of the object and of its surroundings, from the mask model's own probability (one
GrabCut-like step without the graph cut): joint RGB histograms (16 levels a channel) of the crop weighted
by p and by 1 - p; each pixel's log likelihood ratio is added to the model's logit. It pulls in object parts
the network missed that share the object's colours, and drops background it took that does not.

Chosen on the training generator's validation crops (200 synthetic scenes, box only, shipped model 2.1.0,
then the guided filter): mIoU 0.695 -> 0.724 at weight 2 with the cut at 0.45, 0.729 with two rounds
(the second colour model fitted to the first round's probability); weights 0.25..4, 8 or 16 levels,
smoothed histograms or not, 1-3 rounds tried (the third adds 0.0004). About 1 ms a round on a 128 px crop."""

from __future__ import annotations

import numpy as np

LEVELS = 16  # histogram levels a channel
WEIGHT = 2.0  # of the log likelihood ratio added to the logit
PRIOR = 1.0  # pseudo-count spread over all bins (as a share of one image's mass)
ROUNDS = 1  # two: +0.4 pt on validation, but on the held-out scenes NoC@90 clicks 2.38 -> 2.68: kept at one


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


def with_colour_prior(crop_rgb: np.ndarray, prob: np.ndarray, weight: float = WEIGHT,
                      rounds: int = ROUNDS) -> np.ndarray:
    """The probability with the colour model's evidence added to its logit; each further round fits the
    colour model to the previous round's answer (always added to the network's own logit)."""
    p = np.clip(np.asarray(prob, np.float32), 1e-6, 1.0 - 1e-6)
    z0 = np.log(p / (1.0 - p))
    out = p
    for _ in range(rounds):
        z = z0 + weight * colour_log_ratio(crop_rgb, out)
        out = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float32)
    return out
