"""The "Show Matched Regions" overlay: the last reference match of the target colorize layer drawn over the
canvas — every matched region tinted with its reference colour, regions that need a hint hatched red
(`ReferenceMatch.overlay`, rendered at page size by the worker that matched).

Drawn like the hint overlay (a canvas overlay painter), in document coordinates through the view
transform, only the part of the page that is on screen; nearest-neighbour when zoomed in so the hatching
stays crisp. Toggling repaints the canvas; nothing here touches the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QImage, QPainter

from paintgan.gui.colorize.reference_controller import MatchOutcome, ReferenceController

if TYPE_CHECKING:
    from paintgan.gui.canvas import CanvasWidget


class MatchOverlay(QObject):
    changed = Signal()

    def __init__(self, controller: ReferenceController) -> None:
        super().__init__()
        self.controller = controller
        self.visible = True
        self._image: QImage | None = None
        self._outcome: MatchOutcome | None = None
        controller.outcome_changed.connect(self._set_outcome)

    def attach(self, canvas: CanvasWidget) -> None:
        canvas.overlays.insert(0, self.paint)  # under the hints, the selection and tool previews
        self.changed.connect(canvas.update)

    def set_visible(self, on: bool) -> None:
        if bool(on) != self.visible:
            self.visible = bool(on)
            self.changed.emit()

    @property
    def showing(self) -> bool:
        """Whether the overlay is drawn now (toggle on and a current match)."""
        return self.visible and self.current() is not None

    def current(self) -> MatchOutcome | None:
        outcome = self.controller.outcome()
        if outcome is not self._outcome:
            self._set_outcome(outcome, emit=False)
        return outcome

    def _set_outcome(self, outcome: MatchOutcome | None, emit: bool = True) -> None:
        if outcome is self._outcome:
            return
        self._outcome = outcome
        if outcome is None:
            self._image = None
        else:
            px = np.ascontiguousarray(outcome.overlay)
            h, w = px.shape[:2]
            # premultiplied once here: drawing a straight-alpha image converts it on every repaint
            self._image = QImage(px.data, w, h, w * 4, QImage.Format.Format_RGBA8888).convertToFormat(
                QImage.Format.Format_ARGB32_Premultiplied)
        if emit:
            self.changed.emit()

    def paint(self, p: QPainter, canvas: CanvasWidget) -> None:
        outcome = self.current() if self.visible else None
        if outcome is None or self._image is None:
            return
        img = self._image
        page_h, page_w = outcome.job.page.shape[:2]
        sx, sy = img.width() / page_w, img.height() / page_h  # overlay pixels per page pixel
        t = canvas.view.qtransform()
        inv, ok = t.inverted()
        if not ok:
            return
        area = QRectF(canvas.rect())
        engine = p.paintEngine()
        if engine is not None and not engine.systemClip().isEmpty():  # only what this paint event exposes
            area = area.intersected(QRectF(engine.systemClip().boundingRect()))
        shown = inv.mapRect(area).intersected(QRectF(0, 0, page_w, page_h))
        if shown.isEmpty():
            return
        # only the overlay pixels under the visible part of the page, drawn onto their page rectangle
        src = QRectF(shown.x() * sx, shown.y() * sy, shown.width() * sx, shown.height() * sy)
        src = QRectF(src.toAlignedRect().intersected(img.rect()))
        dst = QRectF(src.x() / sx, src.y() / sy, src.width() / sx, src.height() / sy)
        p.save()
        p.setTransform(t)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, canvas.view.zoom * sx < 1.0)
        p.drawImage(dst, img, src)
        p.restore()
