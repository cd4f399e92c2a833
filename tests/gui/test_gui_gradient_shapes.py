"""Gradient and line/shape tools with the real mouse."""

from __future__ import annotations

from PySide6.QtCore import Qt

from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from tests.gui.helpers import drag, key

CTRL = Qt.KeyboardModifier.ControlModifier


def test_gradient_drag_fg_to_bg_and_transparent(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    window.colors.set_fg((255, 0, 0))
    window.colors.set_bg((0, 0, 255))
    key(window, Qt.Key.Key_L)
    assert window.tool.name == "gradient"
    drag(window, [(0, 120), (160, 120), (320, 120)])
    left, right = layer.read(Rect(2, 50, 1, 1))[0, 0], layer.read(Rect(317, 50, 1, 1))[0, 0]
    assert left[0] > 240 and left[2] < 15 and right[2] > 240 and right[0] < 15
    assert window.session.stack.undo_text() == "Linear gradient"
    key(window, Qt.Key.Key_Z, CTRL)
    assert layer.surface.is_empty()
    window.tool.update_settings(kind="radial", to="transparent")
    window.set_tool("select_rect")
    drag(window, [(100, 60), (220, 180)])
    window.set_tool("gradient")
    drag(window, [(160, 120), (220, 120)])
    c = layer.read(Rect(160, 120, 1, 1))[0, 0]
    assert tuple(c[:3]) == (255, 0, 0) and c[3] >= 250
    assert layer.read(Rect(50, 50, 1, 1))[0, 0, 3] == 0  # outside the selection
    edge = layer.read(Rect(215, 120, 1, 1))[0, 0]
    assert edge[0] == 255 and edge[3] < 40


def test_line_rectangle_ellipse(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    window.tools["brush"].update_settings(size=4, hardness=1.0)
    window.colors.set_fg((0, 0, 0))
    key(window, Qt.Key.Key_L, Qt.KeyboardModifier.ShiftModifier)
    tool = window.tool
    assert tool.name == "shape"
    drag(window, [(20, 20), (60, 20), (120, 20)])
    a = layer.read(doc.rect)[:, :, 3]
    assert a[20, 20] > 200 and a[20, 70] > 200 and a[20, 119] > 200 and a[40, 70] == 0
    tool.update_settings(shape="rectangle")
    drag(window, [(150, 50), (250, 150)])
    a = layer.read(doc.rect)[:, :, 3]
    assert a[50, 200] > 200 and a[100, 250] > 200 and a[100, 200] == 0
    tool.update_settings(shape="ellipse")
    drag(window, [(20, 100), (120, 200)])
    a = layer.read(doc.rect)[:, :, 3]
    assert a[150, 20] > 200 and a[100, 70] > 200 and a[150, 70] == 0
    texts = [c.text for c in window.session.stack.entries()]
    assert texts[-3:] == ["Draw line", "Draw rectangle", "Draw ellipse"]


def test_gradient_preview_while_dragging(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage

    from tests.gui.helpers import move_pressed, press

    layer = window.session.doc.active_layer
    window.colors.set_fg((255, 0, 0))
    window.colors.set_bg((0, 0, 255))
    window.set_tool("gradient")
    press(window, 10, 120)
    move_pressed(window, 310, 120)
    img = QImage(window.canvas.size(), QImage.Format.Format_ARGB32_Premultiplied)
    window.canvas.render(img)
    left = img.pixelColor(*(int(v) for v in window.canvas.view.to_widget(12, 60)))
    right = img.pixelColor(*(int(v) for v in window.canvas.view.to_widget(308, 60)))
    assert left.red() > 200 and left.blue() < 60 and right.blue() > 200 and right.red() < 60
    assert layer.surface.is_empty()  # only a preview until the release
    window.tool.cancel()


def test_escape_drops_a_shape_or_gradient_drag(window) -> None:  # type: ignore[no-untyped-def]
    from tests.gui.helpers import move_pressed, press

    layer = window.session.doc.active_layer
    n = len(window.session.stack)
    for name in ("shape", "gradient"):
        window.set_tool(name)
        tool = window.tool
        press(window, 20, 20)
        move_pressed(window, 120, 90)
        assert tool.active and tool.preview_path() is not None
        key(window, Qt.Key.Key_Escape)
        assert not tool.active and tool.preview_path() is None
        tool.release(120, 90)  # a release after Esc paints nothing
    assert layer.surface.is_empty() and len(window.session.stack) == n
