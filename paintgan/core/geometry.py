"""Integer rectangles in document pixel coordinates (origin top-left, y down)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @staticmethod
    def from_bounds(x0: float, y0: float, x1: float, y1: float) -> Rect:
        """Smallest integer rectangle covering the half-open box [x0, x1) × [y0, y1)."""
        import math

        ix0, iy0 = math.floor(x0), math.floor(y0)
        ix1, iy1 = math.ceil(x1), math.ceil(y1)
        return Rect(ix0, iy0, max(0, ix1 - ix0), max(0, iy1 - iy0))

    @property
    def x1(self) -> int:
        return self.x + self.w

    @property
    def y1(self) -> int:
        return self.y + self.h

    def is_empty(self) -> bool:
        return self.w <= 0 or self.h <= 0

    def intersected(self, other: Rect) -> Rect:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1, y1 = min(self.x1, other.x1), min(self.y1, other.y1)
        return Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    def united(self, other: Rect | None) -> Rect:
        if other is None or other.is_empty():
            return self
        if self.is_empty():
            return other
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1, y1 = max(self.x1, other.x1), max(self.y1, other.y1)
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def translated(self, dx: int, dy: int) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)

    def contains_point(self, x: float, y: float) -> bool:
        return self.x <= x < self.x1 and self.y <= y < self.y1

    @staticmethod
    def union_all(rects: Iterable[Rect | None]) -> Rect | None:
        out: Rect | None = None
        for r in rects:
            if r is None or r.is_empty():
                continue
            out = r if out is None else out.united(r)
        return out
