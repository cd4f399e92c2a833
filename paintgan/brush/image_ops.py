"""Image-level operations as single undo steps: crop to the selection, resize the canvas around an anchor,
scale the image, rotate it by quarter turns, flip it. Qt-free.

Each returns one `MacroCommand` (not yet applied: push it) that changes every paint layer's pixels
(stored like strokes: only the tiles that differ), the selection and the canvas size together. Layers of
other kinds (model results, annotations) follow canvas resizes and crops (they move with the canvas)
but are not resampled by scale/rotate/flip; `skipped` lists them so the caller can say so.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from paintgan.brush.resample import resize
from paintgan.commands.canvas import CropCommand, ResizeCanvasCommand
from paintgan.commands.paint import ReplacePixelsCommand
from paintgan.commands.selection import SetSelectionCommand
from paintgan.commands.stack import Command, MacroCommand
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import GroupLayer, RasterLayer

#: (pixels, document rect) -> (new pixels, new document x, y)
PixelMap = Callable[[np.ndarray, Rect], tuple[np.ndarray, int, int]]


def skipped(doc: Document) -> list[str]:
    """Names of the layers that scale/rotate/flip leave unchanged (not paint layers)."""
    return [la.name for la in doc.layers() if not isinstance(la, (RasterLayer, GroupLayer))]


def _replace(layer: RasterLayer, px: np.ndarray, x: int, y: int, text: str) -> ReplacePixelsCommand:
    locked, layer.locked = layer.locked, False  # an image operation applies to locked layers too
    try:
        return ReplacePixelsCommand(layer, px, x, y, text)
    finally:
        layer.locked = locked


def _map_layers(doc: Document, fn: PixelMap, text: str) -> list[Command]:
    out: list[Command] = []
    for layer in doc.layers():
        if not isinstance(layer, RasterLayer):
            continue
        b = layer.surface.content_bbox()
        if b is None:
            continue
        rect = layer.to_doc(b)
        px, x, y = fn(layer.read(rect), rect)
        out.append(_replace(layer, px, x, y, text))
    return out


def _selection_cmd(doc: Document, fn: PixelMap, bounds: Rect) -> Command | None:
    s = doc.selection
    if s is None:
        return None
    m = s.mask[:, :, None].repeat(4, axis=2)  # run the mask through the same pixel map
    px, x, y = fn(m, s.rect)
    new = sel.from_mask(px[:, :, 0], x, y)
    return SetSelectionCommand(doc, None if new is None else new.clipped(bounds), "Transform selection")


def _macro(text: str, parts: list[Command | None]) -> MacroCommand:
    return MacroCommand(text, [p for p in parts if p is not None])


def crop_to_selection(doc: Document) -> MacroCommand | None:
    """Crop the canvas to the selection's bounding box (None when nothing is selected)."""
    if doc.selection is None:
        return None
    rect = doc.selection.rect.intersected(doc.rect)
    if rect.is_empty():
        return None
    moved = doc.selection.translated(-rect.x, -rect.y)
    return _macro("Crop to selection", [SetSelectionCommand(doc, moved), CropCommand(doc, rect)])


def resize_canvas(doc: Document, width: int, height: int, anchor: tuple[float, float] = (0.5, 0.5)
                  ) -> MacroCommand:
    """New canvas size with the old picture placed by `anchor` ((0, 0) top-left ... (1, 1) bottom-right;
    (0.5, 0.5) centred). Pixels outside stay in the layers (undo is exact)."""
    dx = round((width - doc.width) * anchor[0])
    dy = round((height - doc.height) * anchor[1])
    new_rect = Rect(0, 0, width, height)
    s = doc.selection
    moved = None if s is None else s.translated(dx, dy).clipped(new_rect)
    sel_cmd = SetSelectionCommand(doc, moved) if s is not None else None
    return _macro(f"Canvas size {width}×{height}",
                  [sel_cmd, ResizeCanvasCommand(doc, width, height, dx, dy)])


def scale_image(doc: Document, width: int, height: int, method: str = "area") -> MacroCommand:
    """Scale every paint layer (and the selection) to a `width`×`height` canvas."""
    sx, sy = width / doc.width, height / doc.height

    def fn(px: np.ndarray, r: Rect) -> tuple[np.ndarray, int, int]:
        x0, y0 = round(r.x * sx), round(r.y * sy)
        x1, y1 = round(r.x1 * sx), round(r.y1 * sy)
        return resize(px, max(1, x1 - x0), max(1, y1 - y0), method), x0, y0

    text = f"Scale image to {width}×{height}"
    new_rect = Rect(0, 0, width, height)
    return _macro(text, [*_map_layers(doc, fn, text), _selection_cmd(doc, fn, new_rect),
                         ResizeCanvasCommand(doc, width, height, text=text)])


def rotate_image(doc: Document, quarter_turns: int) -> MacroCommand:
    """Rotate the image by 90° × `quarter_turns` clockwise (1, 2 or 3)."""
    k = quarter_turns % 4
    W, H = doc.width, doc.height

    def fn(px: np.ndarray, r: Rect) -> tuple[np.ndarray, int, int]:
        out = np.ascontiguousarray(np.rot90(px, -k))  # np.rot90 turns counter-clockwise
        if k == 1:
            return out, H - r.y1, r.x
        if k == 2:
            return out, W - r.x1, H - r.y1
        if k == 3:
            return out, r.y, W - r.x1
        return px, r.x, r.y

    nw, nh = (H, W) if k % 2 else (W, H)
    text = {1: "Rotate image 90° clockwise", 2: "Rotate image 180°", 3: "Rotate image 90° counter-clockwise"
            }.get(k, "Rotate image")
    return _macro(text, [*_map_layers(doc, fn, text), _selection_cmd(doc, fn, Rect(0, 0, nw, nh)),
                         ResizeCanvasCommand(doc, nw, nh, text=text) if k % 2 else None])


def flip_image(doc: Document, horizontal: bool = True) -> MacroCommand:
    W, H = doc.width, doc.height

    def fn(px: np.ndarray, r: Rect) -> tuple[np.ndarray, int, int]:
        if horizontal:
            return np.ascontiguousarray(px[:, ::-1]), W - r.x1, r.y
        return np.ascontiguousarray(px[::-1]), r.x, H - r.y1

    text = "Flip image horizontally" if horizontal else "Flip image vertically"
    return _macro(text, [*_map_layers(doc, fn, text), _selection_cmd(doc, fn, doc.rect)])
