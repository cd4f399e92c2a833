"""Small tool icons drawn with QPainter (no image files to ship)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

SIZE = 32
INK = QColor(40, 40, 44)


def _icon(draw: Callable[[QPainter], None]) -> QIcon:
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(p)
    p.end()
    return QIcon(pm)


def _brush(p: QPainter) -> None:
    handle = QPen(QColor(150, 100, 60), 4)
    handle.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(handle)
    p.drawLine(QPointF(26, 4), QPointF(15, 16))
    p.setPen(QPen(INK, 1))
    p.setBrush(QColor(200, 60, 40))
    path = QPainterPath(QPointF(15, 14))
    path.cubicTo(QPointF(6, 14), QPointF(10, 24), QPointF(3, 28))
    path.cubicTo(QPointF(14, 28), QPointF(19, 22), QPointF(18, 17))
    path.closeSubpath()
    p.drawPath(path)


def _eraser(p: QPainter) -> None:
    p.translate(16, 16)
    p.rotate(-40)
    p.setPen(QPen(INK, 1.2))
    p.setBrush(QColor(235, 120, 150))
    p.drawRoundedRect(QRectF(-12, -6, 14, 12), 2, 2)
    p.setBrush(QColor(110, 150, 220))
    p.drawRoundedRect(QRectF(2, -6, 11, 12), 2, 2)


def _picker(p: QPainter) -> None:
    p.setPen(QPen(INK, 1.2))
    p.setBrush(QColor(90, 90, 96))
    p.drawEllipse(QPointF(24, 8), 5, 5)
    p.setPen(QPen(INK, 3))
    p.drawLine(QPointF(21, 11), QPointF(7, 25))
    p.setPen(QPen(QColor(40, 140, 220), 3))
    p.drawLine(QPointF(11, 21), QPointF(6, 26))


def _fill(p: QPainter) -> None:
    p.setPen(QPen(INK, 1.2))
    p.setBrush(QColor(230, 230, 235))
    p.drawPolygon(QPolygonF([QPointF(5, 14), QPointF(15, 4), QPointF(26, 15), QPointF(16, 25)]))
    p.setBrush(QColor(40, 140, 220))
    path = QPainterPath(QPointF(27, 17))
    path.cubicTo(QPointF(31, 23), QPointF(30, 28), QPointF(27, 28))
    path.cubicTo(QPointF(24, 28), QPointF(23, 23), QPointF(27, 17))
    p.drawPath(path)


_DRAW = {"brush": _brush, "eraser": _eraser, "picker": _picker, "fill": _fill}
_CACHE: dict[str, QIcon] = {}


def tool_icon(name: str) -> QIcon:
    if name not in _CACHE:
        draw = _DRAW.get(name)
        _CACHE[name] = _icon(draw) if draw else QIcon()
    return _CACHE[name]
