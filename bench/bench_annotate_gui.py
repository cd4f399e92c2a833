"""Annotation mode in the app (offscreen, real mouse events on the canvas), on 4000×3000 photos.

    python bench/bench_annotate_gui.py [--boxes 50] [--polygons 1000] [--frames 40]

- repaint: a full canvas repaint at fit zoom with 1,000 polygons (40 vertices each) over the photo, p50/p95
  over `--frames` repaints; also while panning (each frame a new view translation) and with all shapes
  selected. Budget: ≤ 16 ms.
- box: mouse press, moves and release of a box around one of the photo's objects -> the model's polygon
  added and the canvas repainted (box release -> polygon on screen), p95 over `--boxes` boxes drawn right
  after switching images; also split into the first 10 boxes (the switch's prefetch and thumbnails still
  decoding on the background threads) and the rest. Budget: ≤ 60 ms.
- vertex: a vertex drag with the model refining the neighbours, per mouse move -> repainted. Budget ≤ 16 ms.
- next: D -> the next (prefetched) image shown and painted. Budget ≤ 100 ms.
- open_folder: a folder of `--folder-size` images (hard links of one JPEG) -> first image and file list
  painted. Budget ≤ 1 s.

The photos are synthetic (smooth gradients, texture noise and 60 coloured ellipses, JPEG). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")

W, H = 4000, 3000


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def stats(values: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    """Wall-clock p50/p95/max; with `cpu`, the GUI thread's CPU time too (the machine is shared, so wall
    time includes waiting for a core)."""
    out = {"p50_ms": round(statistics.median(values), 2), "p95_ms": round(pct(values, 0.95), 2),
           "max_ms": round(max(values), 2), "n": len(values)}
    if cpu:
        out.update(cpu_p50_ms=round(statistics.median(cpu), 2), cpu_p95_ms=round(pct(cpu, 0.95), 2))
    return out


class Clock:
    """Wall and GUI-thread CPU time of a block, appended to two lists."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> Clock:
        self._t, self._c = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall.append((time.perf_counter() - self._t) * 1e3)
        self.cpu.append((time.thread_time() - self._c) * 1e3)

    def stats(self) -> dict[str, float]:
        return stats(self.wall, self.cpu)


