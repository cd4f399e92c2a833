"""Tool options panel: the settings of the current tool (brush/eraser, fill, picker)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from paintgan.gui.tools.base import Tool
from paintgan.gui.tools.brush import MAX_SIZE, BrushTool
from paintgan.gui.tools.fill import FillTool


class SliderSpin(QWidget):
    """A slider with a spin box showing the same integer value."""

    def __init__(self, lo: int, hi: int, value: int, on_change: Callable[[int], None], suffix: str = ""
                 ) -> None:
        super().__init__()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(lo, hi)
        self.spin = QSpinBox()
        self.spin.setRange(lo, hi)
        self.spin.setSuffix(suffix)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.set_value(value)
        self.slider.valueChanged.connect(self.spin.setValue)
        self.spin.valueChanged.connect(self.slider.setValue)
        self.spin.valueChanged.connect(on_change)

    def set_value(self, v: int) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
            w.setValue(int(v))
            w.blockSignals(False)

    def value(self) -> int:
        return self.spin.value()


class BrushOptions(QWidget):
    def __init__(self, tool: BrushTool) -> None:
        super().__init__()
        self.tool = tool
        s = tool.settings
        def percent(key: str, lo: int = 1, hi: int = 100) -> SliderSpin:
            return SliderSpin(lo, hi, round(getattr(s, key) * 100),
                              lambda v: tool.update_settings(**{key: v / 100}), " %")

        self.size = SliderSpin(1, int(MAX_SIZE), round(s.size), lambda v: tool.update_settings(size=v), " px")
        self.hardness = percent("hardness", 0)
        self.opacity = percent("opacity")
        self.flow = percent("flow")
        self.spacing = percent("spacing", 2, 200)
        self.p_size = QCheckBox("Pressure → size")
        self.p_opacity = QCheckBox("Pressure → opacity")
        self.p_size.toggled.connect(lambda on: tool.update_settings(pressure_size=on))
        self.p_opacity.toggled.connect(lambda on: tool.update_settings(pressure_opacity=on))
        form = QFormLayout(self)
        form.setContentsMargins(6, 6, 6, 6)
        form.addRow("Size", self.size)
        form.addRow("Hardness", self.hardness)
        form.addRow("Opacity", self.opacity)
        form.addRow("Flow", self.flow)
        form.addRow("Spacing", self.spacing)
        form.addRow(self.p_size)
        form.addRow(self.p_opacity)
        tool.settings_changed.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        s = self.tool.settings
        self.size.set_value(round(s.size))
        self.hardness.set_value(round(s.hardness * 100))
        self.opacity.set_value(round(s.opacity * 100))
        self.flow.set_value(round(s.flow * 100))
        self.spacing.set_value(round(s.spacing * 100))
        for box, on in ((self.p_size, s.pressure_size), (self.p_opacity, s.pressure_opacity)):
            box.blockSignals(True)
            box.setChecked(on)
            box.blockSignals(False)


class FillOptions(QWidget):
    def __init__(self, tool: FillTool) -> None:
        super().__init__()
        self.tool = tool
        self.tolerance = SliderSpin(0, 255, tool.tolerance, lambda v: tool.update_settings(tolerance=v))
        self.gap = SliderSpin(0, 32, tool.gap, lambda v: tool.update_settings(gap=v), " px")
        self.gap.setToolTip("Close gaps in line art up to about twice this width")
        self.opacity = SliderSpin(1, 100, round(tool.opacity * 100),
                                  lambda v: tool.update_settings(opacity=v / 100), " %")
        self.merged = QCheckBox("Sample all layers")
        self.merged.setChecked(tool.sample_merged)
        self.merged.toggled.connect(lambda on: tool.update_settings(sample_merged=on))
        form = QFormLayout(self)
        form.setContentsMargins(6, 6, 6, 6)
        form.addRow("Tolerance", self.tolerance)
        form.addRow("Close gaps", self.gap)
        form.addRow("Opacity", self.opacity)
        form.addRow(self.merged)


class ToolOptionsPanel(QWidget):
    def __init__(self, tools: list[Tool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold")
        self.stack = QStackedWidget()
        self._pages: dict[str, QWidget] = {}
        for tool in tools:
            if isinstance(tool, BrushTool):
                page: QWidget = BrushOptions(tool)
            elif isinstance(tool, FillTool):
                page = FillOptions(tool)
            elif hasattr(tool, "options_widget"):  # tools that build their own options (selection...)
                page = tool.options_widget()
            else:
                page = QLabel("Click on the canvas to pick a colour.\nAlt+click picks with any tool.")
                page.setWordWrap(True)
                page.setAlignment(Qt.AlignmentFlag.AlignTop)
            self._pages[tool.name] = page
            self.stack.addWidget(page)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.stack)
        lay.addStretch(1)

    def set_help(self, tool_name: str, text: str) -> None:
        """Set the text shown for a tool that has no options of its own (hint tools, the GAN brush...)."""
        page = self._pages.get(tool_name)
        if isinstance(page, QLabel):
            page.setText(text)

    def show_tool(self, tool: Tool) -> None:
        self.title.setText(tool.label)
        self.stack.setCurrentWidget(self._pages[tool.name])
