"""Reference colorization: colour a line-art (or gray) page from already coloured references, no hints.

The page and every reference are cut into line-enclosed regions (the same `segment_regions` as the flats;
a coloured reference gets its line art from `lineart.extract_lineart`, ink plus colour boundaries, so both
sides are regions of line art). Each region gets a descriptor (`FEATURE_VERSION` layout below): where it is
inside the drawing, how big, how elongated and turned, whether it touches the picture's border, its mean
lightness (gray pages), and what the colorizer's distribution head predicts for it with no hints (pooled to
a coarse ab grid: the network's idea of "what kind of thing this region is"). Matching a page region to
reference regions is a soft assignment:

1. cost = squared, scaled differences of the descriptors (a Gaussian log-likelihood) + a border mismatch
   penalty; P(ref | page region) = softmax(-cost);
2. neighbour support (relaxation labelling): a pair (t, r) is more likely when t's neighbours match r's
   neighbours — two passes;
3. geometry: the page is aligned to each reference by a weighted affine fit of the confident matches
   (ICP-like, two rounds), tried both as drawn and mirrored; the orientation that explains the regions
   better wins. This absorbs a reference that is mirrored, scaled, shifted, cropped or slightly rotated;
4. what matters is the colour, not which region: the colour probability of a reference region is the
   summed probability of every reference region of (nearly) the same colour. The confidence is that
   probability times how well the best match fits in absolute terms, so a page region with no
   counterpart (a new prop) stays unassigned and is reported instead of being given a random colour.

Several references: each is matched on its own (its own alignment); a page region takes the most confident.
Memory entries (`RegionSet.from_records`) have no picture, so they are matched without positions.

The result becomes point hints (one per confidently matched region, at its most interior pixel) that the
colorize engine treats like the user's: every such region gets its colour as a flat, the network sees the
hints, low-confidence regions keep the network's guess, and regions holding a user hint keep the user's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from paintgan.core.hints import Hints, PointHint
from paintgan.errors import PaintGANError
from paintgan.inference.colorize import color as C
from paintgan.inference.colorize.flat import segment_regions
from paintgan.inference.colorize.lineart import extract_lineart
from paintgan.inference.colorize.pixels import (
    ColorizeInputError,
    as_rgb_u8,
    detect_input_kind,
    lineart_levels,
)

FEATURE_VERSION = "ref-1"
#: Descriptor layout: geometry (GEOM_DIM) then the network's pooled ab distribution (NET_DIM).
GEOM_NAMES = ("cx", "cy", "log_area", "elong", "orient_cos", "orient_sin", "border", "lightness")
NET_GRID = 6  # the distribution head's ab bins pooled onto a NET_GRID × NET_GRID grid over [-110, 110]²
NET_DIM = NET_GRID * NET_GRID
GEOM_DIM = len(GEOM_NAMES)
FEATURE_DIM = GEOM_DIM + NET_DIM

ANALYSIS_SIZE = 1024  # long side the regions are analysed at
MIN_REFERENCE_SIDE = 48
MAX_SCALE_RATIO = 10.0  # reference vs page long side
MIN_CONFIDENCE = 0.4
DARK_L, THIN_RATIO = 25.0, 0.06  # a reference region darker and thinner than this is a hollow line
MIN_FIGURE_REGIONS = 3  # an outline enclosing this many regions is a figure of its own
LOOSE_FACTOR = 0.35  # confidence factor of a lone shape on a page of several figures
HINT_RADIUS = 2.0
MIN_INTERIOR = 1.5  # analysis pixels: a region thinner than this gets no hint (it could land on a line)
SAME_COLOUR_DE = 10.0
# cost scales (one "sigma" of difference each)
SIGMA_POS = (0.15, 0.08)  # before / after alignment, in content-box units
POS_CAP = 4.5  # a region far from where it was (another pose) costs at most this: the other cues decide
SIGMA_AREA = 0.6
SIGMA_SHAPE = 0.5
SIGMA_NET = 0.35
SIGMA_L = 12.0
BORDER_PENALTY = 3.0
BACKGROUND_WEIGHT = 0.3  # weight of position and size for backgrounds
NEIGHBOUR_WEIGHT = 2.0
FIT_COST = 3.0  # a best match costing more than this loses confidence (exp(-(cost - FIT_COST) / 2))


class ReferenceError(PaintGANError, ValueError):
    """A reference picture the reference colorization cannot use (not coloured, corrupt, wrong size)."""


# ------------------------------------------------------------------------------------------ regions
@dataclass
class RegionSet:
    """The line-enclosed regions of one picture and their descriptors (row i = region i + 1)."""

    labels: np.ndarray | None  # (h, w) int32 at analysis resolution (every pixel in a region), None: memory
    scale: float  # analysis pixels per page pixel
    count: int
    features: np.ndarray  # (count, FEATURE_DIM) float32
    colors: np.ndarray | None  # (count, 3) uint8 true colours (references, memory); None for pages
    points: np.ndarray  # (count, 2) float32 most interior point (x, y), page pixels
    areas: np.ndarray  # (count,) float32 area fraction of the content box
    interior: np.ndarray | None = None  # (count,) float32 distance of `points` to ink (analysis px)
    ink: np.ndarray | None = None  # (h, w) bool ink at analysis resolution
    adjacency: np.ndarray | None = None  # (count, count) float32 0/1: regions that share a boundary
    kind: str = "lineart"
    has_net: bool = False
    size: tuple[int, int] | None = None  # (W, H) of the picture, page pixels; None for memory
    frames: np.ndarray | None = None  # (count,) int32 figure of each region (see `_frames`)
    usable: np.ndarray | None = None  # (count,) bool: references: regions that hold colour (not line)
    whole: np.ndarray | None = None  # (count, 3) cx, cy, log area in the frame of the whole drawing
    positioned: bool = False  # records without a picture whose positions (in their figure) still count

    @property
    def has_positions(self) -> bool:
        return self.labels is not None or self.positioned

    @classmethod
    def from_records(cls, features: np.ndarray, colors: np.ndarray, positions: bool = False) -> RegionSet:
        """Remembered regions (no picture): features (N, FEATURE_DIM) float32, colours (N, 3) uint8.
        `positions`: their positions inside their figure (features cx, cy) count as a (capped) cue."""
        f = np.asarray(features, np.float32).reshape(-1, FEATURE_DIM)
        c = np.asarray(colors, np.uint8).reshape(-1, 3)
        if len(f) != len(c):
            raise ValueError(f"{len(f)} feature rows but {len(c)} colours")
        n = len(f)
        return cls(None, 1.0, n, f, c, np.zeros((n, 2), np.float32), np.exp(f[:, 2]).astype(np.float32),
                   has_net=bool(np.any(f[:, GEOM_DIM:])), positioned=positions)


def _analysis_scale(w: int, h: int) -> float:
    return min(1.0, ANALYSIS_SIZE / max(w, h))


def _resize(img: np.ndarray, s: float) -> np.ndarray:
    if s >= 1.0:
        return img
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def _page_ink(rgb: np.ndarray, kind: str, s: float) -> tuple[np.ndarray, np.ndarray]:
    """(ink bool, lightness 0..100 float32) at analysis scale `s` for a line-art or gray page."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if kind == "lineart":
        lv = lineart_levels(gray)
        if s < 1.0:
            k = int(0.5 / s)  # thin lines stay visible after area averaging (as engine.prepare does)
            if k >= 1:
                lv = cv2.erode(lv, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * k + 1, 2 * k + 1)))
            lv = _resize(lv, s)
        return lv < 0.5, np.full(lv.shape, 100.0, np.float32)
    small = _resize(rgb, s)
    L = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[..., 0]
    g = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (0, 0), 1.0)
    return cv2.Canny(g, 30, 90) > 0, L


