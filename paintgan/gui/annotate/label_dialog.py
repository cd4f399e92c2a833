"""The label dialog: a line edit with autocomplete from the known labels, the list of labels to pick from,
an optional group id and description. Enter accepts; the last label used is preselected."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


class LabelDialog(QDialog):
    def __init__(self, labels: Sequence[str], current: str = "", group_id: int | None = None,
                 description: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Label")
        self.edit = QLineEdit(current)
        self.edit.setPlaceholderText("label (Enter to accept)")
        self.edit.selectAll()
        completer = QCompleter(list(labels), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        self.list = QListWidget()
        for name in labels:
            QListWidgetItem(name, self.list)
        self.list.itemClicked.connect(lambda item: self.edit.setText(item.text()))
        self.list.itemDoubleClicked.connect(lambda item: (self.edit.setText(item.text()), self.accept()))
        self.edit.textEdited.connect(self._filter)
        self.group = QLineEdit("" if group_id is None else str(group_id))
        self.group.setPlaceholderText("group id (optional)")
        self.description = QLineEdit(description)
        self.description.setPlaceholderText("description (optional)")
        form = QFormLayout()
        form.addRow("Group", self.group)
        form.addRow("Description", self.description)
        std = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(std.Ok | std.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.edit)
        lay.addWidget(self.list)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def _filter(self, text: str) -> None:
        t = text.casefold()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(t) and t not in item.text().casefold())

    def accept(self) -> None:
        if self.label():
            super().accept()

    def label(self) -> str:
        return self.edit.text().strip()

    def group_id(self) -> int | None:
        try:
            return int(self.group.text().strip())
        except ValueError:
            return None

    def values(self) -> tuple[str, int | None, str]:
        return self.label(), self.group_id(), self.description.text()


def ask_label(parent: QWidget | None, labels: Sequence[str], current: str = "", group_id: int | None = None,
              description: str = "") -> tuple[str, int | None, str] | None:
    """Show the dialog; (label, group id, description) or None when cancelled. Tests replace this."""
    dlg = LabelDialog(labels, current, group_id, description, parent)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    return dlg.values()
