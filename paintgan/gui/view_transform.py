"""View transform of the canvas: zoom, rotation, mirror and pan, as plain math plus a QTransform.

The document point `center` is shown at the middle of the widget; a document point p maps to
    widget = widget_center + R(angle) · S(±zoom, zoom) · (p − center)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform

MIN_ZOOM = 0.01
MAX_ZOOM = 32.0
ZOOM_STEPS = (0.01, 0.02, 0.03, 0.05, 0.0625, 0.083, 0.125, 0.167, 0.25, 0.333, 0.5, 0.667, 1.0, 1.5, 2.0,
              3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)


@dataclass
class ViewTransform:
    zoom: float = 1.0
    angle: float = 0.0  # degrees, clockwise on screen
    mirror: bool = False
    cx: float = 0.0  # document point at the widget centre
    cy: float = 0.0
    width: int = 1  # widget size
    height: int = 1

    # -- basic maps ------------------------------------------------------------------------------
    def _linear(self) -> tuple[float, float, float, float]:
        """2×2 matrix (a, b, c, d): [wx, wy] = [[a, b], [c, d]] · [dx, dy]."""
        rad = math.radians(self.angle)
        cos, sin = math.cos(rad), math.sin(rad)
        sx = -self.zoom if self.mirror else self.zoom
        sy = self.zoom
        return cos * sx, -sin * sy, sin * sx, cos * sy

    def to_widget(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d = self._linear()
        dx, dy = x - self.cx, y - self.cy
        return self.width / 2 + a * dx + b * dy, self.height / 2 + c * dx + d * dy

    def to_doc(self, wx: float, wy: float) -> tuple[float, float]:
        a, b, c, d = self._linear()
        det = a * d - b * c
        ux, uy = wx - self.width / 2, wy - self.height / 2
        return self.cx + (d * ux - b * uy) / det, self.cy + (-c * ux + a * uy) / det

    def qtransform(self) -> QTransform:
        a, b, c, d = self._linear()
        ox, oy = self.width / 2 - a * self.cx - b * self.cy, self.height / 2 - c * self.cx - d * self.cy
        # QTransform(m11, m12, m21, m22, dx, dy): x' = m11·x + m21·y + dx, y' = m12·x + m22·y + dy
        return QTransform(a, c, b, d, ox, oy)

    def doc_point(self, p: QPointF) -> tuple[float, float]:
        return self.to_doc(p.x(), p.y())

    # -- operations ------------------------------------------------------------------------------
    def set_zoom(self, zoom: float, anchor: tuple[float, float] | None = None) -> None:
        """Zoom keeping the document point under widget position `anchor` fixed (default: the centre)."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        if anchor is None:
            self.zoom = zoom
            return
        before = self.to_doc(*anchor)
        self.zoom = zoom
        after = self.to_doc(*anchor)
        self.cx += before[0] - after[0]
        self.cy += before[1] - after[1]

    def zoom_step(self, steps: int, anchor: tuple[float, float] | None = None) -> None:
        """Move `steps` notches along the zoom ladder (negative = out)."""
        z = self.zoom
        if steps > 0:
            for _ in range(steps):
                z = next((s for s in ZOOM_STEPS if s > z * 1.001), MAX_ZOOM)
        else:
            for _ in range(-steps):
                z = next((s for s in reversed(ZOOM_STEPS) if s < z / 1.001), MIN_ZOOM)
        self.set_zoom(z, anchor)

    def pan_by(self, dx_widget: float, dy_widget: float) -> None:
        """Move the picture by a widget-space delta (what a drag does)."""
        x0, y0 = self.to_doc(0.0, 0.0)
        x1, y1 = self.to_doc(dx_widget, dy_widget)
        self.cx -= x1 - x0
        self.cy -= y1 - y0

    def rotate_by(self, degrees: float) -> None:
        self.angle = (self.angle + degrees) % 360.0

    def fit(self, doc_w: int, doc_h: int, margin: int = 24) -> None:
        """Show the whole document (rotation kept) with a margin."""
        a, b, c, d = self._linear()
        z = self.zoom or 1.0
        # extent of the rotated doc at zoom 1
        w1 = (abs(a) * doc_w + abs(b) * doc_h) / z
        h1 = (abs(c) * doc_w + abs(d) * doc_h) / z
        avail_w = max(1, self.width - 2 * margin)
        avail_h = max(1, self.height - 2 * margin)
        self.zoom = min(MAX_ZOOM, max(MIN_ZOOM, min(avail_w / w1, avail_h / h1)))
        self.cx, self.cy = doc_w / 2, doc_h / 2

    def visible_doc_bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned document-space box covering the widget (x0, y0, x1, y1)."""
        pts = [self.to_doc(x, y) for x, y in ((0, 0), (self.width, 0), (0, self.height),
                                               (self.width, self.height))]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)
