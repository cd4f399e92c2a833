"""Core benchmarks: undo memory of brush strokes and compositing speed. Prints one JSON object.

    python bench/bench_core.py [--strokes 200] [--size 4096] [--engine auto|brush|cv2] [--runs 5]

Budgets (DESIGN.md): undo memory for 200 strokes on 4096×4096 ≤ 300 MB.

* `stack_nbytes`: what the CommandStack accounts for (old + new tile versions of every stroke).
* `stack_extra_bytes`: the distinct tile arrays held by the history that the document does not hold
  itself (the real cost of undo: the document's current tiles are shared with the newest entries).
* `rss_growth_bytes`: growth of the process's resident memory over the strokes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from paintgan.commands import CommandStack, PaintTransaction
from paintgan.commands.paint import PaintCommand
from paintgan.core import Document, RasterLayer, Rect
from paintgan.core.tiles import TileMap

BUDGET_UNDO_BYTES = 300 * 1024 * 1024


def rss_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def random_polyline(rng: np.random.Generator, size: int) -> list[tuple[float, float, float]]:
    """A hand-drawn-like stroke: 4–10 points, each segment up to 250 px, with varying pressure."""
    n = int(rng.integers(4, 11))
    x, y = rng.uniform(0, size, 2)
    pts = [(float(x), float(y), float(rng.uniform(0.3, 1.0)))]
    for _ in range(n - 1):
        angle = rng.uniform(0, 2 * np.pi)
        step = rng.uniform(20, 250)
        x = float(np.clip(x + step * np.cos(angle), 0, size - 1))
        y = float(np.clip(y + step * np.sin(angle), 0, size - 1))
        pts.append((x, y, float(rng.uniform(0.3, 1.0))))
    return pts


def brush_stroker() -> Callable[[RasterLayer, list[tuple[float, float, float]], float, tuple[int, int, int]],
                                PaintCommand | None] | None:
    try:
        from paintgan.brush.engine import BrushSettings, StrokeEngine
    except ImportError:
        return None

    def stroke(layer: RasterLayer, pts: list[tuple[float, float, float]], width: float,
               color: tuple[int, int, int]) -> PaintCommand | None:
        engine = StrokeEngine(layer, BrushSettings(size=width, color=color, hardness=0.7))
        engine.begin(*pts[0])
        for p in pts[1:]:
            engine.move_to(*p)
        return engine.end()

    return stroke


def cv2_stroke(layer: RasterLayer, pts: list[tuple[float, float, float]], width: float,
               color: tuple[int, int, int]) -> PaintCommand | None:
    """Fallback without the brush engine: a thick polyline drawn with OpenCV into the touched rect."""
    tx = PaintTransaction(layer)
    w = int(width)
    for (x0, y0, _), (x1, y1, _) in itertools.pairwise(pts):
        r = Rect.from_bounds(min(x0, x1) - w, min(y0, y1) - w, max(x0, x1) + w + 1, max(y0, y1) + w + 1)
        px = layer.read(r)
        cv2.line(px, (int(x0) - r.x, int(y0) - r.y), (int(x1) - r.x, int(y1) - r.y), (*color, 255), w,
                 cv2.LINE_AA)
        tx.touch(layer.write(r.x, r.y, px))
    return tx.commit()


def distinct_tile_bytes(maps: list[TileMap], exclude_ids: set[int]) -> int:
    seen: dict[int, int] = {}
    for m in maps:
        for t in m.values():
            if t is not None and id(t) not in exclude_ids:
                seen[id(t)] = t.nbytes
    return sum(seen.values())


def bench_undo_memory(size: int, strokes: int, engine: str, seed: int = 1) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    doc = Document.new(size, size, background=None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    # paint on an existing picture (worst case: every touched tile exists, so undo keeps old AND new)
    layer.surface.write(0, 0, np.full((size, size, 4), (240, 235, 220, 255), np.uint8))
    layer.surface.snapshot()
    stack = CommandStack()
    stroke = brush_stroker() if engine in ("auto", "brush") else None
    if engine == "brush" and stroke is None:
        raise SystemExit("paintgan.brush.engine is not available")
    used = "paintgan.brush.engine.StrokeEngine" if stroke is not None else "cv2.line fallback"
    stroke = stroke or cv2_stroke

    rss0 = rss_bytes()
    t0 = time.perf_counter()
    for _ in range(strokes):
        pts = random_polyline(rng, size)
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        cmd = stroke(layer, pts, float(rng.uniform(8, 48)), color)  # type: ignore[arg-type]
        if cmd is not None:
            stack.push(cmd, done=True)
    elapsed = time.perf_counter() - t0
    rss1 = rss_bytes()

    paint_cmds = [c for c in stack.entries() if isinstance(c, PaintCommand)]
    doc_ids = {id(layer.surface.tile(k)) for k in layer.surface.keys()}  # noqa: SIM118
    extra = distinct_tile_bytes([m for c in paint_cmds for m in (c.old, c.new)], doc_ids)
    touched = sum(len(c.old) for c in paint_cmds)
    return {
        "engine": used,
        "layer": f"{size}x{size}",
        "strokes": strokes,
        "entries": len(stack),
        "dropped": stack.dropped,
        "tiles_touched_total": touched,
        "stack_nbytes": stack.nbytes,
        "stack_nbytes_mb": round(stack.nbytes / 2**20, 1),
        "stack_extra_bytes": extra,
        "stack_extra_mb": round(extra / 2**20, 1),
        "document_bytes_mb": round(doc.nbytes() / 2**20, 1),
        "rss_growth_bytes": rss1 - rss0,
        "rss_growth_mb": round((rss1 - rss0) / 2**20, 1),
        "budget_mb": BUDGET_UNDO_BYTES // 2**20,
        "within_budget": extra <= BUDGET_UNDO_BYTES,
        "paint_seconds": round(elapsed, 2),
    }


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2), [round(t, 1) for t in times]


def bench_composite(size: int, runs: int, seed: int = 2) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    doc = Document(size, size)
    bg = np.empty((size, size, 4), np.uint8)
    bg[...] = (250, 245, 235, 255)
    doc.root.insert(0, RasterLayer.from_pixels("Background", bg))
    # two full-size layers with varied (not constant) content and partial transparency
    for i, (mode, opacity) in enumerate([("multiply", 0.8), ("normal", 0.6)]):
        small = rng.integers(0, 256, (size // 16, size // 16, 4), dtype=np.uint8)
        px = cv2.resize(small, (size, size), interpolation=cv2.INTER_LINEAR)
        doc.root.insert(i + 1, RasterLayer.from_pixels(f"L{i}", px, opacity=opacity, blend_mode=mode))
    del bg
    full_ms, full_runs = _median_ms(doc.composite, max(3, runs // 2))
    rects = [Rect(int(x), int(y), 512, 512) for x, y in rng.integers(0, size - 512, (runs * 4, 2))]
    it = iter(rects)
    dirty_ms, dirty_runs = _median_ms(lambda: doc.composite_display(next(it)), runs * 4)
    c = (size // 4) // 64 * 64  # tile-aligned, inside the canvas
    aligned = Rect(c, c, 512, 512)
    aligned_ms, _ = _median_ms(lambda: doc.composite_display(aligned), runs * 4)
    return {
        "document": f"{size}x{size}, 3 layers (normal bg, multiply 80 %, normal 60 %)",
        "full_composite_ms": full_ms,
        "full_composite_runs_ms": full_runs,
        "dirty_512_display_ms": dirty_ms,
        "dirty_512_display_aligned_ms": aligned_ms,
        "dirty_512_runs_ms": dirty_runs[:10],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--strokes", type=int, default=200)
    ap.add_argument("--engine", choices=["auto", "brush", "cv2"], default="auto")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-composite", action="store_true")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {
        "bench": "core",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "cpus": os.cpu_count(),
        "undo_memory": bench_undo_memory(args.size, args.strokes, args.engine),
    }
    if not args.skip_composite:
        out["composite"] = bench_composite(args.size, args.runs)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
