"""Colour from References in the app (issue 15): references added in the Colorize panel (an image file the
test draws, another open document), matched in the background, applied as one undo step, the matched
regions overlay toggled; bad references refused with one line and no history entry. A tiny colorize model
(tests/colorize) on $PAINTGAN_MODEL_PATH; the page is a simple character's line art in another pose, with a
hat the reference lacks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from user_dirs import isolated_user_dirs

from paintgan.commands.hints import AddHint
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Document
from paintgan.core.layers import RasterLayer
from paintgan.gui.colorize.setup import make_colorize_stack
from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession
from tests.gui.colorize_models import colorize_helpers
from tests.gui.helpers import drag

GREEN = (20, 200, 20)


H = colorize_helpers()


@pytest.fixture(scope="module")
def _models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    H.make_colorize_model(root)
    return root


@pytest.fixture(autouse=True)
def tiny_model(_models: Path, tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch, model_path=_models):
        yield _models


def save_rgb(path: Path, rgb: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def where(truth: np.ndarray, rgb: tuple[int, int, int]) -> tuple[int, int]:
    """A pixel (x, y) inside the region that has colour `rgb` in `truth`, away from its outline."""
    mask = np.all(truth == rgb, axis=2).astype(np.uint8)
    dist = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    ys, xs = np.nonzero(dist >= dist.max() - 0.5)  # the middle of the deepest ridge
    i = len(xs) // 2
    return int(xs[i]), int(ys[i])


def page_window(window: MainWindow, mode: str = "neural") -> tuple[ColorizeLayer, np.ndarray]:
    """The character's line art in a second pose, with a hat, as the shown document's colorize stack."""
    truth, page = H.character(dx=25, arm_up=True, hat=True)
    doc = Document(240, 240)
    line = RasterLayer.from_pixels("Line art", cv2.cvtColor(page, cv2.COLOR_RGB2RGBA))
    doc.root.insert(0, line)
    doc.active_layer = line
    window.set_session(DocumentSession(doc))
    layer = make_colorize_stack(window.session, line, mode=mode)
    return layer, truth


def reference_png(tmp_path: Path) -> Path:
    ref, _ = H.character(dx=-20)
    return save_rgb(tmp_path / "hero.png", ref)


def wait_all(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    rc = window.references.controller
    qtbot.waitUntil(lambda: not rc.busy, timeout=20000)
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(
        window.colorize.target()), timeout=20000)  # type: ignore[arg-type]


def test_colour_from_references_is_one_undo_step(qtbot, window: MainWindow, tmp_path: Path
                                                 ) -> None:  # type: ignore[no-untyped-def]
    layer, truth = page_window(window)
    box = window.references.box
    assert box.add_image(str(reference_png(tmp_path)))
    qtbot.waitUntil(lambda: not window.references.controller.busy, timeout=20000)
    assert box.list.count() == 1 and "hero.png" in box.list.item(0).text()
    assert not box.list.item(0).icon().isNull()  # thumbnail
    wait_all(qtbot, window)
    before = layer.result.copy()
    depth = len(window.session.stack)
    assert box.run_btn.isEnabled()
    box.run_btn.click()  # the real button: matching runs in the background
    assert window.references.controller.matching and not box.run_btn.isEnabled()
    wait_all(qtbot, window)
    assert window.session.stack.undo_text() == "Colour from references"
    assert len(layer.hints.points) >= 4
    for name in ("head", "body", "arm", "legs"):  # the matched colours reach the page
        x, y = where(truth, H.CHARACTER_COLOURS[name])
        assert tuple(layer.result[y, x, :3]) == H.CHARACTER_COLOURS[name], name
        assert tuple(window.session.doc.composite()[y, x, :3]) == H.CHARACTER_COLOURS[name], name
    outcome = window.references.controller.outcome()
    assert outcome is not None and outcome.unassigned >= 1  # the hat has no counterpart
    assert f"{outcome.assigned} regions matched" in box.status.text()
    assert f"{outcome.unassigned} need" in window.statusBar().currentMessage()
    assert "a hint (hatched)" in window.statusBar().currentMessage()
    # one undo restores exactly the previous hints (none) and the colours come back
    window.undo()
    assert layer.hints.points == [] and window.session.stack.undo_text() == "Colorize"
    wait_all(qtbot, window)
    assert np.array_equal(layer.result, before)
    window.redo()
    assert window.session.stack.undo_text() == "Colour from references"
    assert len(window.session.stack) == depth + 1


def test_user_hints_win_and_a_second_run_replaces_ours(qtbot, window: MainWindow, tmp_path: Path
                                                       ) -> None:  # type: ignore[no-untyped-def]
    layer, truth = page_window(window, mode="flat")
    box = window.references.box
    assert box.add_image(str(reference_png(tmp_path)))
    bx, by = where(truth, H.CHARACTER_COLOURS["body"])
    window.session.stack.push(AddHint(layer, bx, by, GREEN))
    assert box.colour_from_references()
    wait_all(qtbot, window)
    assert tuple(layer.result[by, bx, :3]) == GREEN  # the user's hint wins in its region
    assert layer.hints.points[-1].rgb == GREEN
    n = len(layer.hints.points)
    # again, from Layer ▸ Colour from References: our earlier hints are replaced, not kept as the user's
    layer_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Layer")
    assert window.references.run_action in layer_menu.actions()
    window.references.run_action.trigger()
    assert window.references.controller.matching
    wait_all(qtbot, window)
    assert len(layer.hints.points) == n
    assert "nothing new" in box.status.text()
    assert window.session.stack.undo_text() == "Colour from references"
    window.undo()
    assert [p.rgb for p in layer.hints.points] == [GREEN]


def test_references_outrank_chapter_memory_suggestions(qtbot, window: MainWindow, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:  # type: ignore[no-untyped-def]
    """User hints > references > memory: a memory suggestion in a region a reference colours is replaced,
    one in a region no reference has (the hat) stays."""
    layer, truth = page_window(window, mode="flat")
    box = window.references.box
    assert box.add_image(str(reference_png(tmp_path)))
    bx, by = where(truth, H.CHARACTER_COLOURS["body"])
    hx, hy = where(truth, H.CHARACTER_COLOURS["hat"])
    window.session.stack.push(AddHint(layer, bx, by, GREEN))
    window.session.stack.push(AddHint(layer, hx, hy, GREEN))
    suggested = list(layer.hints.points)
    memory = window.chapter_memory.controller
    monkeypatch.setattr(memory, "suggestions_on",
                        lambda lay: [p for p in lay.hints.points if p in suggested])
    assert box.colour_from_references()
    wait_all(qtbot, window)
    assert tuple(layer.result[by, bx, :3]) == H.CHARACTER_COLOURS["body"]  # the reference won
    assert tuple(layer.result[hy, hx, :3]) == GREEN  # the memory's suggestion stays where no reference is
    assert suggested[0] not in layer.hints.points and suggested[1] in layer.hints.points
    window.undo()
    assert layer.hints.points == suggested


def test_overlay_toggle_shows_and_hides_the_matched_regions(qtbot, window: MainWindow, tmp_path: Path
                                                            ) -> None:  # type: ignore[no-untyped-def]
    layer, truth = page_window(window, mode="flat")
    box = window.references.box
    overlay = window.references.overlay
    assert box.add_image(str(reference_png(tmp_path)))
    assert box.colour_from_references()
    wait_all(qtbot, window)
    hx, hy = where(truth, H.CHARACTER_COLOURS["hat"])  # unmatched: hatched red
    outcome = window.references.controller.outcome()
    assert outcome is not None
    s = outcome.overlay.shape[1] / 240  # the overlay is at the matcher's analysis size
    oy, ox = round(hy * s), round(hx * s)
    assert 220 in outcome.overlay[oy - 3:oy + 4, ox - 12:ox + 13, 0]

    def hat_has_red() -> bool:
        QApplication.processEvents()
        img = window.canvas.grab().toImage()
        cx, cy = window.canvas.view.to_widget(hx, hy)
        reds = [QColor(img.pixel(int(cx) + dx, int(cy) + dy)) for dx in range(-12, 13) for dy in range(-3, 4)]
        return any(c.red() > 200 and c.green() < 180 for c in reds)

    assert box.show_matches.isChecked() and overlay.showing
    assert hat_has_red()
    box.show_matches.click()  # hide
    assert not overlay.showing and not window.references.show_action.isChecked()
    assert not hat_has_red()
    window.references.show_action.trigger()  # View ▸ Show Matched Regions
    assert box.show_matches.isChecked() and overlay.showing
    assert hat_has_red()
    # drawing on the line art makes the match stale: the overlay goes, the hints stay
    line = layer.source_layer(window.session.doc)
    assert isinstance(line, RasterLayer)
    hints = list(layer.hints.points)
    window.session.doc.set_active(line)
    window.set_tool("brush")
    drag(window, [(10, 10), (60, 12)])
    qtbot.waitUntil(lambda: not overlay.showing, timeout=5000)
    assert layer.hints.points == hints


def test_bad_references_give_one_line_and_no_history_entry(qtbot, window: MainWindow, tmp_path: Path,
                                                           no_modal_boxes) -> None:  # type: ignore[no-untyped-def]
    layer, _truth = page_window(window)
    box = window.references.box
    stack = window.session.stack
    undo_text = stack.undo_text()
    # nothing to match against yet
    assert not box.colour_from_references()
    assert "Add a coloured reference" in box.status.text()
    # a gray picture: analysed after Add, refused with the matcher's reason, taken out of the list
    gray = cv2.cvtColor(cv2.cvtColor(H.character(dx=-20)[0], cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    assert box.add_image(str(save_rgb(tmp_path / "gray.png", gray)))
    qtbot.waitUntil(lambda: len(box.references) == 0, timeout=20000)
    assert "gray.png" in box.status.text() and "no colour" in box.status.text()
    assert "\n" not in box.status.text()
    assert "no colour" in window.statusBar().currentMessage()
    # a corrupt file: refused when read, naming the file
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    assert not box.add_image(str(bad))
    assert "broken.png" in box.status.text() and len(box.references) == 0
    # a reference far too small for the page (the page is 240²; the matcher needs 48 px a side)
    assert box.add_image(str(save_rgb(tmp_path / "tiny.png", H.character(40, 40)[0])))
    qtbot.waitUntil(lambda: len(box.references) == 0, timeout=20000)
    assert "tiny.png" in box.status.text() and "too small" in box.status.text()
    assert stack.undo_text() == undo_text and layer.hints.points == []
    assert not no_modal_boxes  # messages, not dialogs


def test_a_reference_of_a_very_different_size_fails_the_run_and_changes_nothing(
        qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page_window(window)  # 240²: a 60² reference is fine here
    box = window.references.box
    assert box.add_image(str(save_rgb(tmp_path / "small.png", H.character(60, 60)[0])))
    qtbot.waitUntil(lambda: not window.references.controller.busy, timeout=20000)
    assert len(box.references) == 1
    # another page, 12x larger than the reference
    _truth, page = H.character(720, 720, dx=30, arm_up=True)
    doc = Document(720, 720)
    line = RasterLayer.from_pixels("Line art", cv2.cvtColor(page, cv2.COLOR_RGB2RGBA))
    doc.root.insert(0, line)
    doc.active_layer = line
    window.set_session(DocumentSession(doc))
    layer = make_colorize_stack(window.session, line, mode="flat")
    depth, hints = len(window.session.stack), list(layer.hints.points)
    assert box.colour_from_references()
    qtbot.waitUntil(lambda: not window.references.controller.busy, timeout=20000)
    text = box.status.text()
    assert "small.png" in text and "too different in size" in text and "\n" not in text
    assert window.references.controller.last_error
    assert len(window.session.stack) == depth and layer.hints.points == hints
    assert window.references.controller.outcome() is None and not window.references.overlay.showing


def test_add_open_document_and_remove(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    coloured, _ = H.character(dx=-20)
    other = Document(240, 240)
    other.root.insert(0, RasterLayer.from_pixels("Colours", cv2.cvtColor(coloured, cv2.COLOR_RGB2RGBA)))
    other_session = DocumentSession(other)
    window.set_session(other_session)
    page_window(window)  # the coloured page stays open in the background
    window.documents.background.append(other_session)
    box = window.references.box
    assert box.other_documents() == [other_session]
    assert box.add_document(other_session)
    qtbot.waitUntil(lambda: not window.references.controller.busy, timeout=20000)
    assert len(box.references) == 1 and box.list.count() == 1
    assert np.array_equal(box.references[0].pixels[..., :3], coloured)
    assert box.colour_from_references()
    wait_all(qtbot, window)
    assert window.session.stack.undo_text() == "Colour from references"
    box.list.item(0).setSelected(True)
    assert box.remove_btn.isEnabled()
    box.remove_btn.click()
    assert len(box.references) == 0 and box.list.count() == 0 and not box.run_btn.isEnabled()
    window.documents.background.remove(other_session)
    other_session.close()
