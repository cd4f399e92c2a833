"""Click segmentation: box or extreme points -> polygon (numpy + ONNX Runtime; no torch)."""

from paintgan.inference.segment.engine import PolygonPredictor, SegmentInputError, assign_to_vertices
from paintgan.inference.segment.geometry import BoxError
from paintgan.inference.segment.mask_engine import SegmentResult

__all__ = ["BoxError", "PolygonPredictor", "SegmentInputError", "SegmentResult", "assign_to_vertices"]
