"""Chapter colour memory in the app (issue 15): page 1 of a folder is coloured and applied, so page 2 (the
same character in another pose, drawn by the tests) gets the colours as hints on its new colorize layer —
one undoable step, clearable, off with the setting; a document without a file remembers nothing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from paintgan.commands.hints import SetHints
from paintgan.commands.layers import AddLayerCommand
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.hints import Hints, PointHint
from paintgan.core.layers import RasterLayer
from paintgan.gui.colorize.memory import NO_FILE, SUGGEST_TEXT
from paintgan.gui.colorize.setup import colorize_source, make_colorize_stack
from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession
from paintgan.io.colour_memory import FOLDER, INDEX_NAME
from tests.gui.colorize_models import colorize_helpers

H = colorize_helpers()
PARTS = ("head", "body", "arm", "legs")


def _centre(truth: np.ndarray, rgb: tuple[int, int, int]) -> tuple[int, int]:
    mask = np.all(truth == rgb, axis=2).astype(np.uint8)
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    ys, xs = np.nonzero(dist >= dist.max() - 0.5)
    return int(xs[len(xs) // 2]), int(ys[len(ys) // 2])


def _colorize(window: MainWindow) -> ColorizeLayer:
    source = colorize_source(window.session)
    assert source is not None
    return make_colorize_stack(window.session, source, mode="flat", paper=False)


def _wait(window: MainWindow) -> None:
    assert window.colorize.wait(20.0)
    assert window.chapter_memory.controller.wait(20.0)


def _colour_page1(window: MainWindow, folder: Path) -> None:
    truth1, line1 = H.character(dx=-20)
    cv2.imwrite(str(folder / "page01.png"), cv2.cvtColor(line1, cv2.COLOR_RGB2BGR))
    assert window.open_file(str(folder / "page01.png"))
    layer = _colorize(window)
    _wait(window)
    assert layer.hints.points == []  # no memory yet: nothing suggested
    pts = [PointHint(*_centre(truth1, H.CHARACTER_COLOURS[n]), H.CHARACTER_COLOURS[n]) for n in PARTS]
    window.session.stack.push(SetHints(layer, Hints(pts)))
    _wait(window)
    window.colorize_panel.apply_result()  # the panel's Apply
    _wait(window)
    assert (folder / FOLDER / INDEX_NAME).is_file()


def test_applied_page_feeds_suggestions_on_the_next_page_as_one_undoable_step(window: MainWindow,
                                                                             tmp_path: Path) -> None:
    _colour_page1(window, tmp_path)
    assert "remembered" in window.statusBar().currentMessage()
    truth2, line2 = H.character(dx=25, arm_up=True)
    cv2.imwrite(str(tmp_path / "page02.png"), cv2.cvtColor(line2, cv2.COLOR_RGB2BGR))
    assert window.open_file(str(tmp_path / "page02.png"))
    depth = window.session.stack.index
    layer = _colorize(window)
    _wait(window)
    pts = layer.hints.points
    assert len(pts) >= 4
    got = {tuple(int(v) for v in truth2[int(p.y), int(p.x)]) for p in pts}
    assert all(p.rgb == tuple(int(v) for v in truth2[int(p.y), int(p.x)]) for p in pts)
    assert got == {H.CHARACTER_COLOURS[n] for n in PARTS}
    stack = window.session.stack
    assert stack.index == depth + 2 and stack.undo_text() == SUGGEST_TEXT  # the stack, then ONE step
    ms = window.chapter_memory.controller.timings["suggest_ms"]
    assert 0 < ms < 10_000
    # the colours follow the hints (flat fill): the arm is the remembered red
    x, y = _centre(truth2, H.CHARACTER_COLOURS["arm"])
    assert window.colorize.wait(20.0)
    assert tuple(int(v) for v in layer.result[y, x, :3]) == H.CHARACTER_COLOURS["arm"]
    stack.undo()
    assert layer.hints.points == []
    stack.redo()
    assert len(layer.hints.points) == len(pts)
    # Clear Memory Suggestions keeps the user's own hints, as one step
    mine = PointHint(3.0, 3.0, (1, 2, 3))
    stack.push(SetHints(layer, Hints([*layer.hints.points, mine])))
    window.set_tool("hint_point")
    assert window.chapter_memory.clear()
    assert layer.hints.points == [mine]
    stack.undo()
    assert len(layer.hints.points) == len(pts) + 1
    assert not window.chapter_memory.controller.clear_suggestions(None)


def test_suggestions_off_and_a_page_without_file(window: MainWindow, tmp_path: Path) -> None:
    _colour_page1(window, tmp_path)
    feature = window.chapter_memory
    feature.toggle_action.setChecked(False)
    assert not feature.controller.enabled
    _truth2, line2 = H.character(dx=10)
    cv2.imwrite(str(tmp_path / "page02.png"), cv2.cvtColor(line2, cv2.COLOR_RGB2BGR))
    assert window.open_file(str(tmp_path / "page02.png"))
    layer = _colorize(window)
    _wait(window)
    assert layer.hints.points == []
    feature.toggle_action.setChecked(True)
    # a broken memory is reported in one line and ignored: no suggestions, nothing fatal
    (tmp_path / FOLDER / INDEX_NAME).write_text('{"format": "paintgan-colour-memory", "version": 1')
    cv2.imwrite(str(tmp_path / "page03.png"), cv2.cvtColor(line2, cv2.COLOR_RGB2BGR))
    assert window.open_file(str(tmp_path / "page03.png"))
    layer = _colorize(window)
    _wait(window)
    assert layer.hints.points == []
    msg = window.statusBar().currentMessage()
    assert msg.startswith("chapter colour memory ignored: ") and "malformed JSON" in msg and "\n" not in msg
    # an unsaved document has no chapter: applying says so and writes nothing
    window.set_session(DocumentSession.new(240, 240))
    line = RasterLayer.from_pixels("Ink", np.dstack([line2, np.full(line2.shape[:2], 255, np.uint8)]))
    window.session.stack.push(AddLayerCommand(window.session.doc, line, window.session.doc.root, 1))
    window.session.doc.set_active(line)
    layer = _colorize(window)
    window.session.stack.push(SetHints(layer, Hints([PointHint(120, 150, (40, 80, 200))])))
    _wait(window)
    before = (tmp_path / FOLDER / INDEX_NAME).read_bytes()
    window.colorize_panel.apply_result()
    _wait(window)
    assert window.statusBar().currentMessage() == NO_FILE
    assert (tmp_path / FOLDER / INDEX_NAME).read_bytes() == before


def test_page_changed_after_the_prefetch_is_analysed_again(window: MainWindow, tmp_path: Path) -> None:
    from paintgan.commands.paint import ReplacePixelsCommand

    _colour_page1(window, tmp_path)
    _truth_a, line_a = H.character(dx=-30)
    truth_b, line_b = H.character(dx=30, mirror=True)
    cv2.imwrite(str(tmp_path / "page02.png"), cv2.cvtColor(line_a, cv2.COLOR_RGB2BGR))
    assert window.open_file(str(tmp_path / "page02.png"))
    _wait(window)  # the page shown in a folder with a memory: analysed in the background
    source = colorize_source(window.session)
    assert isinstance(source, RasterLayer)
    window.session.stack.push(ReplacePixelsCommand(source, np.dstack([line_b, np.full((240, 240), 255,
                                                                                      np.uint8)])))
    layer = _colorize(window)
    _wait(window)
    pts = layer.hints.points
    assert len(pts) >= 4
    assert all(p.rgb == tuple(int(v) for v in truth_b[int(p.y), int(p.x)]) for p in pts)  # the new drawing
