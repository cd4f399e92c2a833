"""Undoable commands on a colorize layer's hints and settings, applying its result, and creating the
colorize layer stack. Each is one history step; every change goes through `ColorizeLayer.set_hints()` /
`set_settings()`, which mark the layer stale and emit a "hints" change event (undo included), so the cached
colours are recomputed from the document after undo and are never a history entry themselves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from paintgan.commands.layers import AddLayerCommand, RemoveLayerCommand, SetLayerPropertiesCommand
from paintgan.commands.stack import Command, CommandStack, MacroCommand
from paintgan.commands.texts import colorize_settings_text
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Document
from paintgan.core.hints import RGB, Hints, PointHint, StrokeHint
from paintgan.core.layers import Layer, RasterLayer

__all__ = [
    "AddHint", "AddStroke", "ApplyColorizeResult", "ClearHints", "CreateColorizeStack", "DeleteHint",
    "MoveHint", "RecolorHint", "SetColorizeSettings", "create_colorize_stack",
]


class _HintsEdit(Command):
    """Stores the hint set before and after (hint sets are small); redo/undo swap them in."""

    def __init__(self, layer: ColorizeLayer, after: Hints, text: str) -> None:
        self.layer = layer
        self.before = layer.hints.copy()
        self.after = after
        self.text = text

    def redo(self) -> None:
        self.layer.set_hints(self.after)

    def undo(self) -> None:
        self.layer.set_hints(self.before)

    def nbytes(self) -> int:
        return 64 * (len(self.before) + len(self.after)) + 256


def _check_index(items: list[Any], index: int, what: str) -> int:
    if not -len(items) <= index < len(items):
        raise IndexError(f"no {what} {index} (the layer has {len(items)})")
    return index % len(items)


class AddHint(_HintsEdit):
    def __init__(self, layer: ColorizeLayer, x: float, y: float, rgb: RGB, radius: float = 2.0) -> None:
        h = layer.hints.copy()
        h.points = [*h.points, PointHint(float(x), float(y), tuple(int(c) for c in rgb), float(radius))]
        super().__init__(layer, h, "Add colour hint")


class MoveHint(_HintsEdit):
    """Move point hint `index` to (x, y). Moves of the same hint within one gesture (`new_gesture()`, taken
    at mouse press) coalesce, so a drag is one step."""

    def __init__(self, layer: ColorizeLayer, index: int, x: float, y: float, *,
                 gesture: int | None = None) -> None:
        h = layer.hints.copy()
        i = _check_index(h.points, index, "hint")
        h.points[i] = replace(h.points[i], x=float(x), y=float(y))
        super().__init__(layer, h, "Move colour hint")
        self.index = i
        self.merge_key = None if gesture is None else ("move-hint", layer.id, i, gesture)

    def merge(self, newer: Command) -> bool:
        if not isinstance(newer, MoveHint) or newer.layer is not self.layer or newer.index != self.index:
            return False
        self.after = newer.after
        return True


class RecolorHint(_HintsEdit):
    """Recolour point hint `index` (or stroke `index` with `stroke=True`)."""

    def __init__(self, layer: ColorizeLayer, index: int, rgb: RGB, *, stroke: bool = False) -> None:
        h = layer.hints.copy()
        c = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        if stroke:
            i = _check_index(h.strokes, index, "stroke")
            h.strokes[i] = replace(h.strokes[i], rgb=c)
        else:
            i = _check_index(h.points, index, "hint")
            h.points[i] = replace(h.points[i], rgb=c)
        super().__init__(layer, h, "Recolour colour hint")


class DeleteHint(_HintsEdit):
    def __init__(self, layer: ColorizeLayer, index: int, *, stroke: bool = False) -> None:
        h = layer.hints.copy()
        if stroke:
            i = _check_index(h.strokes, index, "stroke")
            h.strokes = h.strokes[:i] + h.strokes[i + 1:]
        else:
            i = _check_index(h.points, index, "hint")
            h.points = h.points[:i] + h.points[i + 1:]
        super().__init__(layer, h, "Delete colour hint")


class AddStroke(_HintsEdit):
    def __init__(self, layer: ColorizeLayer, points: list[tuple[float, float]], rgb: RGB,
                 width: float = 4.0) -> None:
        if not points:
            raise ValueError("a stroke needs at least one point")
        h = layer.hints.copy()
        h.strokes = [*h.strokes, StrokeHint(tuple((float(x), float(y)) for x, y in points),
                                            (int(rgb[0]), int(rgb[1]), int(rgb[2])), float(width))]
        super().__init__(layer, h, "Add colour stroke")


class ClearHints(_HintsEdit):
    def __init__(self, layer: ColorizeLayer, *, keep_palette: bool = True) -> None:
        after = Hints(palette=list(layer.hints.palette) if keep_palette else [],
                      image_size=layer.hints.image_size)
        super().__init__(layer, after, "Clear colour hints")


class SetHints(_HintsEdit):
    """Replace the whole hint set (e.g. hints loaded from a JSON file, or a palette change)."""

    def __init__(self, layer: ColorizeLayer, hints: Hints, text: str = "Set colour hints") -> None:
        super().__init__(layer, hints.copy(), text)


class SetColorizeSettings(Command):
    """Change input kind, model, mode, gap radius, fill_unhinted and/or palette. Consecutive changes of
    the same settings within one gesture (`new_gesture()`) coalesce (a gap-radius slider drag is one step)."""

    def __init__(self, layer: ColorizeLayer, *, palette: list[RGB] | None = None, gesture: int | None = None,
                 **settings: Any) -> None:
        probe = ColorizeLayer()
        probe._apply_settings(settings)  # validate now, before the stack runs redo()
        self.layer = layer
        self.new = {k: getattr(probe, k) for k in settings}
        self.old = {k: getattr(layer, k) for k in settings}
        self.palette_new = None if palette is None else [tuple(int(c) for c in rgb) for rgb in palette]
        self.palette_old = list(layer.hints.palette)
        keys = tuple(sorted(settings)) + (("palette",) if palette is not None else ())
        self.merge_key = None if gesture is None else ("colorize-settings", layer.id, keys, gesture)

    @property  # type: ignore[override]
    def text(self) -> str:  # words, from the values set (a coalesced drag names its final value)
        return colorize_settings_text(self.new, self.palette_new is not None)

    def _apply(self, values: dict[str, Any], palette: list[Any] | None) -> None:
        if palette is not None:
            h = self.layer.hints.copy()
            h.palette = list(palette)
            self.layer.hints = h
        self.layer.set_settings(**values)

    def redo(self) -> None:
        self._apply(self.new, self.palette_new)

    def undo(self) -> None:
        self._apply(self.old, self.palette_old if self.palette_new is not None else None)

    def merge(self, newer: Command) -> bool:
        if not isinstance(newer, SetColorizeSettings) or newer.layer is not self.layer:
            return False
        self.new = dict(newer.new)
        self.palette_new = newer.palette_new
        return True


class ApplyColorizeResult(MacroCommand):
    """Turn the colorize layer's cached result into an ordinary paint layer ("Flats" in flat mode,
    "Color" in neural mode) at the colorize layer's place. With `keep_layer` the colorize layer stays
    (hidden) below the new layer; otherwise it is removed. Undo restores the colorize layer."""

    def __init__(self, doc: Document, layer: ColorizeLayer, name: str | None = None,
                 keep_layer: bool = False) -> None:
        if layer.result is None:
            raise ValueError("the colorize layer has no result to apply yet")
        if layer.parent is None:
            raise ValueError("the colorize layer is not in the document")
        name = name or ("Flats" if layer.mode == "flat" else "Color")
        raster = RasterLayer.from_pixels(name, np.ascontiguousarray(layer.result),
                                         opacity=layer.opacity, blend_mode=layer.blend_mode)
        parent, index = layer.parent, layer.index_in_parent()
        children: list[Command] = [AddLayerCommand(doc, raster, parent, index + 1)]
        if keep_layer:
            children.append(SetLayerPropertiesCommand(doc, layer, visible=False))
        else:
            children.append(RemoveLayerCommand(doc, layer))
        super().__init__(f"Apply colorize result as “{name}”", children)
        self.raster = raster

    def redo(self) -> None:
        super().redo()
        doc = self.raster.document
        if doc is not None:
            doc.set_active(self.raster)


class CreateColorizeStack(MacroCommand):
    """Line art on top (Multiply), a colorize layer attached to it just below, optionally a white
    "Paper" layer at the bottom. `.layer` is the new colorize layer (made active)."""

    def __init__(self, doc: Document, source: Layer, *, paper: bool = True, **settings: Any) -> None:
        parent = source.parent
        if parent is None:
            raise ValueError(f"{source!r} is not in the document")
        index = source.index_in_parent()
        col = ColorizeLayer(f"{source.name} colours", **settings)
        col.attach(source)
        children: list[Command] = []
        if paper:
            white = np.broadcast_to(np.array([255, 255, 255, 255], np.uint8), (doc.height, doc.width, 4))
            children.append(AddLayerCommand(doc, RasterLayer.from_pixels("Paper", white), parent, index))
            index += 1
        children.append(AddLayerCommand(doc, col, parent, index))
        if source.blend_mode != "multiply":
            children.append(SetLayerPropertiesCommand(doc, source, blend_mode="multiply"))
        super().__init__("Colorize", children)
        self.layer = col


def create_colorize_stack(doc: Document, source: Layer, stack: CommandStack | None = None, *,
                          paper: bool = True, **settings: Any) -> ColorizeLayer:
    """Build the colorize stack for `source` (pushed onto `stack` when given, else executed directly)
    and return the new colorize layer."""
    cmd = CreateColorizeStack(doc, source, paper=paper, **settings)
    if stack is not None:
        stack.push(cmd)
    else:
        cmd.redo()
    return cmd.layer
