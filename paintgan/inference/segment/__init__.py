"""Click segmentation: box or extreme points -> polygon (numpy + ONNX Runtime; no torch)."""

from paintgan.inference.segment.engine import PolygonPredictor, SegmentInputError, assign_to_vertices
from paintgan.inference.segment.geometry import BoxError

__all__ = ["BoxError", "PolygonPredictor", "SegmentInputError", "assign_to_vertices"]
