"""In-app latency of GANPaint: GAN brush move (real mouse events on the canvas, offscreen) -> image painted.

    python bench/bench_ganpaint_gui.py [--moves 60] [--hz 60] [--model NAME_OR_FOLDER]

A GANPaint scene is opened in the main window (the shipped model, or any usable one) at "fit to window"
and the GAN brush drags across it. Two measurements, both from the mouse-move event until the canvas has
repainted a result that includes that move:

- "serial": one move, wait until its live result is on screen, next move (the cost of one stroke update:
  mask -> features edit -> features_to_image -> upscale -> composite -> paint);
- "drag": moves every 1/hz seconds without waiting, as a hand does; only the newest request runs, so the
  latency includes waiting for the render in progress (newest-wins coalescing).

Budget (DESIGN): GANPaint stroke -> new image <= 150 ms. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")

BUDGET_MS = 150.0


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=60)
    ap.add_argument("--hz", type=float, default=60.0)
    ap.add_argument("--model", default=None, help="model folder (default: the installed ganpaint model)")
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args(argv)
    if args.model:
        os.environ["PAINTGAN_MODEL_PATH"] = os.path.dirname(os.path.abspath(args.model))

    from PySide6.QtCore import QEventLoop, QPointF, QSettings, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    import paintgan.gui  # noqa: F401  (Qt workarounds first)
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    win = MainWindow(DocumentSession.new(640, 480))
    win.resize(1280, 860)
    win.show()
    app.processEvents()
    mode = win.ganpaint
    t0 = time.perf_counter()
    layer = mode.new_scene(1)
    if layer is None:
        print(json.dumps({"bench": "ganpaint_gui", "error": mode.controller.status.error}))
        return 1
    ctl = mode.controller
    ctl.wait(args.timeout)
    first_ms = (time.perf_counter() - t0) * 1000.0
    win.canvas.fit()
    app.processEvents()
    panel = mode.panel
    assert panel is not None
    concepts = list(panel.concept_buttons)
    concept = "tree" if "tree" in concepts else concepts[0]
    panel.concept_buttons[concept].click()
    panel.intensity_btns["high"].click()
    doc = win.session.doc
    W, H = doc.width, doc.height
    mode.tool.update_settings(size=W / 8)
    painter = ctl.status.painter(layer.model)

    posted: dict[int, float] = {}  # request number -> time of the move that caused it
    orig_post = ctl.post

    def post(lay, live=()):  # type: ignore[no-untyped-def]
        seq = orig_post(lay, live)
        if seq is not None and live:
            posted[seq] = pending_move.get("t", time.perf_counter())
        return seq

    ctl.post = post  # type: ignore[method-assign]
    pending_move: dict[str, float] = {}
    painted: list[tuple[int, float, float]] = []  # (seq, painted at, compute ms)
    loop = QEventLoop()
    timer = QTimer(singleShot=True)
    timer.timeout.connect(loop.quit)

    def on_applied(_lay: object, stage: str) -> None:
        if stage != "live":
            return
        win.canvas.repaint()  # synchronous paint of the invalidated area
        seq = int(ctl.timings.get("seq", -1))
        painted.append((seq, time.perf_counter(), ctl.timings.get("compute_ms", 0.0)))
        loop.quit()

    ctl.result_applied.connect(on_applied)
    T = QMouseEvent.Type
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QMouseEvent.Type, x: float, y: float, button: Qt.MouseButton, buttons: Qt.MouseButton
             ) -> None:
        p = QPointF(*win.canvas.view.to_widget(x, y))
        QApplication.sendEvent(win.canvas, QMouseEvent(kind, p, win.canvas.mapToGlobal(p), button, buttons,
                                                       Qt.KeyboardModifier.NoModifier))

    def path(i: int, n: int) -> tuple[float, float]:
        u = i / max(1, n - 1)
        return W * (0.1 + 0.8 * u), H * (0.5 + 0.25 * math.sin(6.0 * u))

    def stroke(n: int, serial: bool) -> list[float]:
        posted.clear()
        painted.clear()
        x, y = path(0, n)
        pending_move["t"] = time.perf_counter()
        send(T.MouseButtonPress, x, y, left, left)
        moves: list[tuple[int, float]] = []
        for i in range(1, n):
            x, y = path(i, n)
            t = time.perf_counter()
            pending_move["t"] = t
            before = max(posted) if posted else 0
            send(T.MouseMove, x, y, none, left)
            seq = max(posted) if posted else 0
            if seq > before:
                moves.append((seq, t))
            if serial:
                while not painted or painted[-1][0] < seq:
                    timer.start(int(args.timeout * 1000))
                    loop.exec()
                    timer.stop()
                    if not timer.isActive() and (not painted or painted[-1][0] < seq) and \
                            time.perf_counter() - t > args.timeout:
                        raise SystemExit(json.dumps({"error": f"no result within {args.timeout} s"}))
            else:
                deadline = t + 1.0 / args.hz
                while time.perf_counter() < deadline:
                    app.processEvents()
                    time.sleep(0.001)
        ctl.wait(args.timeout)
        x, y = path(n - 1, n)
        send(T.MouseButtonRelease, x, y, left, none)
        ctl.wait(args.timeout)
        lat = []
        for seq, t in moves:  # the first painted result that includes this move
            hit = next((p for p in painted if p[0] >= seq), None)
            if hit is not None:
                lat.append((hit[1] - t) * 1000.0)
        return lat

    stroke(6, serial=True)  # warm-up (sessions, caches)
    serial = stroke(args.moves, serial=True)
    serial_compute = [p[2] for p in painted]
    drag = stroke(args.moves, serial=False)
    out = {
        "bench": "ganpaint_gui",
        "model": painter.name,
        "model_image_size": list(painter.image_size),
        "page": [W, H],
        "provider": getattr(painter.model, "provider", None),
        "first_scene_ms": round(first_ms, 1),
        "serial": {"moves": len(serial), "p50_ms": round(statistics.median(serial), 1),
                   "p95_ms": round(pct(serial, 0.95), 1), "max_ms": round(max(serial), 1),
                   "median_compute_ms": round(statistics.median(serial_compute), 1)},
        "drag": {"hz": args.hz, "moves": len(drag), "p50_ms": round(statistics.median(drag), 1),
                 "p95_ms": round(pct(drag, 0.95), 1), "max_ms": round(max(drag), 1),
                 "renders": len(painted)},
        "budget_ms": BUDGET_MS,
        "within_budget": pct(serial, 0.95) <= BUDGET_MS and pct(drag, 0.95) <= BUDGET_MS,
        "strokes_in_scene": len(layer.strokes),
        "zoom": round(win.canvas.view.zoom, 4),
        "cpus": os.cpu_count(),
        "load_avg": [round(v, 2) for v in os.getloadavg()],
    }
    print(json.dumps(out, indent=1))
    for s in mode.documents():
        s.stack.set_clean()
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
