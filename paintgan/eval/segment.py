"""`python -m paintgan.eval segment [--data DIR] [--json] [--limit N] [--model segment] [--baseline polygon]`

Held-out scenes: `NNNNN.npz` with `image`, `box`, `extreme`, and `mask` (ground truth; else the filled
`polygon`). The default folder `data/segment_heldout` is made by `python -m paintgan.eval.segment_heldout`
(cut-outs from packages never used in training, on photographs never used in training, composited by a
routine of its own). One table, a row per method:

* **model**: box -> adaptive polygons (IoU of the filled polygons, holes filled as the polygons are), with
  the predictor's default finishing (colour prior + colour guided filter on the crop);
* **model, no finishing**: the network's probability as it is;
* **model + GrabCut finishing**: GrabCut (2 iterations, 160 px crop) initialised from the mask;
* **baseline** (the shipped 40-vertex polygon model, when given and installed);
* **GrabCut** (OpenCV, 5 iterations, rect init on the whole image) as a mask (holes and every part kept),
  and the same mask turned into polygons by the model's rule (`polygonize.image_mask_polygons`: holes
  filled, small parts dropped, IoU >= 0.98 simplification), which is what an annotator would get from it;
  **box-as-mask**;
* **ground truth -> model crop -> polygons (upper bound)**: the true mask through the model's crop and
  polygon rule, what a perfect mask model would score (objects with holes cannot reach a high IoU).

Columns: mIoU from the box; NoC@85 / NoC@90 with corrective clicks (RITM protocol: each click on the
error region point farthest from its boundary, positive on missed object, negative on background, at
most 20 clicks; not reaching the threshold counts 20); NoC@85 / NoC@90 with vertex drags (the vertex
farthest from the true outline is moved onto its nearest outline point and fixed, then `refine`);
median latency of box -> polygon (and of one click -> polygon); mean number of polygon vertices.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from paintgan.errors import PaintGANError
from paintgan.inference.segment import geometry as geo
from paintgan.inference.segment import polygonize as pz
from paintgan.inference.segment.clickmaps import next_click

MAX_CLICKS = 20
DEFAULT_DATA = "data/segment_heldout"


class EvalDataError(PaintGANError):
    """The evaluation data folder is missing or malformed."""


def load_scenes(folder: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    files = sorted(Path(folder).glob("*.npz"))
    if not files:
        raise EvalDataError(
            f"no *.npz scenes in {folder} (make them with: python -m paintgan.eval.segment_heldout "
            f"--out {folder} --count 120)"
        )
    out = []
    for f in files[:limit] if limit else files:
        with np.load(f) as z:
            try:
                img = z["image"]
                poly = z["polygon"].astype(np.float64)
                mask = z["mask"].astype(bool) if "mask" in z else geo.polygon_to_mask(poly, img.shape[:2])
                out.append(
                    {
                        "name": f.stem,
                        "image": img,
                        "polygon": poly,
                        "mask": mask,
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


def box_mask(box: Sequence[float], shape: Sequence[int]) -> np.ndarray:
    x0, y0, x1, y1 = (float(v) for v in box)
    return geo.polygon_to_mask(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), shape)


def noc(ious: list[float], thr: float, max_clicks: int = MAX_CLICKS) -> int:
    for k, v in enumerate(ious):
        if v >= thr:
            return k
    return max_clicks


def click_session(
    pred: Any, image: np.ndarray, box: Sequence[float], gt: np.ndarray, first: Any, target: float = 0.90
) -> tuple[list[float], list[float]]:
    """RITM protocol with `predict_clicks`: IoU after 0, 1, ... clicks (until `target` or MAX_CLICKS)
    and the per-click latencies (ms)."""
    shape = gt.shape
    pm = pz.polygons_to_mask(first.polygons, shape)
    ious = [geo.mask_iou(pm, gt)]
    pos: list[tuple[float, float]] = []
    neg: list[tuple[float, float]] = []
    times: list[float] = []
    while ious[-1] < target and len(ious) <= MAX_CLICKS:
        c = next_click(pm, gt)
        if c is None:
            break
        (pos if c[2] else neg).append((c[0], c[1]))
        t0 = time.perf_counter()
        res = pred.predict_clicks(image, box, pos, neg)
        times.append((time.perf_counter() - t0) * 1e3)
        pm = pz.polygons_to_mask(res.polygons, shape)
        ious.append(geo.mask_iou(pm, gt))
    return ious, times


def drag_session(
    pred: Any,
    image: np.ndarray,
    box: Sequence[float],
    poly: np.ndarray,
    gt_poly: np.ndarray,
    gt: np.ndarray,
    target: float = 0.90,
) -> tuple[list[float], list[float]]:
    """Vertex drags: move the vertex farthest from the true outline onto it, fix it, refine."""
    shape = gt.shape
    ious = [geo.mask_iou(geo.polygon_to_mask(poly, shape), gt)]
    fixed: dict[int, tuple[float, float]] = {}
    times: list[float] = []
    while ious[-1] < target and len(ious) <= MAX_CLICKS:
        d, near = geo.point_to_polygon_distance(poly, gt_poly)
        for i in fixed:
            d[i] = -1.0
        i = int(np.argmax(d))
        fixed[i] = (float(near[i, 0]), float(near[i, 1]))
        t0 = time.perf_counter()
        poly = pred.refine(image, box, poly, fixed)
        times.append((time.perf_counter() - t0) * 1e3)
        if getattr(pred, "kind", "polygon") == "mask":
            fixed = dict(pred.last_fixed)
        ious.append(geo.mask_iou(geo.polygon_to_mask(poly, shape), gt))
    return ious, times


def _summary(rows: list[dict[str, Any]], lat: list[float], click_lat: list[float]) -> dict[str, Any]:
    def mean(k: str) -> float | None:
        vals = [r[k] for r in rows if r.get(k) is not None]
        return round(float(np.mean(vals)), 4) if vals else None

    return {
        "miou_box": mean("iou"),
        "noc85_clicks": mean("noc85_clicks"),
        "noc90_clicks": mean("noc90_clicks"),
        "noc85_drags": mean("noc85_drags"),
        "noc90_drags": mean("noc90_drags"),
        "median_ms": round(float(np.median(lat)), 2) if lat else None,
        "median_click_ms": round(float(np.median(click_lat)), 2) if click_lat else None,
        "mean_vertices": mean("vertices"),
    }


def _eval_predictor(
    pred: Any, scenes: list[dict[str, Any]], clicks: bool, drags: bool, log: Callable[[str], None]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rows, lat, clat = [], [], []
    for sc in scenes:
        img, box, gt = sc["image"], sc["box"], sc["mask"]
        pred.clear_cache()
        t0 = time.perf_counter()
        if hasattr(pred, "segmenter") and pred.kind == "mask":
            first = pred.predict_clicks(img, box, [], [])
            polys = first.polygons
        else:
            first = None
            polys = [pred.predict(img, box)]
        lat.append((time.perf_counter() - t0) * 1e3)
        iou = geo.mask_iou(pz.polygons_to_mask(polys, gt.shape), gt)
        row: dict[str, Any] = {
            "name": sc["name"],
            "iou": iou,
            "vertices": pz.vertex_count(polys),
            "polygons": [p.tolist() for p in polys],
        }
        if clicks and first is not None:
            ious, t = click_session(pred, img, box, gt, first)
            clat.extend(t)
            row.update(noc85_clicks=noc(ious, 0.85), noc90_clicks=noc(ious, 0.90), clicks_ious=ious)
        if drags:
            ious, t = drag_session(pred, img, box, polys[0], sc["polygon"], gt)
            row.update(noc85_drags=noc(ious, 0.85), noc90_drags=noc(ious, 0.90))
        rows.append(row)
        log(
            f"{sc['name']}: iou {iou:.3f} noc90 clicks {row.get('noc90_clicks')} "
            f"drags {row.get('noc90_drags')}"
        )
    return _summary(rows, lat, clat), rows


def _polygon_row(polys: list[np.ndarray], gt: np.ndarray) -> dict[str, Any]:
    return {"iou": geo.mask_iou(pz.polygons_to_mask(polys, gt.shape), gt), "vertices": pz.vertex_count(polys)}


def evaluate(
    data: str | Path = DEFAULT_DATA,
    model: str = "segment",
    device: str = "cpu",
    limit: int | None = None,
    baseline: str | None = "polygon",
    grabcut_iters: int = 5,
    progress: bool = False,
    finishing: bool = True,
    drags: bool = True,
) -> dict[str, Any]:
    from paintgan.inference.segment.engine import PolygonPredictor

    def log(msg: str) -> None:
        if progress:
            print(msg, file=sys.stderr, flush=True)

    scenes = load_scenes(data, limit)
    methods: dict[str, Any] = {}
    per_scene: dict[str, list[dict[str, Any]]] = {}
    pred = PolygonPredictor(model, device)
    label = f"model ({pred.name}, {pred.kind})"
    methods[label], per_scene["model"] = _eval_predictor(pred, scenes, True, drags, log)
    if finishing and pred.kind == "mask":
        raw = PolygonPredictor(model, device, finish="none")
        methods[f"model ({pred.name}, {pred.kind}), no finishing"], _ = _eval_predictor(
            raw, scenes, True, False, log
        )
        fin = PolygonPredictor(model, device, finish="grabcut")
        name = label + " + GrabCut finishing (2 it, 160 px crop)"
        methods[name], _ = _eval_predictor(fin, scenes, True, False, log)
    if baseline:
        try:
            base = PolygonPredictor(baseline, device)
        except PaintGANError as exc:
            log(f"baseline {baseline} skipped: {exc}")
        else:
            methods[f"baseline ({base.name}, {base.kind})"], _ = _eval_predictor(
                base, scenes, False, drags, log
            )
    gc_rows, gc_ms, gc_poly_rows, bx_rows, ub_rows = [], [], [], [], []
    for sc in scenes:
        gt = sc["mask"]
        t0 = time.perf_counter()
        m = grabcut(sc["image"], sc["box"], grabcut_iters)
        gc_ms.append((time.perf_counter() - t0) * 1e3)
        gc_rows.append({"iou": geo.mask_iou(m, gt)})
        gc_poly_rows.append(_polygon_row(pz.image_mask_polygons(m), gt))
        bx_rows.append({"iou": geo.mask_iou(box_mask(sc["box"], gt.shape), gt), "vertices": 4})
        if pred.kind == "mask":
            # a perfect mask model: the ground truth through the same crop, cut and polygon rule
            b = geo.validate_box(sc["box"], gt.shape)
            g, cm = geo.crop_image(gt.astype(np.float32), b, pred.crop_size, pred.context)
            ub_rows.append(_polygon_row(pz.mask_to_polygons(g, cm, gt.shape), gt))
    methods[f"GrabCut ({grabcut_iters} it, rect)"] = _summary(gc_rows, gc_ms, [])
    methods[f"GrabCut ({grabcut_iters} it, rect) -> polygons"] = _summary(gc_poly_rows, gc_ms, [])
    methods["box as mask"] = _summary(bx_rows, [0.0], [])
    if ub_rows:
        methods["ground truth -> model crop -> polygons (upper bound)"] = _summary(ub_rows, [0.0], [])
    model_row = methods[label]
    gc_row = methods[f"GrabCut ({grabcut_iters} it, rect)"]
    return {
        "data": str(data),
        "scenes": len(scenes),
        "device": pred.device,
        "methods": methods,
        "targets": {
            "miou_box_ge_grabcut_plus_3pts": (model_row["miou_box"] or 0) >= (gc_row["miou_box"] or 0) + 0.03,
            "noc85_clicks_le_2": (model_row["noc85_clicks"] or 99) <= 2.0,
            "noc90_clicks_le_3": (model_row["noc90_clicks"] or 99) <= 3.0,
            "box_to_polygon_median_le_30ms": (model_row["median_ms"] or 1e9) <= 30.0,
            "click_to_polygon_median_le_30ms": (model_row["median_click_ms"] or 1e9) <= 30.0,
        },
        "per_scene": per_scene["model"],
        "_scenes": scenes,
    }


def _fmt(v: Any, spec: str = ".3f") -> str:
    return "-" if v is None else format(v, spec)


def format_table(r: dict[str, Any]) -> str:
    lines = [
        f"segment evaluation: {r['scenes']} held-out scenes ({r['data']}) on {r['device']}",
        "| method | mIoU (box) | NoC@85 clicks | NoC@90 clicks | NoC@85 drags | NoC@90 drags | "
        "median box->polygon | median click->polygon | mean vertices |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in r["methods"].items():
        lines.append(
            f"| {name} | {_fmt(m['miou_box'])} | {_fmt(m['noc85_clicks'], '.2f')} | "
            f"{_fmt(m['noc90_clicks'], '.2f')} | {_fmt(m['noc85_drags'], '.2f')} | "
            f"{_fmt(m['noc90_drags'], '.2f')} | {_fmt(m['median_ms'], '.1f')} ms | "
            f"{_fmt(m['median_click_ms'], '.1f')} ms | {_fmt(m['mean_vertices'], '.1f')} |"
        )
    lines.append("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in r["targets"].items()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m paintgan.eval segment", description="click segmentation evaluation"
    )
    ap.add_argument(
        "--data", default=DEFAULT_DATA, help=f"folder of held-out scenes (*.npz; default {DEFAULT_DATA})"
    )
    ap.add_argument("--model", default="segment", help="model name or folder (default: the shipped segment)")
    ap.add_argument("--baseline", default="polygon", help="second model row ('' for none; default: polygon)")
    ap.add_argument("--device", default="cpu", help="cpu (default, for comparable latencies), auto, cuda")
    ap.add_argument("--limit", type=int, default=None, help="evaluate the first N scenes only")
    ap.add_argument("--no-finishing", action="store_true", help="skip the model + GrabCut finishing row")
    ap.add_argument("--no-drags", action="store_true", help="skip the vertex-drag NoC")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--out", default=None, help="also write the JSON result to this file")
    ap.add_argument("--progress", action="store_true", help="per-scene lines on stderr")
    ap.add_argument("--grid", default=None, help="also write a PNG of 12 predictions (4 best, median, worst)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    res = evaluate(
        args.data,
        args.model,
        args.device,
        args.limit,
        args.baseline or None,
        progress=args.progress,
        finishing=not args.no_finishing,
        drags=not args.no_drags,
    )
    scenes = res.pop("_scenes")
    if args.grid:
        from paintgan.eval.segment_grid import write_grid

        write_grid(args.grid, scenes, res["per_scene"])
    if args.out:
        from paintgan.io.atomic import atomic_write

        atomic_write(args.out, (json.dumps(res, indent=2) + "\n").encode("utf-8"))
    if args.json:
        print(json.dumps({k: v for k, v in res.items() if k != "per_scene"}, indent=2))
    else:
        print(format_table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
