"""Worker-side colorization jobs for the app (no Qt: these run on the inference service's threads).

- `FlatEngine`: flat fill with the line-art segmentation cached per (source version, gap radius), so a hint
  change costs a region-colour vote and a table lookup, not a new segmentation; the lookup is redone only
  inside the bounding box of the regions whose colour changed.
- `neural_preview` / `neural_full`: the model at a small working size on a downscaled page (fast, then
  upsampled), and the engine's full-resolution path.
- `changed_rect`: the bounding box of the pixels that differ between two results, so the canvas
  recomposites only that part of the page.

Results are straight RGBA uint8 document-sized arrays; they are never modified in place once handed to
the layer (copy-on-write), so the GUI thread may keep painting the previous one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from paintgan.core.geometry import Rect
from paintgan.core.hints import Hints, dump_hints

PREVIEW_LONG_SIDE = 512  # page pixels fed to the preview pass (the network then works at 256)


@dataclass
class Job:
    """Everything a worker needs, snapshotted on the GUI thread."""

    layer_id: str
    generation: int
    stage: str  # "preview" | "full"
    source: np.ndarray  # straight RGBA uint8 (H, W, 4), never mutated
    source_version: int
    hints: Hints
    kind: str  # "lineart" | "gray" (auto resolved)
    mode: str  # "flat" | "neural"
    gap_radius: int
    fill_unhinted: bool
    working_size: int
    previous: np.ndarray | None  # the layer's current result (for the dirty rectangle)
    flat_regions: bool = True  # neural line art: one colour per line-enclosed region


@dataclass
class JobResult:
    job: Job
    rgba: np.ndarray
    dirty: Rect | None  # None: the whole page
    suggest_scale: float = 1.0  # page -> coordinates of the engine's last run (suggestions)
    exact: bool = True  # False for a preview that a full pass must replace
    run_id: int = 0  # FlatEngine run (to acknowledge what is on screen)


def hints_key(hints: Hints) -> str:
    return dump_hints(hints, indent=None)


def changed_rect(old: np.ndarray | None, new: np.ndarray) -> Rect | None:
    """Bounding box of the differing pixels (None: everything, e.g. sizes differ); empty Rect if same."""
    if old is None or old.shape != new.shape:
        return None
    a = np.ascontiguousarray(old).view(np.uint32)[..., 0]
    b = np.ascontiguousarray(new).view(np.uint32)[..., 0]
    diff = a != b
    rows = np.flatnonzero(diff.any(axis=1))
    if len(rows) == 0:
        return Rect(0, 0, 0, 0)
    cols = np.flatnonzero(diff[rows[0]:rows[-1] + 1].any(axis=0))
    return Rect(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))


# ------------------------------------------------------------------------------------------- flat
@dataclass
class _Segmentation:
    key: tuple[Any, ...]
    labels: np.ndarray
    n: int
    boxes: np.ndarray  # (n + 1, 4) x0, y0, x1, y1 per label


class FlatEngine:
    """Flat fill with a cached segmentation (one per engine: the app keeps one engine per layer)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seg: _Segmentation | None = None
        self._out: np.ndarray | None = None  # the last exact result (updated in place)
        self._out_key: tuple[Any, ...] | None = None
        self._table: np.ndarray | None = None
        self._unannounced: Rect | None = None
        self._unannounced_all = False
        self._run_id = 0

    def segmentation(self, source: np.ndarray, version: int, kind: str, gap_radius: int) -> _Segmentation:
        from paintgan.inference.colorize.flat import ink_mask, segment_regions

        key = (version, source.shape, kind, int(gap_radius))
        seg = self._seg
        if seg is not None and seg.key == key:
            return seg
        ink = ink_mask(source, kind)
        labels, n = segment_regions(ink, gap_radius)
        boxes = _region_boxes(labels, n)
        seg = _Segmentation(key, labels, n, boxes)
        self._seg = seg
        return seg

    def has_segmentation(self, version: int, shape: tuple[int, ...], kind: str, gap_radius: int) -> bool:
        seg = self._seg
        return seg is not None and seg.key == (version, shape, kind, int(gap_radius))

    def run(self, job: Job) -> JobResult:
        """The exact flat fill for `job`. When the layer shows this engine's last result, that array is
        updated in place, only inside the boxes of the regions whose colour changed (no page-sized copy:
        the layer is about to show exactly this content anyway, and flat results are never cached)."""
        from paintgan.inference.colorize.flat import flat_fill, propagate_gray, region_colors

        with self._lock:
            if job.kind == "gray" or job.fill_unhinted:
                if job.kind == "gray":
                    rgba = cv2.cvtColor(propagate_gray(job.source, job.hints), cv2.COLOR_RGB2RGBA)
                else:
                    rgba = flat_fill(job.source, job.hints, gap_radius=job.gap_radius,
                                     fill_unhinted=True).rgba
                self._out = None
                return self._finish(job, rgba, changed_rect(job.previous, rgba))
            seg = self.segmentation(job.source, job.source_version, job.kind, job.gap_radius)
            colors, hinted = region_colors(seg.labels, seg.n, job.hints)
            table = np.zeros((seg.n + 1, 4), np.uint8)
            table[:, :3] = colors
            table[:, 3] = np.where(hinted, 255, 0)
            lut = np.ascontiguousarray(table).view(np.uint32).ravel()
            out = self._out
            if (out is not None and job.previous is out and self._out_key == seg.key
                    and self._table is not None):
                changed = np.flatnonzero(self._table != lut)
                if len(changed) == 0:
                    return self._finish(job, out, Rect(0, 0, 0, 0))
                b = seg.boxes[changed]
                if (b[:, 0] >= b[:, 2]).any():  # a region too small for the box sample
                    b = np.array([[0, 0, seg.labels.shape[1], seg.labels.shape[0]]])
                x0, y0 = int(b[:, 0].min()), int(b[:, 1].min())
                x1, y1 = int(b[:, 2].max()), int(b[:, 3].max())
                sub = seg.labels[y0:y1, x0:x1]
                out[y0:y1, x0:x1] = lut[sub].view(np.uint8).reshape((*sub.shape, 4))
                self._table = lut
                return self._finish(job, out, Rect(x0, y0, x1 - x0, y1 - y0))
            out = np.ascontiguousarray(lut[seg.labels].view(np.uint8).reshape((*seg.labels.shape, 4)))
            self._out, self._out_key, self._table = out, seg.key, lut
            return self._finish(job, out, changed_rect(job.previous, out))

    def _finish(self, job: Job, rgba: np.ndarray, dirty: Rect | None) -> JobResult:
        """Dirty rectangles of results that were never shown (superseded) are carried to the next one."""
        if dirty is not None and self._unannounced is not None:
            dirty = dirty.united(self._unannounced) if not dirty.is_empty() else self._unannounced
        elif self._unannounced_all:
            dirty = None
        self._unannounced = dirty
        self._unannounced_all = dirty is None
        self._run_id += 1
        return JobResult(job, rgba, dirty, run_id=self._run_id)

    def announced(self, run_id: int) -> None:
        """The result of run `run_id` is on screen: nothing is owed any more (unless a newer run happened)."""
        with self._lock:
            if run_id == self._run_id:
                self._unannounced = None
                self._unannounced_all = False

    def run_preview(self, job: Job) -> JobResult:
        """A quick flat fill on a downscaled page (thin lines thickened first), upsampled (nearest)."""
        from paintgan.inference.colorize.flat import flat_fill

        small, f = downscale_page(job.source, PREVIEW_LONG_SIDE, job.kind)
        H, W = job.source.shape[:2]
        hints = job.hints.scaled((W, H), (small.shape[1], small.shape[0])) if f != 1.0 else job.hints
        if job.kind == "gray":
            from paintgan.inference.colorize.flat import propagate_gray

            rgba_s = cv2.cvtColor(propagate_gray(small, hints), cv2.COLOR_RGB2RGBA)
        else:
            rgba_s = flat_fill(small, hints, gap_radius=max(0, round(job.gap_radius * f)),
                               fill_unhinted=job.fill_unhinted).rgba
        rgba = cv2.resize(rgba_s, (W, H), interpolation=cv2.INTER_NEAREST) if f != 1.0 else rgba_s
        return JobResult(job, rgba, None, exact=False)