def _region_stats(labels: np.ndarray, n: int, ink: np.ndarray, lightness: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(geometry features (n, GEOM_DIM), interior points (n, 2) analysis px, interior distance (n,),
    area fractions (n,))."""
    h, w = labels.shape
    lab = labels.ravel()
    yy, xx = np.indices((h, w), dtype=np.float32)
    xs, ys = xx.ravel(), yy.ravel()
    cnt = np.bincount(lab, minlength=n + 1)[1:].astype(np.float64)
    cnt1 = np.maximum(cnt, 1.0)

    def mean(v: np.ndarray) -> np.ndarray:
        return np.bincount(lab, weights=v, minlength=n + 1)[1:] / cnt1

    cx, cy = mean(xs), mean(ys)
    a = np.maximum(mean(xs * xs) - cx * cx, 1e-3) + 1.0 / 12
    c = np.maximum(mean(ys * ys) - cy * cy, 1e-3) + 1.0 / 12
    b = mean(xs * ys) - cx * cy
    root = np.sqrt(((a - c) / 2) ** 2 + b * b)
    l1, l2 = (a + c) / 2 + root, np.maximum((a + c) / 2 - root, 1e-3)
    elong = np.tanh(0.5 * np.log(l1 / l2))  # 0 round .. 1 long and thin
    theta2 = np.arctan2(2 * b, a - c)
    frames, boxes, rbox, holder = _frames(labels, n, ink)
    box = boxes[frames]  # (n, 4) x0, y0, x1, y1 of each region's figure
    x0, y0 = box[:, 0], box[:, 1]
    bw, bh = np.maximum(box[:, 2] - x0, 1.0), np.maximum(box[:, 3] - y0, 1.0)
    border = np.zeros(n + 1, np.float64)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        border += np.bincount(edge, minlength=n + 1)
    # a background: touches the picture's border (the paper), or spans a figure that holds other
    # figures (a panel's inside); compared only with backgrounds
    rw, rh = rbox[:, 2] - rbox[:, 0], rbox[:, 3] - rbox[:, 1]
    spans = ((rw * rh) >= 0.8 * bw * bh) & holder
    touches = ((border[1:] > 0) | spans).astype(np.float64)
    free = ~ink
    Lsum = np.bincount(lab, weights=np.where(free, lightness, 0).ravel(), minlength=n + 1)[1:]
    Lcnt = np.bincount(lab, weights=free.ravel().astype(np.float64), minlength=n + 1)[1:]
    L = np.where(Lcnt > 0, Lsum / np.maximum(Lcnt, 1), 100.0)
    frac = cnt / (bw * bh)
    geom = np.stack([(cx - x0) / bw, (cy - y0) / bh, np.log(np.maximum(frac, 1e-7)), elong,
                     elong * np.cos(theta2), elong * np.sin(theta2), touches, L], axis=1)
    # the same position and size in the frame of the whole drawing (its ink box)
    iy, ix = np.nonzero(ink)
    gx0, gy0, gx1, gy1 = (ix.min(), iy.min(), ix.max() + 1, iy.max() + 1) if len(ix) else (0, 0, w, h)
    gw, gh = max(1.0, float(gx1 - gx0)), max(1.0, float(gy1 - gy0))
    whole = np.stack([(cx - gx0) / gw, (cy - gy0) / gh, np.log(np.maximum(cnt / (gw * gh), 1e-7))], axis=1)
    # most interior pixel of each region: the free pixel farthest from ink (ties: any)
    # (the picture's edge counts as ink, so the paper's point is amid the paper, not in a corner)
    padded = cv2.copyMakeBorder(free.astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    dist = np.ascontiguousarray(cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]).ravel()
    order = np.argsort(dist, kind="stable")
    best = np.zeros(n + 1, np.int64)
    best[lab[order]] = order  # the last write per label is its largest distance
    pts = np.stack([xs[best[1:]] + 0.5, ys[best[1:]] + 0.5], axis=1)
    return geom.astype(np.float32), pts.astype(np.float32), dist[best[1:]].astype(np.float32), \
        frac.astype(np.float32), frames, whole.astype(np.float32)


def _frames(labels: np.ndarray, n: int, ink: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The figure each region belongs to, so a page with the character drawn six times (six panels) is
    six figures, each compared with the reference on its own: (figure of each region (n,) int32, figure
    boxes (F, 4) float64 x0, y0, x1, y1, region boxes (n, 4) int64, whether each region's figure holds
    other figures (n,) bool). Figure 0 is the whole picture.

    A region's enclosing outline is the smallest connected ink component that touches it and whose box
    holds the region's box. An outline enclosing at least `MIN_FIGURE_REGIONS` regions is a figure (a
    character, a panel); a smaller one (an eye, a button) belongs to the figure around the region it sits
    in. Regions with no enclosing outline (the paper) belong to figure 0."""
    h, w = labels.shape
    nc, comp, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    lab = labels.ravel()
    order = np.argsort(lab, kind="stable")
    starts = np.searchsorted(lab[order], np.arange(1, n + 1))
    xs = (order % w).astype(np.int64)
    ys = (order // w).astype(np.int64)
    present = np.bincount(lab, minlength=n + 1)[1:] > 0
    starts = np.minimum(starts, len(order) - 1)
    rbox = np.stack([np.minimum.reduceat(xs, starts), np.minimum.reduceat(ys, starts),
                     np.maximum.reduceat(xs, starts) + 1, np.maximum.reduceat(ys, starts) + 1], axis=1)
    cbox = np.stack([stats[:, 0], stats[:, 1], stats[:, 0] + stats[:, 2], stats[:, 1] + stats[:, 3]], axis=1)
    carea = (stats[:, 2].astype(np.float64) * stats[:, 3])
    # (region, component) pairs that touch: ink pixels carry the nearest region's label (grown labels)
    inkf = ink.ravel()
    pairs = np.unique(lab[inkf].astype(np.int64) * nc + comp.ravel()[inkf])
    pr, pc = pairs // nc, pairs % nc
    tol = 2
    holds = ((cbox[pc, 0] <= rbox[pr - 1, 0] + tol) & (cbox[pc, 1] <= rbox[pr - 1, 1] + tol)
             & (cbox[pc, 2] >= rbox[pr - 1, 2] - tol) & (cbox[pc, 3] >= rbox[pr - 1, 3] - tol)
             & (pc > 0) & present[pr - 1])
    enclosing = np.full(n + 1, -1, np.int64)
    best_area = np.full(n + 1, np.inf)
    for r, c in zip(pr[holds], pc[holds], strict=True):
        if carea[c] < best_area[r]:
            best_area[r], enclosing[r] = carea[c], c
    count = np.bincount(enclosing[enclosing >= 0], minlength=nc)
    # the region each component sits in: the largest touching region it does not enclose; the
    # component enclosing that region is its parent (0: the page)
    rarea = np.bincount(lab, minlength=n + 1).astype(np.float64)
    outside = np.full(nc, -1, np.int64)
    out_area = np.zeros(nc)
    for r, c in zip(pr, pc, strict=True):
        if enclosing[r] != c and rarea[r] > out_area[c]:
            out_area[c], outside[c] = rarea[r], r
    parent = np.where(outside >= 0, np.maximum(enclosing[np.maximum(outside, 0)], 0), 0)
    parent[0] = 0
    # regions enclosed by a component and everything inside it (a panel holds its characters; a thick
    # line drawn as two thin ones still makes one figure)
    sub = count.astype(np.int64).copy()
    for c in np.argsort(carea)[::1]:  # smaller components first: children before their parents
        if c > 0 and parent[c] != c and carea[parent[c]] >= carea[c]:
            sub[parent[c]] += sub[c]
    figure = np.zeros(nc, np.int64)
    for c in range(1, nc):
        k, hops = c, 0
        while k > 0 and sub[k] < MIN_FIGURE_REGIONS and hops < 16:
            k, hops = parent[k], hops + 1
        figure[c] = k if k > 0 and sub[k] >= MIN_FIGURE_REGIONS else 0
    comp_of_region = np.where(enclosing[1:] >= 0, figure[np.maximum(enclosing[1:], 0)], 0)
    # figures that hold other figures (a panel and its characters): their inside is a background
    # ... on a page of several figures side by side (panels): a drawing whose outline holds its own
    # parts (a thick outline around a face) has one top-level figure and no panel insides
    holder = np.zeros(nc, bool)
    top_level = 0
    for c in np.unique(figure[figure > 0]):
        up = figure[parent[c]] if parent[c] > 0 else 0
        holder[up] = True
        top_level += up == 0
    holder[0] = False
    if top_level < 2:
        holder[:] = False
    ids, frames = np.unique(comp_of_region, return_inverse=True)
    boxes = cbox[ids].astype(np.float64)
    if (ids == 0).any():  # the page: the box of all its ink
        iy, ix = np.nonzero(ink)
        boxes[ids == 0] = (ix.min(), iy.min(), ix.max() + 1, iy.max() + 1) if len(ix) else (0, 0, w, h)
    return frames.astype(np.int32), boxes, rbox, holder[comp_of_region]


def _adjacency(labels: np.ndarray, n: int) -> np.ndarray:
    """(n, n) float32 0/1: regions whose (grown) pixels touch."""
    adj = np.zeros((n + 1, n + 1), np.float32)
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :])):
        d = a != b
        adj[a[d], b[d]] = 1.0
    adj = np.maximum(adj, adj.T)[1:, 1:]
    np.fill_diagonal(adj, 0.0)
    return adj


