"""Editing tools on an A4 page at 300 dpi (issue 17 budgets), offscreen. Prints JSON.

    python bench/bench_editing.py [--width 2480 --height 3508] [--repeats 7]

- ants: marching-ants frame (the overlay stroking the outline) and a full canvas repaint at fit zoom, with
  a noisy 100,000-point magic-wand outline (worst case) — budget: repaint ≤ 16 ms;
- wand_lineart: magic wand by line art on a comic-like A4 page, engine only — budget ≤ 300 ms;
- transform_preview: frames per second of the free-transform preview of a 2000×2000 layer at fit zoom
  (canvas repaint per frame) — budget ≥ 30 fps;
- copy_paste: copy a full A4 layer to the system clipboard and paste it as a new layer (without the
  canvas recomposite that follows) — budget ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")


def _median_ms(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(ts), 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=2480)
    ap.add_argument("--height", type=int, default=3508)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    W, H, n = args.width, args.height, args.repeats

    import cv2
    import numpy as np
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = QApplication.instance() or QApplication([])
    from paintgan.brush.select import wand_by_lineart
    from paintgan.commands.selection import SetSelectionCommand
    from paintgan.core import selection as sel
    from paintgan.core.layers import RasterLayer
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

    out: dict[str, object] = {"page": [W, H]}
    w = MainWindow(DocumentSession.new(W, H))
    w.resize(1400, 900)
    w.show()
    app.processEvents()
    doc = w.session.doc
    # marching ants: a noisy selection (thousands of islands and holes)
    rng = np.random.default_rng(0)
    noise = cv2.GaussianBlur(rng.random((H, W)).astype(np.float32), (0, 0), 12) > 0.5
    w.session.stack.push(SetSelectionCommand(doc, sel.from_mask(noise)))
    w.canvas.fit()
    overlay = w.editing.overlay
    assert overlay is not None
    overlay._paths, overlay._mapped = {}, None  # trace the outline afresh for this zoom
    t0 = time.perf_counter()
    overlay.mapped_path()
    out["ants_outline_build_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    img = QImage(w.canvas.size(), QImage.Format.Format_ARGB32_Premultiplied)
    w.canvas.render(img)

    def ants_frame() -> None:
        p = QPainter(img)
        overlay._offset += 1
        overlay.paint(p, w.canvas)
        p.end()

    out["ants_frame_ms"] = _median_ms(ants_frame, n)
    out["repaint_with_ants_fit_zoom_ms"] = _median_ms(lambda: w.canvas.render(img), n)
    # magic wand by line art
    page = np.full((H, W, 4), 255, np.uint8)
    for _ in range(150):
        x0, y0, x1, y1 = (int(v) for v in rng.integers(0, [W, H, W, H]))
        cv2.line(page, (x0, y0), (x1, y1), (0, 0, 0, 255), 4)
    out["wand_lineart_ms"] = _median_ms(lambda: wand_by_lineart(page, W // 2, H // 2, 2), n)
    # transform preview of a 2000×2000 layer
    w.session.stack.push(SetSelectionCommand(doc, None))
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    side = min(2000, W, H)
    layer.write(0, 0, rng.integers(0, 256, (side, side, 4), np.uint8))
    layer.surface.snapshot()
    w.set_tool("transform")
    tool = w.tool
    if not tool.active:
        tool.lift()
    w.canvas.render(img)
    frames = 30
    t0 = time.perf_counter()
    for i in range(frames):
        tool.affine = tool.affine.with_(angle=i * 2.0, sx=1 + i * 0.01, sy=1 + i * 0.01)
        w.canvas.render(img)
    out["transform_preview_fps"] = round(frames / (time.perf_counter() - t0), 1)
    tool.cancel()
    # copy / paste of a full A4 layer
    layer.write(0, 0, rng.integers(0, 256, (H, W, 4), np.uint8))
    layer.surface.snapshot()
    app.processEvents()
    out["copy_ms"] = _median_ms(w.editing.copy, 3)
    out["paste_ms"] = _median_ms(w.editing.paste, 3)
    w.session.stack.set_clean()
    w.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