BOX_STRIDE = 4


def _region_boxes(labels: np.ndarray, n: int) -> np.ndarray:
    """(n + 1, 4) x0, y0, x1, y1 of every label, from a 1/BOX_STRIDE sample grown by the stride (a label
    too small to be sampled gets an empty box: x0 > x1, and callers then redo the whole page)."""
    H, W = labels.shape
    s = BOX_STRIDE
    sub = labels[::s, ::s]
    h, w = sub.shape
    flat = sub.ravel().astype(np.intp)
    ys, xs = np.divmod(np.arange(flat.size, dtype=np.int64), w)
    x0 = np.full(n + 1, w, np.int64)
    y0 = np.full(n + 1, h, np.int64)
    x1 = np.full(n + 1, -1, np.int64)
    y1 = np.full(n + 1, -1, np.int64)
    np.minimum.at(x0, flat, xs)
    np.minimum.at(y0, flat, ys)
    np.maximum.at(x1, flat, xs)
    np.maximum.at(y1, flat, ys)
    boxes = np.stack([x0 * s - s, y0 * s - s, x1 * s + 2 * s, y1 * s + 2 * s], axis=1)
    boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, W)
    boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, H)
    missing = x1 < 0
    boxes[missing] = (W, H, 0, 0)
    return boxes


