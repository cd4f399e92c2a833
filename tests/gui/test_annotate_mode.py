"""Annotation mode (issue #13) driven with the real mouse and keyboard on the real canvas: a dataset folder
drawn by the test, box → polygon through the shipped polygon model, vertex drag with undo/redo, labels,
LabelMe save and reopen, next/previous image, refused JSON files, manual shape tools."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from paintgan.core import polygons as geo
from paintgan.gui.annotate import dataset as dataset_mod
from paintgan.gui.annotate import label_dialog
from paintgan.gui.main_window import MainWindow
from paintgan.io.labelme import read_labelme
from tests.gui.helpers import click, drag, key, widget_pos

W, H = 400, 300
ELLIPSE = (200, 150, 80, 55)  # cx, cy, rx, ry of the object in image 0
DOG = "chien-狗-🐕"  # any Unicode label round-trips


def ellipse_polygon(cx: float, cy: float, rx: float, ry: float, n: int = 180) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], 1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three images: a red ellipse, a blue disc, a green square, all on a light grey background."""
    d = tmp_path / "photos"
    d.mkdir()
    img = np.full((H, W, 3), 225, np.uint8)
    cx, cy, rx, ry = ELLIPSE
    cv2.ellipse(img, (cx, cy), (rx, ry), 0, 0, 360, (30, 30, 210), -1)  # BGR: red
    cv2.imwrite(str(d / "img01.png"), img)
    img = np.full((H, W, 3), 225, np.uint8)
    cv2.circle(img, (150, 140), 60, (200, 60, 20), -1)
    cv2.imwrite(str(d / "img02.png"), img)
    img = np.full((H, W, 3), 225, np.uint8)
    cv2.rectangle(img, (220, 80), (320, 200), (40, 170, 40), -1)
    cv2.imwrite(str(d / "img03.png"), img)
    return d


