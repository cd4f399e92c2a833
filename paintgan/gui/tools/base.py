"""Tool base class and the context tools work in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from paintgan.core.layers import Layer, RasterLayer

if TYPE_CHECKING:
    from paintgan.gui.colors import ColorState
    from paintgan.gui.session import DocumentSession


@dataclass
class ToolContext:
    """What a tool may use: the current session (looked up at each event), colours, a status message."""

    session: Callable[[], DocumentSession]
    colors: ColorState
    message: Callable[[str], None]


def paintable_layer(ctx: ToolContext) -> RasterLayer | None:
    """The active layer if it can be painted on; otherwise say why in the status bar and return None."""
    layer: Layer | None = ctx.session().doc.active_layer
    if layer is None:
        ctx.message("No layer selected: add a layer first")
        return None
    if not isinstance(layer, RasterLayer) or not getattr(layer, "paintable", True):
        ctx.message(f"“{layer.name}” is not a paint layer")
        return None
    if layer.locked:
        ctx.message(f"“{layer.name}” is locked: unlock it in the Layers panel to paint")
        return None
    if not layer.ancestors_visible():
        ctx.message(f"“{layer.name}” is hidden: show it to paint")
        return None
    return layer


class Tool(QObject):
    """Pointer events in document coordinates. `settings_changed` tells the options panel and canvas."""

    settings_changed = Signal()
    name = "tool"
    label = "Tool"
    shortcut = ""
    shows_outline = False  # the canvas draws the brush circle
    takes_alt = False  # Alt+click goes to the tool (selection: subtract) instead of picking a colour
    #: the keyboard modifiers of the last press (the canvas sets them before calling `press`)
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier

    def __init__(self, ctx: ToolContext) -> None:
        super().__init__()
        self.ctx = ctx

    def outline_diameter(self) -> float:
        return 0.0

    def press(self, x: float, y: float, pressure: float = 1.0) -> None: ...

    def move(self, x: float, y: float, pressure: float = 1.0) -> None: ...

    def release(self, x: float, y: float) -> None: ...

    def cancel(self) -> None:
        """Escape / focus loss: abandon the operation in progress."""

    @property
    def active(self) -> bool:
        """Whether an operation (a stroke) is in progress."""
        return False
