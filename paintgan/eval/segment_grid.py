"""A picture of held-out predictions: 4 best, 4 median and 4 worst scenes by box IoU (OpenCV only).

Each tile is the box crop (plus a margin) with the ground-truth outline in green, the model's polygons
in red with their vertices as dots, the box in yellow, and "IoU / vertices" written in the corner.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

TILE = 240


def _tile(scene: dict[str, Any], polys: Sequence[np.ndarray], iou: float, tag: str) -> np.ndarray:
    img = scene["image"]
    h, w = img.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in scene["box"])
    m = 0.25 * max(x1 - x0, y1 - y0) + 4
    cx0, cy0 = int(max(0, x0 - m)), int(max(0, y0 - m))
    cx1, cy1 = int(min(w, x1 + m + 1)), int(min(h, y1 + m + 1))
    crop = np.ascontiguousarray(img[cy0:cy1, cx0:cx1, ::-1])
    s = TILE / max(crop.shape[:2])
    big = cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_LINEAR)

    def tr(p: np.ndarray) -> np.ndarray:
        return np.round((np.asarray(p, np.float64) - (cx0, cy0)) * s).astype(np.int32).reshape(-1, 1, 2)

    gts, _ = cv2.findContours(scene["mask"].astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.polylines(big, [tr(c.reshape(-1, 2)) for c in gts], True, (0, 200, 0), 2, cv2.LINE_AA)
    cv2.rectangle(big, tuple(tr([[x0, y0]])[0, 0]), tuple(tr([[x1, y1]])[0, 0]), (0, 220, 255), 1)
    for p in polys:
        q = tr(p)
        cv2.polylines(big, [q], True, (0, 0, 255), 1, cv2.LINE_AA)
        for v in q[:, 0]:
            cv2.circle(big, (int(v[0]), int(v[1])), 2, (0, 0, 255), -1)
    out = np.full((TILE, TILE, 3), 40, np.uint8)
    out[: big.shape[0], : big.shape[1]] = big[:TILE, :TILE]
    n = sum(len(p) for p in polys)
    cv2.putText(out, f"{tag} IoU {iou:.3f} / {n} v", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 3)
    cv2.putText(
        out, f"{tag} IoU {iou:.3f} / {n} v", (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1
    )
    return out


def write_grid(path: str | Path, scenes: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]) -> Path:
    """`rows`: per-scene results with `iou` and `polygons` (as `evaluate` returns), in scene order."""
    order = np.argsort([r["iou"] for r in rows])[::-1]
    k = len(order)
    mid = max(0, k // 2 - 2)
    picks = [("best", i) for i in order[:4]] + [("median", i) for i in order[mid : mid + 4]]
    picks += [("worst", i) for i in order[-4:]]
    tiles = [
        _tile(scenes[i], [np.asarray(p) for p in rows[i]["polygons"]], rows[i]["iou"], tag)
        for tag, i in picks
    ]
    while len(tiles) < 12:
        tiles.append(np.full((TILE, TILE, 3), 40, np.uint8))
    grid = np.concatenate([np.concatenate(tiles[r * 4 : r * 4 + 4], axis=1) for r in range(3)], axis=0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), grid)
    return path


__all__ = ["write_grid"]
