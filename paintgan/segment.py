"""Public click-segmentation API (implementation in `paintgan.inference.segment`).

    from paintgan.segment import PolygonPredictor
    pred = PolygonPredictor.default()                 # shipped mask model, else polygon; ModelError if none
    poly = pred.predict(image_rgb, (x0, y0, x1, y1))  # (N, 2) image pixel coordinates, N adaptive
    res = pred.predict_clicks(image_rgb, box, [(x, y)], [(x, y)])  # .polygons (largest first), .mask
    poly = pred.refine(image_rgb, box, poly, {7: (x, y)})  # vertex 7 kept exactly, the rest re-predicted
    poly = pred.predict_extreme(image_rgb, [(xl, yl), (xt, yt), (xr, yr), (xb, yb)])

Images may be uint8 / uint16 / float in [0, 1], gray, RGB or RGBA. Degenerate or tiny boxes (under 4 px
for the mask model) raise `BoxError` (a `PaintGANError` and a `ValueError`) with a one-line message.
"""

from paintgan.inference.segment.engine import PolygonPredictor, SegmentInputError
from paintgan.inference.segment.geometry import BoxError
from paintgan.inference.segment.mask_engine import SegmentResult

__all__ = ["BoxError", "PolygonPredictor", "SegmentInputError", "SegmentResult"]
