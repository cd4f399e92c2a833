"""Magic wand: select by colour (tolerance, contiguous or not) or the region enclosed by line art (with
the bucket fill's gap closing), sampling the current layer or all layers."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QSpinBox, QWidget

from paintgan.brush.select import wand_by_color, wand_by_lineart
from paintgan.core.layers import RasterLayer
from paintgan.gui.tools.select_base import MODS_HELP, SelectionTool


class WandSelectTool(SelectionTool):
    name = "select_wand"
    label = "Magic wand"
    shortcut = "U"
    what = "similar colours"

    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)
        self.by = "color"  # or "lineart"
        self.tolerance = 32
        self.contiguous = True
        self.sample_merged = True
        self.gap = 2

    # -- settings ----------------------------------------------------------------------------------
    def update_settings(self, **kw: object) -> None:
        for k, v in kw.items():
            setattr(self, k, v)
        self.settings_changed.emit()

    def settings_dict(self) -> dict[str, object]:
        return {"by": self.by, "tolerance": self.tolerance, "contiguous": self.contiguous,
                "sample_merged": self.sample_merged, "gap": self.gap}

    def load_settings(self, values: dict[str, object]) -> None:
        def flag(v: object) -> bool:
            return str(v).lower() in ("1", "true")
        try:
            if values.get("by") in ("color", "lineart"):
                self.by = str(values["by"])
            self.tolerance = int(values.get("tolerance", self.tolerance))  # type: ignore[call-overload]
            self.gap = int(values.get("gap", self.gap))  # type: ignore[call-overload]
            self.contiguous = flag(values.get("contiguous", self.contiguous))
            self.sample_merged = flag(values.get("sample_merged", self.sample_merged))
        except (TypeError, ValueError):
            pass

    # -- the image sampled -------------------------------------------------------------------------
    def sample(self) -> np.ndarray | None:
        doc = self.ctx.session().doc
        if self.sample_merged:
            return doc.composite()
        layer = doc.active_layer
        if isinstance(layer, RasterLayer) or getattr(layer, "has_u8_pixels", False):
            px = layer.read_u8(doc.rect) if layer is not None else None
            return px if px is not None else np.zeros((doc.height, doc.width, 4), np.uint8)
        self.ctx.message("The magic wand samples a paint layer: choose one or sample all layers")
        return None

    # -- events ------------------------------------------------------------------------------------
    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        self.begin_mode()
        doc = self.ctx.session().doc
        ix, iy = int(x // 1), int(y // 1)
        if not doc.rect.contains_point(ix, iy):
            return
        image = self.sample()
        if image is None:
            return
        if self.by == "lineart":
            self.what = "line-art region"
            shape = wand_by_lineart(image, ix, iy, self.gap)
            if shape is None:
                self.ctx.message("Clicked on a line: click inside an area enclosed by lines")
                return
        else:
            self.what = "similar colours"
            shape = wand_by_color(image, ix, iy, self.tolerance, self.contiguous)
        self.commit(shape)

    def options_widget(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(6, 6, 6, 6)
        by = QComboBox()
        by.addItem("Colour", "color")
        by.addItem("Line art (enclosed region)", "lineart")
        by.setCurrentIndex(0 if self.by == "color" else 1)
        by.currentIndexChanged.connect(lambda _i: self.update_settings(by=by.currentData()))
        tol = QSpinBox()
        tol.setRange(0, 255)
        tol.setValue(self.tolerance)
        tol.valueChanged.connect(lambda v: self.update_settings(tolerance=v))
        gap = QSpinBox()
        gap.setRange(0, 32)
        gap.setSuffix(" px")
        gap.setValue(self.gap)
        gap.setToolTip("Line art: close gaps in the lines up to about twice this width")
        gap.valueChanged.connect(lambda v: self.update_settings(gap=v))
        contiguous = QCheckBox("Contiguous")
        contiguous.setChecked(self.contiguous)
        contiguous.toggled.connect(lambda on: self.update_settings(contiguous=on))
        merged = QCheckBox("Sample all layers")
        merged.setChecked(self.sample_merged)
        merged.toggled.connect(lambda on: self.update_settings(sample_merged=on))
        form.addRow("Select by", by)
        form.addRow("Tolerance", tol)
        form.addRow("Close gaps", gap)
        form.addRow(contiguous)
        form.addRow(merged)
        help_ = QLabel(MODS_HELP)
        help_.setWordWrap(True)
        form.addRow(help_)
        page.by, page.tolerance, page.gap = by, tol, gap  # type: ignore[attr-defined]
        return page
