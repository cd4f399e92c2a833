"""GANPaint mode in the app (issue #8): scene documents, seed grid, concept palette, the GAN brush with live
results driven by real mouse events on the canvas, one undo step per stroke, reset, .ora round trip,
PNG export, send to layer, and the disabled state without a model.

The model is a tiny GANPaint model built as pure ONNX graphs in the test (same roles, names and manifest
fields as the shipped one) with a fake dissection, on $PAINTGAN_MODEL_PATH."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from user_dirs import isolated_user_dirs

from paintgan.core.ganpaint_layer import GanPaintLayer
from paintgan.core.layers import RasterLayer
from paintgan.gui.main_window import MainWindow
from paintgan.inference import paths
from tests.gui.helpers import drag


def make_tiny_ganpaint(folder: Path, size: int = 64, c: int = 256, grid: int = 8) -> Path:
    """A GANPaint model as pure ONNX graphs (no torch, built in milliseconds), same roles, tensor names and
    manifest fields as the real one: z [N,128] -MatMul-Relu-> features [N,c,8,8]; features -1x1 Conv->
    nearest upsampling to size² -3x3 Conv-Tanh-> image [N,3,size,size]; a fake dissection (tests/ganpaint).
    Each feature cell drives only its own neighbourhood, so edits are local."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from paintgan.inference.manifest import build_manifest, write_manifest_file
    from tests.ganpaint.conftest import fake_dissection

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def save(nodes, inp, out, inits, path):  # type: ignore[no-untyped-def]
        graph = helper.make_graph(nodes, path.stem, [inp], [out], initializer=inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, str(path))

    w = (rng.standard_normal((128, c * grid * grid)) * 0.15).astype(np.float32)
    save([helper.make_node("MatMul", ["z", "w"], ["m"]),
          helper.make_node("Reshape", ["m", "shape"], ["r"]),
          helper.make_node("Relu", ["r"], ["features"])],
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 128]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", c, grid, grid]),
         [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.array([-1, c, grid, grid], np.int64),
                                                                   "shape")],
         folder / "z_to_features.onnx")
    k1 = (rng.standard_normal((16, c, 1, 1)) * 0.3).astype(np.float32)
    k3 = (rng.standard_normal((3, 16, 3, 3)) * 0.2).astype(np.float32)
    scales = np.array([1, 1, size / grid, size / grid], np.float32)
    save([helper.make_node("Conv", ["features", "k1"], ["a"]),
          helper.make_node("Resize", ["a", "", "scales"], ["u"], mode="nearest"),
          helper.make_node("Conv", ["u", "k3"], ["b"], pads=[1, 1, 1, 1]),
          helper.make_node("Tanh", ["b"], ["image"])],
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", c, grid, grid]),
         helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, size, size]),
         [numpy_helper.from_array(k1, "k1"), numpy_helper.from_array(k3, "k3"),
          numpy_helper.from_array(scales, "scales")],
         folder / "features_to_image.onnx")
    data = build_manifest(folder, folder.name, "ganpaint", "0.1.0",
                          [{"path": "z_to_features.onnx", "role": "z_to_features"},
                           {"path": "features_to_image.onnx", "role": "features_to_image"}],
                          preprocessing={"z_dim": 128, "image_range": [-1.0, 1.0], "image_size": size,
                                         "feature_shape": [c, grid, grid]})
    write_manifest_file(folder, data)
    (folder / "dissection.json").write_text(json.dumps(fake_dissection(c)))
    return folder


@pytest.fixture(scope="module")
def _gan_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ganmodels")
    make_tiny_ganpaint(root / "tiny-ganpaint")
    return root


@pytest.fixture(autouse=True)
def gan_model(_gan_models: Path, tmp_path_factory: pytest.TempPathFactory,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch, model_path=_gan_models):
        yield _gan_models


def _scene(qtbot, window: MainWindow, seed: int = 0) -> GanPaintLayer:  # type: ignore[no-untyped-def]
    layer = window.ganpaint.new_scene(seed)
    assert layer is not None
    assert window.ganpaint.controller.wait(30)
    window.canvas.fit()
    QApplication.processEvents()
    return layer


def _image(layer: GanPaintLayer) -> np.ndarray:
    assert layer.result is not None and not layer.stale
    return layer.result.copy()


def _close(window: MainWindow) -> None:
    for s in window.documents.all():
        s.stack.set_clean()


