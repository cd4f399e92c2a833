"""Brush and eraser: a StrokeEngine per stroke, one undo step committed at pen-up."""

from __future__ import annotations

from dataclasses import fields

from paintgan.brush.engine import BrushSettings, StrokeEngine
from paintgan.commands.paint import LayerLockedError
from paintgan.gui.tools.base import Tool, ToolContext, paintable_layer

MIN_SIZE = 1.0
MAX_SIZE = 1000.0


class BrushTool(Tool):
    name = "brush"
    label = "Brush"
    shortcut = "B"
    shows_outline = True

    def __init__(self, ctx: ToolContext, eraser: bool = False) -> None:
        super().__init__(ctx)
        self.eraser = eraser
        if eraser:
            self.name, self.label, self.shortcut = "eraser", "Eraser", "E"
            self.settings = BrushSettings(size=24.0, hardness=0.9, eraser=True)
        else:
            self.settings = BrushSettings(size=12.0, hardness=0.8)
        self._engine: StrokeEngine | None = None
        self.last_stroke_dabs = 0

    # -- settings ----------------------------------------------------------------------------------
    def update_settings(self, **kw: object) -> None:
        if "size" in kw:
            kw["size"] = min(MAX_SIZE, max(MIN_SIZE, float(kw["size"])))  # type: ignore[arg-type]
        new = self.settings.with_(**kw)
        if new != self.settings:
            self.settings = new
            self.settings_changed.emit()

    def grow(self, factor: float) -> None:
        self.update_settings(size=round(self.settings.size * factor) if self.settings.size * factor > 3
                             else self.settings.size + (1 if factor > 1 else -1))

    def settings_dict(self) -> dict[str, object]:
        skip = {"color", "eraser"}
        return {f.name: getattr(self.settings, f.name) for f in fields(self.settings) if f.name not in skip}

    def load_settings(self, values: dict[str, object]) -> None:
        known = {f.name: f.type for f in fields(self.settings)}
        kw: dict[str, object] = {}
        for k, v in values.items():
            if k in known and k not in ("color", "eraser"):
                cur = getattr(self.settings, k)
                try:
                    kw[k] = (str(v).lower() in ("1", "true")) if isinstance(cur, bool) else type(cur)(v)
                except (TypeError, ValueError):
                    continue
        if kw:
            self.update_settings(**kw)

    def outline_diameter(self) -> float:
        return self.settings.size

    # -- events ------------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._engine is not None

    def press(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._engine is not None:
            self.cancel()
        layer = paintable_layer(self.ctx)
        if layer is None:
            return
        settings = self.settings.with_(color=self.ctx.colors.fg)
        try:
            self._engine = StrokeEngine(layer, settings)
        except (LayerLockedError, RuntimeError) as exc:
            self.ctx.message(str(exc))
            return
        self._engine.begin(x, y, pressure)

    def move(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._engine is not None:
            self._engine.move_to(x, y, pressure)

    def release(self, x: float, y: float) -> None:
        engine, self._engine = self._engine, None
        if engine is None:
            return
        self.last_stroke_dabs = engine.dabs
        cmd = engine.end()
        if cmd is not None:
            self.ctx.session().stack.push(cmd, done=True)
            if not self.eraser:
                self.ctx.colors.note_used()

    def cancel(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.abort()
