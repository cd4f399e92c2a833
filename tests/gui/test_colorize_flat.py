"""Colorization in the app, flat mode (deterministic, no model): hints placed with the real mouse on a page
of black rings, results arriving from the background, undo, move/delete, strokes, eraser, save/reopen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from user_dirs import isolated_user_dirs

from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Document
from paintgan.core.layers import RasterLayer
from paintgan.gui.colorize.setup import make_colorize_stack
from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession
from tests.gui.helpers import click, drag, key

RED, BLUE, GREEN = (220, 30, 30), (30, 60, 220), (40, 180, 60)
RINGS = ((80, 120), (240, 120))


@pytest.fixture(autouse=True)
def no_models(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    base = tmp_path_factory.mktemp("user")
    with isolated_user_dirs(base, monkeypatch, model_path=base / "none"):
        yield


def rings_doc(w: int = 320, h: int = 240) -> tuple[Document, RasterLayer]:
    img = np.full((h, w, 4), 255, np.uint8)
    for cx, cy in RINGS:
        cv2.circle(img, (cx, cy), 60, (0, 0, 0, 255), 2)
    doc = Document(w, h)
    line = RasterLayer.from_pixels("Line art", img)
    doc.root.insert(0, line)
    doc.active_layer = line
    return doc, line


def colorize_window(window: MainWindow, mode: str = "flat") -> ColorizeLayer:
    doc, line = rings_doc()
    window.set_session(DocumentSession(doc))
    layer = make_colorize_stack(window.session, line, mode=mode)
    window.set_tool("hint_point")
    return layer


def wait_exact(qtbot, window: MainWindow, layer: ColorizeLayer) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(layer), timeout=15000)


def px(layer: ColorizeLayer, x: int, y: int) -> tuple[int, ...]:
    assert layer.result is not None
    return tuple(int(v) for v in layer.result[y, x])


def test_hints_color_their_regions_and_undo(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window)
    assert layer.kind == "colorize" and window.session.doc.active_layer is layer
    names = [lay.name for lay in window.session.doc.root.children]
    assert names == ["Paper", "Line art colours", "Line art"]
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    assert len(layer.hints.points) == 1 and layer.hints.points[0].rgb == RED
    wait_exact(qtbot, window, layer)
    assert px(layer, 80, 100) == (*RED, 255)
    assert px(layer, 240, 120)[3] == 0  # the other ring has no hint yet
    # the composite shows it (line art multiplied on top)
    assert tuple(window.session.doc.composite()[100, 80][:3]) == RED

    window.colors.set_fg(BLUE)
    click(window, *RINGS[1])
    wait_exact(qtbot, window, layer)
    assert px(layer, 240, 140) == (*BLUE, 255)
    assert px(layer, 80, 100) == (*RED, 255)

    window.undo()  # the blue hint goes, the earlier colours come back
    assert len(layer.hints.points) == 1
    wait_exact(qtbot, window, layer)
    assert px(layer, 240, 140)[3] == 0 and px(layer, 80, 100) == (*RED, 255)
    window.redo()
    wait_exact(qtbot, window, layer)
    assert px(layer, 240, 140) == (*BLUE, 255)


def test_drag_moves_a_hint_in_one_step_and_delete(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window)
    window.colors.set_fg(GREEN)
    click(window, *RINGS[0])
    wait_exact(qtbot, window, layer)
    steps = len(window.session.stack)
    (x0, y0), (x1, y1) = RINGS
    drag(window, [(x0, y0), (x0 + 40, y0), (x0 + 100, y0), (x1, y1)])
    assert len(window.session.stack) == steps + 1  # one undo step for the whole drag
    assert (layer.hints.points[0].x, layer.hints.points[0].y) == (x1, y1)
    wait_exact(qtbot, window, layer)
    assert px(layer, 80, 100)[3] == 0 and px(layer, 240, 100) == (*GREEN, 255)

    click(window, x1, y1, button=Qt.MouseButton.RightButton)  # right-click deletes
    assert layer.hints.points == []
    wait_exact(qtbot, window, layer)
    assert px(layer, 240, 100)[3] == 0
    window.undo()
    assert len(layer.hints.points) == 1
    click(window, x1, y1)  # select (no new hint: it hits the existing one)
    assert len(layer.hints.points) == 1
    key(window, Qt.Key.Key_Delete)
    assert layer.hints.points == []


def test_stroke_hint_and_eraser(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window)
    window.set_tool("hint_stroke")
    window.colors.set_fg(BLUE)
    drag(window, [(60, 110), (80, 115), (100, 125)])
    assert len(layer.hints.strokes) == 1 and layer.hints.strokes[0].rgb == BLUE
    wait_exact(qtbot, window, layer)
    assert px(layer, 80, 140) == (*BLUE, 255)
    window.set_tool("hint_point")
    window.colors.set_fg(RED)
    click(window, *RINGS[1])
    window.set_tool("hint_eraser")
    steps = len(window.session.stack)
    drag(window, [(50, 110), (80, 116), (110, 124), (240, 120)])
    assert layer.hints.strokes == [] and layer.hints.points == []
    assert len(window.session.stack) == steps + 1
    window.undo()
    assert len(layer.hints.strokes) == 1 and len(layer.hints.points) == 1
    wait_exact(qtbot, window, layer)


def test_size_keys_and_alt_pick(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window)
    tool = window.tools["hint_point"]
    before = tool.size  # type: ignore[attr-defined]
    key(window, Qt.Key.Key_BracketRight)
    assert tool.size > before  # type: ignore[attr-defined]
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    wait_exact(qtbot, window, layer)
    window.colors.set_fg((0, 0, 0))
    click(window, 80, 90, mods=Qt.KeyboardModifier.AltModifier)  # picks from the colours
    assert window.colors.fg == RED
    assert len(layer.hints.points) == 1


def test_save_reopen_keeps_hints_and_settings(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window)
    window.colorize_panel.gap.setValue(4)
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    wait_exact(qtbot, window, layer)
    path = tmp_path / "page.ora"
    assert window.save_to(str(path))
    assert window.open_file(str(path))
    layers = [lay for lay in window.session.doc.layers() if isinstance(lay, ColorizeLayer)]
    assert len(layers) == 1
    again = layers[0]
    assert again.mode == "flat" and again.gap_radius == 4
    assert [(h.x, h.y, h.rgb) for h in again.hints.points] == [(80.0, 120.0, RED)]
    assert again.source_layer(window.session.doc).name == "Line art"  # type: ignore[union-attr]
    window.session.doc.set_active(again)
    window.colors.set_fg(BLUE)
    click(window, *RINGS[1])  # still editable after reopening
    wait_exact(qtbot, window, again)
    assert px(again, 240, 140) == (*BLUE, 255) and px(again, 80, 100) == (*RED, 255)


def test_hints_json_roundtrip_palette_and_apply(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               no_modal_boxes) -> None:
    layer = colorize_window(window)
    panel = window.colorize_panel
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    out = tmp_path / "hints.json"
    assert panel.export_hints(str(out))
    window.undo()
    assert layer.hints.points == []
    assert panel.import_hints(str(out))
    assert [h.rgb for h in layer.hints.points] == [RED]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not panel.import_hints(str(bad))
    assert no_modal_boxes and no_modal_boxes[-1][0] == "Import hints"
    ref = np.zeros((20, 40, 3), np.uint8)
    ref[:, :20] = (200, 20, 20)
    ref[:, 20:] = (20, 20, 200)
    ref_path = tmp_path / "ref.png"
    cv2.imwrite(str(ref_path), ref[..., ::-1])
    assert panel.palette_from_image(str(ref_path), k=2)
    pal = sorted(layer.hints.palette)
    assert len(pal) == 2 and pal[0][2] > 150 and pal[1][0] > 150
    wait_exact(qtbot, window, layer)
    panel.apply_result()
    active = window.session.doc.active_layer
    assert isinstance(active, RasterLayer) and active.name == "Flats"
    assert tuple(active.read(window.session.doc.rect)[100, 80]) == (*RED, 255)


def test_neural_disabled_without_model(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window, mode="neural")
    panel = window.colorize_panel
    panel.refresh_models()
    assert not window.colorize.models.usable
    assert not panel.mode.model().item(0).isEnabled()  # type: ignore[attr-defined]
    assert panel.reason.text().startswith("Colorization unavailable")
    # a neural layer still shows flat colours, with the reason in the status bar
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    wait_exact(qtbot, window, layer)
    assert px(layer, 80, 100) == (*RED, 255)


def test_colorize_action_builds_the_stack(qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog

    from paintgan.gui.colorize.setup import ColorizeDialog

    doc, _line = rings_doc()
    window.set_session(DocumentSession(doc))
    seen: dict[str, object] = {}

    def accept(self: ColorizeDialog) -> int:
        seen["kind0"] = self.kind.itemText(0)
        seen["neural_enabled"] = self.mode.model().item(0).isEnabled()  # type: ignore[attr-defined]
        self.kind.setCurrentIndex(self.kind.findData("lineart"))  # the override
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ColorizeDialog, "exec", accept)
    window.actions_["colorize"].trigger()
    layer = window.session.doc.active_layer
    assert isinstance(layer, ColorizeLayer)
    assert layer.input_kind == "lineart" and layer.mode == "flat"
    assert seen == {"kind0": "Auto (looks like line art)", "neural_enabled": False}
    assert window.tool.name == "hint_point"
    window.undo()  # the whole stack is one step
    assert not any(isinstance(lay, ColorizeLayer) for lay in window.session.doc.layers())


def test_source_edit_recomputes(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window)
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    wait_exact(qtbot, window, layer)
    assert px(layer, 80, 150) == (*RED, 255)
    line = layer.source_layer(window.session.doc)
    assert isinstance(line, RasterLayer)
    bar = np.zeros((3, 140, 4), np.uint8)
    bar[..., 3] = 255
    line.write(10, 130, bar)  # a line across the first ring: its lower half is a new, unhinted region
    # stale, or already recomputed (on a loaded machine both can happen between two polls)
    qtbot.waitUntil(lambda: layer.stale or px(layer, 80, 150)[3] == 0, timeout=15000)
    wait_exact(qtbot, window, layer)
    assert px(layer, 80, 100) == (*RED, 255) and px(layer, 80, 150)[3] == 0
