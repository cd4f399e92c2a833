"""A colour model of the object and of its surroundings, from the mask model's own probability (one
GrabCut-like step without the graph cut): joint RGB histograms (16 levels a channel) of the crop weighted
by p and by 1 - p; each pixel's log likelihood ratio is added to the model's logit. It pulls in object parts
the network missed that share the object's colours, and drops background it took that does not.

Chosen on the training generator's validation crops (200 synthetic scenes, box only, shipped model 2.1.0,
then the guided filter): mIoU 0.695 -> 0.724 at weight 2 with the cut at 0.45, 0.729 with two rounds
(the second colour model fitted to the first round's probability); weights 0.25..4, 8 or 16 levels,
smoothed histograms or not, 1-3 rounds tried (the third adds 0.0004). About 1 ms a round on a 128 px crop.

The background histogram also counts a ring of the photograph around the box (`ring_pixels`: the box grown
by `RING_GROW` of its longer side on every side, the box itself left out), as GrabCut's background model
counts everything outside its rectangle: it is certain background, and it tells apart a smooth, out of
focus background the network took inside the box (it goes on outside the box) from the object. Shipped model
2.2.0, box only, mask IoU before polygons, with the guided filter: second validation set (fillets-ng /
hedgewars cut-outs on lomiri / ukui photographs, `segment_heldout --set val2`) 0.819 -> 0.843 at a share
of 0.6 (0.3: 0.829, 0.8: 0.850, 0.95: 0.856); the held-out scenes 0.930 -> 0.931 (0.95: 0.927). The
network's probability is soft where it leaks into the background (median logit about 1.3 there), so the
object histogram weighted by p took the leaked colours in as the object's: weighted by p ** 2 with a
ring share of 0.9, val2 0.852 and held-out 0.933 (share 0.6: 0.835 / 0.934; 0.95: 0.856 / 0.932; p ** 3:
0.847 / 0.936; weight 3: 0.858 / 0.932, not taken for the clicks' sake; inside-the-box pixels instead
of p, as GrabCut starts: 0.847 / 0.914)."""

from __future__ import annotations

import cv2
import numpy as np

LEVELS = 16  # histogram levels a channel
WEIGHT = 2.0  # of the log likelihood ratio added to the logit
PRIOR = 1.0  # pseudo-count spread over all bins (as a share of one image's mass)
ROUNDS = 1  # two: +0.4 pt on validation, but on the held-out scenes NoC@90 clicks 2.38 -> 2.68: kept at one
RING_GROW = 0.5  # the ring around the box, as a share of the box's longer side
RING_SHARE = 0.9  # of the background histogram's mass that comes from the ring (the rest: the crop by 1 - p)
FG_POWER = 2  # the object histogram counts each crop pixel by p ** FG_POWER: the confident part weighs most
RING_PIXELS = 16000  # the ring is sampled on a grid down to about this many pixels
CHANNEL_RANGE = 4.0  # the network's colour channel maps log ratios in [-4, 4] to [0, 1]
# a hole of the mask is filled when its mean colour channel exceeds 0.5 + HOLE_MARGIN (log ratio 0.8: its
# colours over twice as likely inside the box as around it). Shipped model 2.4.0, box only, polygon mIoU:
# val2 0.871 -> 0.875 (margin 0: 0.872, 0.05: 0.874), val3 0.852 -> 0.860 (0: 0.861, 0.05: 0.860);
# checkpoint 18500, which hollows outlined sprites, val3 0.772 -> 0.793; the held-out scenes 0.933 ->
# 0.933 (margin 0: 0.931)
HOLE_MARGIN = 0.1
HOLE_FILL = 0.6  # the probability a filled hole gets (above the polygon's 0.5 cut)


def ring_pixels(
    image: np.ndarray, box: tuple[float, float, float, float], grow: float = RING_GROW,
    max_pixels: int = RING_PIXELS,
) -> np.ndarray:
    """(N, 3) uint8 RGB pixels of `image` ((H, W, 3) uint8) around `box` (x0, y0, x1, y1 image pixels): the
    box grown by `grow` of its longer side, clipped to the image, minus the box; sampled on a regular grid
    down to about `max_pixels`. Empty when the box covers the whole image."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box)
    g = grow * max(x1 - x0, y1 - y0)
    gx0, gy0 = int(max(0.0, x0 - g)), int(max(0.0, y0 - g))
    gx1, gy1 = int(min(float(w), x1 + g + 1)), int(min(float(h), y1 + g + 1))
    if gx1 <= gx0 or gy1 <= gy0:
        return np.zeros((0, 3), np.uint8)
    step = max(1, int(np.ceil(np.sqrt((gx1 - gx0) * (gy1 - gy0) / max_pixels))))
    ys, xs = np.arange(gy0, gy1, step), np.arange(gx0, gx1, step)
    inside = ((ys >= y0) & (ys <= y1))[:, None] & ((xs >= x0) & (xs <= x1))[None, :]
    return np.ascontiguousarray(image[gy0:gy1:step, gx0:gx1:step][~inside])


def _bins(rgb: np.ndarray, levels: int) -> np.ndarray:
    q = rgb.reshape(-1, 3).astype(np.int32) * levels // 256
    return (q[:, 0] * levels + q[:, 1]) * levels + q[:, 2]


def colour_log_ratio(
    crop_rgb: np.ndarray, prob: np.ndarray, levels: int = LEVELS, ring: np.ndarray | None = None,
    ring_share: float = RING_SHARE,
) -> np.ndarray:
    """(S, S) float32 log(P(colour | object) / P(colour | background)) from crop ((S, S, 3) uint8 RGB)
    and the object probability `prob` ((S, S) in [0, 1]); `ring` ((N, 3) uint8, `ring_pixels`) adds
    certain background, `ring_share` of the background histogram's mass."""
    idx = _bins(crop_rgb, levels)
    p = np.asarray(prob, np.float64).ravel()
    n = levels**3
    fg = np.bincount(idx, weights=p**FG_POWER, minlength=n)
    bg = np.bincount(idx, weights=1.0 - p, minlength=n)
    eps = PRIOR / n
    fg = fg / max(fg.sum(), 1e-6) + eps
    bg = bg / max(bg.sum(), 1e-6)
    if ring is not None and len(ring):
        rb = np.bincount(_bins(ring, levels), minlength=n).astype(np.float64)
        bg = (1.0 - ring_share) * bg + ring_share * rb / rb.sum()
    bg = bg + eps
    return np.log(fg / bg)[idx].reshape(prob.shape).astype(np.float32)


