"""Undoable commands of GANPaint scenes: add an edit stroke (one step per pen-down..pen-up), pick a seed,
reset the edits, and send the rendered scene to a painting document as a new paint layer.

Every scene change swaps the layer's (seed, strokes) through `GanPaintLayer.set_scene()`, which marks it
stale and emits a "hints" change, so the image is recomputed from the document after undo (the GUI keeps
recent results in a cache, so undo shows the earlier image at once); rendered images are never history.
Strokes are immutable and shared between the before and after states, so a step costs only its own mask.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paintgan.commands.layers import AddLayerCommand
from paintgan.commands.stack import Command
from paintgan.core.document import Document
from paintgan.core.ganpaint_layer import GanPaintLayer, GanStroke
from paintgan.core.layers import GroupLayer, RasterLayer

__all__ = ["AddGanStroke", "CreateGanPaintDocument", "ResetGanEdits", "SendToLayer", "SetGanScene",
           "SetGanSeed"]


class SetGanScene(Command):
    """Replace the scene's seed and strokes (before/after are kept; both share the stroke objects)."""

    def __init__(self, layer: GanPaintLayer, seed: int, strokes: Sequence[GanStroke], text: str) -> None:
        self.layer = layer
        self.before = layer.scene()
        self.after = (int(seed), tuple(strokes))
        self.text = text

    def redo(self) -> None:
        self.layer.set_scene(*self.after)

    def undo(self) -> None:
        self.layer.set_scene(*self.before)

    def nbytes(self) -> int:
        new = {id(s): s for s in self.after[1]}.keys() - {id(s) for s in self.before[1]}
        per = {id(s): int(s.mask.nbytes) for s in self.after[1]}
        return 256 + sum(per[i] for i in new)


class AddGanStroke(SetGanScene):
    """Append one GAN edit stroke (one history step per stroke)."""

    def __init__(self, layer: GanPaintLayer, stroke: GanStroke) -> None:
        if stroke.mask.shape != layer.image_size:
            raise ValueError(f"stroke mask is {stroke.mask.shape}, the scene's images are {layer.image_size}")
        super().__init__(layer, layer.seed, (*layer.strokes, stroke), f"GAN {stroke.describe()}")
        self.stroke = stroke


class SetGanSeed(SetGanScene):
    """Pick another scene (seed). Its edits are cleared unless `keep_edits` (undo brings them back)."""

    def __init__(self, layer: GanPaintLayer, seed: int, *, keep_edits: bool = False) -> None:
        super().__init__(layer, seed, layer.strokes if keep_edits else (), f"GAN scene: seed {int(seed)}")


class ResetGanEdits(SetGanScene):
    """Remove every edit stroke of the scene (the seed stays)."""

    def __init__(self, layer: GanPaintLayer) -> None:
        super().__init__(layer, layer.seed, (), "GAN reset edits")


class SendToLayer(AddLayerCommand):
    """Put `pixels` (RGB or RGBA uint8) into `doc` as a new paint layer named `name`, centred on the page
    (on top of the active layer's group). Undo removes it."""

    def __init__(self, doc: Document, pixels: np.ndarray, name: str = "GANPaint",
                 parent: GroupLayer | None = None, index: int | None = None) -> None:
        px = np.ascontiguousarray(pixels)
        h, w = px.shape[:2]
        x, y = (doc.width - w) // 2, (doc.height - h) // 2
        layer = RasterLayer.from_pixels(name, px, x, y)
        super().__init__(doc, layer, parent, index, text=f"Send “{name}” to layer")


class CreateGanPaintDocument:
    """Not a command: a new document for a GANPaint scene (the model image times an integer factor) with
    one GANPaint layer, made active. `.doc`, `.layer`."""

    def __init__(self, image_size: tuple[int, int], *, model: str = "ganpaint", seed: int = 0,
                 factor: int | None = None) -> None:
        from paintgan.core.ganpaint_layer import display_factor

        f = factor or display_factor(image_size)
        h, w = image_size
        self.doc = Document(w * f, h * f)
        self.layer = GanPaintLayer("GANPaint scene", model=model, seed=seed, image_size=image_size)
        self.doc.root.insert(0, self.layer)
        self.doc.active_layer = self.layer
        self.factor = f
