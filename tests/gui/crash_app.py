"""The app under a crash test: `python tests/gui/crash_app.py SETTINGS_DIR [SEED]`.

Runs the real main window offscreen (user data folder from `$PAINTGAN_DATA_DIR`, autosave interval from
`$PAINTGAN_AUTOSAVE_SECONDS`) on a page with a colorize layer (flat fill, no model needed) and, through
mouse events, alternates two brush strokes on the paint layer with one colour-hint click (the real brush
and hint tools): action i is a hint when i % 3 == 2, else a stroke. Stroke k is a horizontal line at row
`row(k)`, hint k a click at `hint_pos(k)`, so what a document holds can be counted from it. After each
action it prints "stroke|hint K I TIME" (TIME: seconds since the epoch). It runs until it is killed.
Used by tests/gui/test_crash_recovery.py and bench/bench_crash_recovery.py.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PAINTGAN_NO_DEVICE_PROBE"] = "1"

import numpy as np

WIDTH, HEIGHT = 480, 400
ROW0, ROW_STEP, MAX_STROKES = 6, 3, 128
X0, X1 = 40, 440
STROKE_EVERY_MS = 60


PAINT_LAYER = "Layer 1"


def row(i: int) -> int:
    return ROW0 + ROW_STEP * i


HINT_STEP = 16.0  # farther apart than the hint tool's pick radius: each click adds a hint


def hint_pos(k: int) -> tuple[float, float]:
    return 10.0 + HINT_STEP * (k % 28), HEIGHT - 6.0 - HINT_STEP * (k // 28)


def strokes_in(rgba: np.ndarray) -> list[int]:
    """Indexes of the strokes in the paint layer's pixels (opaque dark pixels in the middle of their row)."""
    x = (X0 + X1) // 2
    return [i for i in range(MAX_STROKES) if row(i) < rgba.shape[0]
            and int(rgba[row(i), x, 3]) > 128 and int(rgba[row(i), x, :3].max()) < 128]


def hints_in(doc) -> list[int]:  # type: ignore[no-untyped-def]
    """Indexes of the hints in the document's colorize layer (by position)."""
    from paintgan.core.colorize_layer import ColorizeLayer

    layer = next((lay for lay in doc.layers() if isinstance(lay, ColorizeLayer)), None)
    if layer is None:
        return []
    return sorted(round((p.x - 10.0) / HINT_STEP) + 28 * round((HEIGHT - 6.0 - p.y) / HINT_STEP)
                  for p in layer.hints.points)


def main() -> int:
    from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from paintgan.core.layers import RasterLayer
    from paintgan.gui.app import create_app
    from paintgan.gui.colorize.setup import make_colorize_stack
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    app = create_app()
    w = MainWindow(DocumentSession.new(WIDTH, HEIGHT))
    w.resize(900, 700)
    w.show()
    doc = w.session.doc
    paint = next(lay for lay in doc.layers() if lay.name == PAINT_LAYER)
    line = RasterLayer("Line art")
    doc.root.insert(len(doc.root.children), line)
    make_colorize_stack(w.session, line, mode="flat")
    w.session.stack.set_clean()  # the set-up is the "saved" state
    w.set_tool("brush")
    w.tool.settings = w.tool.settings.with_(size=2.0, hardness=1.0, pressure_size=False)  # type: ignore[attr-defined]
    w.canvas.actual_pixels()
    w.canvas.view.cx, w.canvas.view.cy = WIDTH / 2, HEIGHT / 2
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    state = {"i": 0, "stroke": 0, "hint": 0}

    def send(kind: QMouseEvent.Type, x: float, y: float, button: Qt.MouseButton,
             buttons: Qt.MouseButton) -> None:
        p = QPointF(*w.canvas.view.to_widget(x, y))
        QApplication.sendEvent(w.canvas, QMouseEvent(kind, p, w.canvas.mapToGlobal(p), button, buttons,
                                                     Qt.KeyboardModifier.NoModifier))

    left = Qt.MouseButton.LeftButton

    def action() -> None:
        i = state["i"]
        if state["stroke"] >= MAX_STROKES:
            return
        if i % 3 == 2:  # a colour hint, with the hint tool
            k = state["hint"]
            w.set_tool("hint_point")
            w.colors.set_fg((200, 40 + k % 200, 40))
            x, y = hint_pos(k)
            send(QMouseEvent.Type.MouseButtonPress, x, y, left, left)
            send(QMouseEvent.Type.MouseButtonRelease, x, y, left, Qt.MouseButton.NoButton)
            state["hint"] = k + 1
            kind = "hint"
        else:  # a brush stroke on the paint layer
            k = state["stroke"]
            w.set_tool("brush")
            w.colors.set_fg((0, 0, 0))
            doc.set_active(paint)
            y = row(k)
            send(QMouseEvent.Type.MouseButtonPress, X0, y, left, left)
            n = int(rng.integers(4, 12))
            for j in range(1, n + 1):
                send(QMouseEvent.Type.MouseMove, X0 + (X1 - X0) * j / n, y, Qt.MouseButton.NoButton, left)
            send(QMouseEvent.Type.MouseButtonRelease, X1, y, left, Qt.MouseButton.NoButton)
            state["stroke"] = k + 1
            kind = "stroke"
        state["i"] = i + 1
        print(f"{kind} {k} {i} {time.time():.4f}", flush=True)

    w.autosave.written.connect(lambda _uid: print(f"autosaved {w.autosave.gui_ms[-1]:.3f} {time.time():.4f}",
                                                  flush=True))
    timer = QTimer()
    timer.timeout.connect(action)
    timer.start(STROKE_EVERY_MS)
    print(f"ready {time.time():.4f}", flush=True)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())