def _net_features(colorizer: Any, image: np.ndarray, kind: str, labels: np.ndarray, n: int) -> np.ndarray:
    """(n, NET_DIM): the colorizer's no-hint ab distribution pooled per region onto a coarse ab grid."""
    probs, centers = colorizer.distribution(image, kind)  # (Q, h4, w4), (Q, 2)
    cell = np.clip(((centers + 110.0) / (220.0 / NET_GRID)).astype(int), 0, NET_GRID - 1)
    pool = np.zeros((NET_DIM, len(centers)), np.float32)
    pool[cell[:, 0] * NET_GRID + cell[:, 1], np.arange(len(centers))] = 1.0
    q, h4, w4 = probs.shape
    coarse = (pool @ probs.reshape(q, -1)).reshape(NET_DIM, h4, w4)
    small = cv2.resize(labels, (w4, h4), interpolation=cv2.INTER_NEAREST).ravel()
    out = np.zeros((n, NET_DIM), np.float32)
    cnt = np.bincount(small, minlength=n + 1)[1:]
    for k in range(NET_DIM):
        out[:, k] = np.bincount(small, weights=coarse[k].ravel(), minlength=n + 1)[1:]
    out /= np.maximum(out.sum(axis=1, keepdims=True), 1e-6)
    # regions too small to own a cell of the distribution: the distribution at their interior point
    return np.where(cnt[:, None] > 0, out, 0.0).astype(np.float32)


