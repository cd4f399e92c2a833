"""The photo under the shapes, drawn from a small image pyramid when zoomed out.

Why: at fit zoom a 4000×3000 photo is 192 display tiles; drawing them with smooth scaling costs 12-15 ms
per frame on this CPU, which alone eats the 16 ms repaint budget of the annotation canvas. The pyramid
(1/2, 1/4, 1/8 … made with area averaging on the prefetch thread) lets a zoomed-out frame draw one image
of about screen size (~2-3 ms): the largest level whose pixels are still no bigger than screen pixels.
Above zoom 1/2 the canvas draws its normal tiles.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from paintgan.core.geometry import Rect

MIN_LEVEL_SIDE = 256  # no pyramid level smaller than this


def build_levels(rgb: np.ndarray) -> list[np.ndarray]:
    """Downscaled copies of an (H, W, 3) uint8 RGB image: 1/2, 1/4, … (area averaging), each as
    C-contiguous BGRA (Qt's native 32-bit layout: drawing RGB888 converts every frame, ~3x slower).
    Runs on the prefetch worker thread (cv2 releases the GIL)."""
    import cv2

    levels: list[np.ndarray] = []
    cur = rgb
    while min(cur.shape[0], cur.shape[1]) // 2 >= MIN_LEVEL_SIDE:
        h, w = cur.shape[0] // 2, cur.shape[1] // 2
        cur = np.ascontiguousarray(cv2.resize(cur, (w, h), interpolation=cv2.INTER_AREA))
        levels.append(np.ascontiguousarray(cv2.cvtColor(cur, cv2.COLOR_RGB2BGRA)))
    return levels


class Backdrop:
    """Draws the photo from the pyramid level whose pixels are closest to (and not smaller than) screen
    pixels; the canvas calls it through its `backdrop` hook with the painter in document coordinates."""

    def __init__(self, width: int, height: int, levels: list[np.ndarray]) -> None:
        self.width, self.height = width, height
        self.levels = levels
        self.stale = False  # set when the document's pixels changed: the canvas tiles are used instead
        self._images: dict[int, QImage] = {}

    def level_for(self, zoom: float) -> int:
        """0 = full resolution (the canvas tiles), k = 1/2**k."""
        k = 0
        while k < len(self.levels) and zoom * 2 ** (k + 1) <= 1.0:
            k += 1
        return k

    def _image(self, k: int) -> QImage:
        img = self._images.get(k)
        if img is None:
            px = self.levels[k - 1]
            h, w = px.shape[:2]
            img = QImage(px.data, w, h, w * 4, QImage.Format.Format_RGB32)
            img.ndarray = px  # type: ignore[attr-defined]  # keep the buffer alive with the image
            self._images[k] = img
        return img

    def paint(self, p: QPainter, area: Rect, zoom: float) -> bool:
        """Draw `area` (document pixels) of the photo; False when the canvas should draw its tiles."""
        k = self.level_for(zoom)
        if k == 0:
            return False
        img = self._image(k)
        sx, sy = img.width() / self.width, img.height() / self.height
        a = area.intersected(Rect(0, 0, self.width, self.height))
        if a.is_empty():
            return True
        p.drawImage(QRectF(a.x, a.y, a.w, a.h), img, QRectF(a.x * sx, a.y * sy, a.w * sx, a.h * sy))
        return True
