"""A frozen copy of a document, cheap enough to take on the GUI thread and safe to save on another one.

Autosave must not stall a brush stroke: it takes a snapshot between gestures and writes it on a worker
thread. Copying pixels would cost tens of milliseconds on a large page, so the snapshot shares data
instead of copying it:

- paint layers share their copy-on-write tiles (`TiledSurface.snapshot()` marks them shared, so the next
  dab on the live layer copies the tile first and the snapshot keeps the old one);
- colorize, GANPaint and annotation layers are shallow copies: their commands *replace* the result image,
  the hint lists, the stroke tuple and the shape tuple, never mutate them in place, so sharing the current
  objects is safe; their top-level dicts and lists (label colours, flags) are copied, being small;
- any other layer kind (annotation layers, kinds added later) goes through `export_state()` /
  `layer_from_state()`, which is always correct, only possibly slower.

Layer ids, names, properties, the active layer and the document metadata are kept, so `write_ora` of the
snapshot writes the same file as for the live document.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from paintgan.core.document import Document
from paintgan.core.layers import GroupLayer, Layer, RasterLayer, layer_from_state

Freezer = Callable[[Layer], Layer]
#: Layer kinds whose commands only ever replace their state objects (never mutate them in place).
SHALLOW_COPY_KINDS = frozenset({"colorize", "ganpaint", "annotations"})


def snapshot_document(doc: Document) -> Document:
    """A document equal to `doc` that later edits of `doc` do not change (see the module docstring)."""
    out = Document(doc.width, doc.height)
    out.metadata = json.loads(json.dumps(doc.metadata))  # small; a deep copy that only keeps JSON data
    active: list[Layer] = []
    for child in doc.root.children:
        out.root.insert(len(out.root.children), _freeze(child, doc.active_layer, active))
    out.active_layer = active[0] if active else None
    return out


def _freeze(layer: Layer, active: Layer | None, found: list[Layer]) -> Layer:
    kind = type(layer)
    if kind is RasterLayer:
        assert isinstance(layer, RasterLayer)
        dup: Layer = _freeze_raster(layer)
    elif kind is GroupLayer:
        assert isinstance(layer, GroupLayer)
        group = GroupLayer(layer.name)
        group._apply_common(layer.props())
        for child in layer.children:
            group.insert(len(group.children), _freeze(child, active, found))
        dup = group
    elif layer.kind in SHALLOW_COPY_KINDS:
        dup = copy.copy(layer)
        dup.parent = None
        for key, value in vars(dup).items():
            if isinstance(value, dict | list | set):
                setattr(dup, key, copy.copy(value))  # containers some setters change in place
        hints = getattr(layer, "hints", None)
        if hints is not None:
            dup.hints = copy.copy(hints)  # type: ignore[attr-defined]
    else:
        dup = layer_from_state(layer.export_state())
    dup.id = layer.id
    dup.name = layer.name
    if layer is active:
        found.append(dup)
    return dup


def _freeze_raster(layer: RasterLayer) -> RasterLayer:
    dup = RasterLayer(layer.name)
    dup._apply_common(layer.props())
    dup.surface.restore(layer.surface.snapshot())
    dup.x, dup.y = layer.x, layer.y
    return dup
