"""Small colour widgets drawn by hand: saturation/value square, hue strip, fg/bg pair, swatch grid."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

RGB = tuple[int, int, int]


def qcolor(rgb: RGB) -> QColor:
    return QColor(rgb[0], rgb[1], rgb[2])


class SVSquare(QWidget):
    """Saturation (x) and value (y) for one hue."""

    changed = Signal(float, float)  # s, v in [0, 1]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hue = 0.0
        self.s = 0.0
        self.v = 0.0
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(180, 160)

    def set_hsv(self, h: float, s: float, v: float) -> None:
        self.hue, self.s, self.v = h, s, v
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        sat = QLinearGradient(r.topLeft(), r.topRight())
        sat.setColorAt(0, QColor(255, 255, 255))
        sat.setColorAt(1, QColor.fromHsvF(self.hue, 1.0, 1.0))
        p.fillRect(r, sat)
        val = QLinearGradient(r.topLeft(), r.bottomLeft())
        val.setColorAt(0, QColor(0, 0, 0, 0))
        val.setColorAt(1, QColor(0, 0, 0, 255))
        p.fillRect(r, val)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = QPointF(r.left() + self.s * r.width(), r.top() + (1 - self.v) * r.height())
        p.setPen(QPen(QColor(0, 0, 0), 1.5))
        p.drawEllipse(c, 5, 5)
        p.setPen(QPen(QColor(255, 255, 255), 1.5))
        p.drawEllipse(c, 4, 4)

    def _pick(self, event: QMouseEvent) -> None:
        w, h = max(1, self.width() - 1), max(1, self.height() - 1)
        self.s = min(1.0, max(0.0, event.position().x() / w))
        self.v = min(1.0, max(0.0, 1.0 - event.position().y() / h))
        self.update()
        self.changed.emit(self.s, self.v)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pick(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event)


class HueStrip(QWidget):
    """A vertical hue slider."""

    changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hue = 0.0
        self.setFixedWidth(18)
        self.setMinimumHeight(120)

    def set_hue(self, h: float) -> None:
        self.hue = h
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = QRectF(self.rect())
        g = QLinearGradient(r.topLeft(), r.bottomLeft())
        for i in range(7):
            g.setColorAt(i / 6, QColor.fromHsvF((i / 6) % 1.0, 1.0, 1.0))
        p.fillRect(r, g)
        y = r.top() + self.hue * r.height()
        p.setPen(QPen(QColor(0, 0, 0), 2))
        p.drawRect(QRectF(0.5, y - 2, r.width() - 1, 4))

    def _pick(self, event: QMouseEvent) -> None:
        self.hue = min(0.9999, max(0.0, event.position().y() / max(1, self.height())))
        self.update()
        self.changed.emit(self.hue)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._pick(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event)


class ColorPair(QWidget):
    """Foreground square over background square; click the corner arrow area to swap."""

    swap_requested = Signal()
    fg_clicked = Signal()
    bg_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fg: RGB = (0, 0, 0)
        self.bg: RGB = (255, 255, 255)
        self.setFixedSize(56, 56)
        self.setToolTip("Foreground / background colour (X swaps)")

    def set_colors(self, fg: RGB, bg: RGB) -> None:
        self.fg, self.bg = fg, bg
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setPen(QPen(QColor(20, 20, 20), 1))
        p.setBrush(qcolor(self.bg))
        p.drawRect(QRect(20, 20, 34, 34))
        p.setBrush(qcolor(self.fg))
        p.setPen(QPen(QColor(230, 230, 230), 1))
        p.drawRect(QRect(1, 1, 34, 34))
        p.setPen(QPen(QColor(200, 200, 200), 1.2))
        p.drawLine(40, 6, 50, 6)
        p.drawLine(50, 6, 50, 16)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        if x > 36 and y < 18:
            self.swap_requested.emit()
        elif x <= 36 and y <= 36:
            self.fg_clicked.emit()
        else:
            self.bg_clicked.emit()


class SwatchGrid(QWidget):
    """A wrapping grid of colour cells. Left click: foreground, right click: background."""

    picked = Signal(object, bool)  # rgb, is_background
    CELL = 16

    def __init__(self, parent: QWidget | None = None, rows_hint: int = 0) -> None:
        super().__init__(parent)
        self.colors: list[tuple[RGB, str]] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self._rows_hint = rows_hint

    def set_colors(self, colors: list[tuple[RGB, str]]) -> None:
        self.colors = list(colors)
        self.updateGeometry()
        self.update()

    def _cols(self) -> int:
        return max(1, (self.width() - 1) // self.CELL)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        cols = max(1, (w - 1) // self.CELL)
        rows = max(self._rows_hint, -(-len(self.colors) // cols), 1)
        return rows * self.CELL + 1

    def sizeHint(self) -> QSize:
        return QSize(12 * self.CELL + 1, self.heightForWidth(12 * self.CELL + 1))

    def cell_rect(self, i: int) -> QRect:
        cols = self._cols()
        return QRect((i % cols) * self.CELL, (i // cols) * self.CELL, self.CELL, self.CELL)

    def index_at(self, pos: QPointF) -> int | None:
        cols = self._cols()
        c, r = int(pos.x() // self.CELL), int(pos.y() // self.CELL)
        if c >= cols:
            return None
        i = r * cols + c
        return i if 0 <= i < len(self.colors) else None

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setPen(QPen(QColor(30, 30, 30), 1))
        for i, (rgb, _name) in enumerate(self.colors):
            p.setBrush(qcolor(rgb))
            p.drawRect(self.cell_rect(i).adjusted(0, 0, -1, -1))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.index_at(event.position())
        if i is not None:
            self.picked.emit(self.colors[i][0], event.button() == Qt.MouseButton.RightButton)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.index_at(event.position())
        if i is not None:
            rgb, name = self.colors[i]
            hexs = "#{:02x}{:02x}{:02x}".format(*rgb)
            QToolTip.showText(event.globalPosition().toPoint(), f"{name}  {hexs}" if name else hexs, self)
