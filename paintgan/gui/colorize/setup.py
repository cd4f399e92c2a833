"""The "Colorize…" action: a small options dialog, then the colorize layer stack via
`create_colorize_stack` (line art on top in Multiply, the colour layer below, optionally white paper)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from paintgan.commands.hints import create_colorize_stack
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.layers import Layer, RasterLayer
from paintgan.gui.colorize.controller import ModelStatus
from paintgan.gui.session import DocumentSession


def colorize_source(session: DocumentSession) -> Layer | None:
    """The layer to colorize: the active paint layer, else the topmost paint layer."""
    active = session.doc.active_layer
    if isinstance(active, RasterLayer):
        return active
    rasters = [lay for lay in session.doc.layers() if isinstance(lay, RasterLayer)]
    return rasters[-1] if rasters else None


def make_colorize_stack(session: DocumentSession, source: Layer, *, input_kind: str = "auto",
                        mode: str = "flat", paper: bool = True) -> ColorizeLayer:
    layer = create_colorize_stack(session.doc, source, session.stack, paper=paper, input_kind=input_kind,
                                  mode=mode)
    session.doc.set_active(layer)
    return layer


class ColorizeDialog(QDialog):
    def __init__(self, source: Layer, detected: str, models: ModelStatus,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Colorize")
        form = QFormLayout(self)
        form.addRow("Layer", QLabel(f"“{source.name}”"))
        self.kind = QComboBox()
        self.kind.addItem(f"Auto (looks like {detected})", "auto")
        self.kind.addItem("Line art", "lineart")
        self.kind.addItem("Grayscale picture", "gray")
        form.addRow("Input", self.kind)
        self.mode = QComboBox()
        self.mode.addItem("Neural (model)", "neural")
        self.mode.addItem("Flat fill (no model)", "flat")
        if not models.usable:
            item = self.mode.model().item(0)  # type: ignore[attr-defined]
            item.setEnabled(False)
            self.mode.setCurrentIndex(1)
            reason = QLabel(models.error or "Colorization unavailable")
            reason.setWordWrap(True)
            reason.setStyleSheet("color: #b04020")
            form.addRow("", reason)
        form.addRow("Mode", self.mode)
        self.paper = QCheckBox("Add a white paper layer below")
        self.paper.setChecked(True)
        form.addRow("", self.paper)
        std = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(std.Ok | std.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, object]:
        return {"input_kind": self.kind.currentData(), "mode": self.mode.currentData(),
                "paper": self.paper.isChecked()}


def run_colorize_dialog(parent: QWidget, session: DocumentSession,
                        models: ModelStatus) -> ColorizeLayer | None:
    source = colorize_source(session)
    if source is None:
        return None
    from paintgan.core.colorize_layer import _source_pixels
    from paintgan.inference.colorize.pixels import detect_input_kind

    try:
        detected = detect_input_kind(_source_pixels(source, session.doc))
    except Exception:
        detected = "line art"
    detected = {"lineart": "line art", "gray": "a grayscale picture"}.get(detected, detected)
    dlg = ColorizeDialog(source, detected, models, parent)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    v = dlg.values()
    return make_colorize_stack(session, source, input_kind=str(v["input_kind"]), mode=str(v["mode"]),
                               paper=bool(v["paper"]))
