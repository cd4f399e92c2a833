"""Hints as the colorize network sees them, and back on the page (numpy + OpenCV; no model, no Qt).

`rasterize_hints` turns a `Hints` set in page pixels into the network's hint and mask planes at the
working size (points: squares of side 2r+1 as in training; strokes: polylines of their width; the colour
as normalised Lab; in gray mode the hint's L is the image's L, as the network saw in training).
`impose_point_colors` paints the exact hint colours back under the point hints of a full-resolution
result, so what the user picked is what the page shows.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from paintgan.core.hints import Hints
from paintgan.inference.colorize import color as C
from paintgan.inference.colorize.pixels import lab_to_rgb_u8


def rgb_to_nlab(rgb: Any) -> np.ndarray:
    """(..., 3) uint8-valued RGB -> the network's normalised Lab (color.py)."""
    a = np.asarray(rgb, np.float32) / 255.0
    return C.rgb_to_net(a)


def rasterize_hints(
    hints: Hints | None,
    full_size: tuple[int, int],
    work_size: tuple[int, int],
    *,
    padded_size: tuple[int, int] | None = None,
    gray_l: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hints in full-resolution pixels -> (hint (3, h, w) normalised Lab, mask (1, h, w)) at `work_size`.

    Sizes are (w, h). Points cover the square [x - r, x + r]² (side 2r+1, at least one pixel) around the
    working pixel holding the point, as the network was trained; strokes are polylines of their width
    (at least 1 pixel). Later hints paint over earlier ones. `gray_l` (h, w, L/100 at the working size)
    replaces the hint's L by the image's (gray mode). `padded_size` gives the array size (default
    `work_size`)."""
    W, H = full_size
    ww, wh = work_size
    pw, ph = padded_size or work_size
    hint = np.zeros((ph, pw, 3), np.float32)
    mask = np.zeros((ph, pw), np.float32)
    if hints is None or not len(hints):
        return hint.transpose(2, 0, 1).copy(), mask[None]
    sx, sy = ww / W, wh / H
    s = float(np.sqrt(sx * sy))
    sel = np.zeros((ph, pw), np.uint8)
    for p in hints.points:
        cx = int(np.clip(np.floor(p.x * sx), 0, ww - 1))
        cy = int(np.clip(np.floor(p.y * sy), 0, wh - 1))
        r = max(0, round(p.radius * s))
        y0, y1 = max(0, cy - r), min(wh, cy + r + 1)
        x0, x1 = max(0, cx - r), min(ww, cx + r + 1)
        hint[y0:y1, x0:x1] = rgb_to_nlab(p.rgb)
        mask[y0:y1, x0:x1] = 1.0
    shift = 4
    for st in hints.strokes:
        sel[:] = 0
        pts = np.array([[(x * sx - 0.5) * (1 << shift), (y * sy - 0.5) * (1 << shift)] for x, y in st.points],
                       np.float64).round().astype(np.int32)
        thick = max(1, round(st.width * s))
        if len(pts) == 1:
            cv2.circle(sel, tuple(int(v) for v in pts[0]), max(0, thick // 2) << shift, 1, -1, cv2.LINE_8,
                       shift)
            if not sel.any():
                py = int(np.clip(pts[0][1] >> shift, 0, wh - 1))
                sel[py, int(np.clip(pts[0][0] >> shift, 0, ww - 1))] = 1
        else:
            cv2.polylines(sel, [pts.reshape(-1, 1, 2)], False, 1, thickness=thick, lineType=cv2.LINE_8,
                          shift=shift)
        sel[wh:, :] = 0
        sel[:, ww:] = 0
        m = sel > 0
        hint[m] = rgb_to_nlab(st.rgb)
        mask[m] = 1.0
    if gray_l is not None:
        on = mask[:wh, :ww] > 0
        hint[:wh, :ww, 0][on] = gray_l[on]
    return hint.transpose(2, 0, 1).copy(), mask[None]



def impose_point_colors(rgb: np.ndarray, hints: Hints, L: np.ndarray | None = None) -> None:
    """Paint each point hint's exact colour on a disc of its radius (in place). With `L` (gray mode) the
    page's lightness is kept and only the hint's a, b are imposed."""
    H, W = rgb.shape[:2]
    for p in hints.points:
        r = max(0.0, float(p.radius))
        cx, cy = float(p.x), float(p.y)
        x0, x1 = max(0, int(np.floor(cx - r))), min(W, int(np.floor(cx + r)) + 1)
        y0, y1 = max(0, int(np.floor(cy - r))), min(H, int(np.floor(cy + r)) + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        disc = (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= max(r, 0.5) ** 2 + 1e-6
        if not disc.any():
            disc[min(int(cy), y1 - 1) - y0, min(int(cx), x1 - 1) - x0] = True
        if L is None:
            rgb[y0:y1, x0:x1][disc] = p.rgb
        else:
            lab_h = C.rgb_to_lab(np.array(p.rgb, np.uint8)[None])[0]
            lab = np.empty((int(disc.sum()), 1, 3), np.float32)
            lab[:, 0, 0] = L[y0:y1, x0:x1][disc]
            lab[:, 0, 1:] = lab_h[1:]
            rgb[y0:y1, x0:x1][disc] = lab_to_rgb_u8(lab)[:, 0]

