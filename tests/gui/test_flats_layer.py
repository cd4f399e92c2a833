"""Layer ▸ New Flats Layer and Layer ▸ Merge Flats of Same Colour in the app (issue #15): the jobs run in
the background, the flats are an ordinary paint layer below the line art, the magic wand selects one
region, each action is one undo step."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from user_dirs import isolated_user_dirs

from paintgan.brush.select import wand_by_color
from paintgan.commands.hints import SetHints
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.hints import Hints, PointHint
from paintgan.core.layers import RasterLayer
from paintgan.gui.colorize.setup import make_colorize_stack
from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession

W, H = 240, 180
RED, BLUE = (220, 30, 30), (30, 60, 220)


@pytest.fixture(autouse=True)
def no_models(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    base = tmp_path_factory.mktemp("user")
    with isolated_user_dirs(base, monkeypatch, model_path=base / "none"):
        yield


def cell(i: int, j: int) -> tuple[int, int]:
    """A point inside grid cell (column i, row j)."""
    return 20 + 200 * (2 * i + 1) // 6, 20 + 140 * (2 * j + 1) // 6


def grid_doc() -> tuple[Document, RasterLayer]:
    """Line art: a 3×3 grid of boxes (2-3 px lines) on white: 10 regions with the paper around."""
    img = np.full((H, W, 4), 255, np.uint8)
    for k in range(4):
        x, y = 20 + 200 * k // 3, 20 + 140 * k // 3
        cv2.line(img, (x, 20), (x, 160), (0, 0, 0, 255), 2)
        cv2.line(img, (20, y), (220, y), (0, 0, 0, 255), 2)
    doc = Document(W, H)
    line = RasterLayer.from_pixels("Line art", img)
    doc.root.insert(0, line)
    doc.active_layer = line
    return doc, line


def run(qtbot, window: MainWindow, action) -> None:  # type: ignore[no-untyped-def]
    assert action.isEnabled()
    action.trigger()  # as the Layer menu does
    assert window.flats.pending is not None  # runs in the background
    qtbot.waitUntil(lambda: window.flats.pending is None, timeout=20000)


def flats_px(layer: RasterLayer) -> np.ndarray:
    px = layer.read_u8(Rect(0, 0, W, H))
    assert px is not None
    return px


def test_new_flats_layer_below_the_lines_wand_selects_one_region_undo(qtbot, window: MainWindow, tmp_path):
    doc, line = grid_doc()
    window.set_session(DocumentSession(doc))
    menu_texts = [a.text() for m in window.menuBar().actions() if m.text() == "&Layer"
                  for a in m.menu().actions()]
    assert "New &Flats Layer" in menu_texts and "Merge Flats of Same &Colour" in menu_texts
    run(qtbot, window, window.flats.new_action)
    flats = doc.active_layer
    assert isinstance(flats, RasterLayer) and type(flats) is RasterLayer and flats.name == "Flats"
    assert doc.root.children == [flats, line]  # just below the line art
    px = flats_px(flats)
    assert (px[..., 3] == 255).all()  # every pixel, the lines included, belongs to a flat
    colours = np.unique(px.reshape(-1, 4).view(np.uint32))
    assert len(colours) == 10
    # the magic wand (default tolerance 32, contiguous) on the flats selects exactly one box, lines to
    # their middle included
    x, y = cell(1, 1)
    sel = wand_by_color(px, x, y, 32, True)
    assert sel is not None
    mask = sel.selected(Rect(0, 0, W, H))
    same = (px.view(np.uint32)[..., 0] == px.view(np.uint32)[y, x, 0])
    np.testing.assert_array_equal(mask, same)
    xs = np.nonzero(mask)[1]
    assert xs.min() <= 20 + 200 // 3 + 1 and xs.max() >= 20 + 400 // 3 - 1  # reaches under the lines
    # an ordinary layer of the .ora (Krita and GIMP see a paint layer named "Flats")
    from paintgan.io.documents import open_document, save_document

    save_document(doc, tmp_path / "page.ora")
    back = open_document(tmp_path / "page.ora")
    names = [lay.name for lay in back.layers()]
    assert names == ["Flats", "Line art"]
    reopened = next(lay for lay in back.layers() if lay.name == "Flats")
    assert isinstance(reopened, RasterLayer) and reopened.kind == "raster"
    np.testing.assert_array_equal(reopened.read_u8(Rect(0, 0, W, H)), px)
    window.undo()
    assert doc.root.children == [line] and doc.active_layer is line
    window.redo()
    assert doc.root.children == [flats, line]
    assert window.session.stack.undo_text().lower().startswith("new flats")


def test_merge_flats_of_the_same_hint_colour_is_one_undo_step(qtbot, window: MainWindow):
    doc, line = grid_doc()
    window.set_session(DocumentSession(doc))
    col = make_colorize_stack(window.session, line, mode="flat")
    pts = [(0, 0, RED), (2, 2, RED), (1, 0, BLUE)]
    hints = Hints(points=[PointHint(*cell(i, j), rgb, 2.0) for i, j, rgb in pts])
    window.session.stack.push(SetHints(col, hints))
    run(qtbot, window, window.flats.new_action)
    flats = doc.active_layer
    assert isinstance(flats, RasterLayer) and flats.name == "Flats"
    kids = doc.root.children
    assert kids.index(flats) == kids.index(col) - 1 and kids.index(line) == len(kids) - 1  # below the colours
    before = flats_px(flats)

    def at(px: np.ndarray, i: int, j: int) -> tuple[int, ...]:
        x, y = cell(i, j)
        return tuple(int(v) for v in px[y, x])

    assert at(before, 0, 0) != at(before, 2, 2)
    run(qtbot, window, window.flats.merge_action)
    after = flats_px(flats)
    assert at(after, 0, 0) == at(after, 2, 2)  # the two red boxes: one flat
    assert len({at(after, 0, 0), at(after, 1, 0), at(after, 1, 1), at(after, 2, 1)}) == 4
    assert len(np.unique(after.reshape(-1, 4).view(np.uint32))) == 9
    window.undo()
    np.testing.assert_array_equal(flats_px(flats), before)


def test_merge_without_flats_or_hints_says_why_and_changes_nothing(qtbot, window: MainWindow):
    doc, _line = grid_doc()
    window.set_session(DocumentSession(doc))
    n = len(window.session.stack)
    assert window.flats.merge_flats() is False
    assert "New Flats Layer" in window.status.currentMessage()
    run(qtbot, window, window.flats.new_action)
    assert window.flats.merge_flats() is False  # no colorize layer, no hints
    assert "hints" in window.status.currentMessage()
    assert len(window.session.stack) == n + 1
