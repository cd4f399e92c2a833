"""The app under a crash test: `python tests/gui/crash_app.py SETTINGS_DIR [SEED]`.

Runs the real main window offscreen (user data folder from `$PAINTGAN_DATA_DIR`, autosave interval from
`$PAINTGAN_AUTOSAVE_SECONDS`) and paints with the real brush tool through mouse events: stroke i is a short
horizontal line at row `row(i)`, so the strokes a document holds can be counted from its pixels. After
each stroke it prints "stroke I TIME" (seconds since the epoch). It paints until it is killed.
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


def row(i: int) -> int:
    return ROW0 + ROW_STEP * i


def strokes_in(rgba: np.ndarray) -> list[int]:
    """Indexes of the strokes visible in a composite (dark pixels in the middle of their row)."""
    return [i for i in range(MAX_STROKES) if row(i) < rgba.shape[0]
            and int(rgba[row(i), (X0 + X1) // 2, :3].max()) < 128]


def main() -> int:
    from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from paintgan.gui.app import create_app
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    app = create_app()
    w = MainWindow(DocumentSession.new(WIDTH, HEIGHT))
    w.resize(900, 700)
    w.show()
    w.set_tool("brush")
    w.tool.settings = w.tool.settings.with_(size=2.0, hardness=1.0, pressure_size=False)  # type: ignore[attr-defined]
    w.colors.set_fg((0, 0, 0))
    w.canvas.actual_pixels()
    w.canvas.view.cx, w.canvas.view.cy = WIDTH / 2, HEIGHT / 2
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    state = {"i": 0}

    def send(kind: QMouseEvent.Type, x: float, y: float, button: Qt.MouseButton,
             buttons: Qt.MouseButton) -> None:
        p = QPointF(*w.canvas.view.to_widget(x, y))
        QApplication.sendEvent(w.canvas, QMouseEvent(kind, p, w.canvas.mapToGlobal(p), button, buttons,
                                                     Qt.KeyboardModifier.NoModifier))

    def stroke() -> None:
        i = state["i"]
        if i >= MAX_STROKES:
            return
        y = row(i)
        left = Qt.MouseButton.LeftButton
        send(QMouseEvent.Type.MouseButtonPress, X0, y, left, left)
        n = int(rng.integers(4, 12))
        for k in range(1, n + 1):
            send(QMouseEvent.Type.MouseMove, X0 + (X1 - X0) * k / n, y, Qt.MouseButton.NoButton, left)
        send(QMouseEvent.Type.MouseButtonRelease, X1, y, left, Qt.MouseButton.NoButton)
        state["i"] = i + 1
        print(f"stroke {i} {time.time():.4f}", flush=True)

    w.autosave.written.connect(lambda _uid: print(f"autosaved {w.autosave.gui_ms[-1]:.3f} {time.time():.4f}",
                                                  flush=True))
    timer = QTimer()
    timer.timeout.connect(stroke)
    timer.start(STROKE_EVERY_MS)
    print(f"ready {time.time():.4f}", flush=True)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())


# ------------------------------------------------------------------------------------------ the test side
def crash_and_restore(tmp: str, interval: float, kill_after: float, seed: int = 0) -> dict[str, float]:
    """Run this app in a subprocess, SIGKILL it `kill_after` seconds after it is ready, then start the
    window again in this process (it needs a QApplication) and restore what the recovery folder offers.

    Returns: strokes painted before the kill, strokes restored, whether they are exactly the first ones,
    the recovery entries found and how many did not open (corrupt), and `age_s`: how old the restored
    state was at the kill (seconds since the first change it lacks; 0 when nothing was lost)."""
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
    strokes = [(int(p[1]), float(p[2])) for p in (ln.split() for ln in lines) if p and p[0] == "stroke"]
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
        got = strokes_in(restored[0].doc.composite()) if restored else []
        for s in w.documents.all():
            s.mark_saved(s.path or str(base / "x.ora"))
        w.close()
        w.deleteLater()
        left = RecoveryStore(recovery_root()).orphans()
    k = len(got)
    lost = [t for i, t in strokes if i >= k]
    return {"painted": len(strokes), "restored": k, "prefix": float(got == list(range(k))),
            "entries": len(entries), "corrupt": corrupt, "left_after": len(left),
            "age_s": (kill_time - min(lost)) if lost else 0.0}
