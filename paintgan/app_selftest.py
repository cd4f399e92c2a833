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
    title = window.windowTitle().replace("[*]", "")  # Qt's modified-marker placeholder, not part of the name
    window.setWindowModified(False)
    window.close()
    window.deleteLater()
    app.processEvents()
    return "main window", True, f"built offscreen ({title!r})"


def check_ganpaint_scene() -> CheckResult:
    """A GANPaint scene document: render a seed, one draw stroke (a command), undo, .ora round trip."""
    import numpy as np

    from paintgan.commands.ganpaint import AddGanStroke, CreateGanPaintDocument
    from paintgan.commands.stack import CommandStack
    from paintgan.core.ganpaint_layer import GanPaintLayer, GanStroke, stroke_mask
    from paintgan.errors import ModelError
    from paintgan.inference.ganpaint.engine import GanPainter
    from paintgan.io.ora import load_ora, save_ora

    try:
        painter = GanPainter.default("cpu")
    except ModelError as exc:
        return "ganpaint scene", True, f"skipped: {exc}"
    if not painter.concepts():
        return "ganpaint scene", True, f"skipped: model {painter.name} has no dissection"
    made = CreateGanPaintDocument(painter.image_size, model=painter.name, seed=1)
    layer, doc = made.layer, made.doc
    base = layer.compute(painter).copy()
    w, h = doc.width, doc.height
    mask = stroke_mask([(w * 0.2, h * 0.5), (w * 0.8, h * 0.5)], w / 6, layer.image_size, made.factor)
    stack = CommandStack()
    stack.push(AddGanStroke(layer, GanStroke(painter.concepts()[0], "draw", "high", 1.0, mask)))
    edited = layer.compute(painter).copy()
    changed = not np.array_equal(edited, base)
    stack.undo()
    undone = np.array_equal(layer.compute(painter), base)
    stack.redo()
    layer.compute(painter)
    with tempfile.TemporaryDirectory(prefix="paintgan-selftest-") as tmp:
        path = os.path.join(tmp, "scene.ora")
        save_ora(doc, path)
        back = next(lay for lay in load_ora(path).layers() if isinstance(lay, GanPaintLayer))
        same = back.seed == 1 and len(back.strokes) == 1 and np.array_equal(back.compute(painter), edited)
    ok = changed and undone and same
    hh, ww = layer.image_size
    return "ganpaint scene", ok, (f"{painter.name} {ww}×{hh}: stroke {'changes' if changed else 'KEEPS'} the "
                                  f"image, undo {'restores' if undone else 'DOES NOT restore'} it, .ora "
                                  f"{'round-trips' if same else 'DIFFERS'}")


CHECKS: list[Callable[[], CheckResult]] = [check_ora_roundtrip, check_main_window, check_ganpaint_scene]


def install() -> None:
    """Register the checks with the inference selftest (idempotent)."""
    from paintgan.inference.bench import SELFTEST_EXTRA_CHECKS

    for check in CHECKS:
        if check not in SELFTEST_EXTRA_CHECKS:
            SELFTEST_EXTRA_CHECKS.append(check)
