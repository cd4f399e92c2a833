"""Dialogs of the Image menu: canvas size with a 3×3 anchor grid, scale image with a resampling choice."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

MAX_SIDE = 30000
OK_CANCEL = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel


def _spin(value: int) -> QSpinBox:
    s = QSpinBox()
    s.setRange(1, MAX_SIDE)
    s.setSuffix(" px")
    s.setValue(value)
    return s


class CanvasSizeDialog(QDialog):
    """Width, height and where the old picture goes (the anchor)."""

    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Canvas Size")
        self.width_spin, self.height_spin = _spin(width), _spin(height)
        grid = QGridLayout()
        self.anchors = QButtonGroup(self)
        for i in range(9):
            b = QPushButton("●" if i == 4 else "")
            b.setCheckable(True)
            b.setFixedSize(28, 28)
            grid.addWidget(b, i // 3, i % 3)
            self.anchors.addButton(b, i)
        self.anchors.button(4).setChecked(True)
        self.anchors.idClicked.connect(self._mark)
        box = QWidget()
        box.setLayout(grid)
        buttons = QDialogButtonBox(OK_CANCEL)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Width", self.width_spin)
        form.addRow("Height", self.height_spin)
        form.addRow("Anchor", box)
        form.addRow(buttons)

    def _mark(self, i: int) -> None:
        for b in self.anchors.buttons():
            b.setText("●" if self.anchors.id(b) == i else "")

    def values(self) -> tuple[int, int, tuple[float, float]]:
        i = max(0, self.anchors.checkedId())
        return self.width_spin.value(), self.height_spin.value(), ((i % 3) / 2.0, (i // 3) / 2.0)


class ScaleImageDialog(QDialog):
    def __init__(self, width: int, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scale Image")
        self._ratio = width / height
        self.width_spin, self.height_spin = _spin(width), _spin(height)
        self.keep = QCheckBox("Keep aspect ratio")
        self.keep.setChecked(True)
        self.method = QComboBox()
        for label, key in (("Area (best when shrinking)", "area"), ("Bilinear", "bilinear"),
                           ("Nearest neighbour (pixel art)", "nearest")):
            self.method.addItem(label, key)
        self.width_spin.valueChanged.connect(self._width_changed)
        self.height_spin.valueChanged.connect(self._height_changed)
        buttons = QDialogButtonBox(OK_CANCEL)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Width", self.width_spin)
        form.addRow("Height", self.height_spin)
        form.addRow(self.keep)
        form.addRow("Resampling", self.method)
        form.addRow(buttons)

    def _width_changed(self, w: int) -> None:
        if self.keep.isChecked():
            self.height_spin.blockSignals(True)
            self.height_spin.setValue(max(1, round(w / self._ratio)))
            self.height_spin.blockSignals(False)

    def _height_changed(self, h: int) -> None:
        if self.keep.isChecked():
            self.width_spin.blockSignals(True)
            self.width_spin.setValue(max(1, round(h * self._ratio)))
            self.width_spin.blockSignals(False)

    def values(self) -> tuple[int, int, str]:
        return self.width_spin.value(), self.height_spin.value(), str(self.method.currentData())