def downscale_page(source: np.ndarray, long_side: int, kind: str) -> tuple[np.ndarray, float]:
    """The page scaled so its long side is at most `long_side` (line art: ink thickened first so thin
    lines survive the area averaging). Returns (image, factor)."""
    H, W = source.shape[:2]
    f = min(1.0, long_side / max(H, W))
    if f >= 1.0:
        return source, 1.0
    size = (max(1, round(W * f)), max(1, round(H * f)))
    src = source
    k = int(0.5 / f)
    if kind != "gray" and k >= 1:
        src = cv2.erode(source, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * k + 1, 2 * k + 1)))
    return cv2.resize(src, size, interpolation=cv2.INTER_AREA), size[0] / W


# ------------------------------------------------------------------------------------------- neural
PREVIEW_TOLERANCE = 3  # levels: preview pixels closer than this to the shown ones are left alone
LOCAL_PREVIEW = 0.15  # a preview repaints at most this fraction of the page's long side around the edit


def changed_hints_rect(old: Hints | None, new: Hints, reach: float) -> Rect | None:
    """Bounding box (page pixels) of the hints added, removed or changed between `old` and `new`,
    grown by `reach`; None when it cannot be told (no earlier hints, a palette change) or nothing
    changed."""
    if old is None or old.palette != new.palette:
        return None
    pts = set(old.points) ^ set(new.points)
    strokes = set(old.strokes) ^ set(new.strokes)
    if not pts and not strokes:
        return None
    xs: list[float] = []
    ys: list[float] = []
    for p in pts:
        xs += [p.x - p.radius, p.x + p.radius]
        ys += [p.y - p.radius, p.y + p.radius]
    for stroke in strokes:
        for x, y in stroke.points:
            xs += [x - stroke.width, x + stroke.width]
            ys += [y - stroke.width, y + stroke.width]
    return Rect.from_bounds(min(xs) - reach, min(ys) - reach, max(xs) + reach, max(ys) + reach)


