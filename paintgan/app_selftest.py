"""Application-level self-test checks, run by `paintgan selftest` next to the model checks.

They prove a (possibly frozen) install works end to end without the source tree or network: the main
window builds offscreen, a document is painted, saved as OpenRaster in a temp folder and read back.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

CheckResult = tuple[str, bool, str]


def check_ora_roundtrip() -> CheckResult:
    import numpy as np

    from paintgan.brush import BrushSettings, paint_stroke
    from paintgan.core import Document
    from paintgan.io.ora import load_ora, save_ora

    doc = Document.new(96, 64)
    layer = doc.active_layer
    assert layer is not None
    paint_stroke(layer, BrushSettings(size=9, color=(200, 40, 20)), [(10, 10), (80, 50)])  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="paintgan-selftest-") as tmp:
        path = os.path.join(tmp, "selftest.ora")
        save_ora(doc, path)
        back = load_ora(path)
        same = np.array_equal(back.composite(), doc.composite())
        size = os.path.getsize(path)
    return "ora save/open", bool(same), f"{size} bytes, pixels {'identical' if same else 'DIFFER'}"


def check_main_window() -> CheckResult:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from paintgan.gui.app import create_app
    from paintgan.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    window.show()
    app.processEvents()
    title = window.windowTitle()
    window.setWindowModified(False)
    window.close()
    window.deleteLater()
    app.processEvents()
    return "main window", True, f"built offscreen ({title!r})"


CHECKS: list[Callable[[], CheckResult]] = [check_ora_roundtrip, check_main_window]


def install() -> None:
    """Register the checks with the inference selftest (idempotent)."""
    from paintgan.inference.bench import SELFTEST_EXTRA_CHECKS

    for check in CHECKS:
        if check not in SELFTEST_EXTRA_CHECKS:
            SELFTEST_EXTRA_CHECKS.append(check)
