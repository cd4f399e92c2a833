"""Memory of opening a tiny .ora that declares a huge, empty canvas in the GUI (issue 16).

Writes a ~300-byte OpenRaster file whose stack.xml declares SIDE × SIDE pixels and no layers, opens it in
the main window (offscreen), fits and paints it, and prints the process RSS before and after. Before the
empty-tile fix a 20000² canvas cost ~830 MB of display tiles (1.75 GB in the original report).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_huge_canvas.py [SIDE]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def rss_mb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 >> 20


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    side = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    from PySide6.QtWidgets import QApplication

    from paintgan.gui.main_window import MainWindow

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "huge.ora"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("mimetype", "image/openraster", compress_type=zipfile.ZIP_STORED)
            stack = f'<?xml version="1.0"?><image w="{side}" h="{side}"><stack></stack></image>'
            z.writestr("stack.xml", stack)
        w = MainWindow()
        w.resize(1000, 700)
        w.show()
        app.processEvents()
        before = rss_mb()
        t0 = time.perf_counter()
        ok = w.open_file(str(path))
        w.canvas.fit()
        w.canvas.repaint()
        app.processEvents()
        dt = time.perf_counter() - t0
        print(f"file {path.stat().st_size} B declaring {side}x{side}: opened={ok} in {dt:.2f} s, "
              f"RSS {before} -> {rss_mb()} MB, display tiles own {w.canvas.cache.nbytes() >> 20} MB")
        w.session.stack.set_clean()
        w.close()


if __name__ == "__main__":
    main()
