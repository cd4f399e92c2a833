from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from .helpers import drag, key, move_pressed, press

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def test_stroke_undo_redo_with_keys(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    before = doc.composite().copy()
    window.colors.set_fg((200, 20, 30))
    drag(window, [(40, 40), (120, 60), (200, 150)])
    after = doc.composite().copy()
    assert not np.array_equal(before, after)
    assert tuple(after[40, 40, :3]) == (200, 20, 30)
    assert len(window.session.stack) == 1  # one stroke, one undo step
    assert window.isWindowModified()
    key(window, Qt.Key.Key_Z, CTRL)
    assert np.array_equal(doc.composite(), before)
    assert not window.isWindowModified()
    key(window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert np.array_equal(doc.composite(), after)
    key(window, Qt.Key.Key_Z, CTRL)
    key(window, Qt.Key.Key_Y, CTRL)
    assert np.array_equal(doc.composite(), after)


def test_locked_and_hidden_layers_refuse_painting(window) -> None:  # type: ignore[no-untyped-def]
    layer = window.session.doc.active_layer
    layer.locked = True
    drag(window, [(40, 40), (100, 100)])
    assert len(window.session.stack) == 0
    assert "locked" in window.statusBar().currentMessage()
    layer.locked = False
    layer.visible = False
    drag(window, [(40, 40), (100, 100)])
    assert len(window.session.stack) == 0
    assert "hidden" in window.statusBar().currentMessage()


def test_eraser_and_escape_cancels(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    drag(window, [(40, 100), (280, 100)])
    painted = doc.composite().copy()
    key(window, Qt.Key.Key_E)
    assert window.tool.name == "eraser"
    drag(window, [(150, 60), (150, 140)])
    assert doc.active_layer.read(doc.rect)[100, 150, 3] == 0  # erased through the paint layer
    key(window, Qt.Key.Key_Z, CTRL)
    assert np.array_equal(doc.composite(), painted)
    # a stroke abandoned with Esc leaves nothing and records nothing
    key(window, Qt.Key.Key_B)
    n = len(window.session.stack)
    press(window, 20, 20)
    move_pressed(window, 80, 30)
    key(window, Qt.Key.Key_Escape)
    assert np.array_equal(doc.composite(), painted)
    assert len(window.session.stack) == n


def test_repaint_after_dab_composites_only_the_dirty_area(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    canvas = window.canvas
    canvas.repaint()
    start = canvas.cache.composited_pixels
    drag(window, [(100, 100)])
    canvas.repaint()
    assert 0 < canvas.cache.composited_pixels - start < 40 * 40


def test_view_zoom_rotate_mirror_keep_painting_mapped(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    view = window.canvas.view
    key(window, Qt.Key.Key_1, CTRL)
    assert view.zoom == 1.0
    window.canvas.zoom_step(2, view.to_widget(100, 80))
    x, y = view.to_doc(*view.to_widget(100, 80))
    assert abs(x - 100) < 1e-6 and abs(y - 80) < 1e-6
    window.rotate_right()
    window.actions_["mirror"].trigger()
    assert view.mirror and view.angle == 15
    window.colors.set_fg((0, 0, 255))
    drag(window, [(150, 120), (151, 120)])
    assert tuple(doc.composite()[120, 150, :3]) == (0, 0, 255)
    key(window, Qt.Key.Key_0, CTRL)  # fit
    assert view.zoom > 1.0  # the 320×240 page fills the canvas
    window.rotate_reset()
    assert view.angle == 0 and not view.mirror


def test_wheel_zoom_is_centred_on_the_cursor(window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    view = window.canvas.view
    pos = QPointF(*view.to_widget(60, 50))
    ev = QWheelEvent(pos, window.canvas.mapToGlobal(pos), QPoint(), QPoint(0, 240), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(window.canvas, ev)
    assert view.zoom > 1.0
    x, y = view.to_doc(pos.x(), pos.y())
    assert abs(x - 60) < 1e-6 and abs(y - 50) < 1e-6


@pytest.mark.parametrize("mode", ["normal", "multiply", "screen", "add", "overlay"])
def test_display_compositor_matches_float_path(mode):
    """The canvas's 8-bit compositor (fast paths for normal, multiply, screen, add) agrees with the
    document's float compositing to within 2 levels, with partial alpha on both layers."""
    from paintgan.core.document import Document
    from paintgan.core.geometry import Rect
    from paintgan.core.layers import RasterLayer
    from paintgan.gui.compositor import composite_u8

    rng = np.random.default_rng(3)
    doc = Document(40, 30)
    for i in range(2):
        px = rng.integers(0, 256, (30, 40, 4), dtype=np.uint8)
        px[:10, :, 3] = 255 if i == 0 else 0  # opaque and transparent bands
        lay = RasterLayer.from_pixels(f"L{i}", px)
        lay.blend_mode = mode if i == 1 else "normal"
        doc.root.insert(i, lay)
    r = Rect(0, 0, 40, 30)
    fast = composite_u8(doc, r).astype(int)
    ref = doc.composite_display(r).astype(int)
    assert np.abs(fast - ref).max() <= 2
