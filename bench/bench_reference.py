"""Reference colorization benchmark: an A4 line-art page (300 dpi, 2480×3508: six panels, each with a
drawn character in another place and size) coloured from one coloured reference of that character
(1000×1000). Prints one JSON object.

    python bench/bench_reference.py [--model NAME_OR_FOLDER] [--device cpu] [--runs 3]

* `reference_ms`: analysing the reference (once per chapter: regions, descriptors, network pass);
* `page_ms`: the page from a reference analysed already: page regions + descriptors + matching + the
  colorize pass with the matched hints (median of `--runs`), budget ≤ 3 s;
* `page_with_reference_ms`: the same including the reference's analysis (a one-page call), budget ≤ 3 s;
* `parts_ms`: page analysis, matching, colorize; `assigned` / `regions` of the page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import cv2
import numpy as np

A4 = (2480, 3508)
COLOURS = [(240, 200, 160), (40, 80, 200), (200, 30, 30), (30, 150, 60), (250, 220, 0)]


def draw_character(img: np.ndarray, cx: int, cy: int, u: float, colour: bool, mirror: bool = False) -> None:
    """Head, shirt, arm, two legs and a hat, outlined in black (filled when `colour`)."""
    def P(*pts: tuple[float, float]) -> np.ndarray:
        return np.array([[round(cx + (-x if mirror else x) * u), round(cy + y * u)] for x, y in pts],
                        np.int32)

    shapes = [(1, P((-38, 5), (38, 5), (38, 90), (-38, 90))),
              (2, P((38, 12), (78, 48), (70, 60), (38, 35))),
              (3, P((-34, 90), (-4, 90), (-4, 128), (-34, 128))),
              (3, P((4, 90), (34, 90), (34, 128), (4, 128))),
              (4, P((-30, -78), (30, -78), (30, -60), (-30, -60)))]
    if colour:
        for k, pts in shapes:
            cv2.fillPoly(img, [pts], COLOURS[k])
        cv2.circle(img, (cx, round(cy - 28 * u)), round(32 * u), COLOURS[0], -1)
    for _, pts in shapes:
        cv2.polylines(img, [pts], True, (0, 0, 0), max(2, round(2 * u)), cv2.LINE_AA)
    cv2.circle(img, (cx, round(cy - 28 * u)), round(32 * u), (0, 0, 0), max(2, round(2 * u)), cv2.LINE_AA)


def a4_page(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w, h = A4
    page = np.full((h, w, 3), 255, np.uint8)
    for row in range(3):
        for col in range(2):
            x0, y0 = 120 + col * 1140, 120 + row * 1110
            cv2.rectangle(page, (x0, y0), (x0 + 1100, y0 + 1060), (0, 0, 0), 8)
            u = float(rng.uniform(2.5, 3.5))
            draw_character(page, x0 + int(rng.integers(350, 750)), y0 + 480, u, False, bool(rng.integers(2)))
    return page


def reference_picture() -> np.ndarray:
    ref = np.full((1000, 1000, 3), 255, np.uint8)
    draw_character(ref, 450, 450, 4.0, True)
    return ref


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="colorize")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    from paintgan.inference.colorize.engine import Colorizer
    from paintgan.inference.colorize.reference import match_regions, page_regions, reference_regions

    eng = Colorizer(a.model, a.device)
    page, ref = a4_page(), reference_picture()
    out: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                             "load_avg": os.getloadavg()},
                 "model": {"name": eng.name, "device": eng.device}, "page": list(A4),
                 "reference": [1000, 1000]}
    eng.colorize(page)  # warm-up
    t = time.perf_counter()
    refset = reference_regions(ref, eng)
    out["reference_ms"] = round((time.perf_counter() - t) * 1000, 1)
    totals, parts = [], []
    match = None
    for _ in range(a.runs):
        eng._prepared = None  # cold page: no prepare() cache hit
        t0 = time.perf_counter()
        regions = page_regions(page, eng)
        t1 = time.perf_counter()
        match = match_regions(regions, [refset])
        t2 = time.perf_counter()
        eng.colorize(page, match.hints())
        t3 = time.perf_counter()
        totals.append((t3 - t0) * 1000)
        parts.append({"page_regions": (t1 - t0) * 1000, "match": (t2 - t1) * 1000,
                      "colorize": (t3 - t2) * 1000})
    out["page_ms"] = round(statistics.median(totals), 1)
    out["page_with_reference_ms"] = round(out["page_ms"] + out["reference_ms"], 1)
    out["parts_ms"] = {k: round(statistics.median(p[k] for p in parts), 1) for k in parts[0]}
    assert match is not None
    out["regions"], out["assigned"] = match.page.count, match.assigned_count
    out["budgets_ms"] = {"page": 3000}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