@pytest.fixture
def labels(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The label dialog answers with the next queued label (default "object")."""
    queue: list[str] = []

    def answer(parent: object, known: list[str], current: str = "", *a: object, **kw: object
               ) -> tuple[str, int | None, str]:
        return (queue.pop(0) if queue else "object"), None, ""

    monkeypatch.setattr(label_dialog, "ask_label", answer)
    return queue


def open_folder(window: MainWindow, folder: Path) -> None:
    assert window.annotate.open_folder(str(folder))
    QApplication.processEvents()
    assert window.annotate.in_dataset()


def layer(window: MainWindow):  # type: ignore[no-untyped-def]
    lay = window.annotate.overlay.layer()
    assert lay is not None
    return lay


def box_drag(window: MainWindow, x0: float, y0: float, x1: float, y1: float) -> None:
    pts = [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for t in np.linspace(0, 1, 8)]
    drag(window, pts)


def test_box_to_polygon_label_vertex_drag_undo_save_reopen_next_back(window: MainWindow, folder: Path,
                                                                     labels: list[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    open_folder(window, folder)
    ctl = window.annotate.controller
    assert ctl.index == 0 and window.canvas.backdrop is not None
    key(window, Qt.Key.Key_W)  # the box → polygon tool
    assert window.canvas.tool is window.tools["annot_box"]
    labels.append("cat")
    cx, cy, rx, ry = ELLIPSE
    box_drag(window, cx - rx - 4, cy - ry - 4, cx + rx + 4, cy + ry + 4)
    lay = layer(window)
    assert len(lay) == 1
    shape = lay.shapes[0]
    assert shape.label == "cat" and shape.shape_type == "polygon"
    iou = geo.polygon_iou(shape.points, ellipse_polygon(*ELLIPSE))
    assert iou >= 0.8, iou
    assert window.annotate.overlay.selection.ids == [shape.id]

    # drag a vertex with the select tool (the model refines its neighbours): one undo step
    key(window, Qt.Key.Key_V)
    before = shape.array()
    vx, vy = before[0]
    target = (vx + 12.0, vy - 9.0)
    n_entries = len(window.session.stack)
    pred = window.annotate.assist.predictor()
    lives: list[bool] = []
    real_refine = pred.refine
    monkeypatch.setattr(pred, "refine",
                        lambda *a, live=False: (lives.append(live), real_refine(*a, live=live))[1])
    rows: list[int] = []
    ctl.status_changed.connect(rows.append)
    drag(window, [(vx, vy), (vx + 4, vy - 3), (vx + 8, vy - 6), target])
    ctl.status_changed.disconnect(rows.append)
    assert len(rows) <= 1  # the file list row is refreshed once per drag, not per mouse move
    # one model pass per mouse move, the flip-averaged refine once at the release
    assert lives and lives[-1] is False and all(lives[:-1]) and len(lives) >= 2
    moved = lay.shapes[0].array()
    assert len(window.session.stack) == n_entries + 1
    assert np.allclose(moved[0], target, atol=0.6)
    window.undo()
    assert np.allclose(lay.shapes[0].array(), before)
    window.redo()
    assert np.allclose(lay.shapes[0].array(), moved)

    # label it: double-click the shape, the dialog answers a Unicode label
    labels.append(DOG)
    canvas = window.canvas
    QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      widget_pos(window, cx, cy).toPoint())
    QApplication.processEvents()
    assert lay.shapes[0].label == DOG
    assert window.annotate.labels is not None and DOG in window.annotate.labels.labels()

    # saved beside the image (autosave after each edit)
    js = folder / "img01.json"
    ctl.flush()
    f = read_labelme(js, image_path=folder / "img01.png")
    assert [s.label for s in f.shapes] == [DOG]
    assert np.allclose(f.shapes[0].array(), moved, atol=1e-6)
    assert ctl.dataset.status(0).state == "labelled"
    assert not window.session.modified

    # next image and back (D / A)
    key(window, Qt.Key.Key_D)
    assert ctl.index == 1 and len(layer(window)) == 0
    key(window, Qt.Key.Key_A)
    assert ctl.index == 0
    assert [s.label for s in layer(window).shapes] == [DOG]
    key(window, Qt.Key.Key_PageDown)
    assert ctl.index == 1

    # reopen the folder: the same shapes come back from the LabelMe file
    open_folder(window, folder)
    assert ctl.index == 0
    again = layer(window).shapes
    assert [s.label for s in again] == [DOG]
    assert np.allclose(again[0].array(), moved, atol=1e-6)


def test_manual_tools_copy_paste_delete_simplify(window: MainWindow, folder: Path, labels: list[str]) -> None:
    open_folder(window, folder)
    lay = layer(window)
    key(window, Qt.Key.Key_P)  # polygon: click 4 vertices, click the first to close
    for x, y in ((50, 50), (120, 50), (120, 110), (50, 110), (50.5, 50.5)):
        click(window, x, y)
    assert len(lay) == 1 and lay.shapes[0].shape_type == "polygon" and len(lay.shapes[0].points) == 4
    key(window, Qt.Key.Key_P)
    for x, y in ((200, 200), (260, 200), (230, 250)):
        click(window, x, y)
    key(window, Qt.Key.Key_Return)  # Enter closes
    assert len(lay) == 2 and len(lay.shapes[1].points) == 3
    key(window, Qt.Key.Key_R)
    drag(window, [(300, 20), (330, 40), (360, 70)])
    assert lay.shapes[2].shape_type == "rectangle"
    key(window, Qt.Key.Key_P, Qt.KeyboardModifier.ShiftModifier)
    click(window, 10, 280)
    assert lay.shapes[3].shape_type == "point"
    assert len(window.annotate.overlay.renderer.items) == 4

    # select the rectangle, copy, paste (a new id), delete the selection
    key(window, Qt.Key.Key_V)
    click(window, 330, 45)
    rect_id = lay.shapes[2].id
    assert window.annotate.overlay.selection.ids == [rect_id]
    window.annotate.copy_shapes()
    window.annotate.paste_shapes()
    assert len(lay) == 5 and lay.shapes[4].id != rect_id
    key(window, Qt.Key.Key_Delete)
    assert len(lay) == 4

    # rubber band multi-select of the two polygons, then move them together
    drag(window, [(40, 40), (150, 150), (280, 270)])
    assert set(window.annotate.overlay.selection.ids) == {lay.shapes[0].id, lay.shapes[1].id}

    # insert a vertex on an edge of the selected square, delete it with a right-click
    window.annotate.overlay.selection.set([lay.shapes[0].id])
    click(window, 85, 50)
    assert len(lay.shapes[0].points) == 5
    drag(window, [(85, 50)], button=Qt.MouseButton.RightButton)
    assert len(lay.shapes[0].points) == 4

    # simplify: a dense circle polygon loses points, IoU with the original stays ≥ 0.98
    circle = ellipse_polygon(200, 150, 60, 60, 120)
    window.annotate._add([lay.shapes[0].with_points(circle).with_new_id()], "add circle")
    cid = window.annotate.overlay.selection.ids[0]
    window.annotate.simplify()
    simplified = lay.shape(cid)
    assert len(simplified.points) < 60
    assert geo.polygon_iou(simplified.points, circle) >= 0.98


def test_copy_previous_image_shapes(window: MainWindow, folder: Path, labels: list[str]) -> None:
    open_folder(window, folder)
    key(window, Qt.Key.Key_R)
    drag(window, [(20, 20), (60, 60)])
    key(window, Qt.Key.Key_D)
    assert len(layer(window)) == 0
    window.annotate.copy_previous()
    assert [s.shape_type for s in layer(window).shapes] == ["rectangle"]
    window.undo()
    assert len(layer(window)) == 0


def test_refused_json_kept_until_confirmed(window: MainWindow, folder: Path, labels: list[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bad = folder / "img02.json"
    bad.write_text('{"version": "99.0.0", "shapes": [], "imagePath": "img02.png"}')
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    open_folder(window, folder)
    ctl = window.annotate.controller
    rows = {ctl.dataset.name(i): i for i in range(len(ctl.dataset))}
    assert ctl.dataset.status(rows["img02.png"]).state == "invalid"
    # the broken image is listed, refused with a reason, and skipped by next/previous
    assert not ctl.show(rows["broken.png"])
    assert "broken.png" in ctl.failed[rows["broken.png"]]
    model = window.annotate.files.model
    assert model.state(rows["broken.png"])[0] == "failed"
    ctl.show(rows["img01.png"])
    key(window, Qt.Key.Key_D)
    assert ctl.index == rows["img02.png"]
    asked: list[str] = []
    monkeypatch.setattr(dataset_mod, "ask_overwrite", lambda parent, text: asked.append(text) or False)
    key(window, Qt.Key.Key_R)
    drag(window, [(20, 20), (60, 60)])
    assert not ctl.flush()
    assert asked and "newer" in asked[0]
    assert json.loads(bad.read_text())["version"] == "99.0.0"  # untouched
    monkeypatch.setattr(dataset_mod, "ask_overwrite", lambda parent, text: True)
    assert ctl.flush()
    assert (folder / "img02.json.bak").exists()
    assert json.loads((folder / "img02.json.bak").read_text())["version"] == "99.0.0"
    assert len(read_labelme(bad).shapes) == 1


def test_name_and_label_filter(window: MainWindow, folder: Path, labels: list[str]) -> None:
    open_folder(window, folder)
    labels.append("square")
    key(window, Qt.Key.Key_R)
    drag(window, [(20, 20), (60, 60)])
    window.annotate.controller.flush()
    panel = window.annotate.files
    assert panel is not None
    panel.name_filter.setText("03")
    panel.apply_filter()
    assert [panel.model.dataset.name(i) for i in panel.model.rows] == ["img03.png"]
    panel.name_filter.setText("")
    panel.set_labels(["square"])
    panel.label_filter.setCurrentText("square")
    panel.apply_filter()
    assert [panel.model.dataset.name(i) for i in panel.model.rows] == ["img01.png"]


def test_autosave_after_edit_and_export(window: MainWindow, folder: Path, labels: list[str],
                                        qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    open_folder(window, folder)
    ctl = window.annotate.controller
    labels.append("ellipse")
    key(window, Qt.Key.Key_W)
    cx, cy, rx, ry = ELLIPSE
    box_drag(window, cx - rx - 4, cy - ry - 4, cx + rx + 4, cy + ry + 4)
    assert ctl.dataset.status(0).state == "edited"
    js = folder / "img01.json"
    # no explicit save: the debounced autosave writes on the save thread and the status follows
    qtbot.waitUntil(lambda: js.exists() and ctl.dataset.status(0).state == "labelled", timeout=15000)
    assert [s.label for s in read_labelme(js).shapes] == ["ellipse"]
    assert not window.session.modified

    from paintgan.gui.annotate.export import run_export

    report = run_export(window.annotate, "coco", tmp_path / "instances.json")
    assert report is not None and report.annotations == 1
    body = json.loads((tmp_path / "instances.json").read_text())
    assert [c["name"] for c in body["categories"]] == ["ellipse"]
    assert body["annotations"][0]["area"] == pytest.approx(np.pi * rx * ry, rel=0.2)
    report = run_export(window.annotate, "yolo", tmp_path / "yolo")
    assert report is not None and (tmp_path / "yolo" / "classes.txt").read_text().split() == ["ellipse"]


def test_corrective_clicks_repredict(window: MainWindow, folder: Path, labels: list[str]) -> None:
    open_folder(window, folder)
    key(window, Qt.Key.Key_W)
    cx, cy, rx, ry = ELLIPSE
    box_drag(window, cx - rx - 4, cy - ry - 4, cx + 10, cy + ry + 4)  # a box over the left part only
    lay = layer(window)
    truth = ellipse_polygon(*ELLIPSE)
    before = geo.polygon_iou(lay.shapes[0].points, truth)
    n = len(window.session.stack)
    click(window, cx + rx - 12, cy, mods=Qt.KeyboardModifier.ShiftModifier)  # positive: the missed part
    after = geo.polygon_iou(lay.shapes[0].points, truth)
    assert len(window.session.stack) == n + 1
    assert after > before + 0.05, (before, after)
    key(window, Qt.Key.Key_C)  # the corrective-click tool: a negative click far outside changes it again
    shape_before = lay.shapes[0].points
    click(window, cx - rx - 30, cy - ry - 30, mods=Qt.KeyboardModifier.ShiftModifier)
    assert len(window.session.stack) == n + 2 and lay.shapes[0].points != shape_before


def test_label_dialog_autocomplete(qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = label_dialog.LabelDialog(["cat", "dog", "chat noir"], current="cat")
    qtbot.addWidget(dlg)
    assert dlg.label() == "cat"
    dlg.edit.setText("")
    QTest.keyClicks(dlg.edit, "ch")
    visible = [dlg.list.item(i).text() for i in range(dlg.list.count()) if not dlg.list.item(i).isHidden()]
    assert visible == ["chat noir"]
    dlg.edit.setText("Ωmega ünïcode")
    dlg.group.setText("3")
    assert dlg.values() == ("Ωmega ünïcode", 3, "")


def test_open_folder_path_and_launch(window: MainWindow, folder: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # outside dataset mode D is still "default colours"
    window.colors.set_fg((10, 200, 30))
    key(window, Qt.Key.Key_D)
    assert window.colors.fg != (10, 200, 30)
    # `paintgan FOLDER` hands the folder to open_file: dataset mode
    assert window.open_file(str(folder))
    assert window.annotate.in_dataset() and window.annotate.controller.index == 0
    assert window.docks["dataset"].isVisible()
    # `paintgan annotate FOLDER` calls launch(); the event loop is replaced by a check
    from paintgan.gui import annotate

    seen: list[int] = []

    def fake_exec() -> int:
        wins = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w is not window]
        assert wins and wins[-1].annotate.in_dataset()
        seen.append(len(wins[-1].annotate.controller.dataset))
        wins[-1].session.stack.set_clean()
        wins[-1].close()
        wins[-1].deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    assert annotate.launch(str(folder)) == 0
    assert seen == [3]


def test_label_list_visibility_colour_and_quick_labels(window: MainWindow, folder: Path,
                                                       labels: list[str]) -> None:
    open_folder(window, folder)
    labels.extend(["tree", "car"])
    key(window, Qt.Key.Key_R)
    drag(window, [(20, 20), (60, 60)])
    drag(window, [(100, 20), (160, 60)])
    lay = layer(window)
    panel = window.annotate.labels
    assert panel is not None
    panel.refresh()
    items = [panel.list.item(i) for i in range(panel.list.count())]
    rows = {it.data(Qt.ItemDataRole.UserRole): it for it in items}
    assert "(1)" in rows["tree"].text() and "(1)" in rows["car"].text()
    rows["tree"].setCheckState(Qt.CheckState.Unchecked)  # hide "tree": one undo step
    assert not lay.is_label_visible("tree")
    key(window, Qt.Key.Key_V)
    click(window, 40, 40)  # a hidden shape cannot be picked
    assert window.annotate.overlay.selection.ids == []
    window.undo()
    assert lay.is_label_visible("tree")
    panel.set_color("car", (1, 2, 3))
    assert lay.color("car") == (1, 2, 3)
    # no dialog: new shapes take the label clicked in the panel
    window.annotate.actions["ask_label"].trigger()
    panel.refresh()
    item = next(panel.list.item(i) for i in range(panel.list.count())
                if panel.list.item(i).data(Qt.ItemDataRole.UserRole) == "car")
    panel.list.itemClicked.emit(item)
    key(window, Qt.Key.Key_R)
    drag(window, [(200, 200), (240, 240)])
    assert lay.shapes[-1].label == "car" and labels == []


def test_shape_list_click_selects_and_centres(window: MainWindow, folder: Path, labels: list[str],
                                              qtbot) -> None:  # type: ignore[no-untyped-def]
    open_folder(window, folder)
    labels.extend(["a", "b"])
    key(window, Qt.Key.Key_R)
    drag(window, [(20, 20), (60, 60)])
    drag(window, [(300, 200), (380, 280)])
    panel = window.annotate.shapes
    assert panel is not None
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=15000)
    window.canvas.set_zoom(4.0)
    row = next(i for i in range(panel.list.count()) if panel.list.item(i).text().startswith("a"))
    item = panel.list.item(row)
    QTest.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     panel.list.visualItemRect(item).center())
    first = layer(window).shapes[0]
    assert window.annotate.overlay.selection.ids == [first.id]
    assert (window.canvas.view.cx, window.canvas.view.cy) == pytest.approx((40, 40))


def test_extreme_clicks_and_move_shape(window: MainWindow, folder: Path, labels: list[str]) -> None:
    open_folder(window, folder)
    cx, cy, rx, ry = ELLIPSE
    key(window, Qt.Key.Key_W, Qt.KeyboardModifier.ShiftModifier)
    assert window.canvas.tool is window.tools["annot_extreme"]
    for x, y in ((cx - rx, cy), (cx, cy - ry), (cx + rx, cy), (cx, cy + ry)):
        click(window, x, y)
    lay = layer(window)
    assert len(lay) == 1
    assert geo.polygon_iou(lay.shapes[0].points, ellipse_polygon(*ELLIPSE)) >= 0.8
    key(window, Qt.Key.Key_V)
    before = lay.shapes[0].array()
    n = len(window.session.stack)
    drag(window, [(cx, cy), (cx + 5, cy + 2), (cx + 10, cy + 4), (cx + 15, cy + 6)])  # inside: move it
    assert len(window.session.stack) == n + 1
    assert np.allclose(lay.shapes[0].array(), before + np.array([15, 6]))
    window.undo()
    assert np.allclose(lay.shapes[0].array(), before)


def test_backdrop_dropped_when_the_page_changes(window: MainWindow, folder: Path) -> None:
    open_folder(window, folder)
    assert window.canvas.backdrop is not None
    image_layer = next(lay for lay in window.session.doc.layers() if lay is not layer(window))
    from paintgan.gui import layer_ops

    layer_ops.set_props(window.session, image_layer, visible=False)  # the photo hidden: tiles show it
    assert window.canvas.backdrop is None
    window.undo()
    assert window.canvas.backdrop is None  # stays on the exact tiles for this document
    key(window, Qt.Key.Key_D)
    assert window.canvas.backdrop is not None
    key(window, Qt.Key.Key_A)  # back on the changed document: still its tiles
    assert window.canvas.backdrop is None or window.annotate.controller.backdrop.level_for(0.1) == 0


def test_output_folder(window: MainWindow, folder: Path, labels: list[str], tmp_path: Path) -> None:
    out = tmp_path / "labels"
    out.mkdir()
    assert window.annotate.open_folder(str(folder), str(out))
    key(window, Qt.Key.Key_R)
    drag(window, [(20, 20), (60, 60)])
    assert window.annotate.controller.flush()
    assert (out / "img01.json").exists() and not (folder / "img01.json").exists()
    f = read_labelme(out / "img01.json", image_path=folder / "img01.png")
    assert f.image_path.endswith("img01.png") and len(f.shapes) == 1


def test_box_around_a_ring_gives_a_polygon_with_its_hole(window: MainWindow, tmp_path: Path,
                                                         labels: list[str]) -> None:
    # the model's mask keeps the ring's hole; the polygon cuts it in through a slit, so the shape stays
    # one simple polygon (LabelMe, COCO) whose inside leaves the hole out
    d = tmp_path / "rings"
    d.mkdir()
    img = np.full((H, W, 3), 225, np.uint8)
    cv2.circle(img, (200, 150), 90, (30, 30, 210), -1)
    cv2.circle(img, (200, 150), 45, (225, 225, 225), -1)
    cv2.imwrite(str(d / "ring.png"), img)
    open_folder(window, d)
    key(window, Qt.Key.Key_W)
    box_drag(window, 106, 56, 294, 244)
    (shape,) = layer(window).shapes
    pts = shape.array()
    assert geo.polygon_problem(pts) is None
    assert not geo.point_in_polygon(200, 150, pts)  # the hole
    assert geo.point_in_polygon(200, 82, pts) and geo.point_in_polygon(268, 150, pts)  # the ring
    ring_area = np.pi * (90**2 - 45**2)
    assert abs(geo.polygon_area(pts) - ring_area) < 0.1 * ring_area
    window.annotate.controller.flush()
    saved = read_labelme(d / "ring.json", image_path=d / "ring.png").shapes[0].array()
    assert np.allclose(saved, pts, atol=1e-6)