class PageCache:
    """The downscaled page of the last source version (the preview pass skips the page-sized work), and the
    two page-sized preview buffers.

    Double buffering: a preview is written into the buffer that is *not* on screen (`buffer_from`), after
    bringing it up to date with the shown one only where the two differ (the box the previous preview
    wrote), so the GUI thread never reads a buffer that a worker is writing and no page-sized copy happens
    on a click's path. After a full pass, `mirror` copies the exact result into both buffers in idle time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._value: tuple[np.ndarray, float] | None = None
        self._preview: np.ndarray | None = None
        self._preview_hints: Hints | None = None
        self._buffers: list[np.ndarray] = []  # zero or two page-sized RGBA buffers
        self._diff: Rect | None = None  # where the two buffers may differ (None: anywhere)
        self._mirrors: np.ndarray | None = None  # the (immutable) result both buffers hold a copy of
        self._handed_out = 0  # buffer_from() calls so far (a mirror job posted before one must not copy)
        self._owed: Rect | None = None
        self._run_id = 0

    def get(self, source: np.ndarray, version: int, kind: str) -> tuple[np.ndarray, float]:
        key = (version, source.shape, kind, id(source))
        with self._lock:
            if self._key == key and self._value is not None:
                return self._value
        value = downscale_page(source, PREVIEW_LONG_SIDE, kind)
        with self._lock:
            if self._key != key:
                self._preview = None
            self._key, self._value = key, value
        return value

    def _ensure_buffers(self, like: np.ndarray) -> None:
        if not self._buffers or self._buffers[0].shape != like.shape:
            self._buffers = [np.empty_like(like), np.empty_like(like)]
            self._diff = None
            self._mirrors = None

    def buffer_from(self, shown: np.ndarray, box: Rect) -> np.ndarray:
        """A page-sized buffer equal to `shown`, that is not `shown` itself, for the caller to change inside
        `box` and hand out as the next preview. The buffers are reused (no page-sized allocation per
        preview); only the region where the two buffers differ is copied when `shown` is one of them, and
        nothing when `mirror(shown)` already copied an exact result into them."""
        with self._lock:
            self._ensure_buffers(shown)
            a, b = self._buffers
            if shown is a or shown is b:  # a preview after a preview: sync where they differ
                target = b if shown is a else a
                region = self._diff
                if region is None:
                    np.copyto(target, shown)
                elif not region.is_empty():
                    sl = (slice(region.y, region.y1), slice(region.x, region.x1))
                    target[sl] = shown[sl]
                self._diff = box  # the caller changes `target` there
            elif self._mirrors is shown:  # both already hold this exact result
                target = a
                self._diff = box
            else:  # an exact result on screen that was not mirrored yet: one full copy
                target = a
                np.copyto(target, shown)
                self._owed = None
                self._diff = None  # the other buffer holds something else
            self._mirrors = None  # the caller is about to change `target`
            self._handed_out += 1
            return target

    def mirror_token(self) -> int:
        with self._lock:
            return self._handed_out

    def mirror(self, shown: np.ndarray, token: int) -> None:
        """Copy an exact result that is now on screen into both preview buffers ahead of the next click.
        Run as a background job; results are never modified once shown, so the copy stays valid. Does
        nothing if a preview took a buffer since `token = mirror_token()` was read (it may be on screen)."""
        with self._lock:
            if token != self._handed_out:
                return
            self._ensure_buffers(shown)
            for buf in self._buffers:
                np.copyto(buf, shown)
            self._diff = Rect(0, 0, 0, 0)
            self._mirrors = shown
            self._owed = None

    def owe(self, box: Rect) -> tuple[Rect, int]:
        """`box` plus the boxes of previews never shown (superseded); acknowledged by `announced()`."""
        with self._lock:
            dirty = box if self._owed is None else box.united(self._owed)
            self._owed = dirty
            self._run_id += 1
            return dirty, self._run_id

    def announced(self, run_id: int) -> None:
        with self._lock:
            if run_id == self._run_id:
                self._owed = None

    def swap_preview(self, rgb_small: np.ndarray, hints: Hints | None = None
                     ) -> tuple[np.ndarray | None, Hints | None]:
        """Remember this preview (at the small size) and the hints it was made from; return the previous
        ones."""
        with self._lock:
            last, self._preview = self._preview, rgb_small
            last_hints, self._preview_hints = self._preview_hints, hints
            return last, last_hints


def neural_preview(colorizer: Any, job: Job, pages: PageCache | None = None) -> JobResult:
    """The model on the page downscaled to `PREVIEW_LONG_SIDE` at its preview working size, upsampled
    bilinearly (the line art lies on top in the layer stack, so the preview skips the edge-aware pass).
    When the previous preview of this page is known, only the box where the new preview differs visibly
    from it is replaced in the shown result (and announced), and no farther than `LOCAL_PREVIEW` of the
    page from the hints that changed: a hint repaints its surroundings at once and the full pass, which
    follows, makes the whole page exact.  (The network shifts colours a little everywhere for every hint;
    repainting the whole page per click is what made previews slow.)"""
    small, f = (pages.get(job.source, job.source_version, job.kind) if pages is not None
                else downscale_page(job.source, PREVIEW_LONG_SIDE, job.kind))
    H, W = job.source.shape[:2]
    hints = job.hints.scaled((W, H), (small.shape[1], small.shape[0])) if f != 1.0 else job.hints
    rgb_small = colorizer.colorize(small, hints, kind=job.kind, working_size=colorizer.preview_size,
                                   keep_lines=False, fast=True, flat_regions=job.flat_regions)
    last, last_hints = pages.swap_preview(rgb_small, job.hints) if pages is not None else (None, None)
    prev = job.previous
    box: Rect | None = None
    if last is not None and last.shape == rgb_small.shape and prev is not None and prev.shape[:2] == (H, W):
        c0, c1, c2 = cv2.split(cv2.absdiff(last, rgb_small))
        diff = cv2.max(cv2.max(c0, c1), c2) > PREVIEW_TOLERANCE
        near = changed_hints_rect(last_hints, job.hints, LOCAL_PREVIEW * max(W, H))
        if near is not None:  # only around the edit (page -> small coordinates)
            keep = np.zeros_like(diff)
            keep[max(0, int(near.y * f)):max(0, int(np.ceil(near.y1 * f))),
                 max(0, int(near.x * f)):max(0, int(np.ceil(near.x1 * f)))] = True
            diff &= keep
        rows = np.flatnonzero(diff.any(axis=1))
        if len(rows) == 0:
            return JobResult(job, prev, Rect(0, 0, 0, 0), suggest_scale=f, exact=False)
        cols = np.flatnonzero(diff[rows[0]:rows[-1] + 1].any(axis=0))
        s = 1.0 / f
        pad = int(np.ceil(2 * s)) + 1
        box = Rect.from_bounds(cols[0] * s - pad, rows[0] * s - pad, (cols[-1] + 1) * s + pad,
                               (rows[-1] + 1) * s + pad).intersected(Rect(0, 0, W, H))
    if box is None or prev is None or pages is None:
        rgb = cv2.resize(rgb_small, (W, H), interpolation=cv2.INTER_LINEAR) if f != 1.0 else rgb_small
        return JobResult(job, cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA), None, suggest_scale=f, exact=False)
    # upsample only around the box, into the layer's reusable preview buffer
    s = 1.0 / f
    cx0, cy0 = max(0, int(box.x * f) - 2), max(0, int(box.y * f) - 2)
    cx1 = min(rgb_small.shape[1], int(np.ceil(box.x1 * f)) + 2)
    cy1 = min(rgb_small.shape[0], int(np.ceil(box.y1 * f)) + 2)
    px0, py0 = round(cx0 * s), round(cy0 * s)
    crop = cv2.resize(rgb_small[cy0:cy1, cx0:cx1], (round((cx1 - cx0) * s), round((cy1 - cy0) * s)),
                      interpolation=cv2.INTER_LINEAR)
    box = box.intersected(Rect(px0, py0, crop.shape[1], crop.shape[0]))
    out = pages.buffer_from(prev, box)
    out[box.y:box.y1, box.x:box.x1, :3] = crop[box.y - py0:box.y1 - py0, box.x - px0:box.x1 - px0]
    out[box.y:box.y1, box.x:box.x1, 3] = 255
    dirty, run_id = pages.owe(box)
    return JobResult(job, out, dirty, suggest_scale=f, exact=False, run_id=run_id)


def neural_full(colorizer: Any, job: Job) -> JobResult:
    rgb = colorizer.colorize(job.source, job.hints, kind=job.kind, working_size=job.working_size,
                             flat_regions=job.flat_regions)
    rgba = cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA)
    return JobResult(job, rgba, changed_rect(job.previous, rgba), suggest_scale=1.0)
