"""Qt-free document model: layers on tiled copy-on-write surfaces, compositing, change events."""

from paintgan.core.document import Change, Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import LAYER_KINDS, GroupLayer, Layer, LayerState, RasterLayer, layer_kind
from paintgan.core.tiles import TILE, TiledSurface

__all__ = ["LAYER_KINDS", "TILE", "Change", "Document", "GroupLayer", "Layer", "LayerState", "RasterLayer",
           "Rect", "TiledSurface", "layer_kind"]
