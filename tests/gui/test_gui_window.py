from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from paintgan.gui import dialogs
from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession

from .helpers import drag, key


def test_save_then_reopen_gives_the_same_picture(window, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window.colors.set_fg((200, 40, 10))
    drag(window, [(30, 30), (250, 200)])
    window.layer_new()
    window.colors.set_fg((20, 40, 200))
    drag(window, [(250, 30), (30, 200)])
    picture = window.session.doc.composite().copy()
    target = tmp_path / "art.ora"
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a, **k: str(target))
    key(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # untitled: Save asks for a name
    assert target.exists()
    assert not window.isWindowModified()
    assert "art.ora" in window.windowTitle()
    assert window.open_file(str(target))
    doc = window.session.doc
    assert [layer.name for layer in doc.root.children] == ["Background", "Layer 1", "Layer 2"]
    assert np.array_equal(doc.composite(), picture)
    assert window.canvas.cache.doc is doc and window.layers_panel.tree.topLevelItemCount() == 3
    png = tmp_path / "flat.png"
    monkeypatch.setattr(dialogs, "choose_save_file", lambda *a, **k: str(png))
    assert window.export_png() and png.exists()
    assert window.settings.value("recent_files")[0].endswith("art.ora")


def test_open_error_shows_one_line_message(window, tmp_path, no_modal_boxes) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    assert not window.open_file(str(bad))
    assert not window.open_file(str(tmp_path / "missing.ora"))
    assert len(no_modal_boxes) == 2
    assert all(title == "Open" and "\n" not in text for title, text in no_modal_boxes)


@pytest.mark.parametrize("answer", ["cancel", "discard"])
def test_close_with_unsaved_changes_asks(qtbot, monkeypatch, answer) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(64, 64))
    qtbot.addWidget(w)
    w.show()
    asked: list[str] = []
    buttons = QMessageBox.StandardButton
    button = {"cancel": buttons.Cancel, "discard": buttons.Discard}[answer]

    def warning(parent, title, text, *a, **k):  # type: ignore[no-untyped-def]
        asked.append(text)
        return button

    monkeypatch.setattr(QMessageBox, "warning", warning)
    w.close()
    assert asked == []  # nothing to save: no question
    w.show()
    drag(w, [(10, 10), (50, 50)])
    assert w.isWindowModified()
    closed = w.close()
    assert len(asked) == 1 and "unsaved" in asked[0]
    assert closed == (answer == "discard")
    w.session.stack.set_clean()


def test_history_panel_click_moves_through_history(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    states = [doc.composite().copy()]
    for y in (40, 80, 120):
        drag(window, [(20, y), (300, y)])
        states.append(doc.composite().copy())
    view = window.history_panel.view
    model = window.history_panel.model
    assert model.rowCount() == 4 and model.current_row == 3
    for row in (1, 0, 2):
        view.clicked.emit(model.index(row))
        assert np.array_equal(doc.composite(), states[row])
        assert view.currentIndex().row() == row
    drag(window, [(20, 200), (300, 200)])  # a new stroke drops the undone entry
    assert model.rowCount() == 4 and model.current_row == 3


def test_tool_shortcuts_sizes_and_panels(window) -> None:  # type: ignore[no-untyped-def]
    for k, name in ((Qt.Key.Key_E, "eraser"), (Qt.Key.Key_I, "picker"), (Qt.Key.Key_G, "fill"),
                    (Qt.Key.Key_B, "brush")):
        key(window, k)
        assert window.tool.name == name
    size = window.tool.settings.size
    key(window, Qt.Key.Key_BracketRight)
    assert window.tool.settings.size > size
    key(window, Qt.Key.Key_BracketLeft)
    key(window, Qt.Key.Key_BracketLeft)
    assert window.tool.settings.size < size
    assert window.docks["layers"].isVisible()
    key(window, Qt.Key.Key_Tab)
    assert not any(d.isVisible() for d in window.docks.values())
    key(window, Qt.Key.Key_Tab)
    assert window.docks["layers"].isVisible()


def test_settings_are_remembered(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(64, 64))
    qtbot.addWidget(w)
    w.show()
    w.colors.set_fg((1, 2, 3))
    w.set_tool("eraser")
    w.tools["brush"].update_settings(size=33, hardness=0.5)
    w.docks["history"].hide()
    w.close()
    QApplication.processEvents()
    w2 = MainWindow(DocumentSession.new(64, 64))
    qtbot.addWidget(w2)
    w2.show()
    assert w2.colors.fg == (1, 2, 3)
    assert w2.tool.name == "eraser"
    assert w2.tools["brush"].settings.size == 33 and w2.tools["brush"].settings.hardness == 0.5
    assert not w2.docks["history"].isVisible()


def test_device_label_describes_the_runtime() -> None:
    from paintgan.gui.status import describe_device

    text = describe_device()
    assert text.startswith("AI:")
