"""Selections: a coverage mask that is part of the document state. Qt-free.

A `Selection` is an immutable uint8 coverage mask (0 = outside, 255 = fully selected, values between
for antialiased or feathered edges) kept only over its bounding box, placed at document (x, y). The
document holds `doc.selection` (None = nothing selected: tools act everywhere) and every change goes
through `paintgan.commands.selection.SetSelectionCommand`, so it is undoable like any other edit.

This module builds selections from shapes (rectangle, ellipse, polygon), combines them (replace, add,
subtract, intersect: the Shift / Alt / Shift+Alt modifiers of the selection tools), grows, shrinks,
feathers and inverts them, and traces their outline for the marching ants. Keeping the mask cropped to
its bounding box makes a small selection on an A4 page cheap to store in the history and to outline.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintgan.core.geometry import Rect

MODES = ("replace", "add", "subtract", "intersect")
#: Coverage from which a pixel counts as selected for tools that need a yes/no answer (fill, outline).
THRESHOLD = 128


@dataclass(frozen=True, eq=False)
class Selection:
    """uint8 coverage `mask` (h, w) whose top-left pixel is document pixel (x, y)."""

    mask: np.ndarray
    x: int = 0
    y: int = 0

    def __post_init__(self) -> None:
        if self.mask.dtype != np.uint8 or self.mask.ndim != 2:
            raise TypeError(f"a selection mask is 2-D uint8, got {self.mask.dtype} {self.mask.shape}")
        self.mask.setflags(write=False)

    @property
    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.mask.shape[1], self.mask.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.mask.nbytes)

    def read(self, rect: Rect) -> np.ndarray:
        """uint8 coverage of the document rectangle `rect` (zero outside the selection)."""
        out = np.zeros((max(rect.h, 0), max(rect.w, 0)), np.uint8)
        ov = rect.intersected(self.rect)
        if not ov.is_empty():
            out[ov.y - rect.y:ov.y1 - rect.y, ov.x - rect.x:ov.x1 - rect.x] = \
                self.mask[ov.y - self.y:ov.y1 - self.y, ov.x - self.x:ov.x1 - self.x]
        return out

    def coverage(self, rect: Rect) -> np.ndarray:
        """float32 coverage in [0, 1] of `rect` (what brush dabs and gradients are multiplied by)."""
        return self.read(rect).astype(np.float32) * np.float32(1.0 / 255.0)

    def selected(self, rect: Rect) -> np.ndarray:
        """Boolean "is selected" of `rect` (coverage at least half)."""
        return self.read(rect) >= THRESHOLD

    def contains(self, x: float, y: float) -> bool:
        ix, iy = int(x // 1), int(y // 1)
        if not self.rect.contains_point(ix, iy):
            return False
        return bool(self.mask[iy - self.y, ix - self.x] >= THRESHOLD)

    def translated(self, dx: int, dy: int) -> Selection:
        return Selection(self.mask, self.x + int(dx), self.y + int(dy))

    def clipped(self, bounds: Rect) -> Selection | None:
        return from_mask(self.read(bounds), bounds.x, bounds.y) if not bounds.is_empty() else None

    def same_as(self, other: Selection | None) -> bool:
        return other is not None and self.rect == other.rect and np.array_equal(self.mask, other.mask)


def from_mask(mask: np.ndarray, x: int = 0, y: int = 0) -> Selection | None:
    """A selection from a (h, w) bool or uint8 mask placed at (x, y), cropped to what it covers; None when
    it covers nothing."""
    m = np.asarray(mask)
    if m.dtype == bool:
        m = m.view(np.uint8) * np.uint8(255)
    elif m.dtype != np.uint8:
        m = np.clip(m, 0, 255).astype(np.uint8)
    rows = np.flatnonzero(m.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(m.any(axis=0))
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return Selection(np.ascontiguousarray(m[r0:r1, c0:c1]).copy(), x + c0, y + r0)


# -- shapes -----------------------------------------------------------------------------------------
def rectangle(x0: float, y0: float, x1: float, y1: float, bounds: Rect) -> Selection | None:
    """The pixels of the box between two corners (any order), clipped to `bounds`."""
    r = Rect.from_bounds(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)).intersected(bounds)
    if r.is_empty():
        return None
    return Selection(np.full((r.h, r.w), 255, np.uint8), r.x, r.y)


def polygon(points: list[tuple[float, float]] | np.ndarray, bounds: Rect, antialias: bool = True
            ) -> Selection | None:
    """The inside of a closed polygon (lasso), antialiased, clipped to `bounds`."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) < 3:
        return None
    box = Rect.from_bounds(pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max() + 1, pts[:, 1].max() + 1)
    box = box.intersected(bounds)
    if box.is_empty():
        return None
    # antialiased coverage by supersampling (k×k samples per pixel, fewer on huge areas); sample j covers
    # [j, j+1)/k, its centre (j + 0.5)/k, so a vertex at x maps to x·k − 0.5 in cv2's sample coordinates;
    # 4 fractional bits keep sub-sample accuracy
    k = 1
    if antialias:
        k = 4 if box.w * box.h <= 2_000_000 else 2 if box.w * box.h <= 8_000_000 else 1
    shift = 4
    fixed = np.round(((pts - [box.x, box.y]) * k - 0.5) * (1 << shift)).astype(np.int32)
    big = np.zeros((box.h * k, box.w * k), np.uint8)
    cv2.fillPoly(big, [fixed], 255, cv2.LINE_8, shift)
    mask = big if k == 1 else cv2.resize(big, (box.w, box.h), interpolation=cv2.INTER_AREA)
    return from_mask(mask, box.x, box.y)