def _build(ink: np.ndarray, lightness: np.ndarray, scale: float, kind: str,
           colorizer: Any, net_image: np.ndarray | None) -> RegionSet:
    labels, n = segment_regions(ink, gap_radius=1)
    geom, pts, interior, frac, frames, whole = _region_stats(labels, n, ink, lightness)
    feats = np.zeros((n, FEATURE_DIM), np.float32)
    feats[:, :GEOM_DIM] = geom
    has_net = False
    if colorizer is not None and net_image is not None:
        feats[:, GEOM_DIM:] = _net_features(colorizer, net_image, kind, labels, n)
        has_net = True
    return RegionSet(labels, scale, n, feats, None, pts / scale, frac, interior, ink, _adjacency(labels, n),
                     kind, has_net, frames=frames, whole=whole)


def page_regions(page: np.ndarray, colorizer: Any = None, kind: str = "auto") -> RegionSet:
    """A page to colour (line art or gray; any array `as_rgb_u8` takes) -> its regions, no colours."""
    rgb = as_rgb_u8(page)
    if kind == "auto":
        kind = detect_input_kind(rgb)
    h, w = rgb.shape[:2]
    s = _analysis_scale(w, h)
    ink, L = _page_ink(rgb, kind, s)
    rs = _build(ink, L, s, kind, colorizer, rgb)
    rs.size = (w, h)
    return rs