def test_new_scene_opens_with_seed_grid(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    painting = window.session
    layer = _scene(qtbot, window, seed=0)
    doc = window.session.doc
    h, w = layer.image_size
    assert (doc.height, doc.width) == (h * (512 // h), w * (512 // w)) and doc.width % w == 0
    assert [type(lay) for lay in doc.layers()] == [GanPaintLayer]
    panel = window.ganpaint.panel
    assert panel is not None and window.docks["ganpaint"].isVisible() and not panel.reason.isVisible()
    qtbot.waitUntil(lambda: len(panel.seed_buttons) == 12, timeout=20000)
    assert panel.seed_buttons[0].isChecked()
    assert set(panel.concept_buttons) == set(window.ganpaint.controller.status.painter().concepts())
    assert layer.result is not None and layer.result.shape == (doc.height, doc.width, 4)
    assert window.tool.name == "gan_brush"
    assert len(window.session.stack) == 0  # opening a scene is not an edit
    assert window.documents.all() == [window.session, painting]  # the painting stays open
    panel.more_btn.click()
    qtbot.waitUntil(lambda: len(panel.seed_buttons) == 24, timeout=20000)
    _close(window)


def test_click_seed_changes_image(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = _scene(qtbot, window)
    panel = window.ganpaint.panel
    assert panel is not None
    qtbot.waitUntil(lambda: 5 in panel.seed_buttons, timeout=20000)
    before = _image(layer)
    qtbot.mouseClick(panel.seed_buttons[5], Qt.MouseButton.LeftButton)
    assert layer.seed == 5 and len(window.session.stack) == 1
    assert window.ganpaint.controller.wait(30)
    after = _image(layer)
    assert not np.array_equal(before, after) and panel.seed_buttons[5].isChecked()
    window.undo()
    assert layer.seed == 0
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(layer), before)
    _close(window)


def _paint_stroke(qtbot, window: MainWindow, layer: GanPaintLayer, concept: str = "tree",  # type: ignore[no-untyped-def]
                  mode: str = "draw") -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    panel = window.ganpaint.panel
    assert panel is not None
    panel.concept_buttons[concept].click()
    (panel.draw_btn if mode == "draw" else panel.remove_btn).click()
    panel.intensity_btns["high"].click()
    tool = window.ganpaint.tool
    assert (tool.concept, tool.mode, tool.intensity) == (concept, mode, "high")
    tool.update_settings(size=48)
    doc = window.session.doc
    x0, x1, y = doc.width * 0.2, doc.width * 0.45, doc.height * 0.5
    before = _image(layer)
    depth = len(window.session.stack)
    pts = [(x0 + (x1 - x0) * i / 12, y + 6 * np.sin(i)) for i in range(13)]
    drag(window, pts)
    assert len(window.session.stack) == depth + 1  # one undo step per stroke
    assert window.ganpaint.controller.wait(30)
    box = (int(x0 - 30), int(y - 30), int(x1 + 30), int(y + 30))
    return before, _image(layer), box


def test_gan_brush_stroke_live_and_one_undo_step(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = _scene(qtbot, window)
    tool = window.ganpaint.tool
    shown: list[str] = []
    window.ganpaint.controller.result_applied.connect(lambda _l, stage: shown.append(stage))
    before, after, (bx0, by0, bx1, by1) = _paint_stroke(qtbot, window, layer)
    assert tool.moves_posted >= 2 and not tool.active
    assert len(layer.strokes) == 1
    stroke = layer.strokes[0]
    assert stroke.mask.shape == layer.image_size and stroke.concept == "tree" and stroke.mode == "draw"
    diff = np.abs(after[..., :3].astype(np.int16) - before[..., :3]).sum(axis=2)
    inside = np.zeros(diff.shape, bool)
    inside[by0:by1, bx0:bx1] = True
    assert diff[inside].mean() > 2 * max(diff[~inside].mean(), 0.5)
    assert "full" in shown or "cache" in shown
    window.undo()
    assert layer.strokes == ()
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(layer), before)  # undo restores the earlier image exactly
    window.redo()
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(layer), after)
    _close(window)


def test_live_preview_while_dragging(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from tests.gui.helpers import move_pressed, press

    layer = _scene(qtbot, window)
    window.ganpaint.panel.concept_buttons["sky"].click()  # type: ignore[union-attr]
    before = _image(layer)
    d = window.session.doc
    press(window, d.width * 0.3, d.height * 0.3)
    move_pressed(window, d.width * 0.6, d.height * 0.35)
    assert window.ganpaint.tool.active and len(window.session.stack) == 0
    qtbot.waitUntil(lambda: layer.result is not None and not np.array_equal(layer.result, before),
                    timeout=20000)
    assert layer.stale  # a live preview is shown, nothing committed yet
    window.canvas.repaint()  # the mask overlay paints without errors
    from tests.gui.helpers import key

    key(window, Qt.Key.Key_Escape)  # cancel: back to the committed image, no history entry
    assert not window.ganpaint.tool.active and len(window.session.stack) == 0
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(layer), before)
    _close(window)


def test_reset_is_undoable(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = _scene(qtbot, window)
    base, edited, _box = _paint_stroke(qtbot, window, layer, "grass", "remove")
    panel = window.ganpaint.panel
    assert panel is not None and panel.reset_btn.isEnabled()
    panel.reset_btn.click()
    assert layer.strokes == () and window.session.stack.undo_text() == "GAN reset edits"
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(layer), base)
    window.undo()
    assert len(layer.strokes) == 1
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(layer), edited)
    _close(window)


def test_save_reopen_restores_scene(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    layer = _scene(qtbot, window, seed=7)
    _paint_stroke(qtbot, window, layer)
    _paint_stroke(qtbot, window, layer, "sky", "remove")
    final = _image(layer)
    masks = [s.mask.copy() for s in layer.strokes]
    path = tmp_path / "scene.ora"
    assert window.save_to(str(path))
    assert window.open_file(str(path))
    back = window.ganpaint.layer()
    assert back is not None and back is not layer
    assert back.seed == 7 and [s.concept for s in back.strokes] == ["tree", "sky"]
    assert [s.mode for s in back.strokes] == ["draw", "remove"]
    for a, b in zip(masks, back.strokes, strict=True):
        np.testing.assert_array_equal(a, b.mask)
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(back), final)
    back.mark_stale()  # recomputed from seed + edits: the same picture
    assert window.ganpaint.controller.wait(30)
    np.testing.assert_array_equal(_image(back), final)
    window.undo()  # nothing to undo in a reopened file
    assert len(back.strokes) == 2
    _close(window)


def test_export_png_sizes(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from paintgan.io.images import load_image

    layer = _scene(qtbot, window, seed=3)
    out = tmp_path / "model.png"
    assert window.ganpaint.export_png(str(out), "model")
    img = load_image(out).pixels
    assert img.shape[:2] == layer.image_size
    assert layer.image is not None
    np.testing.assert_array_equal(img[..., :3], layer.image)
    page = tmp_path / "page.png"
    assert window.ganpaint.export_png(str(page), "document")
    d = window.session.doc
    assert load_image(page).pixels.shape[:2] == (d.height, d.width)
    _close(window)


def test_send_to_layer(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    painting = window.session
    n_before = sum(1 for _ in painting.doc.layers())
    layer = _scene(qtbot, window, seed=2)
    picture = _image(layer)
    targets = window.ganpaint.send_targets()
    assert [t[1] for t in targets] == [painting]
    window.ganpaint.send_to_layer(painting)
    assert window.session is painting  # the painting is shown, the scene stays open
    assert window.documents.all() == [painting, window.documents.background[0]]
    layers = list(painting.doc.layers())
    assert len(layers) == n_before + 1
    sent = painting.doc.active_layer
    assert isinstance(sent, RasterLayer) and sent.name == "GANPaint seed 2"
    b = sent.bounds()
    assert b is not None and (b.w, b.h) == (picture.shape[1], picture.shape[0])
    np.testing.assert_array_equal(sent.read(b), picture)
    assert painting.stack.undo_text().startswith("Send")
    window.undo()
    assert sum(1 for _ in painting.doc.layers()) == n_before
    # back to the scene through the Window menu, then into a new painting document
    window.fill_window_menu()
    menu = window.window_menu
    assert menu is not None and len(menu.actions()) == 2
    menu.actions()[1].trigger()
    assert window.ganpaint.layer() is layer
    new = window.ganpaint.send_to_layer(None)
    assert new is window.session and new is not painting
    assert [lay.name for lay in new.doc.layers()][-1] == "GANPaint seed 2"
    np.testing.assert_array_equal(new.doc.composite()[..., :3], picture[..., :3])
    _close(window)


def test_unavailable_model_is_explained(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                        tmp_path: Path, no_modal_boxes: list[tuple[str, str]]) -> None:
    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(tmp_path / "none"))
    assert window.ganpaint.new_scene() is None
    assert no_modal_boxes and no_modal_boxes[-1][0] == "GANPaint"
    assert "unavailable" in no_modal_boxes[-1][1].lower()
    panel = window.ganpaint.panel
    assert panel is not None
    assert not panel.reason.isHidden() and "unavailable" in panel.reason.text().lower()
    assert not panel.seed_box.isEnabled() and not panel.draw_btn.isEnabled()
    assert len(window.documents.all()) == 1
    # the GAN brush on a painting document says why it does nothing
    window.set_tool("gan_brush")
    drag(window, [(20, 20), (60, 60)])
    assert len(window.session.stack) == 0


def test_model_without_dissection_is_explained(qtbot, window: MainWindow, gan_model: Path,  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               no_modal_boxes: list[tuple[str, str]]) -> None:
    src = next(p for p in gan_model.iterdir() if p.is_dir())
    shutil.copytree(src, tmp_path / "models" / src.name)
    (tmp_path / "models" / src.name / "dissection.json").unlink()
    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(tmp_path / "models"))
    assert window.ganpaint.new_scene() is None
    assert "paintgan dissect" in no_modal_boxes[-1][1]
    assert "paintgan dissect" in window.ganpaint.panel.reason.text()  # type: ignore[union-attr]


def test_close_document_shows_the_next_open_one(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    painting = window.session
    _scene(qtbot, window)
    scene = window.session
    window.ganpaint.pick_seed(3)  # modified: closing asks (the test fixture answers Discard)
    window.close_document()
    assert window.session is painting and window.documents.all() == [painting]
    assert scene not in window.documents.background
    window.close_document()
    assert window.session is not painting and len(window.documents.all()) == 1
