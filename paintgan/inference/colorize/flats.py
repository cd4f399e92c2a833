"""Flatting layers (numpy + OpenCV, no model, no Qt): every line-enclosed region of a page gets its own
flat colour, so a colourist selects any region with one magic-wand click; "merge flats of the same colour"
then gives regions that are coloured alike one shared flat, so one click selects all of them.

Regions are those of the classical flat fill (`flat.py`: `ink_mask`, `segment_regions`): dark ink of line
art, or Canny edges of a gray page, gaps up to ``2 * gap_radius`` closed, specks below `min_region` pixels
counted as ink, and every ink pixel given to the nearest region, so the flats run under the lines to their
middle (no white halos) and cover the ink itself: the flats layer is opaque everywhere.

Colours (`assign_colours`): a deterministic stream of saturated, mid-to-light colours (a golden-ratio walk
in hue over four saturation/value rings; never near-black, so a flat is never mistaken for ink, never
near-white, so it is never mistaken for paper) is handed out greedily in region order. Every flat gets a
colour no other flat has, and a region only takes a colour at least `MIN_NEIGHBOUR_DELTA_E` (CIE76 ΔE)
away from every already coloured neighbour and differing by at least `MIN_NEIGHBOUR_CHANNEL` in some RGB
channel, which is above the wand's and the bucket fill's default tolerance (32): a contiguous wand or
fill at that tolerance stops at every region border.

Background: the paper around the drawing (the largest region touching the page border) is a flat like any
other by default (``background="flat"``), because that is what colourists' flats are: the whole page
divided into selectable areas, the background included (the sky, a wall or the gutters are coloured too),
and what the flatting tools they use deliver (Photoshop multi-fill flatters, Krita's Colorize Mask output
converted to a paint layer). ``background="transparent"`` leaves it transparent (alpha 0) for artists who
keep the paper blank; a wand on transparent pixels still selects it.

Merging (`merge_same_colour`): each flat's colour is the mean of a coloured result (a colorize output,
or the flat fill of the hints) over the flat's paper pixels; flats within `delta_e` of one target colour
(the hints' colours: targets given) or of each other (no targets: greedy clustering, largest flats first,
so colours never chain) become one flat, which keeps the colour of its largest member when that stays well
separated from its new neighbours, else takes the next colour of the stream. Flats with no colour in the
result (transparent there) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from paintgan.core.hints import Hints
from paintgan.inference.colorize import color as C
from paintgan.inference.colorize.flat import (
    DEFAULT_GAP_RADIUS,
    DEFAULT_INK_THRESHOLD,
    ink_mask,
    region_colors,
    segment_regions,
)
from paintgan.inference.colorize.pixels import ColorizeInputError, as_rgb_u8, detect_input_kind

BACKGROUNDS = ("flat", "transparent")
MIN_NEIGHBOUR_DELTA_E = 25.0  # neighbouring flats at least this far apart (CIE76 ΔE) when possible
MIN_NEIGHBOUR_CHANNEL = 48  # ... and at least this apart in some RGB channel (wand/fill tolerance: 32)
DEFAULT_MERGE_DELTA_E = 6.0  # colours this close (ΔE) count as "the same colour" when merging
CANDIDATE_WINDOW = 24  # palette colours tried per region before taking the best of them
GOLDEN = 0.6180339887498949
# (saturation, value) rings the hue walk cycles through: all saturated enough to read as a colour, light
# enough to never look like ink
_RINGS = ((0.70, 0.95), (0.95, 0.78), (0.45, 0.88), (0.85, 0.62))


@dataclass
class Flats:
    """Flats of a page: regions, the flat each region belongs to, and each flat's colour."""

    labels: np.ndarray  # (H, W) int32: every pixel's region, 1..n_regions
    flat_of: np.ndarray  # (n_regions + 1,) int32: region -> flat 1..n_flats (entry 0 unused)
    palette: np.ndarray  # (n_flats + 1, 4) uint8 straight RGBA per flat (row 0 unused)
    pairs: np.ndarray  # (k, 2) int32 neighbouring regions (a < b), from `region_adjacency`
    background: int = 0  # region of the paper around the drawing (0: none found)

    @property
    def n_regions(self) -> int:
        return len(self.flat_of) - 1

    @property
    def n_flats(self) -> int:
        return len(self.palette) - 1

    def region_rgba(self) -> np.ndarray:
        """(n_regions + 1, 4) uint8: the RGBA of every region (its flat's)."""
        return self.palette[self.flat_of]

    @property
    def rgba(self) -> np.ndarray:
        """(H, W, 4) uint8 straight RGBA flats (opaque, except a transparent background)."""
        lut = np.ascontiguousarray(self.region_rgba()).view(np.uint32).ravel()
        return lut[self.labels].view(np.uint8).reshape((*self.labels.shape, 4))

    def flat_pairs(self) -> np.ndarray:
        """(k, 2) int32 neighbouring flats (a < b)."""
        return _unique_pairs(self.flat_of[self.pairs[:, 0]], self.flat_of[self.pairs[:, 1]])


