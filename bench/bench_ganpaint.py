"""GANPaint benchmark: prints JSON.

    python bench/bench_ganpaint.py [--model ganpaint|DIR] [--reps 30] [--threads N]

- generate_ms: a new seed (z -> features -> image), median and p95
- stroke_ms: one stroke update with cached features (mask max-pool + unit edit + features -> image),
  which is what the GUI runs per stroke change; budget <= 150 ms (at 128x128; the shipped model is 64x64)
- stroke_3_edits_ms: three edits in order (draw, remove, draw)
- segment_ms: the segmenter on one image (used by dissection/evaluation, not per stroke)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np


def _times(fn, reps: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1000)
    t.sort()
    return {"median": round(statistics.median(t), 2), "p95": round(t[min(len(t) - 1, int(0.95 * len(t)))], 2)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--model", default=None)
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    from paintgan.inference.ganpaint.engine import Edit, GanPainter

    gp = GanPainter.default(args.device) if args.model is None else GanPainter(args.model, args.device)
    h, w = gp.generate(0).shape[:2]
    concepts = gp.concepts() or []
    res: dict[str, object] = {
        "model": gp.name,
        "image": [h, w],
        "provider": gp.model.provider,
        "load_avg": os.getloadavg()[0],
        "concepts": concepts,
    }
    seeds = iter(range(1000, 100000))
    res["generate_ms"] = _times(lambda: gp.generate(next(seeds)), args.reps)
    if concepts:
        mask = np.zeros((h, w), np.float32)
        mask[h // 4 : h // 2, w // 4 : 3 * w // 4] = 1.0
        c0, c1 = concepts[0], concepts[-1]
        gp.features(7)
        res["stroke_ms"] = _times(lambda: gp.edit(7, [Edit(c0, "draw", mask)]), args.reps)
        edits = [
            Edit(c0, "draw", mask),
            Edit(c1, "remove", mask[::-1].copy()),
            Edit(c1, "draw", mask.T.copy()),
        ]
        res["stroke_3_edits_ms"] = _times(lambda: gp.edit(7, edits), args.reps)
    if gp.has_segmenter:
        img = gp.generate(3)
        res["segment_ms"] = _times(lambda: gp.segment(img), args.reps)
    res["budget_stroke_ms"] = 150
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
