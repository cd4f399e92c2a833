"""Image menu from the window: crop to a selection drawn with the mouse, canvas size, scale, rotate and
flip the image (not the view), open an image file as a new layer; each one undo step."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from tests.gui.helpers import drag, key

CTRL = Qt.KeyboardModifier.ControlModifier


def test_crop_rotate_flip_scale_canvas_size(window) -> None:  # type: ignore[no-untyped-def]
    doc = window.session.doc
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    layer.write(100, 50, np.full((20, 40, 4), (255, 0, 0, 255), np.uint8))
    window.set_tool("select_rect")
    drag(window, [(90, 40), (150, 80)])
    window.editing.actions["crop"].trigger()
    assert (doc.width, doc.height) == (60, 40)
    assert tuple(layer.read(Rect(10, 10, 1, 1))[0, 0]) == (255, 0, 0, 255)
    window.editing.actions["rotate_cw"].trigger()
    assert (doc.width, doc.height) == (40, 60)
    assert doc.selection is not None and doc.selection.rect == doc.rect
    window.editing.actions["flip_h"].trigger()
    window.editing.scale_image((80, 120, "nearest"))
    assert (doc.width, doc.height) == (80, 120)
    window.editing.canvas_size((100, 130, (0.0, 0.0)))
    assert (doc.width, doc.height) == (100, 130)
    texts = [c.text for c in window.session.stack.entries()][-5:]
    assert texts == ["Crop to selection", "Rotate image 90° clockwise", "Flip image horizontally",
                     "Scale image to 80×120", "Canvas size 100×130"]
    for _ in range(5):
        key(window, Qt.Key.Key_Z, CTRL)
    assert (doc.width, doc.height) == (320, 240)
    assert tuple(layer.read(Rect(100, 50, 1, 1))[0, 0]) == (255, 0, 0, 255)


def test_open_image_as_layer(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from paintgan.io.images import encode_png

    path = tmp_path / "sticker.png"
    path.write_bytes(encode_png(np.full((8, 12, 4), (0, 200, 0, 255), np.uint8)))
    n = len(list(window.session.doc.layers()))
    layer = window.editing.open_as_layer(str(path))
    assert layer is not None and layer.name == "sticker"
    assert len(list(window.session.doc.layers())) == n + 1
    assert window.session.stack.undo_text() == "Open “sticker.png” as layer"


def test_canvas_size_and_scale_dialogs(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.image_dialogs import CanvasSizeDialog, ScaleImageDialog

    dlg = CanvasSizeDialog(320, 240)
    qtbot.addWidget(dlg)
    dlg.width_spin.setValue(400)
    dlg.anchors.button(8).click()  # bottom-right
    assert dlg.values() == (400, 240, (1.0, 1.0)) and dlg.anchors.button(8).text() == "●"
    sc = ScaleImageDialog(320, 240)
    qtbot.addWidget(sc)
    sc.width_spin.setValue(160)
    assert sc.values()[:2] == (160, 120)  # keeps the aspect ratio
    sc.method.setCurrentIndex(2)
    assert sc.values()[2] == "nearest"
