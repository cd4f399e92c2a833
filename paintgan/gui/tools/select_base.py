"""Selection tools' common part: the Shift / Alt modifiers, committing a shape as one history step, the
shape-in-progress preview the selection overlay draws as marching ants, and a small options form."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QPainterPath, QPolygonF
from PySide6.QtWidgets import QLabel, QWidget

from paintgan.commands.clipboard import clear_selected
from paintgan.commands.selection import deselect_command, select_command
from paintgan.core import selection as sel
from paintgan.core.selection import Selection
from paintgan.gui.tools.base import Tool, paintable_layer

MODS_HELP = "Shift: add · Alt: subtract · Shift+Alt: intersect."


def mode_of(mods: Qt.KeyboardModifier) -> str:
    return sel.mode_for(bool(mods & Qt.KeyboardModifier.ShiftModifier),
                        bool(mods & Qt.KeyboardModifier.AltModifier))


def points_path(points: list[tuple[float, float]], closed: bool = True) -> QPainterPath:
    path = QPainterPath()
    if len(points) < 2:
        return path
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    if closed:
        path.closeSubpath()
    return path


class SelectionTool(Tool):
    """Base of the selection tools. Subclasses call `commit(shape)` with the shape they made."""

    takes_alt = True
    preview_changed = Signal()
    what = "area"
    help_text = ""

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.mode = "replace"

    def begin_mode(self) -> None:
        self.mode = mode_of(self.modifiers)

    def commit(self, shape: Selection | None) -> None:
        """Combine `shape` with the selection by the press's mode as one undo step (a click that made
        nothing, without modifiers, deselects, as in GIMP and Krita)."""
        session = self.ctx.session()
        doc = session.doc
        if shape is None and self.mode == "replace":
            if doc.selection is not None:
                session.stack.push(deselect_command(doc))
            return
        cmd = select_command(doc, shape, self.mode, self.what)
        if cmd.changes_anything():
            session.stack.push(cmd)

    def key_press(self, key: int) -> bool:
        """Delete / Backspace clear the selected pixels of the active layer (Krita's Edit ▸ Clear)."""
        if self.active or key not in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            return False
        doc = self.ctx.session().doc
        if doc.selection is None:
            return False
        layer = paintable_layer(self.ctx)
        if layer is None:
            return True
        cmd = clear_selected(doc, layer, "Clear")
        if cmd is not None:
            self.ctx.session().stack.push(cmd, done=True)
        return True

    def preview_path(self) -> QPainterPath | None:
        """The shape in progress in document coordinates (None: nothing to draw)."""
        return None

    def options_widget(self) -> QWidget:
        label = QLabel(f"{self.help_text}\n{MODS_HELP}".strip())
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop)
        return label
