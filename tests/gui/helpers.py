"""Helpers that drive the real mouse and keyboard on the canvas."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from paintgan.gui.main_window import MainWindow


def widget_pos(w: MainWindow, x: float, y: float) -> QPointF:
    return QPointF(*w.canvas.view.to_widget(x, y))


def _send(widget: QWidget, kind: QMouseEvent.Type, pos: QPointF, button: Qt.MouseButton,
          buttons: Qt.MouseButton, mods: Qt.KeyboardModifier) -> None:
    ev = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, mods)
    QApplication.sendEvent(widget, ev)


def press(w: MainWindow, x: float, y: float) -> None:
    p = widget_pos(w, x, y)
    left = Qt.MouseButton.LeftButton
    _send(w.canvas, QMouseEvent.Type.MouseButtonPress, p, left, left, Qt.KeyboardModifier.NoModifier)


def move_pressed(w: MainWindow, x: float, y: float) -> None:
    p = widget_pos(w, x, y)
    _send(w.canvas, QMouseEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
          Qt.KeyboardModifier.NoModifier)


def drag(w: MainWindow, points: Sequence[tuple[float, float]], *,
         button: Qt.MouseButton = Qt.MouseButton.LeftButton,
         mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Press at the first document point, move through the others, release at the last."""
    canvas = w.canvas
    pts = [widget_pos(w, x, y) for x, y in points]
    _send(canvas, QMouseEvent.Type.MouseButtonPress, pts[0], button, button, mods)
    for p in pts[1:]:
        _send(canvas, QMouseEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, button, mods)
    _send(canvas, QMouseEvent.Type.MouseButtonRelease, pts[-1], button, Qt.MouseButton.NoButton, mods)
    QApplication.processEvents()


def click(w: MainWindow, x: float, y: float, **kw: object) -> None:
    drag(w, [(x, y)], **kw)  # type: ignore[arg-type]


def key(w: MainWindow, k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(w.canvas, k, mods)
    QApplication.processEvents()
