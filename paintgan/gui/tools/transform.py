"""Move (T) and free transform (Ctrl+T) of the selection's pixels, or of the whole layer when nothing is
selected.

Both lift the pixels off the layer (`paintgan.brush.transform.FloatingPixels`: the canvas shows the hole)
and draw them through the transform as a preview over the canvas: one premultiplied QImage painted with
the transform times the view, so the preview costs a screenful of sampling per frame whatever the layer
size. Move commits at pen-up (exact: whole pixels). Transform shows handles: drag inside the box to
move, a corner or edge handle to scale (the opposite side stays), outside the box to rotate; the options
flip and pick the resampling; Enter (or choosing another tool) applies it as one undo step, Esc cancels.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from paintgan.brush.transform import Affine, FloatingPixels
from paintgan.commands.paint import LayerLockedError
from paintgan.gui.tools.base import Tool, paintable_layer
from paintgan.gui.view_transform import ViewTransform

HANDLE_PX = 8.0
#: handle signs (ux, uy) in the box's own frame: corners and edge middles
HANDLES = [(-1, -1), (0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0)]


def qtransform_of(m: np.ndarray) -> QTransform:
    return QTransform(float(m[0, 0]), float(m[1, 0]), float(m[0, 1]), float(m[1, 1]),
                      float(m[0, 2]), float(m[1, 2]))


class FloatingTool(Tool):
    """Common part: the floating pixels, their preview image, the current Affine."""

    preview_changed = Signal()
    takes_alt = True  # Alt does not pick colours while transforming
    undo_cancels = True  # Ctrl+Z while the pixels float cancels the transform (as in Krita)

    def __init__(self, *a: object, view: Callable[[], ViewTransform] | None = None, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.view = view or ViewTransform
        self.floating: FloatingPixels | None = None
        self.image: QImage | None = None
        self.affine: Affine | None = None
        self.method = "bilinear"

    @property
    def active(self) -> bool:
        return self.floating is not None

    def lift(self) -> bool:
        layer = paintable_layer(self.ctx)
        if layer is None:
            return False
        try:
            fl = FloatingPixels.lift(self.ctx.session().doc, layer)
        except (LayerLockedError, RuntimeError) as exc:
            self.ctx.message(str(exc))
            return False
        if fl is None:
            self.ctx.message("Nothing to transform here: the selection or the layer is empty")
            return False
        self.floating, self.affine = fl, fl.affine()
        h, w = fl.pixels.shape[:2]
        img = QImage(fl.pixels.data, w, h, w * 4, QImage.Format.Format_RGBA8888)
        self.image = img.convertToFormat(QImage.Format.Format_RGBA8888_Premultiplied)  # converted once
        return True

    def apply(self) -> None:
        fl, aff = self.floating, self.affine
        if fl is None or aff is None:
            return
        self.floating = self.affine = self.image = None
        text = "Move" if aff.is_integer_move() else "Transform"
        cmd = fl.commit(aff.matrix(), self.method, text)
        if cmd is not None:
            self.ctx.session().stack.push(cmd, done=True)
        self.preview_changed.emit()

    def cancel(self) -> None:
        fl, self.floating, self.affine, self.image = self.floating, None, None, None
        if fl is not None:
            fl.abort()
        self.preview_changed.emit()

    def finish_on_switch(self) -> None:
        """Choosing another tool applies the transform (as in Krita)."""
        self.apply()

    # -- preview -------------------------------------------------------------------------------------
    def paint_preview(self, p: QPainter, view_t: QTransform) -> None:
        fl, aff, img = self.floating, self.affine, self.image
        if fl is None or aff is None or img is None:
            return
        p.save()
        p.setTransform(qtransform_of(aff.matrix()) * view_t)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.method != "nearest")
        p.drawImage(QRectF(fl.rect.x, fl.rect.y, fl.rect.w, fl.rect.h), img)
        p.restore()


class MoveTool(FloatingTool):
    name = "move"
    label = "Move"
    shortcut = "T"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)
        self._start: tuple[float, float] | None = None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self.floating is None and not self.lift():
            return
        self._start = (x, y)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._start is not None and self.affine is not None:
            self.affine = self.affine.with_(dx=round(x - self._start[0]), dy=round(y - self._start[1]))
            self.preview_changed.emit()

    def release(self, x: float, y: float) -> None:
        self.move(x, y)
        self._start = None
        self.apply()

    def cancel(self) -> None:
        self._start = None
        super().cancel()

    def options_widget(self) -> QWidget:
        label = QLabel("Drag to move the selected pixels, or the whole layer when nothing is selected.")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop)
        return label


class TransformTool(FloatingTool):
    name = "transform"
    label = "Transform"
    shortcut = "Ctrl+T"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)
        self._drag: tuple[str, object, Affine, tuple[float, float]] | None = None

    # -- geometry in widget coordinates --------------------------------------------------------------
    def _corner(self, ux: int, uy: int) -> tuple[float, float]:
        assert self.floating is not None and self.affine is not None
        r = self.floating.rect
        return self.affine.map(r.x + (ux + 1) / 2 * r.w, r.y + (uy + 1) / 2 * r.h)

    def handle_points(self) -> list[tuple[float, float]]:
        """Widget positions of the 8 handles (empty when nothing floats)."""
        if self.floating is None:
            return []
        v = self.view()
        return [v.to_widget(*self._corner(ux, uy)) for ux, uy in HANDLES]

    def _hit(self, x: float, y: float) -> str | tuple[int, int]:
        v = self.view()
        wx, wy = v.to_widget(x, y)
        for (hx, hy), h in zip(self.handle_points(), HANDLES, strict=True):
            if abs(wx - hx) <= HANDLE_PX and abs(wy - hy) <= HANDLE_PX:
                return h
        assert self.floating is not None and self.affine is not None
        inv = np.linalg.inv(np.vstack([self.affine.matrix(), [0, 0, 1]]))
        sx, sy, _ = inv @ np.array([x, y, 1.0])
        return "move" if self.floating.rect.contains_point(sx, sy) else "rotate"

    # -- events --------------------------------------------------------------------------------------
    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self.floating is None and not self.lift():
            return
        assert self.affine is not None
        hit = self._hit(x, y)
        self._drag = ("scale" if isinstance(hit, tuple) else hit, hit, self.affine, (x, y))
        self.preview_changed.emit()

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._drag is None or self.floating is None:
            return
        kind, hit, start, (x0, y0) = self._drag
        if kind == "move":
            self.affine = start.with_(dx=start.dx + x - x0, dy=start.dy + y - y0)
        elif kind == "rotate":
            cx, cy = start.cx + start.dx, start.cy + start.dy
            d = math.degrees(math.atan2(y - cy, x - cx) - math.atan2(y0 - cy, x0 - cx))
            if self.modifiers & Qt.KeyboardModifier.ShiftModifier:
                d = round(d / 15.0) * 15.0
            self.affine = start.with_(angle=start.angle + d)
        else:
            self.affine = self._scaled(start, hit, x, y)  # type: ignore[arg-type]
        self.preview_changed.emit()

    def _scaled(self, start: Affine, hit: tuple[int, int], x: float, y: float) -> Affine:
        """Scale so the dragged handle follows the pointer and the opposite side stays put."""
        assert self.floating is not None
        r = self.floating.rect
        a = math.radians(start.angle)
        c, s = math.cos(a), math.sin(a)
        ccx, ccy = start.cx + start.dx, start.cy + start.dy  # the box centre on the canvas
        lx = c * (x - ccx) + s * (y - ccy)  # pointer in the box's rotated frame
        ly = -s * (x - ccx) + c * (y - ccy)
        ux, uy = hit
        sx, sy, ox, oy = start.sx, start.sy, 0.0, 0.0
        if ux:
            half = r.w / 2 * abs(start.sx)
            ext = max(1.0, (lx * ux + half))
            sx = math.copysign(ext / r.w, start.sx)
            ox = ux * (ext / 2 - half)
        if uy:
            half = r.h / 2 * abs(start.sy)
            ext = max(1.0, (ly * uy + half))
            sy = math.copysign(ext / r.h, start.sy)
            oy = uy * (ext / 2 - half)
        return start.with_(sx=sx, sy=sy, dx=start.dx + c * ox - s * oy, dy=start.dy + s * ox + c * oy)

    def release(self, x: float, y: float) -> None:
        self.move(x, y)
        self._drag = None

    def key_press(self, key: int) -> bool:
        if self.floating is not None and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
            return True
        return False

    def canvas_double_click(self, x: float, y: float) -> bool:
        if self.floating is not None:
            self.apply()
        return True

    def cancel(self) -> None:
        self._drag = None
        super().cancel()

    def flip(self, horizontal: bool) -> None:
        if self.floating is None and not self.lift():
            return
        assert self.affine is not None
        self.affine = self.affine.with_(sx=-self.affine.sx) if horizontal else \
            self.affine.with_(sy=-self.affine.sy)
        self.preview_changed.emit()

    # -- preview -------------------------------------------------------------------------------------
    def paint_preview(self, p: QPainter, view_t: QTransform) -> None:
        super().paint_preview(p, view_t)
        pts = self.handle_points()
        if not pts:
            return
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        corners = [pts[i] for i in (0, 2, 4, 6)]
        p.setPen(QPen(QColor(0, 0, 0), 1.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
        p.setPen(QPen(QColor(255, 255, 255), 1.0, Qt.PenStyle.DashLine))
        p.drawPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
        p.setPen(QPen(QColor(0, 0, 0), 1.0))
        p.setBrush(QColor(255, 255, 255))
        for x, y in pts:
            p.drawRect(QRectF(x - HANDLE_PX / 2, y - HANDLE_PX / 2, HANDLE_PX, HANDLE_PX))
        p.restore()

    def options_widget(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(6, 6, 6, 6)
        method = QComboBox()
        for label, key in (("Bilinear", "bilinear"), ("Area (best when shrinking)", "area"),
                           ("Nearest neighbour (pixel art)", "nearest")):
            method.addItem(label, key)
        method.currentIndexChanged.connect(lambda _i: setattr(self, "method", method.currentData()))
        row = QWidget()
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        for text, cb in (("Flip ↔", lambda: self.flip(True)), ("Flip ↕", lambda: self.flip(False)),
                         ("Apply", self.apply), ("Cancel", self.cancel)):
            b = QPushButton(text)
            b.clicked.connect(lambda _c=False, f=cb: f())
            lay.addWidget(b)
        form.addRow("Resampling", method)
        form.addRow(row)
        note = QLabel("Drag inside: move · handles: scale · outside: rotate (Shift: 15° steps). "
                      "Enter or double-click applies, Esc cancels.")
        note.setWordWrap(True)
        form.addRow(note)
        return page
