"""Move and free transform with the real mouse: exact moves, scale by a handle, rotate, flip; one undo
step that restores the exact pixels; the preview frame rate of a 2000×2000 layer."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from tests.gui.helpers import drag, key

CTRL = Qt.KeyboardModifier.ControlModifier


def _layer(window) -> tuple[RasterLayer, np.ndarray]:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    px = np.random.default_rng(3).integers(0, 256, (40, 60, 4), np.uint8)
    px[..., 3] = 255
    layer.write(100, 80, px)
    layer.surface.snapshot()
    return layer, px


def test_move_selection_exact_and_undo(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer, px = _layer(window)
    before = layer.read(doc.rect)
    window.set_tool("select_rect")
    drag(window, [(100, 80), (130, 100)])
    key(window, Qt.Key.Key_T)
    assert window.tool.name == "move"
    drag(window, [(110, 90), (150, 120), (170, 140)])
    assert np.array_equal(layer.read(Rect(160, 130, 30, 20)), px[:20, :30])
    assert layer.read(Rect(100, 80, 1, 1))[0, 0, 3] == 0  # the hole it left
    assert doc.selection is not None and doc.selection.rect == Rect(160, 130, 30, 20)  # it follows
    assert window.session.stack.undo_text() == "Move"
    key(window, Qt.Key.Key_Z, CTRL)
    assert np.array_equal(layer.read(doc.rect), before)
    assert doc.selection.rect == Rect(100, 80, 30, 20)


def test_transform_scale_rotate_flip_one_undo_step(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer, _px = _layer(window)
    before = layer.read(doc.rect)
    n = len(window.session.stack)
    key(window, Qt.Key.Key_T, CTRL)
    tool = window.tool
    assert tool.name == "transform"
    drag(window, [(130, 100), (131, 100)])  # lift the layer (nothing selected: all of it), move 1 px
    assert tool.active and layer.surface.content_bbox() is None  # lifted: the canvas shows the hole
    # scale: the bottom-right corner handle (160, 120) dragged to (220, 160): the box doubles
    drag(window, [(161, 120), (190, 140), (221, 160)])
    assert abs(tool.affine.sx - 2.0) < 0.05 and abs(tool.affine.sy - 2.0) < 0.05
    # rotate: drag outside the box around its centre
    cx, cy = tool.affine.cx + tool.affine.dx, tool.affine.cy + tool.affine.dy
    drag(window, [(cx + 100, cy), (cx + 70, cy + 70), (cx, cy + 100)])
    assert abs(tool.affine.angle - 90) < 2
    tool.flip(True)
    key(window, Qt.Key.Key_Return)  # apply
    assert not tool.active
    assert len(window.session.stack) == n + 1 and window.session.stack.undo_text() == "Transform"
    b = layer.surface.content_bbox()
    assert b is not None and abs(b.w - 80) <= 3 and abs(b.h - 120) <= 3  # 60×40 scaled ×2, turned 90°
    key(window, Qt.Key.Key_Z, CTRL)
    assert np.array_equal(layer.read(doc.rect), before)  # exact pixels back
    # Esc cancels a transform in progress and puts the pixels back
    drag(window, [(130, 100), (140, 110)])
    key(window, Qt.Key.Key_Escape)
    assert np.array_equal(layer.read(doc.rect), before)


def test_transform_preview_fps_2000(window) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.session import DocumentSession

    window.set_session(DocumentSession.new(2400, 2400))
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    layer.write(200, 200, np.random.default_rng(0).integers(0, 256, (2000, 2000, 4), np.uint8))
    layer.surface.snapshot()
    window.canvas.fit()
    window.set_tool("transform")
    tool = window.tool
    assert tool.lift()
    img = QImage(window.canvas.size(), QImage.Format.Format_ARGB32_Premultiplied)
    window.canvas.render(img)
    frames = 20
    t0 = time.perf_counter()
    for i in range(frames):
        tool.affine = tool.affine.with_(angle=i * 3.0, sx=1 + i * 0.01, sy=1 + i * 0.01)
        window.canvas.render(img)
    fps = frames / (time.perf_counter() - t0)
    print(f"transform preview of a 2000x2000 layer at fit zoom: {fps:.0f} fps")
    assert fps > 1  # a sanity bound only (budget 30 fps: bench/bench_editing.py measures it)
    tool.cancel()
    window.session.stack.set_clean()


def test_ctrl_t_shows_handles_at_once(window) -> None:  # type: ignore[no-untyped-def]
    _layer(window)
    key(window, Qt.Key.Key_T, CTRL)
    tool = window.tool
    assert tool.name == "transform" and tool.active and len(tool.handle_points()) == 8
    key(window, Qt.Key.Key_Escape)
    assert not tool.active


def test_choosing_transform_again_keeps_it_and_another_tool_applies_it(window) -> None:  # type: ignore[no-untyped-def]
    layer, _px = _layer(window)
    key(window, Qt.Key.Key_T, CTRL)
    tool = window.tool
    drag(window, [(130, 100), (150, 100)])
    key(window, Qt.Key.Key_T, CTRL)  # again: the transform in progress stays
    assert tool.active and tool.affine.dx == 20
    window.set_tool("brush")  # another tool applies it (one step)
    assert not tool.active and window.session.stack.undo_text() == "Move"
    b = layer.surface.content_bbox()
    assert b is not None and b.x == 120


def test_undo_during_transform_cancels_it(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer, _px = _layer(window)
    before = layer.read(doc.rect)
    window.editing.select_all()  # something to undo (Undo is disabled on an empty history)
    window.editing.deselect()
    n = len(window.session.stack)
    key(window, Qt.Key.Key_T, CTRL)
    drag(window, [(130, 100), (170, 120)])
    key(window, Qt.Key.Key_Z, CTRL)
    assert not window.tool.active and len(window.session.stack) == n
    assert np.array_equal(layer.read(doc.rect), before)
