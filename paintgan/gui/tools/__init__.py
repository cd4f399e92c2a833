"""Canvas tools: each turns pointer events (document coordinates) into commands."""

from paintgan.gui.tools.base import Tool, ToolContext
from paintgan.gui.tools.brush import BrushTool
from paintgan.gui.tools.fill import FillTool
from paintgan.gui.tools.hint_eraser import HintEraserTool
from paintgan.gui.tools.hint_point import HintEnv, HintPointTool
from paintgan.gui.tools.hint_stroke import HintStrokeTool
from paintgan.gui.tools.picker import PickerTool, pick_color

__all__ = ["BrushTool", "FillTool", "HintEnv", "HintEraserTool", "HintPointTool", "HintStrokeTool",
           "PickerTool", "Tool", "ToolContext", "pick_color"]
