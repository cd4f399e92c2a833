"""Line-enclosed regions of a picture and their descriptors, for reference colorization (`reference.py`)
and the chapter colour memory (`chapter_memory.py`).

The page and every reference are cut into line-enclosed regions (the same `segment_regions` as the flats;
a coloured reference gets its line art from `lineart.extract_lineart`, ink plus colour boundaries, so both
sides are regions of line art), analysed at a long side of `ANALYSIS_SIZE`. Each region gets a descriptor
(`FEATURE_VERSION` layout: `GEOM_NAMES` then the network part): where it is inside its figure, how big, how
elongated and turned, whether it is a background, its mean lightness (gray pages), and what the
colorizer's distribution head predicts for it with no hints (pooled to a coarse ab grid: the network's idea
of "what kind of thing this region is"). Positions are also kept in the frame of the whole drawing.

Figures (`_frames`): a page with the character drawn six times (six panels) is six figures, each compared
with a reference on its own; a drawing with one figure is compared as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from paintgan.errors import PaintGANError
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
DARK_L, THIN_RATIO = 25.0, 0.06  # a reference region darker and thinner than this is a hollow line
MIN_FIGURE_REGIONS = 3  # an outline enclosing this many regions is a figure of its own
MIN_INTERIOR = 1.5  # analysis pixels: a region thinner than this gets no hint (it could land on a line)


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
