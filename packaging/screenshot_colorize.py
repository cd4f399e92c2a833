"""Screenshot of the app colorizing a page: hints on the canvas, the Colorize panel with suggested colours.

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot_colorize.py \
        [out.png] [--tiny-model]

Uses the installed colorize model when there is one (neural mode, suggestions for the selected hint);
otherwise flat mode (the panel then says why suggestions are unavailable). `--tiny-model` builds the test
suite's tiny ONNX model in a temporary folder, only to show the suggestion widgets (its colours mean nothing).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")
ROOT = Path(__file__).resolve().parents[1]


def make_page(w: int = 900, h: int = 660):  # type: ignore[no-untyped-def]
    import cv2
    import numpy as np

    img = np.full((h, w, 4), 255, np.uint8)
    ink = (20, 20, 20, 255)
    cv2.rectangle(img, (20, 20), (w - 20, h - 20), ink, 3)
    cv2.line(img, (w // 2, 20), (w // 2, h - 20), ink, 3)
    cv2.circle(img, (230, 250), 140, ink, 3)  # a sun over hills, and a house
    cv2.circle(img, (230, 250), 70, ink, 3)
    cv2.ellipse(img, (230, 700), (420, 220), 0, 180, 360, ink, 3)
    pts = np.array([[560, 600], [560, 380], [690, 260], [820, 380], [820, 600]], np.int32)
    cv2.polylines(img, [pts], True, ink, 3)
    cv2.line(img, (560, 380), (820, 380), ink, 3)  # roof / walls
    cv2.rectangle(img, (600, 450), (670, 600), ink, 3)
    cv2.rectangle(img, (710, 420), (780, 490), ink, 3)
    return img


def main(argv: list[str]) -> int:
    out = next((a for a in argv if not a.startswith("--")), "/tmp/paintgan_colorize.png")
    tmp = Path(tempfile.mkdtemp(prefix="paintgan-shot-"))
    if "--tiny-model" in argv:
        sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "colorize")]
        from colorize_helpers import make_colorize_model  # type: ignore[import-not-found]

        make_colorize_model(tmp / "models")
        os.environ["PAINTGAN_MODEL_PATH"] = str(tmp / "models")

    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    import paintgan.gui  # noqa: F401
    from paintgan.core.document import Document
    from paintgan.core.layers import RasterLayer
    from paintgan.gui.colorize.setup import make_colorize_stack
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    img = make_page()
    doc = Document(img.shape[1], img.shape[0])
    line = RasterLayer.from_pixels("Line art", img)
    doc.root.insert(0, line)
    doc.active_layer = line
    win = MainWindow(DocumentSession(doc, "page.ora"))
    win.resize(1400, 900)
    win.show()
    for key in ("palette", "history"):
        win.docks[key].hide()
    app.processEvents()
    win.canvas.fit()
    ctl = win.colorize
    mode = "neural" if ctl.models.refresh().usable else "flat"
    layer = make_colorize_stack(win.session, line, mode=mode)
    win.colorize_panel.refresh_models()
    win.set_tool("hint_point")

    def click(x: float, y: float, rgb: tuple[int, int, int]) -> None:
        win.colors.set_fg(rgb)
        p = QPointF(*win.canvas.view.to_widget(x, y))
        left = Qt.MouseButton.LeftButton
        for kind, buttons in ((QMouseEvent.Type.MouseButtonPress, left),
                              (QMouseEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton)):
            QApplication.sendEvent(win.canvas, QMouseEvent(kind, QPointF(p), win.canvas.mapToGlobal(p), left,
                                                           buttons, Qt.KeyboardModifier.NoModifier))
        app.processEvents()

    hints = [((230, 250), (250, 200, 40)), ((230, 140), (250, 140, 40)), ((120, 560), (90, 170, 70)),
             ((60, 60), (150, 200, 240)), ((600, 100), (120, 180, 235)), ((690, 330), (190, 60, 50)),
             ((620, 420), (235, 225, 200)), ((635, 520), (120, 80, 50)), ((745, 455), (250, 245, 180)),
             ((500, 620), (110, 160, 70))]
    for (x, y), rgb in hints:
        click(x, y, rgb)
    win.set_tool("hint_stroke")
    win.colors.set_fg((60, 130, 60))
    # a stroke hint along the hill
    p0 = [(80.0, 600.0), (180.0, 540.0), (300.0, 530.0), (400.0, 560.0)]
    pts = [QPointF(*win.canvas.view.to_widget(x, y)) for x, y in p0]
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    mods = Qt.KeyboardModifier.NoModifier
    T = QMouseEvent.Type
    events = [(T.MouseButtonPress, pts[0], left, left)] + [(T.MouseMove, p, none, left) for p in pts[1:]]
    events.append((T.MouseButtonRelease, pts[-1], left, none))
    for kind, p, button, buttons in events:
        ev = QMouseEvent(kind, p, win.canvas.mapToGlobal(p), button, buttons, mods)
        QApplication.sendEvent(win.canvas, ev)
    win.set_tool("hint_point")
    click(690, 330, (190, 60, 50))  # select the roof hint: suggestions for it
    ctl.wait(60)
    deadline = time.monotonic() + 10
    while mode == "neural" and not win.colorize_panel.suggest_grid.colors and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()
    win.grab().save(out)
    print(f"{out}: mode {mode}, {len(layer.hints.points)} hints, {len(layer.hints.strokes)} strokes, "
          f"suggestions {len(win.colorize_panel.suggest_grid.colors)}")
    win.session.stack.set_clean()
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
