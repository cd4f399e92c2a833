"""Point colour hints on the colorize layer: click to add one with the foreground colour, drag a hint to
move it (one undo step per drag), right-click or Delete removes it, [ ] or Shift+wheel sets the hint size,
Alt+click picks the colour of the colorize result under the cursor. Each change is one command."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from paintgan.commands.hints import AddHint, DeleteHint, MoveHint
from paintgan.commands.stack import new_gesture
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.gui.tools.base import Tool, ToolContext

if TYPE_CHECKING:
    from paintgan.gui.colorize.controller import ColorizeController
    from paintgan.gui.colorize.overlay import HintOverlay

PICK_PIXELS = 8.0  # screen pixels within which a click grabs a hint
MIN_SIZE, MAX_SIZE = 1.0, 200.0


@dataclass
class HintEnv:
    overlay: HintOverlay
    controller: ColorizeController
    zoom: Callable[[], float]


class HintTool(Tool):
    """Common parts: the target colorize layer, size, result colour picking, the overlay."""

    shows_outline = True

    def __init__(self, ctx: ToolContext, env: HintEnv) -> None:
        super().__init__(ctx)
        self.env = env
        self.size = 3.0

    def layer(self, quiet: bool = False) -> ColorizeLayer | None:
        layer = self.env.overlay.layer()
        if layer is None and not quiet:
            self.ctx.message("No colorize layer: use Layer ▸ Colorize… first")
        return layer

    def outline_diameter(self) -> float:
        return 2.0 * self.size

    def set_size(self, size: float) -> None:
        size = min(MAX_SIZE, max(MIN_SIZE, float(size)))
        if size != self.size:
            self.size = size
            self.settings_changed.emit()
            self.ctx.message(f"{self.label} size {self.size:.0f} px")

    def grow(self, factor: float) -> None:
        grown = self.size * factor
        self.set_size(round(grown) if grown > 3 else self.size + (1 if factor > 1 else -1))

    def settings_dict(self) -> dict[str, object]:
        return {"size": self.size}

    def load_settings(self, values: dict[str, object]) -> None:
        with contextlib.suppress(TypeError, ValueError):
            self.size = min(MAX_SIZE, max(MIN_SIZE, float(values.get("size", self.size))))  # type: ignore[arg-type]

    def _pick_radius(self) -> float:
        return PICK_PIXELS / max(self.env.zoom(), 1e-6)

    def hit(self, layer: ColorizeLayer, x: float, y: float) -> int | None:
        """Index of the topmost point hint under (x, y), or None."""
        best, best_d = None, math.inf
        for i, h in enumerate(layer.hints.points):
            d = math.hypot(h.x - x, h.y - y)
            if d <= max(h.radius, self._pick_radius()) and d <= best_d:
                best, best_d = i, d
        return best

    # -- canvas hooks (called by CanvasWidget when present) ----------------------------------------
    def alt_pick(self, x: float, y: float) -> bool:
        """Alt+click: the colour of the colorize result under the cursor."""
        layer = self.layer(quiet=True)
        if layer is None or layer.result is None:
            return False
        ix, iy = int(x // 1), int(y // 1)
        h, w = layer.result.shape[:2]
        if not (0 <= ix < w and 0 <= iy < h):
            return False
        r, g, b, a = (int(v) for v in layer.result[iy, ix])
        if a == 0:
            return False
        self.ctx.colors.set_fg((r, g, b))
        return True

    def wheel(self, steps: int, modifiers: Qt.KeyboardModifier) -> bool:
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.grow(1.25 if steps > 0 else 0.8)
            return True
        return False

    def context_press(self, x: float, y: float) -> bool:
        return False

    def key_press(self, key: int) -> bool:
        return False


class HintPointTool(HintTool):
    name = "hint_point"
    label = "Colour hint"
    shortcut = "H"

    def __init__(self, ctx: ToolContext, env: HintEnv) -> None:
        super().__init__(ctx, env)
        self._drag: tuple[ColorizeLayer, int] | None = None
        self._gesture: int | None = None
        self._moved = False

    @property
    def active(self) -> bool:
        return self._drag is not None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        layer = self.layer()
        if layer is None:
            return
        stack = self.ctx.session().stack
        i = self.hit(layer, x, y)
        if i is None:
            if not self.ctx.session().doc.rect.contains_point(x, y):
                return
            stack.push(AddHint(layer, x, y, self.ctx.colors.fg, radius=self.size))
            self.ctx.colors.note_used()
            i = len(layer.hints.points) - 1
            self._drag = None
        else:
            self._drag = (layer, i)
            self._gesture = new_gesture()  # the moves of this drag are one history entry
            self._moved = False
        self.env.overlay.select(layer, i)
        self.env.controller.set_suggest_point(layer, x, y)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._drag is None:
            return
        layer, i = self._drag
        if i >= len(layer.hints.points):
            self._drag = None
            return
        self.ctx.session().stack.push(MoveHint(layer, i, x, y, gesture=self._gesture))
        self._moved = True

    def release(self, x: float, y: float) -> None:
        drag, self._drag = self._drag, None
        if drag is not None and self._moved:
            layer, _i = drag
            self.env.controller.set_suggest_point(layer, x, y)

    def cancel(self) -> None:
        self._drag = None

    def context_press(self, x: float, y: float) -> bool:
        layer = self.layer(quiet=True)
        if layer is None:
            return False
        i = self.hit(layer, x, y)
        if i is not None:
            self.delete(layer, i)
        return True

    def delete(self, layer: ColorizeLayer, i: int) -> None:
        self.ctx.session().stack.push(DeleteHint(layer, i))
        self.env.overlay.select(None, None)

    def key_press(self, key: int) -> bool:
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            layer = self.layer(quiet=True)
            i = self.env.overlay.selected_index(layer)
            if layer is not None and i is not None:
                self.delete(layer, i)
                return True
        return False
