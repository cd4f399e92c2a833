"""Qt-free undoable commands and the single document history."""

from paintgan.commands.canvas import CropCommand, ResizeCanvasCommand
from paintgan.commands.layers import (
    AddLayerCommand,
    DuplicateLayerCommand,
    MergeDownCommand,
    MoveLayerCommand,
    RemoveLayerCommand,
    SetLayerPropertiesCommand,
)
from paintgan.commands.paint import PaintCommand, PaintTransaction, ReplacePixelsCommand
from paintgan.commands.stack import CallbackCommand, Command, CommandStack, MacroCommand

__all__ = [
    "AddLayerCommand", "CallbackCommand", "Command", "CommandStack", "CropCommand", "DuplicateLayerCommand",
    "MacroCommand", "MergeDownCommand", "MoveLayerCommand", "PaintCommand", "PaintTransaction",
    "RemoveLayerCommand", "ReplacePixelsCommand", "ResizeCanvasCommand", "SetLayerPropertiesCommand",
]
