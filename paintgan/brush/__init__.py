"""Qt-free painting tools: the dab engine, flood fill, palettes."""

from paintgan.brush.engine import BrushSettings, StrokeEngine, paint_stroke

__all__ = ["BrushSettings", "StrokeEngine", "paint_stroke"]
