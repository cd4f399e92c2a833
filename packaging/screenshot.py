"""Screenshot of the main window with a painted multi-layer demo document.

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshot.py [OUT.png]

OUT.png defaults to /tmp/paintgan_screenshot.png.

Runs with a throw-away settings folder so the user's settings are untouched.
"""

from __future__ import annotations

import math
import sys
import tempfile

from PySide6.QtCore import QSettings, QTimer


def demo_session():  # type: ignore[no-untyped-def]
    from paintgan.brush.engine import BrushSettings, paint_stroke
    from paintgan.commands.layers import AddLayerCommand
    from paintgan.core.layers import RasterLayer
    from paintgan.gui.session import DocumentSession

    session = DocumentSession.new(1600, 1100)
    doc, stack = session.doc, session.stack
    paint = doc.active_layer
    assert isinstance(paint, RasterLayer)
    paint.name = "Sky"
    # soft sky wash
    for i in range(12):
        y = 80 + i * 40
        col = (90 + i * 8, 150 + i * 6, 230 - i * 5)
        pts = [(x, y + 20 * math.sin(x / 140)) for x in range(0, 1601, 40)]
        stack.push(paint_stroke(paint, BrushSettings(size=70, hardness=0.2, opacity=0.6, color=col), pts),
                   done=True)
    hills = RasterLayer("Hills")
    stack.push(AddLayerCommand(doc, hills))
    for i in range(6):
        col = (40 + i * 15, 120 + i * 10, 50 + i * 5)
        pts = [(x, 720 + i * 50 + 60 * math.sin(x / 200 + i)) for x in range(0, 1601, 20)]
        stack.push(paint_stroke(hills, BrushSettings(size=90, hardness=0.7, color=col), pts), done=True)
    ink = RasterLayer("Ink", opacity=0.9)
    stack.push(AddLayerCommand(doc, ink))
    sun = [(1200 + 110 * math.cos(t / 20 * math.pi), 260 + 110 * math.sin(t / 20 * math.pi))
           for t in range(41)]
    stack.push(paint_stroke(ink, BrushSettings(size=14, hardness=0.9, color=(30, 20, 20)), sun), done=True)
    for k in range(5):
        x0 = 300 + k * 180
        pts = [(x0 + 30 * math.sin(t / 5), 640 - t * 8) for t in range(30)]
        pen = BrushSettings(size=10, hardness=0.95, color=(25, 25, 30))
        stack.push(paint_stroke(ink, pen, pts), done=True)
    stack.set_clean()
    return session


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/paintgan_screenshot.png"
    tmp = tempfile.mkdtemp(prefix="paintgan-shot-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
    from paintgan.gui.app import create_app
    from paintgan.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow(demo_session())
    window.resize(1360, 860)
    window.show()
    window.canvas.fit()
    window.colors.set_fg((200, 60, 40))
    window.colors.note_used((30, 20, 20))
    window.colors.note_used((200, 60, 40))

    def shoot() -> None:
        # hover the canvas so the brush outline and the status bar show something
        from PySide6.QtCore import QPointF, Qt
        from PySide6.QtGui import QMouseEvent
        pos = QPointF(window.canvas.width() * 0.55, window.canvas.height() * 0.45)
        ev = QMouseEvent(QMouseEvent.Type.MouseMove, pos, window.canvas.mapToGlobal(pos),
                         Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        app.sendEvent(window.canvas, ev)
        QTimer.singleShot(200, grab)

    def grab() -> None:
        window.grab().save(out)
        print(out)
        window.session.stack.set_clean()
        window.close()

    QTimer.singleShot(3000, shoot)  # leaves time for the AI device probe to fill the status bar
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
