"""Colorization benchmarks. Prints one JSON object.

    python bench/bench_colorize.py [--model NAME_OR_FOLDER] [--device cpu] [--runs 20] [--page-runs 3]

* `preview_256_ms`: one network pass at 256×256 (model only, median of `--runs`), budget ≤ 60 ms;
* `page_lineart_ms` / `page_gray_ms`: full-resolution colorize of a synthetic A4 page at 300 dpi
  (2480×3508, 30 hints) incl. preparation, the 512 pass and guided upsampling (median), budget ≤ 3 s;
* `flat_fill_ms`: flat fill of that page (median), budget ≤ 0.5 s; `flat_render_ms` adds the composite.
Model rows are skipped (with the reason) when no colorize model is installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from typing import Any

import cv2
import numpy as np

from paintgan.core.hints import Hints, PointHint
from paintgan.errors import ModelError
from paintgan.inference.colorize.flat import flat_fill, render_flat

A4 = (2480, 3508)


def synthetic_page(w: int = A4[0], h: int = A4[1], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 255, np.uint8)
    for _ in range(120):
        c = tuple(int(v) for v in rng.integers(0, [w, h]))
        cv2.circle(img, c, int(rng.integers(40, 400)), (0, 0, 0), int(rng.integers(3, 9)), cv2.LINE_AA)
    for _ in range(80):
        p0 = tuple(int(v) for v in rng.integers(0, [w, h]))
        p1 = tuple(int(v) for v in rng.integers(0, [w, h]))
        cv2.line(img, p0, p1, (0, 0, 0), int(rng.integers(3, 7)), cv2.LINE_AA)
    return img


def page_hints(w: int, h: int, n: int = 30, seed: int = 1) -> Hints:
    rng = np.random.default_rng(seed)
    return Hints([PointHint(float(rng.uniform(0, w)), float(rng.uniform(0, h)),
                            tuple(int(c) for c in rng.integers(0, 256, 3)), 6.0) for _ in range(n)])


def _median_ms(fn: Any, runs: int) -> float:
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(ts), 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="colorize")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--page-runs", type=int, default=3)
    a = ap.parse_args(argv)
    page = synthetic_page()
    h, w = page.shape[:2]
    hints = page_hints(w, h)
    gray = cv2.cvtColor(cv2.GaussianBlur(page, (0, 0), 3), cv2.COLOR_RGB2GRAY)
    out: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                       "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None},
                           "page": [w, h], "hints": len(hints)}
    flat_fill(page, hints)  # warm-up
    out["flat_fill_ms"] = _median_ms(lambda: flat_fill(page, hints), a.page_runs)
    out["flat_render_ms"] = _median_ms(lambda: render_flat(page, flat_fill(page, hints)), a.page_runs)
    try:
        from paintgan.inference.colorize.engine import Colorizer, prepare

        eng = Colorizer(a.model, a.device)
    except ModelError as exc:
        out["model"] = None
        out["skipped"] = f"model rows skipped: {exc}"
    else:
        out["model"] = {"name": eng.name, "version": eng.model.manifest.version, "device": eng.device}
        prep = prepare(np.full((256, 256), 200, np.uint8), "gray", 256)
        feed = eng._feed(prep, page_hints(256, 256, 10))
        eng.model.run(feed)
        out["preview_256_ms"] = _median_ms(lambda: eng.model.run(feed), a.runs)
        for kind, img in (("lineart", page), ("gray", gray)):
            eng.colorize(img, hints, kind=kind)  # warm-up (also OpenCV's Lab tables)
            timings = []

            def run(img: np.ndarray = img, kind: str = kind, timings: list = timings) -> None:
                eng._prepared = None  # cold: no prepare() cache hit
                eng.colorize(img, hints, kind=kind)
                timings.append(dict(eng.last_timings))

            out[f"page_{kind}_ms"] = _median_ms(run, a.page_runs)
            out[f"page_{kind}_parts_ms"] = {k: round(statistics.median(t[k] for t in timings), 1)
                                            for k in timings[0]}
    out["budgets_ms"] = {"preview_256": 60, "page": 3000, "flat_fill": 500}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
