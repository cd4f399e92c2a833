"""Qt-free document model: layers on tiled copy-on-write surfaces, compositing, change events."""

from paintgan.core.document import Change, Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import LAYER_KINDS, GroupLayer, Layer, LayerState, RasterLayer, layer_kind
from paintgan.core.tiles import TILE, TiledSurface

# Layer kinds register themselves on import; import them here so files can rebuild every kind.
from paintgan.core import colorize_layer  # noqa: F401  isort: skip
from paintgan.core import ganpaint_layer  # noqa: F401  isort: skip
from paintgan.core import annotations  # noqa: F401  isort: skip

__all__ = ["LAYER_KINDS", "TILE", "Change", "Document", "GroupLayer", "Layer", "LayerState", "RasterLayer",
           "Rect", "TiledSurface", "layer_kind"]
