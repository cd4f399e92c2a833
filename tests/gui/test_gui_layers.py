from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from paintgan.core.layers import GroupLayer

from .helpers import drag


def names(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [layer.name for layer in doc.root.children]


def test_add_delete_reorder_with_buttons_and_undo(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    assert names(doc) == ["Background", "Layer 1"]
    panel.buttons["add"].click()
    assert names(doc) == ["Background", "Layer 1", "Layer 2"]
    assert doc.active_layer.name == "Layer 2"
    assert panel.tree.topLevelItem(0).text(0) == "Layer 2"  # the list shows the top layer first
    panel.buttons["down"].click()
    assert names(doc) == ["Background", "Layer 2", "Layer 1"]
    panel.buttons["delete"].click()
    assert names(doc) == ["Background", "Layer 1"]
    assert panel.tree.topLevelItemCount() == 2
    stack.undo()
    assert names(doc) == ["Background", "Layer 2", "Layer 1"]
    stack.undo()
    stack.undo()
    assert names(doc) == ["Background", "Layer 1"]
    assert panel.tree.topLevelItemCount() == 2


def test_visibility_checkbox_and_rename_are_commands(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    drag(window, [(50, 50), (200, 50)])
    before = doc.composite().copy()
    item = panel.tree.topLevelItem(0)  # "Layer 1"
    item.setCheckState(0, Qt.CheckState.Unchecked)
    layer = doc.find(panel.tree.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole))
    assert not layer.visible
    assert not np.array_equal(doc.composite(), before)
    panel.tree.topLevelItem(0).setText(0, "Ink")
    assert layer.name == "Ink"
    stack.undo()
    assert layer.name == "Layer 1"
    stack.undo()
    assert layer.visible
    assert np.array_equal(doc.composite(), before)


def test_opacity_slider_drag_is_one_step(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    layer = doc.active_layer
    slider = panel.opacity
    slider.setSliderDown(True)
    for v in (90, 70, 50, 40):
        slider.setValue(v)
    slider.setSliderDown(False)
    slider.sliderReleased.emit()
    assert abs(layer.opacity - 0.4) < 1e-6
    assert len(stack) == 1
    slider.setValue(20)  # a keyboard change after release is a new step
    assert len(stack) == 2
    stack.undo()
    stack.undo()
    assert layer.opacity == 1.0
    assert slider.value() == 100


def test_blend_mode_lock_merge_duplicate(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    drag(window, [(50, 50), (200, 50)])
    panel.blend.setCurrentIndex(panel.blend.findData("multiply"))
    panel.blend.activated.emit(panel.blend.currentIndex())
    assert doc.active_layer.blend_mode == "multiply"
    panel.lock.setChecked(True)
    assert doc.active_layer.locked
    stack.undo()
    panel.buttons["duplicate"].click()
    assert names(doc) == ["Background", "Layer 1", "Layer 1 copy"]
    before = doc.composite().copy()
    panel.buttons["merge"].click()
    assert names(doc) == ["Background", "Layer 1"]
    assert np.abs(doc.composite().astype(int) - before).max() <= 1
    stack.undo()
    assert names(doc) == ["Background", "Layer 1", "Layer 1 copy"]


def test_drop_reorders_through_a_command_and_groups_indent(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    panel.buttons["group"].click()
    group = doc.active_layer
    assert isinstance(group, GroupLayer)
    layer1 = doc.root.children[1]
    panel._drop(layer1.id, group.id, 0)  # dropped onto the group
    QApplication.processEvents()
    assert layer1.parent is group
    top = panel.tree.topLevelItem(0)
    assert top.text(0) == group.name and top.child(0).text(0) == "Layer 1"  # indented under the group
    bg = doc.root.children[0]
    panel._drop(bg.id, group.id, -1)  # above the group = on top of the stack
    assert doc.root.children[-1] is bg
    stack.undo()
    stack.undo()
    assert names(doc) == ["Background", "Layer 1", "Group 1"]
