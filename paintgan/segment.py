"""Public click-to-polygon API (implementation in `paintgan.inference.segment`).

    from paintgan.segment import PolygonPredictor
    pred = PolygonPredictor.default()                 # the shipped model; ModelError when absent
    poly = pred.predict(image_rgb_uint8, (x0, y0, x1, y1))       # (N, 2) image pixel coordinates
    poly = pred.refine(image_rgb_uint8, box, poly, {7: (x, y)})  # vertex 7 kept exactly, neighbours move
    poly = pred.predict_extreme(image_rgb_uint8, [(xl, yl), (xt, yt), (xr, yr), (xb, yb)])

Degenerate boxes raise `BoxError` (a `PaintGANError` and a `ValueError`) with a one-line message.
"""

from paintgan.inference.segment.engine import PolygonPredictor, SegmentInputError
from paintgan.inference.segment.geometry import BoxError

__all__ = ["BoxError", "PolygonPredictor", "SegmentInputError"]
