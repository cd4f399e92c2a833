"""Application start-up: `run_app(files)` (used by `paintgan` / `python -m paintgan`).

`PAINTGAN_EXIT_AFTER_SHOW=1` prints the seconds from process start to the first exposed frame of the
window as JSON and quits (the start-up benchmark).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

EXIT_AFTER_SHOW_ENV = "PAINTGAN_EXIT_AFTER_SHOW"


def process_start_time() -> float:
    """Seconds since the epoch when this process started (Linux /proc; else the module import time)."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return time.time() - uptime + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return _IMPORT_TIME


_IMPORT_TIME = time.time()


class _ExposeWatcher(QObject):
    def __init__(self, app: QApplication, started: float) -> None:
        super().__init__()
        self.app = app
        self.started = started
        self.done = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not self.done and event.type() in (QEvent.Type.Expose, QEvent.Type.Paint):
            self.done = True
            elapsed = time.time() - self.started
            print(json.dumps({"startup_to_shown_s": round(elapsed, 3)}), flush=True)
            QTimer.singleShot(0, self.app.quit)
        return False


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("PaintGAN")
    app.setApplicationName("PaintGAN")
    app.setApplicationDisplayName("PaintGAN")
    return app


def run_app(files: list[str]) -> int:
    started = process_start_time()
    app = create_app()
    from paintgan.gui.main_window import MainWindow

    window = MainWindow()
    watcher = None
    if os.environ.get(EXIT_AFTER_SHOW_ENV):
        watcher = _ExposeWatcher(app, started)
        window.canvas.installEventFilter(watcher)
    window.show()
    for path in files:
        if window.open_file(path):
            break
    # The objects of start-up (Qt wrappers, modules) live as long as the app: keep them out of the cyclic
    # garbage collector's full passes, which otherwise pause every thread for ~50 ms (worst while autosave
    # writes on its thread and allocates).
    gc.freeze()
    if watcher is None:  # after a crash: offer the autosaved documents back (issue #16)
        from paintgan.gui.recovery import offer_recovery

        QTimer.singleShot(0, lambda: offer_recovery(window, window.autosave))
    return int(app.exec())
