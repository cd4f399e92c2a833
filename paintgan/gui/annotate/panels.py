"""The label list dock (colour, count on this image, visibility checkbox; double-click: colour) and the
shape list dock (click selects and centres the shape; double-click edits its label). Both follow the
overlay's annotation layer; every change they make is a command."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paintgan.commands.annotations import SetLabelStyle
from paintgan.core.annotations import AnnotationLayer, default_label_color
from paintgan.gui.annotate.overlay import AnnotationOverlay

_icons: dict[tuple[int, int, int], QIcon] = {}


def swatch(rgb: tuple[int, int, int]) -> QIcon:
    icon = _icons.get(rgb)
    if icon is None:
        pm = QPixmap(14, 14)
        pm.fill(QColor(*rgb))
        icon = _icons[rgb] = QIcon(pm)
    return icon


class LabelListPanel(QWidget):
    """Labels of the shown image plus every label seen in the dataset (count 0 when absent here)."""

    message = Signal(str)
    label_picked = Signal(str)  # clicked: the label for the next new shapes

    def __init__(self, overlay: AnnotationOverlay, push: Callable[[object], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overlay = overlay
        self._push = push
        self.known: list[str] = []  # labels seen in the folder / this session, first-seen order
        self.list = QListWidget()
        self.list.itemChanged.connect(self._item_changed)
        self.list.itemDoubleClicked.connect(self._pick_color)
        self.list.itemClicked.connect(
            lambda item: self.label_picked.emit(item.data(Qt.ItemDataRole.UserRole)))
        hint = QLabel("Click: label of new shapes · tick: show · double-click: colour")
        hint.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        lay.addWidget(hint)
        self._timer = QTimer(self, singleShot=True, interval=80)  # one refresh per burst (a drag)
        self._timer.timeout.connect(self.refresh)
        overlay.shapes_changed.connect(self._timer.start)

    def add_known(self, labels: list[str] | tuple[str, ...]) -> None:
        for label in labels:
            if label not in self.known:
                self.known.append(label)

    def labels(self) -> list[str]:
        """Every label to offer in the label dialog (this image's first)."""
        layer = self.overlay.layer()
        here = list(layer.labels()) if layer is not None else []
        self.add_known(here)
        return here + [x for x in self.known if x not in here]

    def refresh(self) -> None:
        layer = self.overlay.layer()
        counts = layer.labels() if layer is not None else {}
        self.add_known(list(counts))
        self.list.blockSignals(True)
        self.list.clear()
        for label in self.labels():
            rgb = layer.color(label) if layer is not None else default_label_color(label)
            item = QListWidgetItem(swatch(rgb), f"{label or '(no label)'}  ({counts.get(label, 0)})")
            item.setData(Qt.ItemDataRole.UserRole, label)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            visible = layer is None or layer.is_label_visible(label)
            item.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)

    def _item_changed(self, item: QListWidgetItem) -> None:
        layer = self.overlay.layer()
        if layer is None:
            return
        label = item.data(Qt.ItemDataRole.UserRole)
        visible = item.checkState() == Qt.CheckState.Checked
        if visible != layer.is_label_visible(label):
            self._push(SetLabelStyle(layer, label, visible=visible))

    def _pick_color(self, item: QListWidgetItem) -> None:
        layer = self.overlay.layer()
        if layer is None:
            return
        label = item.data(Qt.ItemDataRole.UserRole)
        color = QColorDialog.getColor(QColor(*layer.color(label)), self, f"Colour of “{label}”")
        if color.isValid():
            self.set_color(label, (color.red(), color.green(), color.blue()))

    def set_color(self, label: str, rgb: tuple[int, int, int]) -> None:
        layer = self.overlay.layer()
        if layer is not None:
            self._push(SetLabelStyle(layer, label, color=rgb))


class ShapeListPanel(QWidget):
    """One row per shape (top first, as drawn); selection is two-way with the canvas."""

    centre_requested = Signal(object)  # Shape
    edit_requested = Signal(list)  # shape ids

    def __init__(self, overlay: AnnotationOverlay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overlay = overlay
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.itemSelectionChanged.connect(self._selection_from_list)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemDoubleClicked.connect(
            lambda item: self.edit_requested.emit([item.data(Qt.ItemDataRole.UserRole)]))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        self._syncing = False
        self._timer = QTimer(self, singleShot=True, interval=80)  # one refresh per burst (a drag)
        self._timer.timeout.connect(self.refresh)
        overlay.shapes_changed.connect(self._timer.start)
        overlay.selection.changed.connect(self._selection_from_canvas)

    def refresh(self) -> None:
        layer: AnnotationLayer | None = self.overlay.layer()
        self._syncing = True
        self.list.clear()
        if layer is not None:
            for s in reversed(layer.shapes):
                n = len(s.points)
                text = f"{s.label or '(no label)'} — {s.shape_type}" + (f" ({n} pts)" if n > 2 else "")
                if s.group_id is not None:
                    text += f" · group {s.group_id}"
                item = QListWidgetItem(swatch(layer.color(s.label)), text)
                item.setData(Qt.ItemDataRole.UserRole, s.id)
                self.list.addItem(item)
        self._syncing = False
        self._selection_from_canvas()

    def _selection_from_canvas(self) -> None:
        sel = set(self.overlay.selection.ids)
        self._syncing = True
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) in sel)
        self._syncing = False

    def _selection_from_list(self) -> None:
        if self._syncing:
            return
        ids = [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]
        self.overlay.selection.set(ids)

    def _clicked(self, item: QListWidgetItem) -> None:
        shape = self.overlay.shape(item.data(Qt.ItemDataRole.UserRole))
        if shape is not None:
            self.centre_requested.emit(shape)
