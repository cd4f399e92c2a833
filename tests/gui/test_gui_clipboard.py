"""Cut / copy / paste through the system clipboard with the real keys; images from other programs paste
in; paste into a new document; crop; A4 copy/paste time."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage

from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from paintgan.gui.clipboard import rgba_from_qimage
from tests.gui.helpers import drag, key

CTRL = Qt.KeyboardModifier.ControlModifier


def _paint_block(window) -> RasterLayer:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    layer.write(40, 30, np.full((50, 60, 4), (10, 120, 250, 255), np.uint8))
    layer.surface.snapshot()
    return layer


def test_cut_paste_round_trip_through_system_clipboard(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer = _paint_block(window)
    original = layer.read(doc.rect)
    window.set_tool("select_rect")
    drag(window, [(50, 40), (80, 70)])
    key(window, Qt.Key.Key_X, CTRL)
    assert layer.read(Rect(60, 50, 1, 1))[0, 0, 3] == 0  # cut
    # the system clipboard holds an ordinary image of the cut pixels (what Krita/GIMP would paste)
    img = QGuiApplication.clipboard().image()
    assert (img.width(), img.height()) == (30, 30)
    assert img.pixelColor(5, 5) == QColor(10, 120, 250)
    n_layers = len(list(doc.layers()))
    key(window, Qt.Key.Key_V, CTRL)
    pasted = doc.active_layer
    assert len(list(doc.layers())) == n_layers + 1 and pasted is not layer
    assert isinstance(pasted, RasterLayer) and pasted.bounds() is not None
    # back where it came from: the two layers together are the original picture
    merged = doc.composite(Rect(50, 40, 30, 30))
    assert (merged[:, :, :3] == (10, 120, 250)).all()
    texts = [c.text for c in window.session.stack.entries()]
    assert texts[-2:] == ["Cut", "Paste as new layer"]
    key(window, Qt.Key.Key_Z, CTRL)
    key(window, Qt.Key.Key_Z, CTRL)
    assert np.array_equal(layer.read(doc.rect), original)
    assert len(list(doc.layers())) == n_layers


def test_foreign_image_pastes_centred_and_into_new_document(window) -> None:  # type: ignore[no-untyped-def]
    img = QImage(20, 10, QImage.Format.Format_ARGB32)
    img.fill(QColor(255, 0, 0, 128))
    QGuiApplication.clipboard().setImage(img)
    window.editing.paste()
    layer = window.session.doc.active_layer
    assert isinstance(layer, RasterLayer) and layer.name == "Pasted layer"
    assert (layer.x, layer.y) == (150, 115)  # centred on the view (document centre here)
    px = layer.read(Rect(150, 115, 20, 10))
    assert abs(int(px[0, 0, 3]) - 128) <= 1 and px[0, 0, 0] == 255
    first = window.session
    window.editing.paste_new_document()
    assert window.session is not first and window.documents.keeps(first)
    doc = window.session.doc
    assert (doc.width, doc.height) == (20, 10)
    window.session.stack.set_clean()
    first.stack.set_clean()


def test_copy_merged_and_a4_copy_paste_time(window) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.session import DocumentSession

    window.set_session(DocumentSession.new(2480, 3508))
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    rng = np.random.default_rng(1)
    layer.write(0, 0, rng.integers(0, 256, (3508, 2480, 4), np.uint8))
    layer.surface.snapshot()
    t0 = time.perf_counter()
    key(window, Qt.Key.Key_C, CTRL)
    key(window, Qt.Key.Key_V, CTRL)
    elapsed = time.perf_counter() - t0
    print(f"copy + paste of a full A4 layer: {elapsed * 1000:.0f} ms")
    pasted = doc.active_layer
    assert pasted is not layer and isinstance(pasted, RasterLayer)
    assert np.array_equal(pasted.read(Rect(0, 0, 64, 64)), layer.read(Rect(0, 0, 64, 64)))
    assert elapsed < 30.0  # a sanity bound only (budget 0.3 s: bench/bench_editing.py measures it)
    window.editing.copy_merged()
    got = rgba_from_qimage(QGuiApplication.clipboard().image())
    assert got.shape == (3508, 2480, 4) and (got[:, :, 3] == 255).all()
    window.session.stack.set_clean()