def ellipse(x0: float, y0: float, x1: float, y1: float, bounds: Rect, antialias: bool = True
            ) -> Selection | None:
    """The ellipse inscribed in the box between two corners."""
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    rx, ry = abs(x1 - x0) / 2.0, abs(y1 - y0) / 2.0
    if rx < 0.5 or ry < 0.5:
        return None
    n = int(min(4096, max(32, 2 * np.pi * max(rx, ry) / 2)))
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    return polygon(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1), bounds, antialias)


def select_all(bounds: Rect) -> Selection:
    return Selection(np.full((bounds.h, bounds.w), 255, np.uint8), bounds.x, bounds.y)


# -- combining --------------------------------------------------------------------------------------
def combine(old: Selection | None, new: Selection | None, mode: str = "replace") -> Selection | None:
    """`new` replacing, added to, subtracted from or intersected with `old`."""
    if mode not in MODES:
        raise ValueError(f"unknown selection mode {mode!r}")
    if mode == "replace":
        return new
    if mode == "add":
        if old is None or new is None:
            return new if old is None else old
        r = old.rect.united(new.rect)
        return from_mask(np.maximum(old.read(r), new.read(r)), r.x, r.y)
    if mode == "subtract":
        if old is None or new is None:
            return old
        r = old.rect
        keep = old.read(r).astype(np.uint16) * (255 - new.read(r).astype(np.uint16)) // 255
        return from_mask(keep.astype(np.uint8), r.x, r.y)
    if old is None or new is None:  # intersect
        return None
    r = old.rect.intersected(new.rect)
    if r.is_empty():
        return None
    return from_mask(np.minimum(old.read(r), new.read(r)), r.x, r.y)


def mode_for(shift: bool, alt: bool) -> str:
    """Krita/GIMP modifiers: Shift adds, Alt subtracts, both intersect."""
    if shift and alt:
        return "intersect"
    return "add" if shift else "subtract" if alt else "replace"


