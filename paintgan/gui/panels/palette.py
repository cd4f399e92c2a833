"""Palette panel: fg/bg colours, an HSV picker, hex entry, swatches from a .gpl palette, recent colours."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paintgan.brush.palette import Palette, read_gpl, write_gpl
from paintgan.errors import PaintGANError
from paintgan.gui.colors import RGB, ColorState, from_hex, to_hex
from paintgan.gui.panels.color_widgets import ColorPair, HueStrip, SVSquare, SwatchGrid
from paintgan.gui.resources import resource_path


def default_palette() -> Palette:
    try:
        return read_gpl(resource_path("palettes", "default.gpl"))
    except PaintGANError:
        grey = [((v, v, v), "") for v in range(0, 256, 51)]
        return Palette("Fallback", grey)


class PalettePanel(QWidget):
    def __init__(self, colors: ColorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colors = colors
        self.palette_data = default_palette()
        self.palette_path: str | None = None
        self._hue = 0.0

        self.pair = ColorPair()
        self.hex_edit = QLineEdit()
        self.hex_edit.setMaxLength(7)
        self.hex_edit.setPlaceholderText("#rrggbb")
        self.hex_edit.setToolTip("Foreground colour as hex; press Enter to apply")
        self.sv = SVSquare()
        self.hue = HueStrip()
        self.swatches = SwatchGrid(self)
        self.recent = SwatchGrid(self, rows_hint=1)
        self.palette_label = QLabel()
        load = QToolButton(text="Load…", toolTip="Load a GIMP palette (.gpl)")
        save = QToolButton(text="Save…", toolTip="Save the swatches as a GIMP palette (.gpl)")
        add = QToolButton(text="+", toolTip="Add the foreground colour to the swatches")

        top = QHBoxLayout()
        top.addWidget(self.pair)
        col = QVBoxLayout()
        col.addWidget(QLabel("Hex"))
        col.addWidget(self.hex_edit)
        top.addLayout(col)
        picker = QHBoxLayout()
        picker.addWidget(self.sv, 1)
        picker.addWidget(self.hue)
        bar = QHBoxLayout()
        bar.addWidget(self.palette_label, 1)
        bar.addWidget(add)
        bar.addWidget(load)
        bar.addWidget(save)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addLayout(picker, 1)
        lay.addWidget(QLabel("Recent"))
        lay.addWidget(self.recent)
        lay.addLayout(bar)
        lay.addWidget(self.swatches)

        self.pair.swap_requested.connect(colors.swap)
        self.pair.bg_clicked.connect(lambda: self._edit_with_dialog(background=True))
        self.pair.fg_clicked.connect(lambda: self._edit_with_dialog(background=False))
        self.sv.changed.connect(self._sv_changed)
        self.hue.changed.connect(self._hue_changed)
        self.hex_edit.returnPressed.connect(self._hex_entered)
        self.swatches.picked.connect(self._swatch_picked)
        self.recent.picked.connect(self._swatch_picked)
        load.clicked.connect(self.load_dialog)
        save.clicked.connect(self.save_dialog)
        add.clicked.connect(self.add_current)
        colors.changed.connect(self._sync)
        colors.recent_changed.connect(self._sync_recent)
        self.set_palette(self.palette_data)
        self._sync()

    # -- sync --------------------------------------------------------------------------------------
    def _sync(self) -> None:
        fg = self.colors.fg
        self.pair.set_colors(fg, self.colors.bg)
        c = QColor(*fg)
        h, s, v = c.hsvHueF(), c.hsvSaturationF(), c.valueF()
        if h >= 0 and s > 0 and v > 0:
            self._hue = h
        self.sv.set_hsv(self._hue, s, v)
        self.hue.set_hue(self._hue)
        if not self.hex_edit.hasFocus():
            self.hex_edit.setText(to_hex(fg))

    def _sync_recent(self) -> None:
        self.recent.set_colors([(c, "") for c in self.colors.recent])

    def set_palette(self, pal: Palette, path: str | None = None) -> None:
        self.palette_data = pal
        self.palette_path = path
        self.swatches.set_colors(pal.colors)
        self.palette_label.setText(f"{pal.name} ({len(pal.colors)})")

    # -- user actions ------------------------------------------------------------------------------
    def _set_fg_hsv(self, h: float, s: float, v: float) -> None:
        c = QColor.fromHsvF(h, s, v)
        self._hue = h
        self.colors.set_fg((c.red(), c.green(), c.blue()))

    def _sv_changed(self, s: float, v: float) -> None:
        self._set_fg_hsv(self._hue, s, v)

    def _hue_changed(self, h: float) -> None:
        self._set_fg_hsv(h, self.sv.s, self.sv.v)

    def _hex_entered(self) -> None:
        rgb = from_hex(self.hex_edit.text())
        if rgb is None:
            self.hex_edit.setText(to_hex(self.colors.fg))
            return
        self.colors.set_fg(rgb)

    def _swatch_picked(self, rgb: RGB, background: bool) -> None:
        (self.colors.set_bg if background else self.colors.set_fg)(rgb)

    def _edit_with_dialog(self, background: bool) -> None:
        from PySide6.QtWidgets import QColorDialog

        cur = self.colors.bg if background else self.colors.fg
        title = "Background colour" if background else "Foreground colour"
        c = QColorDialog.getColor(QColor(*cur), self, title)
        if c.isValid():
            rgb = (c.red(), c.green(), c.blue())
            (self.colors.set_bg if background else self.colors.set_fg)(rgb)

    def add_current(self) -> None:
        self.palette_data.colors.append((self.colors.fg, to_hex(self.colors.fg)))
        self.set_palette(self.palette_data, self.palette_path)

    def load_palette(self, path: str) -> bool:
        try:
            pal = read_gpl(path)
        except PaintGANError as exc:
            QMessageBox.warning(self, "Load palette", str(exc))
            return False
        self.set_palette(pal, path)
        return True

    def load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load palette", "", "GIMP palettes (*.gpl);;All (*)")
        if path:
            self.load_palette(path)

    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save palette", self.palette_path or "palette.gpl",
                                              "GIMP palettes (*.gpl)")
        if path:
            try:
                write_gpl(self.palette_data, path)
            except PaintGANError as exc:
                QMessageBox.warning(self, "Save palette", str(exc))