# ------------------------------------------------------------------------------------------ the test side
def crash_and_restore(tmp: str, interval: float, kill_after: float, seed: int = 0) -> dict[str, float]:
    """Run this app in a subprocess, SIGKILL it `kill_after` seconds after it is ready, then start the
    window again in this process (it needs a QApplication) and restore what the recovery folder offers.

    Returns: actions (strokes and hints) done before the kill, strokes and hints restored, whether they are
    exactly the first actions (`prefix`: no torn state), the recovery entries found and how many did not
    open (corrupt), and `age_s`: how old the restored state was at the kill (seconds since the first action
    it lacks; 0 when nothing was lost)."""
    import signal
    import subprocess
    import threading
    from pathlib import Path

    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.recovery import offer_recovery, recovery_root
    from paintgan.gui.session import DocumentSession
    from paintgan.inference import paths
    from paintgan.io.ora import load_ora
    from paintgan.io.recovery import RecoveryStore

    base = Path(tmp)
    env = dict(os.environ, PAINTGAN_DATA_DIR=str(base / "data"), PAINTGAN_CACHE_DIR=str(base / "cache"),
               PAINTGAN_AUTOSAVE_SECONDS=str(interval), QT_QPA_PLATFORM="offscreen")
    (base / "settings").mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), str(base / "settings"), str(seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("ready"):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not ready.wait(120):
        proc.kill()
        raise RuntimeError("the app did not start")
    time.sleep(kill_after)
    os.kill(proc.pid, signal.SIGKILL)
    kill_time = time.time()
    proc.wait(60)
    reader.join(10)
    words = [ln.split() for ln in lines]
    actions = [(int(p[2]), float(p[3])) for p in words if p and p[0] in ("stroke", "hint")]
    if os.environ.get("CRASH_DEBUG"):
        print(lines, kill_time)

    with paths.override_user_dirs(base / "data", base / "cache"):
        probe = RecoveryStore(recovery_root())
        entries = probe.orphans()
        corrupt = 0
        for e in entries:
            try:
                load_ora(e.ora)
            except Exception:
                corrupt += 1
        probe.release_claims()
        w = MainWindow(DocumentSession.new(64, 64))
        restored = offer_recovery(w, w.autosave, lambda found, _parent: ("restore", found))
        got: list[int] = []
        hints: list[int] = []
        if restored:
            rdoc = restored[0].doc
            paint = next(lay for lay in rdoc.layers() if lay.name == PAINT_LAYER)
            got = strokes_in(paint.read_u8(rdoc.rect) if paint.read_u8(rdoc.rect) is not None
                             else np.zeros((rdoc.height, rdoc.width, 4), np.uint8))
            hints = hints_in(rdoc)
        for s in w.documents.all():
            s.mark_saved(s.path or str(base / "x.ora"))
        w.close()
        w.deleteLater()
        left = RecoveryStore(recovery_root()).orphans()
    n_strokes, n_hints = len(got), len(hints)
    p = n_strokes + n_hints  # the prefix of actions the restored document holds
    prefix = (got == list(range(n_strokes)) and hints == list(range(n_hints)) and p // 3 == n_hints)
    lost = [t for i, t in actions if i >= p]
    return {"painted": len(actions), "restored": p, "strokes": n_strokes, "hints": n_hints,
            "prefix": float(prefix), "entries": len(entries), "corrupt": corrupt, "left_after": len(left),
            "age_s": (kill_time - min(lost)) if lost else 0.0}