def box_ring_channel(
    crop_rgb: np.ndarray, ring: np.ndarray | None, context: float, levels: int = LEVELS
) -> np.ndarray:
    """The mask model's colour input channel ((S, S) float32 in [0, 1]; 0.5: no evidence): each crop pixel's
    log(P(colour | inside the box) / P(colour | ring)), as GrabCut's first colour models see the box and
    what lies around it, clipped to +-`CHANNEL_RANGE` and mapped to [0, 1]. `crop_rgb` ((S, S, 3) uint8)
    is the box plus `context` of its size on every side (`geometry.crop_image`); `ring` ((N, 3) uint8,
    `ring_pixels`) the photograph around the box. A CNN cannot count colours over the whole crop; this
    channel hands it the counts."""
    s = crop_rgb.shape[0]
    if ring is None or not len(ring):
        return np.full((s, crop_rgb.shape[1]), 0.5, np.float32)
    c0 = round(context / (1 + 2 * context) * s)
    inside = np.zeros(crop_rgb.shape[:2], np.float32)
    inside[c0 : s - c0, c0 : s - c0] = 1.0  # the box: the object's colours; the ring alone: background's
    ratio = colour_log_ratio(crop_rgb, inside, levels, ring=ring, ring_share=1.0)
    return (0.5 + np.clip(ratio, -CHANNEL_RANGE, CHANNEL_RANGE) / (2 * CHANNEL_RANGE)).astype(np.float32)


def with_colour_prior(crop_rgb: np.ndarray, prob: np.ndarray, weight: float = WEIGHT,
                      rounds: int = ROUNDS, ring: np.ndarray | None = None) -> np.ndarray:
    """The probability with the colour model's evidence added to its logit; each further round fits the
    colour model to the previous round's answer (always added to the network's own logit). `ring`: the
    photograph's pixels around the box (`ring_pixels`), counted as background."""
    p = np.clip(np.asarray(prob, np.float32), 1e-6, 1.0 - 1e-6)
    z0 = np.log(p / (1.0 - p))
    out = p
    for _ in range(rounds):
        z = z0 + weight * colour_log_ratio(crop_rgb, out, ring=ring)
        out = (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).astype(np.float32)
    return out


def fill_object_coloured_holes(
    prob: np.ndarray, colour: np.ndarray, negative: np.ndarray | None = None, margin: float = HOLE_MARGIN
) -> np.ndarray:
    """`prob` ((S, S) in [0, 1]) with the holes of its mask (`prob > 0.5`: regions of background that do not
    reach the crop's border) filled where they are coloured like the object: mean `colour` (the colour
    channel, `box_ring_channel`) above 0.5 + `margin`. A hole with a negative click in it (`negative`:
    (K, 2) crop coordinates) stays. The network sometimes takes the dark outline of a cartoon for the
    object and its flat-coloured inside for background seen through a ring; a hole that shows the
    photograph around the box keeps its colours and stays a hole."""
    m = np.asarray(prob) > 0.5
    n, lab = cv2.connectedComponents((~m).astype(np.uint8), connectivity=4)
    if n <= 2:  # the background alone, or nothing
        return prob
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    sums = np.bincount(lab.ravel(), weights=np.asarray(colour, np.float64).ravel(), minlength=n)
    counts = np.bincount(lab.ravel(), minlength=n)
    fill = sums / np.maximum(counts, 1) > 0.5 + margin
    fill[0] = False  # the mask itself (label 0: outside ~m)
    fill[border] = False
    if negative is not None and len(negative):
        q = np.round(np.asarray(negative, np.float64).reshape(-1, 2)).astype(int)
        h, w = lab.shape
        ok = (q[:, 0] >= 0) & (q[:, 0] < w) & (q[:, 1] >= 0) & (q[:, 1] < h)
        fill[lab[q[ok, 1], q[ok, 0]]] = False
    if not fill.any():
        return prob
    out = np.array(prob, np.float32, copy=True)
    holes = fill[lab]
    out[holes] = np.maximum(out[holes], HOLE_FILL)
    return out
