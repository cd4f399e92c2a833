"""Chapter colour memory: colours applied on earlier pages come back as hint suggestions on later pages.

A colourist colours forty pages in which the same characters come back. After a page's colorize result
is applied, `remember` puts each of its regions (features from the reference matcher,
`reference.page_regions`, plus the region's final flat colour) into the chapter's `ColourMemory`
(`paintgan.io.colour_memory`, a `.paintgan/` folder beside the pages). On a new page, `suggest` matches
the page's regions against the remembered ones with the same matcher as reference colorization
(`match_regions(page, [RegionSet.from_records(...)])`; memory entries have no picture, so positions do
not count, only size, shape, border contact and the network's idea of the region) and returns point hints
for the regions matched with enough confidence; the user's own hints win in their regions.

Left out of the memory: the background (a large region touching the picture's border), regions too small
or too thin to carry a hint, and regions the result left unpainted (white paper or transparent).

Speed (budget: suggestions placed ≤ 300 ms after an A4 page opens): the page is reduced once to
`ANALYSIS_SIZE` (768 px long side; lines kept by a minimum filter) and analysed there; RGBA layer pixels are
composited in uint8; only regions that could hold a hint are matched, against the memory entries nearest
to them (at most `PAIR_BUDGET` region × entry pairs), so a full 4,096-entry memory costs about as much as a
small one. `bench/bench_chapter_memory.py` measures it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.core.hints import Hints
from paintgan.inference.colorize import reference as R
from paintgan.io.colour_memory import INDEX_NAME, ColourMemory, load_memory, memory_folder, save_memory

FEATURE_VERSION = R.FEATURE_VERSION
ANALYSIS_SIZE = 768  # long side the regions of a page are analysed at (A4: 0.22×, 3 px lines kept)
MIN_AREA = 0.0004  # area fraction of the drawing's box below which a region is not remembered
BACKGROUND_AREA = 0.15  # a region touching the picture's border and at least this large is background
PAPER_DE = 2.5  # a region whose result is within this ΔE of white paper was left unpainted
MAX_CANDIDATES = 384  # memory entries given to the matcher per page
MIN_CANDIDATES = 96
PAIR_BUDGET = 100_000  # page regions × memory entries the matcher weighs (its cost grows with it)
NEAREST_PER_REGION = 12
MERGE_DISTANCE = 0.6  # in the matcher's "sigma" units (feature_weights): same kind of region
MIN_CONFIDENCE = R.MIN_CONFIDENCE
#: Match with positions inside the drawing's box too (the matcher then also tries the page mirrored and
#: aligns it). On the tests' character in other poses: 0 wrong colours instead of 1-2 of 6 regions.
USE_POSITIONS = True


def feature_weights() -> np.ndarray:
    """Per-feature scale of the reference descriptor, so that 1.0 is "one sigma" of the matcher (used to
    merge near-duplicates and to pick the candidates the matcher sees)."""
    w = np.zeros(R.FEATURE_DIM, np.float32)
    g = {n: i for i, n in enumerate(R.GEOM_NAMES)}
    if USE_POSITIONS:  # the same colour at another place of the drawing is another entry
        w[g["cx"]] = w[g["cy"]] = 1.0 / R.SIGMA_POS[0]
    w[g["log_area"]] = 1.0 / R.SIGMA_AREA
    for n in ("elong", "orient_cos", "orient_sin"):
        w[g[n]] = 1.0 / R.SIGMA_SHAPE
    w[g["border"]] = 2.0
    w[g["lightness"]] = 1.0 / R.SIGMA_L
    w[R.GEOM_DIM:] = 1.0 / R.SIGMA_NET
    return w


def open_memory(folder: str | Path) -> ColourMemory:
    """The memory in `folder` (never raises: a broken one, or one whose feature rows are not this matcher's
    length, is empty with `warning` set, and the next save keeps its files as `.broken`)."""
    mem = load_memory(folder, FEATURE_VERSION)
    if len(mem) and mem.dims != R.FEATURE_DIM:
        bad = ColourMemory(FEATURE_VERSION)
        bad.warning = (f"chapter colour memory ignored: {Path(folder) / INDEX_NAME}: its features have "
                       f"{mem.dims} values, this PaintGAN's have {R.FEATURE_DIM}")
        return bad
    return mem


def memory_for_page(page_path: str | Path) -> tuple[Path, ColourMemory]:
    """(folder, memory) of the chapter the page file belongs to."""
    folder = memory_folder(page_path)
    return folder, open_memory(folder)


def _shrink(rgb: np.ndarray, s: float, kind: str) -> np.ndarray:
    """The page at scale `s` < 1: line art as gray with its lines kept (a minimum filter before area
    averaging, as `reference` does), gray pages area-averaged."""
    import cv2

    h, w = rgb.shape[:2]
    size = (max(1, round(w * s)), max(1, round(h * s)))
    if kind == "lineart":
        g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        k = int(0.5 / s)
        if k >= 1:
            g = cv2.erode(g, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * k + 1, 2 * k + 1)))
        return cv2.resize(g, size, interpolation=cv2.INTER_AREA)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _rgb(page: np.ndarray) -> np.ndarray:
    """RGB uint8 of a page; straight RGBA uint8 (a layer's pixels) over white paper with cheap uint8
    operations (`as_rgb_u8` composites in float: 350 ms on an A4 page)."""
    import cv2

    from paintgan.inference.colorize.pixels import as_rgb_u8

    a = np.asarray(page)
    if a.ndim != 3 or a.shape[2] != 4 or a.dtype != np.uint8:
        return as_rgb_u8(a)
    alpha = np.ascontiguousarray(a[..., 3])
    rgb = cv2.cvtColor(a, cv2.COLOR_RGBA2RGB)
    if cv2.minMaxLoc(alpha)[0] >= 255:
        return rgb
    inv = cv2.multiply(cv2.subtract(np.full_like(rgb, 255), rgb), cv2.merge([alpha, alpha, alpha]),
                       scale=1.0 / 255.0)
    return cv2.subtract(np.full_like(rgb, 255), inv)


def analyse(page_image: np.ndarray, colorizer: Any = None, kind: str = "auto",
            size: int = ANALYSIS_SIZE) -> R.RegionSet:
    """The page's regions and descriptors (`reference.page_regions`), analysed at `size` px long side:
    the page is reduced once here, so an A4 page at 300 dpi costs what a 768 px picture costs. Points
    are page pixels. Give `kind` when known (detecting it costs more than the rest on a big page)."""
    from paintgan.inference.colorize.pixels import detect_input_kind

    rgb = _rgb(page_image)
    h, w = rgb.shape[:2]
    s = min(1.0, size / max(h, w))
    if kind == "auto":
        step = max(1, int(np.ceil(max(h, w) / 640)))
        kind = detect_input_kind(rgb[::step, ::step])  # nearest sampling keeps thin lines thin
    if s >= 1.0:
        return R.page_regions(rgb, colorizer, kind)
    small = _shrink(rgb, s, kind)
    sh, sw = small.shape[:2]
    regions = R.page_regions(small, colorizer, kind)
    fx, fy = w / sw, h / sh
    regions.points = (regions.points * np.array([fx, fy], np.float32)).astype(np.float32)
    regions.scale = regions.scale * min(sw / w, sh / h)
    return regions


def _background(regions: R.RegionSet) -> np.ndarray:
    border = regions.features[:, R.GEOM_NAMES.index("border")] > 0.5
    return border & (regions.areas >= BACKGROUND_AREA)


def region_colours(regions: R.RegionSet, result: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(count, 3) uint8 colour of each region in a page-size `result` (H, W, 3|4 uint8), sampled as the
    median of a small window around the region's most interior point, and (count,) bool "painted" (opaque
    where sampled)."""
    res = np.asarray(result)
    if res.ndim != 3 or res.shape[2] not in (3, 4):
        raise ValueError(f"a colorize result must be (H, W, 3|4), got {res.shape}")
    h, w = res.shape[:2]
    n = regions.count
    cols = np.zeros((n, 3), np.uint8)
    painted = np.ones(n, bool)
    inner = regions.interior if regions.interior is not None else np.ones(n, np.float32)
    for i in range(n):
        x, y = regions.points[i]
        r = int(max(0.0, min(4.0, 0.6 * float(inner[i]) / max(regions.scale, 1e-6) - 1.0)))
        ix, iy = min(max(int(x), 0), w - 1), min(max(int(y), 0), h - 1)
        win = res[max(0, iy - r):iy + r + 1, max(0, ix - r):ix + r + 1].reshape(-1, res.shape[2])
        cols[i] = np.median(win[:, :3], axis=0).astype(np.uint8)
        if res.shape[2] == 4:
            painted[i] = float(np.median(win[:, 3])) >= 128
    return cols, painted


def _is_paper(colors: np.ndarray) -> np.ndarray:
    from paintgan.inference.colorize import color as C

    lab = C.rgb_to_lab(colors.astype(np.float32) / 255.0)
    return np.linalg.norm(lab - np.array([100.0, 0.0, 0.0], np.float32), axis=1) <= PAPER_DE


def rememberable(regions: R.RegionSet, colors: np.ndarray, painted: np.ndarray | None = None) -> np.ndarray:
    """(count,) bool: the regions worth remembering (not background, not tiny or thin, painted)."""
    keep = (regions.areas >= MIN_AREA) & ~_background(regions) & ~_is_paper(colors)
    if regions.interior is not None:
        keep &= regions.interior >= R.MIN_INTERIOR
    if painted is not None:
        keep &= painted
    return keep


@dataclass
class Remembered:
    added: int
    merged: int
    evicted: int
    skipped: int


def remember(memory: ColourMemory, page_image: np.ndarray, result: np.ndarray, page_name: str, *,
             regions: R.RegionSet | None = None, colorizer: Any = None, kind: str = "auto") -> Remembered:
    """Put the regions of a coloured page into `memory`: `result` is the applied colorize result
    (H, W, 3|4 at page size) or the final colour of each region ((count, 3) uint8, rows = `regions`).
    Give `regions` when the page was analysed already (`analyse`)."""
    if regions is None:
        regions = analyse(page_image, colorizer, kind)
    res = np.asarray(result)
    if res.ndim == 2 and res.shape == (regions.count, 3):
        cols, painted = res.astype(np.uint8), None
    else:
        cols, painted = region_colours(regions, res)
    keep = rememberable(regions, cols, painted)
    if (len(memory) and memory.dims != R.FEATURE_DIM) or memory.feature_version != FEATURE_VERSION:
        raise ValueError(f"the memory holds {memory.feature_version!r} features of length {memory.dims}, "
                         f"this matcher makes {FEATURE_VERSION!r} of length {R.FEATURE_DIM}")
    added, merged, evicted = memory.add(regions.features[keep], cols[keep], page_name,
                                        merge_distance=MERGE_DISTANCE, feature_weights=feature_weights())
    return Remembered(added, merged, evicted, int((~keep).sum()))


def candidates(memory: ColourMemory, regions: R.RegionSet, limit: int = MAX_CANDIDATES) -> np.ndarray:
    """Indices of the memory entries nearest to the page's regions (at most `limit`): the matcher's cost
    grows with the square of the entries it sees."""
    n = len(memory)
    if n <= limit or regions.count == 0:
        return np.arange(n)
    w = feature_weights()
    a = (regions.features * w).astype(np.float32)
    b = (memory.features * w).astype(np.float32)
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T  # (count, n) squared distances
    k = min(NEAREST_PER_REGION, n)
    near = np.argpartition(d, k - 1, axis=1)[:, :k]
    best = np.full(n, np.inf, np.float32)
    np.minimum.at(best, near.ravel(), d[np.arange(len(d))[:, None], near].ravel())
    chosen = np.flatnonzero(np.isfinite(best))
    if len(chosen) > limit:
        chosen = chosen[np.argsort(best[chosen], kind="stable")[:limit]]
    return np.sort(chosen)


def _eligible(regions: R.RegionSet) -> np.ndarray:
    """(count,) bool: page regions that may get a suggestion (big and wide enough for a hint, not the
    background); the others are not matched at all (half of a dense page's regions, half its cost)."""
    ok = (regions.areas >= MIN_AREA) & ~_background(regions)
    if regions.interior is not None:
        ok &= regions.interior >= R.MIN_INTERIOR
    return ok


def _page_subset(regions: R.RegionSet, idx: np.ndarray) -> R.RegionSet:
    """Rows `idx` of the page's per-region arrays (labels, ink and size kept: the matcher only asks
    whether the page is a picture)."""
    n = regions.count
    changes: dict[str, Any] = {"count": len(idx)}
    for f in fields(regions):
        v = getattr(regions, f.name)
        if f.name in ("labels", "ink") or not isinstance(v, np.ndarray) or v.ndim == 0 or v.shape[0] != n:
            continue
        changes[f.name] = v[np.ix_(idx, idx)] if f.name == "adjacency" else v[idx]
    return replace(regions, **changes)


def match(memory: ColourMemory, regions: R.RegionSet, min_confidence: float = MIN_CONFIDENCE
          ) -> R.ReferenceMatch | None:
    """The page's regions matched against the memory (None when the memory is empty); a match over all
    the page's regions, those not eligible (background, tiny, thin) unassigned."""
    if len(memory) == 0 or memory.dims != R.FEATURE_DIM or regions.count == 0:
        return None
    idx = np.flatnonzero(_eligible(regions))
    n = regions.count
    colors = np.zeros((n + 1, 3), np.uint8)
    conf = np.zeros(n + 1, np.float32)
    source = np.full(n + 1, -1, np.int32)
    assigned = np.zeros(n + 1, bool)
    mirrored: list[bool] = [False]
    if len(idx):
        part = _page_subset(regions, idx)
        budget = int(np.clip(PAIR_BUDGET // len(idx), MIN_CANDIDATES, MAX_CANDIDATES))
        rows = candidates(memory, part, budget)
        # a remembered region's position inside its figure's box (features cx, cy) is a useful, capped cue
        mem_set = R.RegionSet.from_records(memory.features[rows], memory.colors()[rows],
                                           positions=USE_POSITIONS)
        m = R.match_regions(part, [mem_set], min_confidence)
        colors[idx + 1], conf[idx + 1] = m.colors[1:], m.confidence[1:]
        source[idx + 1], assigned[idx + 1] = m.source[1:], m.assigned[1:]
        mirrored = list(m.mirrored or [False])
    return R.ReferenceMatch(regions, colors, conf, source, assigned, mirrored)


def suggest(memory: ColourMemory, page_image: np.ndarray | None = None, user_hints: Hints | None = None, *,
            regions: R.RegionSet | None = None, colorizer: Any = None, kind: str = "auto") -> Hints:
    """Hint suggestions for a page from the chapter memory, with `user_hints` (they win in their regions;
    they come last). An empty memory gives the user's hints unchanged."""
    if regions is None:
        if page_image is None:
            raise ValueError("give the page image or its regions")
        if len(memory) == 0:
            return user_hints.copy() if user_hints is not None else Hints()
        regions = analyse(page_image, colorizer, kind)
    m = match(memory, regions)
    if m is None:
        return user_hints.copy() if user_hints is not None else Hints()
    return m.hints(user_hints)


def suggestions_only(memory: ColourMemory, regions: R.RegionSet, user_hints: Hints | None = None) -> Hints:
    """Only the memory's point hints (none in regions the user hinted), for adding to a hint set."""
    m = match(memory, regions)
    if m is None:
        return Hints()
    full = m.hints(user_hints)
    n_user = len(user_hints.points) if user_hints is not None else 0
    return Hints(full.points[:len(full.points) - n_user])


class ChapterMemories:
    """The chapter memories a batch (or a window) works with, one per folder, each loaded once.

    `folder=None`: each page's memory is the `.paintgan/` folder beside it; else every page shares
    `folder`. A broken memory is reported once through `warn` and used as empty (the next save keeps the
    broken files as `.broken`). Thread-safe: a lock serialises the memories' changes and saves."""

    def __init__(self, folder: str | Path | None = None, warn: Callable[[str], None] | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self.warn = warn or (lambda _msg: None)
        self._memories: dict[Path, ColourMemory] = {}
        self._stamps: dict[Path, tuple[int, int] | None] = {}
        self._lock = threading.RLock()

    def folder_for(self, page_path: str | Path) -> Path:
        return self.folder if self.folder is not None else memory_folder(page_path)

    def get(self, page_path: str | Path) -> ColourMemory:
        """The memory of the page's chapter; loaded again when its index changed on disk since (another
        program, or another window, saved it)."""
        folder = self.folder_for(page_path)
        with self._lock:
            mem = self._memories.get(folder)
            stamp = _stamp(folder)
            if mem is None or (stamp != self._stamps.get(folder) and stamp is not None):
                mem = open_memory(folder)
                if mem.warning:
                    self.warn(mem.warning)
                self._memories[folder] = mem
                self._stamps[folder] = stamp
            return mem

    def has_memory(self, page_path: str | Path) -> bool:
        """Whether the page's chapter has a memory (on disk: one stat, or loaded here)."""
        folder = self.folder_for(page_path)
        loaded = self._memories.get(folder)
        return _stamp(folder) is not None or (loaded is not None and len(loaded) > 0)

    def save(self, page_path: str | Path) -> None:
        folder = self.folder_for(page_path)
        with self._lock:
            mem = self._memories.get(folder)
            if mem is not None:
                save_memory(mem, folder)
                self._stamps[folder] = _stamp(folder)

    def forget(self, page_path: str | Path) -> None:
        """Reload from disk next time (another program may have changed it)."""
        with self._lock:
            self._memories.pop(self.folder_for(page_path), None)

    def suggest(self, page_path: str | Path, page_image: np.ndarray, user_hints: Hints | None = None, *,
                kind: str = "auto", regions: R.RegionSet | None = None
                ) -> tuple[Hints, R.RegionSet | None, int]:
        """(the page's hints: memory suggestions + `user_hints`, its regions (None when the memory is
        empty and nothing was analysed), how many suggestions)."""
        mem = self.get(page_path)
        with self._lock:
            if len(mem) == 0:
                return (user_hints.copy() if user_hints is not None else Hints()), regions, 0
            if regions is None:
                regions = analyse(page_image, kind=kind)
            hints = suggest(mem, None, user_hints, regions=regions)
        n_user = len(user_hints.points) if user_hints is not None else 0
        return hints, regions, len(hints.points) - n_user

    def suggestions(self, page_path: str | Path, regions: R.RegionSet, user_hints: Hints | None = None
                    ) -> tuple[Hints, int]:
        """(the memory's point hints for an analysed page, none in regions the user hinted; the number of
        entries they were chosen from)."""
        mem = self.get(page_path)
        with self._lock:
            return suggestions_only(mem, regions, user_hints), len(mem)

    def remember(self, page_path: str | Path, page_image: np.ndarray, result: np.ndarray, *,
                 kind: str = "auto", regions: R.RegionSet | None = None, save: bool = True) -> Remembered:
        """Remember the applied `result` of the page file `page_path` and save the memory (atomic;
        `SaveError` on failure, the memory in this object keeps the new entries)."""
        if regions is None:
            regions = analyse(page_image, kind=kind)
        mem = self.get(page_path)
        with self._lock:
            got = remember(mem, page_image, result, Path(page_path).name, regions=regions)
            if save:
                self.save(page_path)
        return got


def _stamp(folder: Path) -> tuple[int, int] | None:
    """(mtime ns, size) of the memory index in `folder`, None when there is none."""
    try:
        st = (folder / INDEX_NAME).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class BatchMemory:
    """`paintgan colorize PAGES --memory [DIR]`: each page's hints are its own plus the memory's
    suggestions (the user's win), and its result goes into the memory (saved after every page), so the
    pages coloured earlier in the call feed the later ones, in order."""

    def __init__(self, folder: str | Path | None, warn: Callable[[str], None],
                 info: Callable[[str], None]) -> None:
        self.memories = ChapterMemories(folder, warn)
        self.info = info
        self._pending: dict[Path, tuple[R.RegionSet | None, int]] = {}

    def hints(self, page_path: Path, page_image: np.ndarray, user_hints: Hints | None, kind: str) -> Hints:
        hints, regions, n = self.memories.suggest(page_path, page_image, user_hints, kind=kind)
        self._pending[Path(page_path)] = (regions, n)
        return hints

    def applied(self, page_path: Path, page_image: np.ndarray, result: np.ndarray, kind: str) -> list[str]:
        """Remember the page's result; returns warnings (a memory that could not be saved)."""
        from paintgan.errors import PaintGANError

        regions, n = self._pending.pop(Path(page_path), (None, 0))
        try:
            got = self.memories.remember(page_path, page_image, result, kind=kind, regions=regions)
        except PaintGANError as exc:
            return [f"chapter colour memory not saved: {exc}"]
        folder = self.memories.folder_for(page_path)
        total = len(self.memories.get(page_path))
        self.info(f"{Path(page_path).name}: {n} colour{'s' if n != 1 else ''} suggested by the chapter "
                  f"memory; remembered {got.added} new, {got.merged} again ({total} in {folder})")
        return []


__all__ = [
    "FEATURE_VERSION", "BatchMemory", "ChapterMemories", "Remembered", "analyse", "candidates",
    "feature_weights", "match", "memory_for_page", "open_memory", "region_colours", "remember",
    "rememberable", "save_memory", "suggest", "suggestions_only",
]