def make_photo(path: Path, seed: int) -> list[tuple[int, int, int, int]]:
    """A 4000×3000 JPEG with 60 ellipses; returns their (cx, cy, rx, ry)."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H:8, 0:W:8].astype(np.float32)
    base = np.stack([120 + 60 * np.sin(xx / 700 + seed), 130 + 50 * np.cos(yy / 500), 110 + 40 * np.sin(
        (xx + yy) / 900)], -1)
    img = cv2.resize(base, (W, H), interpolation=cv2.INTER_LINEAR)
    img = np.clip(img + rng.normal(0, 12, (H, W, 1)), 0, 255).astype(np.uint8)
    objects = []
    for _ in range(60):
        cx, cy = int(rng.integers(250, W - 250)), int(rng.integers(250, H - 250))
        rx, ry = int(rng.integers(60, 200)), int(rng.integers(60, 200))
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.ellipse(img, (cx, cy), (rx, ry), float(rng.uniform(0, 180)), 0, 360, color, -1)
        objects.append((cx, cy, rx, ry))
    cv2.imwrite(str(path), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return objects


def write_polygons(json_path: Path, image_name: str, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    shapes = []
    a = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    for k in range(n):
        cx, cy, r = rng.uniform(100, W - 100), rng.uniform(100, H - 100), rng.uniform(20, 90)
        pts = np.stack([cx + r * np.cos(a), cy + r * 0.8 * np.sin(a)], 1)
        shapes.append({"label": f"class{k % 8}", "points": pts.round(2).tolist(), "group_id": None,
                       "description": "", "shape_type": "polygon", "flags": {}})
    body = {"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": image_name, "imageData": None,
            "imageHeight": H, "imageWidth": W}
    json_path.write_text(json.dumps(body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boxes", type=int, default=50)
    ap.add_argument("--polygons", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--folder-size", type=int, default=10000)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    import paintgan.gui  # noqa: F401
    from paintgan.gui.annotate import label_dialog
    from paintgan.gui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="paintgan-annot-bench-"))
    folder = tmp / "photos"
    folder.mkdir()
    objects = make_photo(folder / "a_photo.jpg", 1)
    make_photo(folder / "b_photo.jpg", 2)
    make_photo(folder / "c_photo.jpg", 3)
    write_polygons(folder / "a_photo.json", "a_photo.jpg", args.polygons)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    label_dialog.ask_label = lambda *a, **k: ("object", None, "")  # type: ignore[assignment]
    win = MainWindow()
    win.resize(1600, 1000)
    win.show()
    QTest.qWaitForWindowExposed(win)
    mode = win.annotate
    t0 = time.perf_counter()
    mode.open_folder(folder)
    open_ms = (time.perf_counter() - t0) * 1e3
    mode.assist.predictor()
    canvas = win.canvas
    canvas.setFocus()
    app.processEvents()
    out: dict[str, object] = {"image": f"{W}x{H}", "first_image_open_ms": round(open_ms, 1),
                              "canvas": f"{canvas.width()}x{canvas.height()}",
                              "zoom": round(canvas.view.zoom, 4)}

    def timed_repaint(clock: Clock) -> None:
        with clock:
            canvas.repaint()

    # -- repaint with N polygons ---------------------------------------------------------------------
    assert len(mode.overlay.layer()) == args.polygons
    first, still, pan, zoom, selected = Clock(), Clock(), Clock(), Clock(), Clock()
    timed_repaint(first)  # the first frame builds the caches
    for _ in range(args.frames):
        timed_repaint(still)
    for k in range(args.frames):
        canvas.view.pan_by(3.0 if k % 2 else -3.0, 2.0)
        timed_repaint(pan)
    canvas.fit()
    for k in range(args.frames // 4):
        canvas.zoom_step(1 if k % 2 == 0 else -1)
        timed_repaint(zoom)
    canvas.fit()
    mode.select_all()
    for _ in range(args.frames // 2):
        timed_repaint(selected)
    mode.overlay.selection.clear()
    out["repaint_1000_polygons"] = {"first_frame": first.stats(), "still": still.stats(),
                                    "panning": pan.stats(), "zoom_steps": zoom.stats(),
                                    "all_selected": selected.stats(),
                                    "shapes_drawn": mode.overlay.renderer.stats["drawn"], "budget_ms": 16}

    # -- box -> polygon on screen --------------------------------------------------------------------
    mode.controller.step(1)  # b_photo: no shapes yet (its objects are not the ones above; use c's list)
    mode.controller.step(-1)
    win.set_tool("annot_box")
    left = Qt.MouseButton.LeftButton

    def send(kind: QMouseEvent.Type, x: float, y: float, buttons: Qt.MouseButton) -> None:
        p = QPointF(*canvas.view.to_widget(x, y))
        ev = QMouseEvent(kind, p, canvas.mapToGlobal(p), left if kind != QMouseEvent.Type.MouseMove
                         else Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas, ev)

    box, model_ms = Clock(), []
    for k in range(args.boxes):
        cx, cy, rx, ry = objects[k % len(objects)]
        r = max(rx, ry) + 6
        x0, y0, x1, y1 = cx - r, cy - r, cx + r, cy + r
        send(QMouseEvent.Type.MouseButtonPress, x0, y0, left)
        for t in (0.3, 0.6, 0.9):
            send(QMouseEvent.Type.MouseMove, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, left)
        with box:
            send(QMouseEvent.Type.MouseButtonRelease, x1, y1, Qt.MouseButton.NoButton)
            canvas.repaint()
        model_ms.append(mode.assist.last_ms)
    # the first boxes share the cores with the image switch's background work (prefetch, thumbnails)
    out["box_release_to_polygon_on_screen"] = {
        **box.stats(), "model_p50_ms": round(statistics.median(model_ms), 2),
        "first_10_after_switch": stats(box.wall[:10], box.cpu[:10]),
        "rest": stats(box.wall[10:], box.cpu[10:]), "shapes_on_image": len(mode.overlay.layer()),
        "budget_ms": 60}

    # -- vertex drag with model refine ---------------------------------------------------------------
    win.set_tool("annot_select")
    shape = mode.overlay.layer().shapes[-1]
    mode.overlay.selection.set([shape.id])
    vx, vy = shape.points[0]
    send(QMouseEvent.Type.MouseButtonPress, vx, vy, left)
    drag, refine_ms = Clock(), []
    for k in range(30):
        with drag:
            send(QMouseEvent.Type.MouseMove, vx + k * 0.7, vy - k * 0.5, left)
            canvas.repaint()
        refine_ms.append(mode.tools[0].last_refine_ms)  # type: ignore[attr-defined]
    send(QMouseEvent.Type.MouseButtonRelease, vx + 20, vy - 14, Qt.MouseButton.NoButton)
    out["vertex_drag_refined_to_screen"] = {**drag.stats(), "refine_p50_ms": round(statistics.median(
        refine_ms), 2), "budget_ms": 16}

    # -- next image (prefetched) -----------------------------------------------------------------------
    nxt_clock = Clock()
    mode.controller.flush()
    for _ in range(4):
        ctl = mode.controller
        nxt = ctl.neighbour(ctl.index, 1) if ctl.neighbour(ctl.index, 1) is not None else ctl.neighbour(
            ctl.index, -1)
        ds = ctl.dataset
        ctl.prefetcher.get(ds.images[nxt], ds.json_path(nxt))  # wait for the prefetch, as a user would
        with nxt_clock:
            ctl.show(nxt)
            canvas.repaint()
    out["next_image_shown_prefetched"] = {**nxt_clock.stats(), "budget_ms": 100}
    # -- a 10,000-image folder: open -> first image and the file list shown ------------------------------
    big = tmp / "big"
    big.mkdir()
    small = np.full((480, 640, 3), 128, np.uint8)
    import cv2

    cv2.imwrite(str(big / "img00000.jpg"), small)
    for k in range(1, args.folder_size):
        os.link(big / "img00000.jpg", big / f"img{k:05d}.jpg")
    mode.controller.flush()
    with Clock() as open_clock:
        mode.open_folder(big)
        assert mode.files is not None
        mode.files.table.repaint()
        canvas.repaint()
    out["open_folder"] = {"images": len(mode.controller.dataset), "wall_ms": round(open_clock.wall[0], 1),
                          "cpu_ms": round(open_clock.cpu[0], 1), "budget_ms": 1000}
    mode.controller.flush()
    win.session.stack.set_clean()
    win.close()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
