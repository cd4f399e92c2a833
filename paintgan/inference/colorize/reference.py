"""Reference colorization: colour a line-art (or gray) page from already coloured references, no hints.

The page and every reference are cut into line-enclosed regions with descriptors (`regions.py`: position
in its figure, size, shape, background or not, lightness, the colorizer's pooled no-hint distribution).
Matching a page region to reference regions is a soft assignment:

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
from paintgan.inference.colorize import color as C
from paintgan.inference.colorize.pixels import as_rgb_u8
from paintgan.inference.colorize.regions import (
    FEATURE_DIM,
    FEATURE_VERSION,
    GEOM_DIM,
    GEOM_NAMES,
    MIN_FIGURE_REGIONS,
    MIN_INTERIOR,
    ReferenceError,
    RegionSet,
    check_scale,
    page_regions,
    reference_regions,
)

__all__ = ["FEATURE_DIM", "FEATURE_VERSION", "GEOM_DIM", "GEOM_NAMES", "MIN_INTERIOR", "ReferenceError",
           "ReferenceMatch", "RegionSet", "check_scale", "colorize_with_references", "match_references",
           "match_regions", "page_regions", "reference_regions"]

MIN_CONFIDENCE = 0.4
LOOSE_FACTOR = 0.35  # confidence factor of a lone shape on a page of several figures
HINT_RADIUS = 2.0
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


def _same_colour(colors: np.ndarray) -> np.ndarray:
    """(n, n) float64 0/1: reference regions whose colours are within `SAME_COLOUR_DE` of each other."""
    lab = C.rgb_to_lab(colors.astype(np.float32) / 255.0).astype(np.float64)
    return (np.linalg.norm(lab[:, None] - lab[None], axis=2) < SAME_COLOUR_DE).astype(np.float64)


def _match_one(page: RegionSet, ref: RegionSet, same: np.ndarray, mirror: bool, whole: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Match the page against one reference (`same`: `_same_colour` of its colours) in one orientation,
    positions in each region's figure (or, `whole`, in the whole drawing) -> (best ref index (n_t,), colour
    probability (n_t,), best cost (n_t,), weighted total cost)."""
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
        same = _same_colour(ref.colors)
        # hypotheses: as drawn or mirrored; positions in the figure or in the whole drawing (a figure
        # found on one side only, a drawing cut differently, is compared as a whole)
        has_whole = page.whole is not None and ref.whole is not None
        wholes = (False, True) if several and has_whole else (has_whole,)
        for idx in groups:  # each figure of the page is aligned to the reference on its own
            part = _subset(page, idx)
            both = page.has_positions and ref.has_positions and len(idx) >= MIN_FIGURE_REGIONS
            hyps = [(m, wh) for m in ((False, True) if both else (False,)) for wh in wholes]
            tries = [_match_one(part, ref, same, m, wh) for m, wh in hyps]
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
