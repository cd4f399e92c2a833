"""Autosave cost on the GUI thread: an A4 page (2480×3508) with 10 full-page paint layers.

    python bench/bench_autosave.py [--rounds 20] [--layers 10]

Each round paints a stroke-like patch into one layer through a paint transaction (so copy-on-write tiles are
shared with the previous snapshot, as in the app), then runs the real `AutosaveManager.save_now` (the
snapshot on the GUI thread and the queueing of the write) and waits for the worker's write. Reported:

- `gui_ms`: time on the GUI thread per autosave (budget 5 ms), p50 / p95 / max, wall clock; `gui_cpu_ms`
  the same in the GUI thread's CPU time (on a loaded machine the wall clock also counts other processes);
- `write_s`: the background write of the recovery .ora (worker thread);
- `gui_gap_ms`: while a write runs, the GUI thread keeps painting 64×64 patches; the longest gap between
  two of them (GIL sharing with the writer) against the same loop without a write.

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")

import numpy as np

BUDGET_MS = 5.0
A4 = (2480, 3508)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def make_page(layers: int):  # type: ignore[no-untyped-def]
    from paintgan.core.document import Document
    from paintgan.core.layers import RasterLayer

    w, h = A4
    doc = Document.new(w, h)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(layers - 1):  # + the white background = `layers`
        px = np.empty((h, w, 4), np.uint8)
        px[..., 0] = (xx * (i + 1) // 16) % 256
        px[..., 1] = (yy * (i + 2) // 16) % 256
        px[..., 2] = ((xx + yy) // (8 + i)) % 256  # painted-like content (pure noise takes ~3 s per PNG)
        px[::97, :, 2] = rng.integers(0, 256, w, np.uint8)  # and some texture
        px[..., 3] = 96 + 16 * (i % 8)  # every tile allocated: the worst case for a snapshot
        doc.root.insert(len(doc.root.children), RasterLayer.from_pixels(f"paint {i}", px))
    doc.active_layer = doc.root.children[-1]
    return doc


def paint_patch(layer, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    """A stroke's worth of change: a paint transaction over a 300×60 patch."""
    w, h = A4
    x, y = int(rng.integers(0, w - 300)), int(rng.integers(0, h - 60))
    layer.surface.begin_recording()
    layer.write(x, y, np.full((60, 300, 4), 200, np.uint8))
    layer.surface.end_recording()


def gui_gaps(layer, seconds: float, busy) -> list[float]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    gaps: list[float] = []
    t_end = time.perf_counter() + seconds
    last = time.perf_counter()
    patch = np.full((64, 64, 4), 90, np.uint8)
    while time.perf_counter() < t_end and busy():
        layer.write(int(rng.integers(0, 2400)), int(rng.integers(0, 3400)), patch)
        now = time.perf_counter()
        gaps.append((now - last) * 1000.0)
        last = now
    return gaps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--layers", type=int, default=10)
    args = ap.parse_args(argv)

    from paintgan.commands.stack import CallbackCommand
    from paintgan.gui.app import create_app
    from paintgan.gui.autosave import AutosaveManager
    from paintgan.gui.session import DocumentSession
    from paintgan.io.recovery import RecoveryStore

    app = create_app()
    t0 = time.perf_counter()
    doc = make_page(args.layers)
    build_s = time.perf_counter() - t0
    session = DocumentSession(doc)
    import gc

    gc.freeze()  # as run_app does after start-up
    tmp = tempfile.mkdtemp(prefix="paintgan-bench-autosave-")
    store = RecoveryStore(os.path.join(tmp, "recovery"))
    mgr = AutosaveManager(lambda: [session], store, interval_s=3600, idle_s=3600)
    mgr.timer.stop()  # rounds are driven here
    layers = [c for c in doc.root.children]
    rng = np.random.default_rng(2)
    write_s: list[float] = []
    gaps_writing: list[float] = []
    for r in range(args.rounds):
        paint_patch(layers[r % len(layers)], rng)
        session.stack.push(CallbackCommand("Stroke", lambda: None, lambda: None), done=True)  # unsaved
        t = time.perf_counter()
        assert mgr.save_now(session)
        if r < 3:  # GUI responsiveness while the worker writes
            gaps_writing += gui_gaps(layers[-1], 30.0, lambda: mgr._in_flight is not None)
        while mgr._in_flight is not None:
            app.processEvents()
            time.sleep(0.002)
        write_s.append(time.perf_counter() - t)
    gaps_idle = gui_gaps(layers[-1], 1.0, lambda: True)
    ora = store.path_for("doc1")
    size_mb = os.path.getsize(ora) / 2**20 if os.path.exists(ora) else 0.0
    mgr.shutdown()
    gui = mgr.gui_ms
    out = {
        "page": f"{A4[0]}x{A4[1]}", "layers": args.layers, "rounds": args.rounds,
        "build_s": round(build_s, 2),
        "gui_ms": {"p50": round(statistics.median(gui), 3), "p95": round(pct(gui, 0.95), 3),
                   "max": round(max(gui), 3), "budget": BUDGET_MS},
        "gui_cpu_ms": {"p50": round(statistics.median(mgr.gui_cpu_ms), 3),
                       "p95": round(pct(mgr.gui_cpu_ms, 0.95), 3), "max": round(max(mgr.gui_cpu_ms), 3)},
        "write_s": {"p50": round(statistics.median(write_s), 2), "max": round(max(write_s), 2)},
        "recovery_file_mb": round(size_mb, 1),
        "gui_gap_ms": {"while_writing_p50": round(statistics.median(gaps_writing), 3),
                       "while_writing_p99": round(pct(gaps_writing, 0.99), 2),
                       "while_writing_max": round(max(gaps_writing), 2),
                       "idle_p50": round(statistics.median(gaps_idle), 3),
                       "idle_max": round(max(gaps_idle), 2)},
        "within_budget": max(gui) <= BUDGET_MS,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
