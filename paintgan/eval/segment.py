"""`python -m paintgan.eval segment --data DIR [--json] [--limit N] [--model polygon] [--device cpu]`

On held-out scenes (`python -m paintgan.training.polygon_data --split val`: `NNNNN.npz` with `image`,
`polygon`, `box`, `extreme`), measures against the ground-truth mask (the filled outline):

* mIoU from the box, and from the 4 extreme points, of the polygon model;
* NoC@85 / NoC@90: simulated corrections (move the vertex farthest from the true outline onto its nearest
  outline point, fix it, call refine), counting clicks until the IoU reaches the threshold (at most 20;
  a scene that never reaches it counts 20);
* median latencies (box -> polygon end to end incl. the crop; refine with cached features);
* the same box through OpenCV GrabCut (5 iterations, GC_INIT_WITH_RECT on the whole image), in the same table;
* the 40-vertex ceiling: IoU of the ground-truth outline resampled to N vertices.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from paintgan.errors import PaintGANError
from paintgan.inference.segment import geometry as geo

MAX_CLICKS = 20


class EvalDataError(PaintGANError):
    """The evaluation data folder is missing or malformed."""


def load_scenes(folder: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    files = sorted(Path(folder).glob("*.npz"))
    if not files:
        raise EvalDataError(
            f"no *.npz scenes in {folder} (make them with: python -m "
            f"paintgan.training.polygon_data --split val --out {folder} --count 300)"
        )
    out = []
    for f in files[:limit] if limit else files:
        with np.load(f) as z:
            try:
                out.append(
                    {
                        "name": f.stem,
                        "image": z["image"],
                        "polygon": z["polygon"].astype(np.float64),
                        "box": z["box"].astype(np.float64),
                        "extreme": z["extreme"].astype(np.float64),
                    }
                )
            except KeyError as exc:
                raise EvalDataError(f"{f} lacks {exc}") from None
    return out


def grabcut(image: np.ndarray, box: Sequence[float], iters: int = 5) -> np.ndarray:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (math.floor(float(v) + 0.5) for v in box[:4])
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w - 1, x1), min(h - 1, y1)
    mask = np.zeros((h, w), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(
        np.ascontiguousarray(image[..., ::-1]),
        mask,
        (x0, y0, max(1, x1 - x0), max(1, y1 - y0)),
        bgd,
        fgd,
        iters,
        cv2.GC_INIT_WITH_RECT,
    )
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def simulate_clicks(
    pred: Any,
    image: np.ndarray,
    box: Sequence[float],
    poly: np.ndarray,
    gt: np.ndarray,
    gt_mask: np.ndarray,
    target: float,
    max_clicks: int = MAX_CLICKS,
) -> tuple[list[float], list[float]]:
    """IoU after 0, 1, ... corrections (until `target` or `max_clicks`) and the refine latencies (ms)."""
    shape = gt_mask.shape
    ious = [geo.mask_iou(geo.polygon_to_mask(poly, shape), gt_mask)]
    fixed: dict[int, tuple[float, float]] = {}
    times = []
    while ious[-1] < target and len(ious) <= max_clicks:
        d, near = geo.point_to_polygon_distance(poly, gt)
        for i in fixed:
            d[i] = -1.0
        i = int(np.argmax(d))
        fixed[i] = (float(near[i, 0]), float(near[i, 1]))
        t0 = time.perf_counter()
        poly = pred.refine(image, box, poly, fixed)
        times.append((time.perf_counter() - t0) * 1e3)
        ious.append(geo.mask_iou(geo.polygon_to_mask(poly, shape), gt_mask))
    return ious, times


def noc(ious: list[float], thr: float, max_clicks: int = MAX_CLICKS) -> int:
    for k, v in enumerate(ious):
        if v >= thr:
            return k
    return max_clicks


def evaluate(
    data: str | Path,
    model: str = "polygon",
    device: str = "cpu",
    limit: int | None = None,
    grabcut_iters: int = 5,
    progress: bool = False,
) -> dict[str, Any]:
    from paintgan.inference.segment.engine import PolygonPredictor

    scenes = load_scenes(data, limit)
    pred = PolygonPredictor.default(device) if model == "polygon" else PolygonPredictor(model, device)
    rows: list[dict[str, Any]] = []
    pred_ms, refine_ms, gc_ms = [], [], []
    for sc in scenes:
        img, gt, box = sc["image"], sc["polygon"], sc["box"]
        shape = img.shape[:2]
        gt_mask = geo.polygon_to_mask(gt, shape)
        pred.clear_cache()
        t0 = time.perf_counter()
        poly = pred.predict(img, box)
        pred_ms.append((time.perf_counter() - t0) * 1e3)
        iou_box = geo.mask_iou(geo.polygon_to_mask(poly, shape), gt_mask)
        ious, rt = simulate_clicks(pred, img, box, poly, gt, gt_mask, 0.90)
        refine_ms.extend(rt)
        ext = pred.predict_extreme(img, sc["extreme"])
        iou_ext = geo.mask_iou(geo.polygon_to_mask(ext, shape), gt_mask)
        t0 = time.perf_counter()
        gc = grabcut(img, box, grabcut_iters)
        gc_ms.append((time.perf_counter() - t0) * 1e3)
        iou_gc = geo.mask_iou(gc, gt_mask)
        ceiling = geo.mask_iou(geo.polygon_to_mask(geo.resample_polygon(gt, pred.num_points), shape), gt_mask)
        rows.append(
            {
                "name": sc["name"],
                "iou_box": iou_box,
                "iou_extreme": iou_ext,
                "iou_grabcut": iou_gc,
                "noc85": noc(ious, 0.85),
                "noc90": noc(ious, 0.90),
                "ceiling": ceiling,
                "iou_after_1": ious[min(1, len(ious) - 1)],
                "iou_after_3": ious[min(3, len(ious) - 1)],
            }
        )
        if progress:
            print(
                f"{len(rows)}/{len(scenes)} {sc['name']}: box {iou_box:.3f} grabcut {iou_gc:.3f} "
                f"noc90 {rows[-1]['noc90']}",
                file=sys.stderr,
                flush=True,
            )

    def mean(k: str) -> float:
        return round(float(np.mean([r[k] for r in rows])), 4)

    med_pred, med_gc = float(np.median(pred_ms)), float(np.median(gc_ms))
    return {
        "data": str(data),
        "scenes": len(rows),
        "model": pred.name,
        "device": pred.device,
        "num_points": pred.num_points,
        "polygon": {
            "miou_box": mean("iou_box"),
            "miou_extreme": mean("iou_extreme"),
            "miou_after_1_click": mean("iou_after_1"),
            "miou_after_3_clicks": mean("iou_after_3"),
            "noc85": mean("noc85"),
            "noc90": mean("noc90"),
            "reached90_within_20": round(float(np.mean([r["noc90"] < MAX_CLICKS for r in rows])), 4),
            "median_predict_ms": round(med_pred, 2),
            "median_refine_ms": round(float(np.median(refine_ms)), 2) if refine_ms else None,
        },
        "grabcut": {
            "miou_box": mean("iou_grabcut"),
            "iterations": grabcut_iters,
            "median_ms": round(med_gc, 2),
        },
        "ceiling_miou_gt_resampled": mean("ceiling"),
        "speedup_vs_grabcut": round(med_gc / med_pred, 1) if med_pred > 0 else None,
        "targets": {
            "miou_box_ge_grabcut_plus_3pts": mean("iou_box") >= mean("iou_grabcut") + 0.03,
            "speedup_ge_20x": med_gc / med_pred >= 20 if med_pred > 0 else False,
            "noc90_le_3": mean("noc90") <= 3.0,
        },
    }


def format_table(r: dict[str, Any]) -> str:
    p, g = r["polygon"], r["grabcut"]
    lines = [
        f"segment evaluation: {r['scenes']} held-out scenes ({r['data']}), "
        f"model {r['model']} on {r['device']}",
        "| method | mIoU (box) | mIoU (extreme pts) | NoC@85 | NoC@90 | median latency |",
        "|---|---|---|---|---|---|",
        f"| polygon model ({r['num_points']} vertices) | {p['miou_box']:.3f} | {p['miou_extreme']:.3f} | "
        f"{p['noc85']:.2f} | {p['noc90']:.2f} | {p['median_predict_ms']:.1f} ms predict, "
        f"{p['median_refine_ms'] if p['median_refine_ms'] is not None else float('nan'):.1f} ms refine |",
        f"| OpenCV GrabCut ({g['iterations']} it, rect) | {g['miou_box']:.3f} | - | - | - | "
        f"{g['median_ms']:.1f} ms |",
        f"mIoU after 1 / 3 corrections: {p['miou_after_1_click']:.3f} / {p['miou_after_3_clicks']:.3f}; "
        f"reached 0.90 within 20: {100 * p['reached90_within_20']:.0f}%; "
        f"{r['num_points']}-vertex ceiling (GT resampled): {r['ceiling_miou_gt_resampled']:.3f}; "
        f"speed-up vs GrabCut: {r['speedup_vs_grabcut']}x",
        "targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in r["targets"].items()),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m paintgan.eval segment", description="box -> polygon evaluation"
    )
    ap.add_argument("--data", required=True, help="folder of held-out scenes (*.npz)")
    ap.add_argument("--model", default="polygon", help="model name or folder (default: the shipped polygon)")
    ap.add_argument("--device", default="cpu", help="cpu (default, for comparable latencies), auto, cuda")
    ap.add_argument("--limit", type=int, default=None, help="evaluate the first N scenes only")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--out", default=None, help="also write the JSON result to this file")
    ap.add_argument("--progress", action="store_true", help="per-scene lines on stderr")
    args = ap.parse_args(list(argv) if argv is not None else None)
    res = evaluate(args.data, args.model, args.device, args.limit, progress=args.progress)
    if args.out:
        from paintgan.io.atomic import atomic_write

        atomic_write(args.out, (json.dumps(res, indent=2) + "\n").encode("utf-8"))
    print(json.dumps(res, indent=2) if args.json else format_table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