def _check_coloured(rgb_small: np.ndarray, name: str) -> np.ndarray:
    lab = cv2.cvtColor(rgb_small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    content = lab[..., 0] < 95.0
    if content.mean() < 0.002:
        raise ReferenceError(f"{name}: it is blank; a reference must be a coloured picture")
    coloured = (chroma > 12.0) & content
    if coloured.sum() < max(0.02 * content.sum(), 16):
        raise ReferenceError(f"{name}: it has no colour (gray or line art); a reference must be a coloured "
                             "picture")
    return lab


def check_scale(ref_size: tuple[int, int], page_size: tuple[int, int], name: str = "reference") -> None:
    """Raise `ReferenceError` when a reference of `ref_size` (W, H) is drawn at a very different scale than
    a page of `page_size`."""
    ratio = max(page_size) / max(ref_size)
    if ratio > MAX_SCALE_RATIO or ratio < 1.0 / MAX_SCALE_RATIO:
        raise ReferenceError(
            f"{name}: {ref_size[0]}×{ref_size[1]} is too different in size from the page "
            f"{page_size[0]}×{page_size[1]} (more than {MAX_SCALE_RATIO:g}× "
            f"{'smaller' if ratio > 1 else 'larger'}); use a reference drawn at a similar scale")


def reference_regions(reference: np.ndarray, colorizer: Any = None, name: str = "reference",
                      page_size: tuple[int, int] | None = None) -> RegionSet:
    """A coloured reference -> its regions with their true colours (mean over each region's paper pixels).
    Raises `ReferenceError` for a picture that is not coloured, too small or (with `page_size` (W, H))
    of a very different scale than the page."""
    try:
        rgb = as_rgb_u8(reference)
    except ColorizeInputError as exc:
        raise ReferenceError(f"{name}: {exc}") from None
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_REFERENCE_SIDE:
        raise ReferenceError(f"{name}: {w}×{h} is too small; a reference needs at least "
                             f"{MIN_REFERENCE_SIDE} pixels on each side")
    if page_size is not None:
        check_scale((w, h), page_size, name)
    s = _analysis_scale(w, h)
    small = _resize(rgb, s)
    lab = _check_coloured(small, name)
    line = extract_lineart(small)
    ink = line < 0.5
    net_line = None
    if colorizer is not None:  # the network sees the reference as line art, as it sees the page
        net_line = cv2.cvtColor(cv2.convertScaleAbs(line, alpha=255.0), cv2.COLOR_GRAY2RGB)
    rs = _build(ink, lab[..., 0], s, "lineart", colorizer, net_line)
    rs.size = (w, h)
    # lightness is a colour property of the reference: keep it, the page's matters only for gray pages
    free = ~ink
    lab_ = rs.labels.ravel()  # type: ignore[union-attr]
    wts = free.ravel().astype(np.float64)
    cnt = np.bincount(lab_, weights=wts, minlength=rs.count + 1)[1:]
    cols = np.zeros((rs.count, 3), np.float64)
    for k in range(3):
        v = small[..., k].ravel().astype(np.float64) * wts
        cols[:, k] = np.bincount(lab_, weights=v, minlength=rs.count + 1)[1:]
    cols /= np.maximum(cnt, 1)[:, None]
    rs.colors = np.clip(np.round(cols), 0, 255).astype(np.uint8)
    # a thick ink line that the extraction drew hollow leaves a dark, thin ring: line, not a colour
    assert rs.interior is not None
    dark = rs.features[:, 7] < DARK_L
    thin = rs.interior < THIN_RATIO * np.sqrt(np.maximum(cnt, 1.0))
    rs.usable = (rs.interior >= MIN_INTERIOR) & ~(dark & thin)
    return rs


# ------------------------------------------------------------------------------------------ matching
@dataclass
class ReferenceMatch:
    """Which colour every page region takes from the references, and how sure that is."""

    page: RegionSet
    colors: np.ndarray  # (count + 1, 3) uint8 (row 0 unused)
    confidence: np.ndarray  # (count + 1,) float32 in [0, 1]
    source: np.ndarray  # (count + 1,) int32 reference index, -1 none
    assigned: np.ndarray  # (count + 1,) bool
    mirrored: list[bool] | None = None  # per reference: most of the page (by area) matched it mirrored

    @property
    def assigned_count(self) -> int:
        return int(self.assigned.sum())

    @property
    def unassigned_count(self) -> int:
        return self.page.count - self.assigned_count

    def unassigned(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(~self.assigned[1:]) + 1]

    def _user_regions(self, user_hints: Hints | None) -> set[int]:
        labels = self.page.labels
        if user_hints is None or labels is None:
            return set()
        h, w = labels.shape
        s = self.page.scale
        out: set[int] = set()
        pts = [(p.x, p.y) for p in user_hints.points]
        pts += [q for st in user_hints.strokes for q in st.points]
        for x, y in pts:
            ix, iy = int(x * s), int(y * s)
            if 0 <= ix < w and 0 <= iy < h:
                out.add(int(labels[iy, ix]))
        return out

    def hints(self, user_hints: Hints | None = None) -> Hints:
        """One point hint per assigned region (its most interior point, page pixels), except regions that
        hold a user hint; the user's hints come last, so they win everywhere."""
        taken = self._user_regions(user_hints)
        pts = []
        ok = self.assigned[1:].copy()
        if self.page.interior is not None:
            ok &= self.page.interior >= MIN_INTERIOR
        for i in np.flatnonzero(ok):
            if i + 1 in taken:
                continue
            x, y = self.page.points[i]
            r, g, b = (int(v) for v in self.colors[i + 1])
            pts.append(PointHint(float(round(x, 2)), float(round(y, 2)), (r, g, b), HINT_RADIUS))
        if user_hints is None:
            return Hints(pts)
        return Hints(pts + list(user_hints.points), list(user_hints.strokes), list(user_hints.palette),
                     user_hints.image_size)

    def overlay(self, size: tuple[int, int]) -> np.ndarray:
        """(H, W, 4) uint8 RGBA at page size (W, H): matched regions tinted with their colour, regions
        that need a hint hatched red, ink transparent."""
        W, H = size
        n = self.page.count
        table = np.zeros((n + 1, 4), np.uint8)
        table[1:, :3] = self.colors[1:]
        table[1:, 3] = np.where(self.assigned[1:], 110, 0)
        labels = self.page.labels
        if labels is None:
            return np.zeros((H, W, 4), np.uint8)
        lab = cv2.resize(labels, (W, H), interpolation=cv2.INTER_NEAREST)
        out = table[lab]
        yy, xx = np.ogrid[:H, :W]
        hatch = ((xx + yy) // max(4, round(max(W, H) / 160))) % 2 == 0
        need = ~self.assigned[lab] & hatch
        out[need] = (220, 30, 30, 140)
        if self.page.ink is not None:
            ink = cv2.resize(self.page.ink.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST) > 0
            out[ink] = 0
        return out


def _subset(rs: RegionSet, idx: np.ndarray) -> RegionSet:
    """The regions `idx` (0-based rows) of `rs`, for matching one figure."""
    adj = rs.adjacency[np.ix_(idx, idx)] if rs.adjacency is not None else None
    return RegionSet(rs.labels, rs.scale, len(idx), rs.features[idx], None, rs.points[idx], rs.areas[idx],
                     kind=rs.kind, has_net=rs.has_net, adjacency=adj,
                     whole=rs.whole[idx] if rs.whole is not None else None)


def _softmax_rows(cost: np.ndarray) -> np.ndarray:
    z = -cost - (-cost).max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _net_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - Bhattacharyya coefficient between rows of a (n, D) and b (m, D)."""
    return 1.0 - np.sqrt(np.maximum(a, 0)) @ np.sqrt(np.maximum(b, 0)).T


def _pair_cost(t: np.ndarray, r: np.ndarray, pos_t: np.ndarray | None, sigma_pos: float, mirror: bool,
               use_l: bool, use_net: bool) -> np.ndarray:
    """(n_t, n_r) cost of giving page region t reference region r's colour."""
    sq = np.zeros((len(t), len(r)), np.float64)
    # a background (paper, a panel's inside): its centre and size say little (how the page is cut)
    inside = (1.0 - (1.0 - BACKGROUND_WEIGHT) * t[:, 6])[:, None]
    if pos_t is not None:
        d = pos_t[:, None, :] - r[None, :, :2]
        sq += inside * np.minimum((d ** 2).sum(axis=2) / sigma_pos ** 2, 2.0 * POS_CAP)
    sq += inside * ((t[:, None, 2] - r[None, :, 2]) / SIGMA_AREA) ** 2
    sgn = -1.0 if mirror else 1.0
    shape = np.stack([t[:, 3], t[:, 4], sgn * t[:, 5]], axis=1)
    sq += (((shape[:, None, :] - r[None, :, 3:6]) / SIGMA_SHAPE) ** 2).sum(axis=2)
    if use_l:
        sq += ((t[:, None, 7] - r[None, :, 7]) / SIGMA_L) ** 2
    if use_net:
        sq += (_net_distance(t[:, GEOM_DIM:], r[:, GEOM_DIM:]) / SIGMA_NET) ** 2
    return 0.5 * sq + BORDER_PENALTY * np.abs(t[:, None, 6] - r[None, :, 6])


def _fit_affine(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """Weighted least-squares affine (2, 3) with dst ≈ A @ [src, 1]; None with too little support."""
    if (w > 0).sum() < 4:
        return None
    X = np.concatenate([src, np.ones((len(src), 1))], axis=1) * np.sqrt(w)[:, None]
    Y = dst * np.sqrt(w)[:, None]
    A, *_ = np.linalg.lstsq(X, Y, rcond=None)
    M = A.T
    det = np.linalg.det(M[:, :2])
    if not np.isfinite(M).all() or abs(det) < 0.2 or abs(det) > 5.0:
        return None
    return M


def _match_one(page: RegionSet, ref: RegionSet, mirror: bool, whole: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Match the page against one reference in one orientation, positions in each region's figure
    (or, `whole`, in the whole drawing) -> (best ref index (n_t,), colour probability (n_t,), best cost
    (n_t,), weighted total cost)."""
    t, r = page.features.astype(np.float64), ref.features.astype(np.float64)
    if whole and page.whole is not None and ref.whole is not None:
        t, r = t.copy(), r.copy()
        t[:, :3], r[:, :3] = page.whole, ref.whole
    use_pos = page.has_positions and ref.has_positions
    use_l = page.kind == "gray"
    use_net = page.has_net and ref.has_net
    pos = None
    if use_pos:
        pos = t[:, :2].copy()
        if mirror:
            pos[:, 0] = 1.0 - pos[:, 0]
    assert ref.colors is not None
    lab = C.rgb_to_lab(ref.colors.astype(np.float32) / 255.0).astype(np.float64)
    same = (np.linalg.norm(lab[:, None] - lab[None], axis=2) < SAME_COLOUR_DE).astype(np.float64)
    weight = np.sqrt(np.maximum(page.areas.astype(np.float64), 1e-6)) * (1.0 - 0.9 * t[:, 6])
    deg_t = None
    if page.adjacency is not None and ref.adjacency is not None:
        deg_t = np.maximum(page.adjacency.sum(axis=1, keepdims=True), 1.0)
    sigmas = [SIGMA_POS[0], SIGMA_POS[1], SIGMA_POS[1]] if use_pos else [1.0]
    P = cost = base = None
    for it, sig in enumerate(sigmas):
        base = _pair_cost(t, r, pos, sig, mirror, use_l, use_net)
        if ref.usable is not None:  # slivers, thick lines drawn hollow: line, not colour
            base[:, ~ref.usable] = 1e6
        cost = base
        P = _softmax_rows(cost)
        if deg_t is not None:
            for _ in range(2):  # neighbour support: t's neighbours should match r's neighbours
                support = (page.adjacency @ P @ ref.adjacency) / deg_t
                cost = base - NEIGHBOUR_WEIGHT * support
                P = _softmax_rows(cost)
        if use_pos and it < len(sigmas) - 1:
            best = P.argmax(axis=1)
            conf = P[np.arange(len(t)), best]
            ok = conf > 0.3
            M = _fit_affine(pos[ok], r[best[ok], :2], (weight * conf)[ok])
            if M is not None:
                pos = pos @ M[:, :2].T + M[:, 2]
    assert P is not None and cost is not None and base is not None
    colour_p = P @ same  # probability of each reference region's colour
    rows = np.arange(len(t))
    top = colour_p.argmax(axis=1)
    pc = colour_p[rows, top]
    # the colour given is that of the most probable region among those of the winning colour (the
    # "same colour" relation is not transitive: the cluster's members may differ by up to twice its radius)
    best = (P * same[top]).argmax(axis=1)
    # the best-fitting region of that colour, for the absolute fit
    best_cost = np.where(same[best] > 0, cost, np.inf).min(axis=1)
    # how well the descriptors alone (no neighbour bonus, which also rewards a consistent wrong guess)
    # explain the page under this orientation: decides as drawn vs mirrored
    fit = base[rows, P.argmax(axis=1)]
    total = float((weight * np.minimum(fit, 20.0)).sum() / weight.sum())
    return best, pc, best_cost, total


def match_regions(page: RegionSet, references: Sequence[RegionSet], min_confidence: float = MIN_CONFIDENCE
                  ) -> ReferenceMatch:
    """Match every page region against each reference (aligned on its own, as drawn or mirrored)."""
    n = page.count
    colors = np.zeros((n + 1, 3), np.uint8)
    conf = np.zeros(n + 1, np.float32)
    source = np.full(n + 1, -1, np.int32)
    mirrored: list[bool] = []
    frames = page.frames if page.frames is not None else np.zeros(n, np.int32)
    groups = [np.flatnonzero(frames == f) for f in np.unique(frames)]
    figures = sum(1 for f, g in zip(np.unique(frames), groups, strict=True)
                  if f != 0 and len(g) >= MIN_FIGURE_REGIONS)
    several = figures >= 2  # several figures (a comic page): each aligned on its own; else one drawing
    if not several:
        groups = [np.arange(n)]
    for k, ref in enumerate(references):
        if ref.colors is None or ref.count == 0:
            mirrored.append(False)
            continue
        votes = 0.0
        for idx in groups:  # each figure of the page is aligned to the reference on its own
            part = _subset(page, idx)
            both = page.has_positions and ref.has_positions and len(idx) >= MIN_FIGURE_REGIONS
            # hypotheses: as drawn or mirrored; positions in the figure or in the whole drawing (a figure
            # found on one side only, a drawing cut differently, is compared as a whole)
            wholes = (False, True) if several and page.whole is not None and ref.whole is not None else \
                (page.whole is not None and ref.whole is not None,)
            hyps = [(m, wh) for m in ((False, True) if both else (False,)) for wh in wholes]
            tries = [_match_one(part, ref, m, wh) for m, wh in hyps]
            pick = int(np.argmin([tr[3] for tr in tries]))
            votes += float(part.areas.sum()) * (1 if hyps[pick][0] else -1) * both
            best, pc, best_cost, _ = tries[pick]
            fit = np.exp(-np.maximum(best_cost - FIT_COST, 0.0) / 2.0)
            c = (pc * fit).astype(np.float32)
            loose = part.features[:, 6] < 0.5  # not a background
            if several and loose.sum() < MIN_FIGURE_REGIONS:
                # a lone shape beside the figures (a prop, a speech balloon): nothing to align it with, so
                # a look-alike in the reference is weak evidence
                c[loose] *= LOOSE_FACTOR
            rows = idx + 1
            better = c > conf[rows]
            conf[rows[better]] = c[better]
            colors[rows[better]] = ref.colors[best[better]]
            source[rows[better]] = k
        mirrored.append(votes > 0)
    assigned = conf >= min_confidence
    assigned[0] = False
    return ReferenceMatch(page, colors, conf, source, assigned, mirrored)


def match_references(page: np.ndarray, references: Sequence[np.ndarray | RegionSet], colorizer: Any = None,
                     *, names: Sequence[str] | None = None, kind: str = "auto",
                     min_confidence: float = MIN_CONFIDENCE) -> ReferenceMatch:
    """Regions of `page` matched against coloured `references`: pictures (arrays), or `RegionSet`s from
    `reference_regions` (a chapter analyses each reference once). Raises `ReferenceError` naming the
    reference for one that cannot be used; nothing is computed for the page then."""
    if not references:
        raise ReferenceError("no reference given")
    rgb = as_rgb_u8(page)
    H, W = rgb.shape[:2]
    refs = []
    for i, ref in enumerate(references):
        name = f"reference {i + 1}" + (f" ({names[i]})" if names and i < len(names) else "")
        if isinstance(ref, RegionSet):
            if ref.size is not None:
                check_scale(ref.size, (W, H), name)
            refs.append(ref)
        else:
            refs.append(reference_regions(ref, colorizer, name, page_size=(W, H)))
    return match_regions(page_regions(rgb, colorizer, kind), refs, min_confidence)


def colorize_with_references(colorizer: Any, page: np.ndarray, references: Sequence[np.ndarray | RegionSet],
                             hints: Hints | None = None, *, names: Sequence[str] | None = None,
                             kind: str = "auto", **colorize_kw: Any) -> tuple[np.ndarray, ReferenceMatch]:
    """Colour `page` from `references` (user `hints` win) -> (RGB uint8 (H, W, 3), the match)."""
    match = match_references(page, references, colorizer, names=names, kind=kind)
    rgb = colorizer.colorize(page, match.hints(hints), kind=kind, **colorize_kw)
    return rgb, match