# -- modifying --------------------------------------------------------------------------------------
def invert(sel: Selection | None, bounds: Rect) -> Selection | None:
    if sel is None:
        return select_all(bounds)
    return from_mask(255 - sel.read(bounds), bounds.x, bounds.y)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _padded(sel: Selection, pad: int, bounds: Rect) -> tuple[Rect, np.ndarray]:
    r = Rect(sel.x - pad, sel.y - pad, sel.rect.w + 2 * pad, sel.rect.h + 2 * pad).intersected(bounds)
    return r, sel.read(r)


def grow(sel: Selection | None, radius: int, bounds: Rect) -> Selection | None:
    """Dilate by `radius` pixels (round)."""
    if sel is None or radius <= 0:
        return sel
    r, m = _padded(sel, radius, bounds)
    return from_mask(cv2.dilate(m, _disk(radius)), r.x, r.y)


def shrink(sel: Selection | None, radius: int, bounds: Rect) -> Selection | None:
    """Erode by `radius` pixels; the page border does not eat into a selection that touches it."""
    if sel is None or radius <= 0:
        return sel
    r, m = _padded(sel, 1, bounds)
    return from_mask(cv2.erode(m, _disk(radius), borderType=cv2.BORDER_REPLICATE), r.x, r.y)


def feather(sel: Selection | None, radius: float, bounds: Rect) -> Selection | None:
    """Soften the edge with a Gaussian of standard deviation radius/2 (GIMP's feather radius)."""
    if sel is None or radius <= 0:
        return sel
    pad = int(np.ceil(radius * 1.5)) + 1
    r, m = _padded(sel, pad, bounds)
    sigma = max(0.3, radius / 2.0)
    return from_mask(cv2.GaussianBlur(m, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE), r.x, r.y)


# -- outline (marching ants) ------------------------------------------------------------------------
def outline(sel: Selection | None, tolerance: float = 0.0) -> list[np.ndarray]:
    """The boundaries of the selected area as closed polygons ((n, 2) float32 document coordinates) along
    the pixel edges, with straight runs collapsed to their end points: a rectangle is 4 points, a lasso on
    an A4 page some thousands.

    Traced on the grid of pixel corners: a corner is "in" when any of its four pixels is selected for
    the outer boundaries, when all four are for the holes; a contour through corner (i, j) is then
    exactly the pixel edge. `tolerance` > 0 simplifies each polygon (Douglas-Peucker, in pixels): what a
    zoomed-out view draws, where detail finer than a screen pixel is invisible anyway."""
    if sel is None:
        return []
    binary = (sel.mask >= THRESHOLD).astype(np.uint8)
    padded = np.pad(binary, 1)  # (h + 2, w + 2): corner (i, j) sits between padded pixels i..i+1, j..j+1
    k = np.ones((2, 2), np.uint8)
    # cv2's 2×2 kernel is anchored at (0, 0): out[i, j] looks at i..i+1, j..j+1 (one corner's 4 pixels)
    any_in = cv2.dilate(padded, k, anchor=(0, 0))[:-1, :-1]
    all_in = cv2.erode(padded, k, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)[:-1, :-1]
    out = []
    # RETR_CCOMP puts every component's outer boundary at the top level (islands in holes included)
    found, hier = cv2.findContours(any_in, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    outer = [c for c, h in zip(found, hier[0] if hier is not None else [], strict=False) if h[3] < 0]
    # holes: the regions of corners touching an unselected pixel, except the outside (touching the rim)
    free, hier = cv2.findContours(1 - all_in, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    gh, gw = all_in.shape
    holes = []
    for c, h in zip(free, hier[0] if hier is not None else [], strict=False):
        x, y, w, hh = cv2.boundingRect(c)
        if h[3] < 0 and x > 0 and y > 0 and x + w < gw and y + hh < gh:
            holes.append(c)
    for c in [*outer, *holes]:
        if tolerance > 0 and len(c) > 8:
            c = cv2.approxPolyDP(c, float(tolerance), True)
        pts = c.reshape(-1, 2).astype(np.float32)
        pts += np.float32([sel.x, sel.y])  # corner (i, j) of the padded grid is document corner (x+j, y+i)
        out.append(pts)
    return out
