"""History panel: the undo stack as a list; clicking an entry moves the document there."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtWidgets import QAbstractItemView, QListView, QVBoxLayout, QWidget

from paintgan.commands.stack import CommandStack
from paintgan.gui.history_model import HistoryModel


class HistoryPanel(QWidget):
    def __init__(self, stack: CommandStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel(stack, self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.view)
        self.view.clicked.connect(self._clicked)
        self.model.modelReset.connect(self._sync_selection)
        self.model.dataChanged.connect(self._sync_selection)
        self._sync_selection()

    def set_stack(self, stack: CommandStack) -> None:
        self.model.set_stack(stack)

    def _clicked(self, index: QModelIndex) -> None:
        self.model.activate(index.row())

    def _sync_selection(self, *_args: object) -> None:
        idx = self.model.index(self.model.current_row)
        self.view.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(idx)