# ----------------------------------------------------------------------------------------- regions
def _unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    if lo.size == 0:
        return np.zeros((0, 2), np.int32)
    code = np.unique(lo << 32 | hi)
    return np.stack([code >> 32, code & 0xFFFFFFFF], axis=1).astype(np.int32)


def region_adjacency(labels: np.ndarray) -> np.ndarray:
    """(k, 2) int32 pairs (a < b) of labels that touch horizontally or vertically."""
    pairs = []
    for x, y in ((labels[:, 1:], labels[:, :-1]), (labels[1:, :], labels[:-1, :])):
        diff = x != y
        if diff.any():
            pairs.append((x[diff], y[diff]))
    if not pairs:
        return np.zeros((0, 2), np.int32)
    return _unique_pairs(np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs]))


def find_background(labels: np.ndarray, n: int) -> int:
    """The paper around the drawing: the largest region touching the page border (0 if n < 2: a page
    that is one region has no drawing to be around)."""
    if n < 2:
        return 0
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touching = np.unique(border)
    areas = np.bincount(labels.ravel(), minlength=n + 1)
    return int(touching[np.argmax(areas[touching])])


# ------------------------------------------------------------------------------------------ colours
class _Palette:
    """The deterministic stream of flat colours: golden-ratio hue walk over `_RINGS`, each RGB once."""

    def __init__(self) -> None:
        self.k = 0
        self.seen: set[int] = set()

    def take(self, count: int) -> np.ndarray:
        out: list[tuple[int, int, int]] = []
        while len(out) < count:
            k = np.arange(self.k, self.k + 2 * count + 8)
            self.k += len(k)
            ring = np.array(_RINGS, np.float32)[k % len(_RINGS)]
            jitter = (k * 0.7548776662466927) % 1.0  # a second low-discrepancy walk: endless variety
            hsv = np.empty((1, len(k), 3), np.float32)
            hsv[0, :, 0] = (k * GOLDEN) % 1.0 * 360.0
            hsv[0, :, 1] = ring[:, 0] - 0.08 * jitter
            hsv[0, :, 2] = ring[:, 1] - 0.06 * jitter
            rgb = cv2.convertScaleAbs(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), alpha=255.0)[0]
            for c in rgb:
                code = int(c[0]) << 16 | int(c[1]) << 8 | int(c[2])
                if code not in self.seen:
                    self.seen.add(code)
                    out.append((int(c[0]), int(c[1]), int(c[2])))
                    if len(out) == count:
                        break
        return np.array(out, np.uint8).reshape(-1, 3)


def _neighbour_lists(n: int, pairs: np.ndarray) -> list[np.ndarray]:
    """Neighbours of every node 0..n (CSR split into arrays)."""
    if len(pairs) == 0:
        return [np.zeros(0, np.int32) for _ in range(n + 1)]
    a = np.concatenate([pairs[:, 0], pairs[:, 1]])
    b = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    bounds = np.searchsorted(a, np.arange(n + 2))
    return [b[bounds[i]:bounds[i + 1]] for i in range(n + 1)]


