"""Dialogs: new document, layer properties, the unsaved-changes question, file choosers."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QSlider,
    QSpinBox,
    QWidget,
)

from paintgan.core.layers import Layer
from paintgan.gui import blend_combo

OPEN_FILTER = "Images and OpenRaster (*.ora *.png *.jpg *.jpeg *.webp *.tif *.tiff *.bmp);;All files (*)"
SAVE_FILTER = "OpenRaster, keeps layers (*.ora);;PNG image, flattened (*.png);;JPEG image, flattened (*.jpg)"
EXPORT_FILTER = "PNG image (*.png);;JPEG image (*.jpg);;WebP image (*.webp)"
PRESETS = [("Custom", 0, 0), ("1024 × 1024", 1024, 1024), ("1920 × 1080 (HD)", 1920, 1080),
           ("A4 300 dpi portrait", 2480, 3508), ("A4 150 dpi portrait", 1240, 1754), ("512 × 512", 512, 512),
           ("4096 × 4096", 4096, 4096)]
OK_CANCEL = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
BACKGROUNDS = [("White", (255, 255, 255, 255)), ("Transparent", None), ("Background colour", "bg")]


class NewDocumentDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, width: int = 1920, height: int = 1080) -> None:
        super().__init__(parent)
        self.setWindowTitle("New document")
        self.preset = QComboBox()
        for name, _w, _h in PRESETS:
            self.preset.addItem(name)
        self.width_box = QSpinBox(minimum=1, maximum=20000, value=width, suffix=" px")
        self.height_box = QSpinBox(minimum=1, maximum=20000, value=height, suffix=" px")
        self.background = QComboBox()
        for name, _value in BACKGROUNDS:
            self.background.addItem(name)
        buttons = QDialogButtonBox(OK_CANCEL)
        form = QFormLayout(self)
        form.addRow("Preset", self.preset)
        form.addRow("Width", self.width_box)
        form.addRow("Height", self.height_box)
        form.addRow("Background", self.background)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.preset.activated.connect(self._preset)
        self.width_box.valueChanged.connect(self._sync_preset)
        self.height_box.valueChanged.connect(self._sync_preset)
        self._sync_preset()

    def _preset(self, i: int) -> None:
        _name, w, h = PRESETS[i]
        if w:
            self.width_box.setValue(w)
            self.height_box.setValue(h)

    def _sync_preset(self) -> None:
        """Show the preset that matches the size (1920×1080 is "HD", not "Custom")."""
        size = (self.width_box.value(), self.height_box.value())
        match = next((i for i, (_n, w, h) in enumerate(PRESETS) if (w, h) == size), 0)
        self.preset.setCurrentIndex(match)

    def values(self, bg_color: tuple[int, int, int]) -> tuple[int, int, tuple[int, int, int, int] | None]:
        bg = BACKGROUNDS[self.background.currentIndex()][1]
        if bg == "bg":
            bg = (*bg_color, 255)
        return self.width_box.value(), self.height_box.value(), bg  # type: ignore[return-value]


class LayerPropertiesDialog(QDialog):
    def __init__(self, layer: Layer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Layer properties")
        self.name = QLineEdit(layer.name)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(round(layer.opacity * 100))
        self.blend = QComboBox()
        blend_combo.fill(self.blend)
        blend_combo.select(self.blend, layer.blend_mode)
        self.visible = QCheckBox("Visible", checked=layer.visible)
        self.locked = QCheckBox("Locked", checked=layer.locked)
        buttons = QDialogButtonBox(OK_CANCEL)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Opacity", self.opacity)
        form.addRow("Blend mode", self.blend)
        form.addRow(self.visible)
        form.addRow(self.locked)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

    def props(self) -> dict[str, object]:
        return {"name": self.name.text().strip() or "Layer", "opacity": self.opacity.value() / 100.0,
                "blend_mode": self.blend.currentData(), "visible": self.visible.isChecked(),
                "locked": self.locked.isChecked()}


def ask_save_changes(parent: QWidget, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    answer = QMessageBox.warning(parent, "Unsaved changes",
                                 f"“{name}” has unsaved changes. Save them before closing?",
                                 buttons, QMessageBox.StandardButton.Save)
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    if answer == QMessageBox.StandardButton.Discard:
        return "discard"
    return "cancel"


def show_error(parent: QWidget, title: str, message: str) -> None:
    QMessageBox.critical(parent, title, message)


def choose_open_file(parent: QWidget, directory: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open", directory, OPEN_FILTER)
    return path


def choose_save_file(parent: QWidget, suggested: str, export: bool = False) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Export PNG" if export else "Save as", suggested,
                                          EXPORT_FILTER if export else SAVE_FILTER)
    return path
