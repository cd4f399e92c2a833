"""Screenshot of GANPaint mode: a scene after a few GAN brush strokes, the seed grid and concept palette.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot_ganpaint.py \
        [out.png] [--seed N] [--no-live]

Uses the installed GANPaint model (models/ganpaint). The strokes are real mouse drags on the canvas: trees
drawn at the lower left, clouds drawn in the sky, then (unless --no-live) one more stroke held down, so its
mask overlay and the live result show.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")


def main(argv: list[str]) -> int:
    default = "/tmp/shots/ganpaint_mode.png"
    out = next((a for a in argv if not a.startswith("--") and not a.isdigit()), default)
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 4
    live = "--no-live" not in argv
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="paintgan-shot-"))

    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    import paintgan.gui  # noqa: F401
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    win = MainWindow(DocumentSession.new(800, 600))
    win.resize(1400, 900)
    win.show()
    for key in ("palette", "history"):
        win.docks[key].hide()
    app.processEvents()
    mode = win.ganpaint
    layer = mode.new_scene(seed)
    if layer is None:
        print("GANPaint unavailable:", mode.controller.status.error)
        win.grab().save(out)
        return 1
    ctl = mode.controller
    panel = mode.panel
    assert panel is not None
    ctl.wait(60)
    deadline = time.monotonic() + 30
    while len(panel.seed_buttons) < 12 and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    win.canvas.fit()
    app.processEvents()
    doc = win.session.doc
    W, H = doc.width, doc.height
    T = QMouseEvent.Type
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QMouseEvent.Type, x: float, y: float, button: Qt.MouseButton,
             buttons: Qt.MouseButton) -> None:
        p = QPointF(*win.canvas.view.to_widget(x, y))
        QApplication.sendEvent(win.canvas, QMouseEvent(kind, p, win.canvas.mapToGlobal(p), button, buttons,
                                                       Qt.KeyboardModifier.NoModifier))
        app.processEvents()

    def stroke(concept: str, mode_: str, pts: list[tuple[float, float]], size: float,
               release: bool = True) -> None:
        concepts = panel.concept_buttons
        if concept not in concepts:
            return
        concepts[concept].click()
        (panel.draw_btn if mode_ == "draw" else panel.remove_btn).click()
        panel.intensity_btns["high"].click()
        mode.tool.update_settings(size=size)
        send(T.MouseButtonPress, pts[0][0] * W, pts[0][1] * H, left, left)
        for x, y in pts[1:]:
            send(T.MouseMove, x * W, y * H, none, left)
            time.sleep(0.01)
        if release:
            send(T.MouseButtonRelease, pts[-1][0] * W, pts[-1][1] * H, left, none)
            ctl.wait(30)

    stroke("tree", "draw", [(0.08, 0.62), (0.2, 0.6), (0.32, 0.63)], W * 0.14)
    stroke("cloud", "draw", [(0.55, 0.15), (0.7, 0.12), (0.88, 0.16)], W * 0.12)
    if live:
        stroke("water", "draw", [(0.45, 0.85), (0.6, 0.86), (0.78, 0.84)], W * 0.12, release=False)
        deadline = time.monotonic() + 10
        while ctl.busy and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
    win.grab().save(out)
    print(f"{out}: seed {layer.seed}, {len(layer.strokes)} strokes committed"
          f"{' + 1 in progress' if live else ''}, model {layer.image_size[1]}x{layer.image_size[0]}, "
          f"page {W}x{H}, last render {ctl.timings.get('compute_ms', 0):.0f} ms")
    if mode.tool.active:
        mode.tool.cancel()
    for s in mode.documents():
        s.stack.set_clean()
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
