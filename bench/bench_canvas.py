"""Canvas benchmark: drives the real canvas offscreen and prints JSON.

    QT_QPA_PLATFORM=offscreen python bench/bench_canvas.py

- dabs_per_s: a long brush stroke on a 4096×4096 document sent as mouse events through the canvas and the
  brush tool (repaints processed every few events, as an event loop would), budget ≥ 2,000
- repaint_256_ms: one 256×256 dirty region over 3 painted layers at 100 % zoom: invalidate + recomposite +
  synchronous repaint of that screen area (median), budget ≤ 8 ms; `composite_display_256_ms` is the core's
  float compositor for the same area, for comparison
- startup_s: `python -m paintgan` until the window is exposed (PAINTGAN_EXIT_AFTER_SHOW), budget ≤ 2 s
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")


def _window(doc_size: int):  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from paintgan.gui.app import create_app
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    app = create_app()
    w = MainWindow(DocumentSession.new(doc_size, doc_size))
    w.resize(1400, 900)
    w.show()
    app.processEvents()
    w.canvas.actual_pixels()
    return app, w


def bench_dabs(app, w) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    canvas = w.canvas
    view = canvas.view
    view.cx, view.cy = 2048, 2048
    w.set_tool("brush")
    tool = w.tools["brush"]
    tool.update_settings(size=12, spacing=0.12, hardness=0.8)
    left = Qt.MouseButton.LeftButton

    def send(kind, x, y, button, buttons):  # type: ignore[no-untyped-def]
        p = QPointF(*view.to_widget(x, y))
        app.sendEvent(canvas, QMouseEvent(kind, p, canvas.mapToGlobal(p), button, buttons,
                                          Qt.KeyboardModifier.NoModifier))

    n = 3000
    pts = [(2048 + (300 + i * 0.1) * math.cos(i / 60), 2048 + (300 + i * 0.1) * math.sin(i / 60))
           for i in range(n)]  # a spiral: ~5 px between events, as a fast hand on a 120 Hz mouse
    t0 = time.perf_counter()
    send(QMouseEvent.Type.MouseButtonPress, *pts[0], left, left)
    for i, (x, y) in enumerate(pts[1:]):
        send(QMouseEvent.Type.MouseMove, x, y, Qt.MouseButton.NoButton, left)
        if i % 4 == 0:
            app.processEvents()  # repaints happen between events, like a real event loop
    send(QMouseEvent.Type.MouseButtonRelease, *pts[-1], left, Qt.MouseButton.NoButton)
    app.processEvents()
    dt = time.perf_counter() - t0
    dabs = tool.last_stroke_dabs
    return {"dabs_per_s": round(dabs / dt), "stroke_dabs": dabs, "stroke_events": n,
            "stroke_s": round(dt, 3)}


def bench_repaint(app, w) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import numpy as np

    from paintgan.brush.engine import BrushSettings, paint_stroke
    from paintgan.commands.layers import AddLayerCommand
    from paintgan.core.geometry import Rect
    from paintgan.core.layers import RasterLayer
    from paintgan.gui.compositor import composite_u8

    session = w.session
    doc = session.doc
    for name, col in (("A", (200, 30, 30)), ("B", (30, 30, 200))):
        layer = RasterLayer(name, opacity=0.8)
        session.stack.push(AddLayerCommand(doc, layer))
        for k in range(40):
            y = 1024 + k * 6
            cmd = paint_stroke(layer, BrushSettings(size=20, color=col), [(1000, y), (1300, y + 20)])
            session.stack.push(cmd, done=True)
    canvas = w.canvas
    view = canvas.view
    rect = Rect(1024, 1024, 256, 256)
    view.zoom, view.angle, view.mirror = 1.0, 0.0, False
    view.cx, view.cy = rect.x + 128, rect.y + 128
    canvas.repaint()
    layer = doc.root.children[-1]
    times = []
    for _ in range(40):
        t0 = time.perf_counter()
        layer.notify("pixels", rect)  # what a command does: the canvas invalidates and schedules
        canvas.repaint(canvas.widget_rect(rect))  # paint now (synchronously)
        times.append((time.perf_counter() - t0) * 1000)
    floats = []
    u8 = []
    for _ in range(20):
        t0 = time.perf_counter()
        doc.composite_display(rect)
        floats.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        composite_u8(doc, rect)
        u8.append((time.perf_counter() - t0) * 1000)
    diff = np.abs(doc.composite_display(rect).astype(int) - composite_u8(doc, rect)).max()
    return {"repaint_256_ms": round(statistics.median(times), 2),
            "repaint_256_p95_ms": round(sorted(times)[int(len(times) * 0.95) - 1], 2),
            "composite_u8_256_ms": round(statistics.median(u8), 2),
            "composite_display_256_ms": round(statistics.median(floats), 2),
            "display_vs_float_max_level_diff": int(diff), "layers": len(doc.root.children)}


def bench_startup(runs: int = 3) -> dict[str, float]:
    out = []
    env = dict(os.environ, PAINTGAN_EXIT_AFTER_SHOW="1", QT_QPA_PLATFORM="offscreen",
               PAINTGAN_NO_DEVICE_PROBE="1", XDG_CONFIG_HOME=tempfile.mkdtemp())
    for _ in range(runs):
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "paintgan"], env=env, capture_output=True, text=True,
                             timeout=60, check=False)
        wall = time.perf_counter() - t0
        line = next((ln for ln in res.stdout.splitlines() if ln.startswith("{")), None)
        shown = json.loads(line)["startup_to_shown_s"] if line else float("nan")
        out.append((shown, wall))
    return {"startup_s": round(statistics.median(s for s, _ in out), 3),
            "startup_s_runs": [s for s, _ in out],
            "startup_process_wall_s": round(statistics.median(w for _, w in out), 3)}


def main() -> int:
    result: dict[str, object] = {}
    app, w = _window(4096)
    result.update(bench_dabs(app, w))
    result.update(bench_repaint(app, w))
    w.session.stack.set_clean()
    w.close()
    result.update(bench_startup())
    result["budgets"] = {"dabs_per_s": ">= 2000", "repaint_256_ms": "<= 8", "startup_s": "<= 2"}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