def _separation(cands_rgb: np.ndarray, cands_lab: np.ndarray, nb_rgb: np.ndarray, nb_lab: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(min ΔE, min over neighbours of the max channel difference) of every candidate."""
    if len(nb_rgb) == 0:
        inf = np.full(len(cands_rgb), np.inf, np.float32)
        return inf, np.full(len(cands_rgb), 255, np.int32)
    de = np.sqrt(((cands_lab[:, None, :] - nb_lab[None, :, :]) ** 2).sum(-1)).min(axis=1)
    ch = np.abs(cands_rgb[:, None, :].astype(np.int32) - nb_rgb[None, :, :]).max(-1).min(axis=1)
    return de, ch


def assign_colours(n: int, pairs: np.ndarray, preferred: np.ndarray | None = None) -> np.ndarray:
    """(n + 1, 3) uint8 colours for nodes 1..n of the graph `pairs` (row 0 black, unused): all different,
    neighbours at least `MIN_NEIGHBOUR_DELTA_E` / `MIN_NEIGHBOUR_CHANNEL` apart whenever one of
    `CANDIDATE_WINDOW` candidates allows it (else the most separated candidate). `preferred` (n + 1, 3):
    a node keeps its preferred colour when that is unused and well separated (used when merging)."""
    nbrs = _neighbour_lists(n, pairs)
    out = np.zeros((n + 1, 3), np.uint8)
    lab = np.zeros((n + 1, 3), np.float32)
    done = np.zeros(n + 1, bool)
    stream = _Palette()
    pref_lab = None
    taken_pref: set[int] = set()
    if preferred is not None:
        preferred = np.asarray(preferred, np.uint8)
        pref_codes = (preferred[:, 0].astype(np.int64) << 16 | preferred[:, 1].astype(np.int64) << 8
                      | preferred[:, 2])
        stream.seen.update(int(c) for c in pref_codes[1:])  # the stream never hands out a kept colour
        pref_lab = C.rgb_to_lab(preferred)
    pool = stream.take(n + CANDIDATE_WINDOW)  # a region takes at most one colour of the pool
    pool_lab = C.rgb_to_lab(pool)
    window = list(range(min(CANDIDATE_WINDOW, len(pool))))
    nxt = len(window)
    for r in range(1, n + 1):
        nb = nbrs[r]
        nb = nb[done[nb]]
        nb_rgb, nb_lab = out[nb].astype(np.int32), lab[nb]
        if pref_lab is not None:
            code = int(pref_codes[r])
            if code not in taken_pref:
                de, ch = _separation(preferred[r:r + 1], pref_lab[r:r + 1], nb_rgb, nb_lab)
                if de[0] >= MIN_NEIGHBOUR_DELTA_E and ch[0] >= MIN_NEIGHBOUR_CHANNEL:
                    out[r], lab[r], done[r] = preferred[r], pref_lab[r], True
                    taken_pref.add(code)
                    continue
        if len(nb) == 0:
            i = 0
        else:
            w = np.array(window)
            de, ch = _separation(pool[w], pool_lab[w], nb_rgb, nb_lab)
            ok = np.flatnonzero((de >= MIN_NEIGHBOUR_DELTA_E) & (ch >= MIN_NEIGHBOUR_CHANNEL))
            i = int(ok[0]) if len(ok) else int(np.argmax(np.minimum(de, ch * 0.5)))
        j = window.pop(i)
        out[r], lab[r], done[r] = pool[j], pool_lab[j], True
        if nxt < len(pool):
            window.append(nxt)
            nxt += 1
    return out


# -------------------------------------------------------------------------------------------- flats
def segment_page(image: np.ndarray, kind: str = "auto", gap_radius: int = DEFAULT_GAP_RADIUS,
                 ink_threshold: float = DEFAULT_INK_THRESHOLD, min_region: int | None = None
                 ) -> tuple[np.ndarray, int, np.ndarray]:
    """(labels (H, W) int32 1..n, n, ink (H, W) bool) of a line-art or gray page ("auto": detected)."""
    rgb = as_rgb_u8(image)
    if kind == "auto":
        kind = detect_input_kind(rgb)
    if kind not in ("lineart", "gray"):
        raise ColorizeInputError(f"input kind must be auto, lineart or gray, got '{kind}'")
    if gap_radius < 0:
        raise ColorizeInputError("gap radius must be 0 or more")
    ink = ink_mask(rgb, kind, ink_threshold)
    labels, n = segment_regions(ink, gap_radius, min_region)
    return labels, n, ink


def flats_from_labels(labels: np.ndarray, n: int, background: str = "flat") -> Flats:
    """Flats of a segmentation (`segment_page`): one distinct, well separated colour per region."""
    if background not in BACKGROUNDS:
        raise ColorizeInputError(f"background must be {' or '.join(BACKGROUNDS)}, got '{background}'")
    pairs = region_adjacency(labels)
    rgb = assign_colours(n, pairs)
    palette = np.zeros((n + 1, 4), np.uint8)
    palette[:, :3] = rgb
    palette[1:, 3] = 255
    bg = find_background(labels, n)
    if background == "transparent" and bg:
        palette[bg] = 0
    return Flats(labels, np.arange(n + 1, dtype=np.int32), palette, pairs, bg)


def make_flats(image: np.ndarray, *, kind: str = "auto", gap_radius: int = DEFAULT_GAP_RADIUS,
               background: str = "flat", ink_threshold: float = DEFAULT_INK_THRESHOLD,
               min_region: int | None = None) -> Flats:
    """The flats of a line-art or gray page: one distinct, well separated colour per region."""
    labels, n, _ink = segment_page(image, kind, gap_radius, ink_threshold, min_region)
    return flats_from_labels(labels, n, background)


def flats_from_rgba(rgba: np.ndarray) -> Flats:
    """Flats read back from a flats layer's pixels (possibly retouched by hand): every distinct RGB of
    the visible pixels is one flat, all fully transparent pixels are one more (kept transparent);
    colours are kept as they are. Lets "merge" work on the layer the user sees, edits included."""
    a = np.ascontiguousarray(rgba, dtype=np.uint8)
    if a.ndim != 3 or a.shape[2] != 4 or a.shape[0] < 1 or a.shape[1] < 1:
        raise ColorizeInputError(f"flats must be an (H, W, 4) RGBA image, got shape {a.shape}")
    # one key per RGB (24 bits; alpha 0 -> the key 2**24): table lookups over all 2**24 + 1 keys are
    # much faster on a page than np.unique (sorting); pixels of one RGB with different non-zero alphas
    # are one flat (the palette keeps one of their alphas)
    keys = a[..., 0].astype(np.int32) << 16
    keys |= a[..., 1].astype(np.int32) << 8
    keys |= a[..., 2]
    alpha = a[..., 3]
    keys[alpha == 0] = 1 << 24
    present = np.zeros((1 << 24) + 1, bool)
    present[keys] = True
    values = np.flatnonzero(present)
    lut = np.zeros((1 << 24) + 1, np.int32)
    lut[values] = np.arange(1, len(values) + 1, dtype=np.int32)
    labels = lut[keys]
    n = len(values)
    alpha_of = np.zeros((1 << 24) + 1, np.uint8)
    alpha_of[keys] = alpha
    palette = np.zeros((n + 1, 4), np.uint8)
    palette[1:, 0], palette[1:, 1], palette[1:, 2] = values >> 16 & 255, values >> 8 & 255, values & 255
    palette[1:, 3] = alpha_of[values]
    palette[1:][values == 1 << 24] = 0
    pairs = region_adjacency(labels)
    return Flats(labels, np.arange(n + 1, dtype=np.int32), palette, pairs, 0)


# -------------------------------------------------------------------------------------------- merge
def flat_colours(flats: Flats, colours: np.ndarray, ink: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lab (n_flats + 1, 3) float32, coloured (n_flats + 1,) bool, area (n_flats + 1,) int64): each
    flat's mean colour in `colours` ((H, W, 3) RGB or (H, W, 4) RGBA uint8; pixels with alpha < 128 have
    no colour) over its paper pixels (not `ink`; all its coloured pixels when it has no paper ones)."""
    H, W = flats.labels.shape
    c = np.asarray(colours)
    if c.dtype != np.uint8 or c.ndim != 3 or c.shape[:2] != (H, W) or c.shape[2] not in (3, 4):
        raise ColorizeInputError(f"colours must be a {W}×{H} uint8 RGB or RGBA image, got shape {c.shape}")
    m = flats.n_flats
    fl = flats.flat_of[flats.labels].ravel()
    area = np.bincount(fl, minlength=m + 1)
    # one pass per channel: bin = flat (paper pixel), flat + (m + 1) (ink pixel), 2 (m + 1) (no colour)
    key = fl.astype(np.int64)
    if ink is not None:
        key += ink.ravel().astype(np.int64) * (m + 1)
    if c.shape[2] == 4:
        key[c[..., 3].ravel() < 128] = 2 * (m + 1)
    size = 2 * (m + 1) + 1
    count = np.bincount(key, minlength=size)[:2 * (m + 1)].reshape(2, m + 1)
    sums = np.stack([np.bincount(key, weights=np.ascontiguousarray(c[..., ch]).ravel(), minlength=size)
                     [:2 * (m + 1)].reshape(2, m + 1) for ch in range(3)], axis=-1)
    n_paper = count[0]
    n_all = count[0] + count[1]
    use_paper = n_paper > 0
    rgb = np.where(use_paper[:, None], sums[0], sums[0] + sums[1]) / np.maximum(
        np.where(use_paper, n_paper, n_all), 1)[:, None]
    coloured = n_all > 0
    coloured[0] = False
    lab = C.rgb_to_lab((rgb / 255.0).astype(np.float32))
    return lab, coloured, area


def merge_same_colour(flats: Flats, colours: np.ndarray, *, targets: Sequence[Sequence[int]] | None = None,
                      delta_e: float = DEFAULT_MERGE_DELTA_E, ink: np.ndarray | None = None) -> Flats:
    """New `Flats` in which flats coloured alike in `colours` are one flat (see the module docstring).

    `targets`: RGB colours that decide (the hints' colours): a flat joins the target nearest to its
    colour when within `delta_e`; flats near no target stay as they are. None: every colour counts, and
    flats within `delta_e` of a cluster's first (largest) flat join it."""
    if delta_e < 0:
        raise ColorizeInputError("the merge ΔE must be 0 or more")
    lab, coloured, area = flat_colours(flats, colours, ink)
    m = flats.n_flats
    coloured &= flats.palette[:, 3] > 0  # a transparent flat (the paper, kept blank) stays itself
    group = np.arange(m + 1, dtype=np.int64)
    if targets is not None:
        t = np.asarray(list(targets), np.uint8).reshape(-1, 3)
        if len(t):
            t_lab = C.rgb_to_lab(t)
            same = np.arange(len(t))  # targets within delta_e of an earlier one are that colour
            for i in range(1, len(t)):
                dt = np.sqrt(((t_lab[:i] - t_lab[i]) ** 2).sum(-1))
                if dt.min() <= delta_e:
                    same[i] = same[int(np.argmin(dt))]
            d = np.sqrt(((lab[:, None, :] - t_lab[None, :, :]) ** 2).sum(-1))
            near = d.argmin(axis=1)
            close = coloured & (d[np.arange(m + 1), near] <= delta_e)
            group[close] = m + 1 + same[near[close]]  # one provisional id per target colour
    else:
        reps: list[int] = []
        order = np.argsort(-area, kind="stable")
        for f in order:
            if not coloured[f]:
                continue
            if reps:
                d = np.sqrt(((lab[reps] - lab[f]) ** 2).sum(-1))
                j = int(np.argmin(d))
                if d[j] <= delta_e:
                    group[f] = group[reps[j]]
                    continue
            reps.append(int(f))
    # renumber groups 1..k by their largest member, keep that member's colour as the preference
    _, first, inverse = np.unique(group[1:], return_index=True, return_inverse=True)
    k = len(first)
    new_of_flat = np.zeros(m + 1, np.int64)
    new_of_flat[1:] = inverse + 1
    best = np.zeros(k + 1, np.int64)
    best_area = np.full(k + 1, -1, np.int64)
    for f in range(1, m + 1):
        g = new_of_flat[f]
        if area[f] > best_area[g]:
            best[g], best_area[g] = f, area[f]
    pairs = _unique_pairs(new_of_flat[flats.flat_pairs()[:, 0]], new_of_flat[flats.flat_pairs()[:, 1]])
    preferred = flats.palette[best, :3].copy()
    rgb = assign_colours(k, pairs, preferred)
    palette = np.zeros((k + 1, 4), np.uint8)
    palette[:, :3] = rgb
    palette[:, 3] = flats.palette[best, 3]
    palette[0] = 0
    return Flats(flats.labels, new_of_flat[flats.flat_of].astype(np.int32), palette, flats.pairs,
                 flats.background)


def hint_colours(hints: Hints | None) -> list[tuple[int, int, int]]:
    """The distinct colours of `hints` (points, then strokes), in first-use order."""
    seen: dict[tuple[int, int, int], None] = {}
    if hints is not None:
        for rgb in [p.rgb for p in hints.points] + [s.rgb for s in hints.strokes]:
            seen.setdefault((int(rgb[0]), int(rgb[1]), int(rgb[2])), None)
    return list(seen)


# --------------------------------------------------------------------------------------------- page
Colorize = Callable[[np.ndarray, Hints, str], np.ndarray]  # (page, hints, kind) -> (H, W, 3) uint8 RGB


def page_flats(image: np.ndarray, hints: Hints | None = None, *, kind: str = "auto",
               gap_radius: int = DEFAULT_GAP_RADIUS, background: str = "flat", merge: bool = False,
               colorize: Colorize | None = None, delta_e: float = DEFAULT_MERGE_DELTA_E
               ) -> tuple[np.ndarray, list[str]]:
    """(RGBA flats (H, W, 4) uint8, notes) of a page — the `--mode flats` picture.

    `merge`: flats whose colour is one of the hints' colours are merged (`merge_same_colour` with the
    hints' colours as targets). The colours come from `colorize` (the neural colorizer: it also carries
    a hint's colour to the unhinted parts of the same object) or, without it, from the classical flat
    fill (only the hinted regions have a colour). Only the hints' colours count: they are the colours
    the user chose, while the network's guesses for unhinted regions are not (with no hints it paints
    most of a page one beige, which would merge nearly everything into one flat)."""
    rgb = as_rgb_u8(image)
    if kind == "auto":
        kind = detect_input_kind(rgb)
    labels, n, ink = segment_page(rgb, kind, gap_radius)
    flats = flats_from_labels(labels, n, background)
    notes: list[str] = []
    if merge:
        targets = hint_colours(hints)
        if not targets:
            notes.append("no hints: nothing to merge, the flats are written unmerged")
        else:
            assert hints is not None
            if colorize is not None:
                colours = colorize(rgb, hints, kind)
            else:  # the classical flat fill of the hints, on the regions at hand (same segmentation)
                rc, hinted = region_colors(labels, n, hints, ink)
                table = np.zeros((n + 1, 4), np.uint8)
                table[:, :3] = rc
                table[:, 3] = np.where(hinted, 255, 0)
                colours = np.ascontiguousarray(table).view(np.uint32).ravel()[labels]
                colours = colours.view(np.uint8).reshape((*labels.shape, 4))
            before = flats.n_flats
            flats = merge_same_colour(flats, colours, targets=targets, delta_e=delta_e, ink=ink)
            if flats.n_flats == before:
                notes.append("no two regions have the same hint colour: nothing merged")
    return flats.rgba, notes
