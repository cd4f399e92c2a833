"""Qt-free halves of cut / copy / paste: what a copy takes from a layer or the merged image, the command
that clears the selected pixels (cut, Edit ▸ Clear) and the command that fills them.

A copy is the layer's straight RGBA pixels inside the selection's bounding box (or the layer's content
when nothing is selected) with alpha multiplied by the selection's coverage, so a feathered selection
copies soft edges; its document position travels with it so a paste lands where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintgan.commands.paint import PaintCommand, PaintTransaction
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from paintgan.core.selection import Selection


@dataclass(frozen=True)
class Clip:
    """Straight RGBA uint8 pixels and the document position they were copied from."""

    pixels: np.ndarray
    x: int = 0
    y: int = 0

    @property
    def rect(self) -> Rect:
        return Rect(self.x, self.y, self.pixels.shape[1], self.pixels.shape[0])


def _masked(px: np.ndarray, selection: Selection | None, rect: Rect) -> np.ndarray:
    if selection is not None:
        cov = selection.read(rect).astype(np.uint16)
        px[:, :, 3] = (px[:, :, 3].astype(np.uint16) * cov + 127) // 255
        px[px[:, :, 3] == 0] = 0
    return px


def _area(doc: Document, content: Rect | None) -> Rect | None:
    sel = doc.selection
    area = sel.rect if sel is not None else content
    if area is None:
        return None
    area = area.intersected(doc.rect)
    return None if area.is_empty() else area


def copy_layer(doc: Document, layer: RasterLayer) -> Clip | None:
    """The selected pixels of `layer` (all of its content on the canvas when nothing is selected)."""
    tiles = layer.bounds()  # tile granularity: cheap; trimmed to the pixels below
    area = _area(doc, tiles)
    if area is None:
        return None
    px = _masked(layer.read(area), doc.selection, area)
    if doc.selection is None:  # trim the transparent margin of the tiles
        alpha = px[:, :, 3]
        rows = np.flatnonzero(alpha.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(alpha.any(axis=0))
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        if (r0, c0, r1, c1) != (0, 0, *alpha.shape):
            px = np.ascontiguousarray(px[r0:r1, c0:c1])
        return Clip(px, area.x + c0, area.y + r0)
    return Clip(px, area.x, area.y)


def copy_merged(doc: Document) -> Clip | None:
    """The selected pixels of the visible image (the whole canvas when nothing is selected)."""
    area = _area(doc, doc.rect)
    if area is None:
        return None
    return Clip(_masked(doc.composite(area), doc.selection, area), area.x, area.y)


def clear_selected(doc: Document, layer: RasterLayer, text: str = "Clear") -> PaintCommand | None:
    """Erase the selected pixels of `layer` (everything when nothing is selected); the command is already
    applied: push it with `done=True`."""
    area = _area(doc, None if layer.bounds() is None else layer.bounds())
    if area is None:
        return None
    tx = PaintTransaction(layer, text)
    px = layer.read(area)
    if doc.selection is None:
        px[:] = 0
    else:
        keep = 255 - doc.selection.read(area).astype(np.uint16)
        px[:, :, 3] = (px[:, :, 3].astype(np.uint16) * keep + 127) // 255
    layer.surface.write(area.x - layer.x, area.y - layer.y, px)
    tx.touch(area)
    return tx.commit()


def fill_selected(doc: Document, layer: RasterLayer, rgb: tuple[int, int, int], text: str = "Fill selection"
                  ) -> PaintCommand | None:
    """Source-over `rgb` on the selected pixels (the whole canvas when nothing is selected), coverage as
    alpha; already applied (push with `done=True`)."""
    area = _area(doc, doc.rect)
    if area is None:
        return None
    tx = PaintTransaction(layer, text)
    px = layer.read(area).astype(np.float32)
    a = (doc.selection.coverage(area) if doc.selection is not None
         else np.ones((area.h, area.w), np.float32))
    da = px[:, :, 3] / 255.0
    oa = a + da * (1.0 - a)
    safe = np.where(oa > 1e-6, oa, 1.0)
    px[:, :, :3] = (np.float32(rgb) * a[..., None] + px[:, :, :3] * (da * (1.0 - a))[..., None]) \
        / safe[..., None]
    px[:, :, 3] = oa * 255.0
    layer.surface.write(area.x - layer.x, area.y - layer.y, np.clip(px + 0.5, 0, 255).astype(np.uint8))
    tx.touch(area)
    return tx.commit()
