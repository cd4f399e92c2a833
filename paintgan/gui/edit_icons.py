"""Toolbar icons of the editing tools (selection, gradient, shapes, move, transform), drawn with QPainter
like `paintgan.gui.icons` (no image files to ship)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QLinearGradient, QPainter, QPainterPath, QPen, QPolygonF

from paintgan.gui.icons import INK, _icon

BLUE = QColor(40, 140, 220)


def _dashed() -> QPen:
    pen = QPen(INK, 1.6)
    pen.setDashPattern([2.5, 2])
    return pen


def _rect(p: QPainter) -> None:
    p.setPen(_dashed())
    p.drawRect(QRectF(5, 7, 22, 18))


def _ellipse(p: QPainter) -> None:
    p.setPen(_dashed())
    p.drawEllipse(QRectF(4, 7, 24, 18))


def _lasso(p: QPainter) -> None:
    p.setPen(_dashed())
    path = QPainterPath(QPointF(8, 22))
    path.cubicTo(QPointF(0, 8), QPointF(24, 0), QPointF(28, 12))
    path.cubicTo(QPointF(30, 20), QPointF(16, 24), QPointF(10, 21))
    p.drawPath(path)
    p.setPen(QPen(INK, 1.4))
    p.drawLine(QPointF(10, 21), QPointF(8, 29))


def _polygon(p: QPainter) -> None:
    p.setPen(_dashed())
    p.drawPolygon(QPolygonF([QPointF(5, 24), QPointF(10, 6), QPointF(27, 10), QPointF(20, 27)]))
    p.setPen(QPen(INK, 1))
    p.setBrush(QColor(255, 255, 255))
    for x, y in ((5, 24), (10, 6), (27, 10), (20, 27)):
        p.drawRect(QRectF(x - 2, y - 2, 4, 4))


def _wand(p: QPainter) -> None:
    pen = QPen(INK, 3)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawLine(QPointF(6, 27), QPointF(19, 14))
    p.setPen(QPen(QColor(230, 170, 30), 2))
    for a, b in (((22, 4), (22, 10)), ((19, 7), (25, 7)), ((27, 12), (27, 16)), ((25, 14), (29, 14))):
        p.drawLine(QPointF(*a), QPointF(*b))


def _gradient(p: QPainter) -> None:
    g = QLinearGradient(4, 0, 28, 0)
    g.setColorAt(0, BLUE)
    g.setColorAt(1, QColor(255, 255, 255))
    p.setPen(QPen(INK, 1.2))
    p.setBrush(g)
    p.drawRect(QRectF(4, 8, 24, 16))


def _shape(p: QPainter) -> None:
    p.setPen(QPen(INK, 2))
    p.drawLine(QPointF(4, 28), QPointF(14, 18))
    p.drawRect(QRectF(15, 4, 12, 10))
    p.drawEllipse(QRectF(5, 4, 9, 9))


def _move(p: QPainter) -> None:
    p.setPen(QPen(INK, 1.8))
    p.drawLine(QPointF(16, 4), QPointF(16, 28))
    p.drawLine(QPointF(4, 16), QPointF(28, 16))
    p.setBrush(INK)
    for tip, a, b in (((16, 3), (12, 8), (20, 8)), ((16, 29), (12, 24), (20, 24)),
                      ((3, 16), (8, 12), (8, 20)), ((29, 16), (24, 12), (24, 20))):
        p.drawPolygon(QPolygonF([QPointF(*tip), QPointF(*a), QPointF(*b)]))


def _transform(p: QPainter) -> None:
    p.translate(16, 16)
    p.rotate(-15)
    p.setPen(QPen(INK, 1.4))
    p.setBrush(QColor(200, 225, 245))
    p.drawRect(QRectF(-10, -8, 20, 16))
    p.setBrush(QColor(255, 255, 255))
    for x, y in ((-10, -8), (10, -8), (10, 8), (-10, 8)):
        p.drawRect(QRectF(x - 2.5, y - 2.5, 5, 5))


DRAW = {"select_rect": _rect, "select_ellipse": _ellipse, "select_lasso": _lasso, "select_polygon": _polygon,
        "select_wand": _wand, "gradient": _gradient, "shape": _shape, "move": _move, "transform": _transform}
_CACHE: dict[str, QIcon] = {}


def edit_icon(name: str) -> QIcon | None:
    draw = DRAW.get(name)
    if draw is None:
        return None
    if name not in _CACHE:
        _CACHE[name] = _icon(draw)
    return _CACHE[name]
