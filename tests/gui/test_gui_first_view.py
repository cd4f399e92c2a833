"""The first window fits the new document once the canvas has its real size (it used to fit the
provisional 200×150 widget and stay a tiny rectangle at a zoom the status bar called 100 %)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession


def test_first_view_is_fitted_after_the_window_gets_its_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(1920, 1080))
    qtbot.addWidget(w)
    w.canvas.resize(200, 150)  # what the canvas has before the window manager sizes the window
    w.canvas.fit()
    w.resize(1280, 820)
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()
    c, v = w.canvas, w.canvas.view
    shown_w, shown_h = 1920 * v.zoom, 1080 * v.zoom
    assert shown_w >= 0.8 * c.width() or shown_h >= 0.8 * c.height()  # fills most of the canvas widget
    # once the user zooms, a resize no longer refits
    c.zoom_step(1)
    z = v.zoom
    w.resize(1000, 700)
    QApplication.processEvents()
    assert v.zoom == z
    w.session.stack.set_clean()


def test_the_app_starts_on_the_brush(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(64, 64))
    qtbot.addWidget(w)
    w.set_tool("gan_brush" if "gan_brush" in w.tools else "hint_point")
    w.save_settings()
    w2 = MainWindow(DocumentSession.new(64, 64))
    qtbot.addWidget(w2)
    assert w2.tool.name == "brush"


def test_new_dialog_names_the_preset_of_the_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.dialogs import NewDocumentDialog

    dlg = NewDocumentDialog(None, 1920, 1080)
    qtbot.addWidget(dlg)
    assert dlg.preset.currentText() == "1920 × 1080 (HD)"
    dlg.width_box.setValue(1000)
    assert dlg.preset.currentText() == "Custom"
    dlg.height_box.setValue(1000)
    dlg.width_box.setValue(1024)
    dlg.height_box.setValue(1024)
    assert dlg.preset.currentText() == "1024 × 1024"


def test_layers_panel_shows_several_rows(window) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.panels.layers import THUMB

    assert window.layers_panel.tree.height() >= 5 * THUMB


def test_selftest_names_the_window_without_qt_placeholder(qtbot) -> None:  # type: ignore[no-untyped-def]
    from paintgan.app_selftest import check_main_window

    _name, ok, detail = check_main_window()
    assert ok and "[*]" not in detail and "Untitled (1920×1080)" in detail


def test_hint_markers_hidden_with_their_colorize_layer(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage

    from paintgan.commands.hints import AddHint
    from paintgan.commands.layers import SetLayerPropertiesCommand
    from paintgan.gui.colorize.setup import make_colorize_stack

    doc = window.session.doc
    line = doc.active_layer
    layer = make_colorize_stack(window.session, line, mode="flat")
    window.session.stack.push(AddHint(layer, 50, 50, (255, 0, 0), 4))
    img = QImage(window.canvas.size(), QImage.Format.Format_ARGB32_Premultiplied)
    wx, wy = window.canvas.view.to_widget(50, 50)
    window.canvas.render(img)
    red_shown = img.pixelColor(int(wx), int(wy)).red() > 200 and img.pixelColor(int(wx), int(wy)).green() < 80
    window.session.stack.push(SetLayerPropertiesCommand(doc, layer, visible=False))
    window.canvas.render(img)
    c = img.pixelColor(int(wx), int(wy))
    assert red_shown and not (c.red() > 200 and c.green() < 80)


def test_tools_that_do_not_apply_are_disabled(window) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.colorize.setup import make_colorize_stack
    from paintgan.gui.session import DocumentSession

    acts = window.tool_actions
    assert not acts["hint_point"].isEnabled() and not acts["hint_stroke"].isEnabled()
    assert acts["brush"].isEnabled() and acts["select_rect"].isEnabled()
    line = window.session.doc.active_layer
    make_colorize_stack(window.session, line, mode="flat")
    assert acts["hint_point"].isEnabled()
    window.set_tool("hint_stroke")
    photo = window.session
    window.documents.switch_to(DocumentSession.new(64, 64))  # a document without a colorize layer
    assert window.tool.name == "brush" and not acts["hint_stroke"].isEnabled()
    window.session.stack.set_clean()
    photo.stack.set_clean()


def test_colorize_panel_forgets_the_previous_page(window) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.colorize.setup import make_colorize_stack
    from paintgan.gui.session import DocumentSession

    line = window.session.doc.active_layer
    make_colorize_stack(window.session, line, mode="neural")
    panel = window.colorize_panel
    panel.sync()
    panel.suggest_grid.set_colors([((200, 10, 10), "50 %")])
    first = window.session
    window.documents.switch_to(DocumentSession.new(64, 64))
    assert not panel.flats.isChecked() and not panel.flats.isEnabled()
    assert panel.suggest_grid.colors == []
    window.session.stack.set_clean()
    first.stack.set_clean()


def test_window_fits_a_laptop_screen(window) -> None:  # type: ignore[no-untyped-def]
    # tall panels scroll instead of squeezing the layer list or making the window taller than a 768 px screen
    assert window.minimumSizeHint().height() <= 700
