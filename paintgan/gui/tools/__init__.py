"""Canvas tools: each turns pointer events (document coordinates) into commands."""

from paintgan.gui.tools.base import Tool, ToolContext
from paintgan.gui.tools.brush import BrushTool
from paintgan.gui.tools.fill import FillTool
from paintgan.gui.tools.picker import PickerTool, pick_color

__all__ = ["BrushTool", "FillTool", "PickerTool", "Tool", "ToolContext", "pick_color"]
