from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication, QDialog

from paintgan.gui import dialogs

from .helpers import widget_pos


def _tablet(window, kind, x, y, pressure):  # type: ignore[no-untyped-def]
    pos = widget_pos(window, x, y)
    button = Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.NoButton if kind == QTabletEvent.Type.TabletRelease else button
    ev = QTabletEvent(kind, QPointingDevice.primaryPointingDevice(), pos, window.canvas.mapToGlobal(pos),
                      pressure, 0.0, 0.0, 0.0, 0.0, 0.0, Qt.KeyboardModifier.NoModifier, button, buttons)
    QApplication.sendEvent(window.canvas, ev)


def _tablet_stroke(window, y: float, pressure: float) -> None:  # type: ignore[no-untyped-def]
    _tablet(window, QTabletEvent.Type.TabletPress, 40, y, pressure)
    for x in range(45, 120, 5):
        _tablet(window, QTabletEvent.Type.TabletMove, x, y, pressure)
    _tablet(window, QTabletEvent.Type.TabletRelease, 120, y, pressure)


def test_tablet_pressure_maps_to_size(window) -> None:  # type: ignore[no-untyped-def]
    window.tools["brush"].update_settings(size=20, hardness=1.0)
    _tablet_stroke(window, 60, 1.0)
    _tablet_stroke(window, 160, 0.2)
    assert len(window.session.stack) == 2
    alpha = window.session.doc.active_layer.read(window.session.doc.rect)[..., 3]
    heavy = int((alpha[:, 80] > 128)[30:100].sum())
    light = int((alpha[:, 80] > 128)[130:200].sum())
    assert heavy >= 18 and light <= 8 and light > 0


def test_new_document_dialog(window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(dialogs.NewDocumentDialog, "exec", lambda self: (
        self.width_box.setValue(123), self.height_box.setValue(45), self.background.setCurrentIndex(1),
        QDialog.DialogCode.Accepted)[-1])
    window.new_document()
    doc = window.session.doc
    assert (doc.width, doc.height) == (123, 45)
    assert [layer.name for layer in doc.root.children] == ["Layer 1"]  # transparent: no background layer
    assert "Untitled" in window.windowTitle() and "123×45" in window.windowTitle()
    assert window.layers_panel.tree.topLevelItemCount() == 1
    assert window.history_panel.model.rowCount() == 1


def test_layer_properties_dialog(window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def fake_exec(self):  # type: ignore[no-untyped-def]
        self.name.setText("Lines")
        self.opacity.setValue(50)
        self.blend.setCurrentIndex(self.blend.findData("multiply"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(dialogs.LayerPropertiesDialog, "exec", fake_exec)
    window.layer_properties()
    layer = window.session.doc.active_layer
    assert (layer.name, layer.opacity, layer.blend_mode) == ("Lines", 0.5, "multiply")
    assert len(window.session.stack) == 1
    window.session.stack.undo()
    assert (layer.name, layer.opacity, layer.blend_mode) == ("Layer 1", 1.0, "normal")


def test_open_recent_menu(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui import settings as st
    from paintgan.io.documents import save_document

    path = tmp_path / "a.ora"
    save_document(window.session.doc, path)
    st.add_recent_file(window.settings, str(path))
    window.fill_recent_menu()
    acts = window.recent_menu.actions()
    assert [a.text() for a in acts] == ["a.ora"]
    acts[0].trigger()
    assert window.session.path == str(path)


def test_pan_with_space_drag_and_middle_button(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtTest import QTest

    from .helpers import drag

    view = window.canvas.view
    cx = view.cx
    drag(window, [(100, 100), (150, 100)], button=Qt.MouseButton.MiddleButton)
    assert abs(view.cx - (cx - 50)) < 1e-6
    cy = view.cy
    QTest.keyPress(window.canvas, Qt.Key.Key_Space)
    drag(window, [(100, 100), (100, 140)])
    QTest.keyRelease(window.canvas, Qt.Key.Key_Space)
    assert len(window.session.stack) == 0  # panning paints nothing
    assert abs(view.cy - (cy - 40)) < 1e-6
