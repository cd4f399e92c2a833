"""A Qt list model over our CommandStack, for the History panel (not a QUndoStack: the document's one
history is `paintgan.commands.stack.CommandStack`, Qt-free; this model only shows it and follows its
changes through `CommandStack.subscribe`).

Row 0 is the initial state ("Opened"/"New document"); row i (i ≥ 1) is the state after entry i−1. The current
row is `stack.index`; rows past it are undone entries (shown greyed) that redo can bring back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from paintgan.commands.stack import CommandStack

Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractListModel):
    """Rows of a CommandStack's entries (their `text`), the current one bold, undone ones greyed;
    `set_stack` follows another document's stack (the main window switching documents)."""

    def __init__(self, stack: CommandStack, parent: QObject | None = None, base_text: str = "Start") -> None:
        super().__init__(parent)
        self.base_text = base_text
        self._texts: list[str] = []
        self._current = 0
        self._stack = stack
        self._unsubscribe = stack.subscribe(self._on_stack)
        self._reload()

    @property
    def stack(self) -> CommandStack:
        return self._stack

    def set_stack(self, stack: CommandStack, base_text: str = "Start") -> None:
        self._unsubscribe()
        self._stack = stack
        self.base_text = base_text
        self._unsubscribe = stack.subscribe(self._on_stack)
        self._on_stack(stack)

    def detach(self) -> None:
        self._unsubscribe()

    def _reload(self) -> None:
        self._texts = [self.base_text, *(c.text for c in self._stack.entries())]
        self._current = self._stack.index

    def _on_stack(self, _stack: CommandStack) -> None:
        texts = [self.base_text, *(c.text for c in self._stack.entries())]
        if texts != self._texts:
            self.beginResetModel()
            self._texts = texts
            self._current = self._stack.index
            self.endResetModel()
        else:
            old = self._current
            self._current = self._stack.index
            lo, hi = min(old, self._current), max(old, self._current)
            self.dataChanged.emit(self.index(lo), self.index(min(hi, len(self._texts) - 1)))

    @property
    def current_row(self) -> int:
        return self._current

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._texts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._texts):
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[row]
        if role == Qt.ItemDataRole.ForegroundRole and row > self._current:
            return QColor(140, 140, 140)
        if role == Qt.ItemDataRole.FontRole and row == self._current:
            f = QFont()
            f.setBold(True)
            return f
        return None

    def activate(self, row: int) -> None:
        """Move the document to the state after row `row` (row 0: before the first entry)."""
        self._stack.set_index(row)
