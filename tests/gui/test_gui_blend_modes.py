"""Layers panel and a Krita file end to end: every blend mode offered, a foreign composite-op shown and kept,
the user told once, the pass-through toggle undoable (issue 19)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from paintgan.core.blend import BLEND_MODES
from paintgan.core.layers import GroupLayer
from paintgan.io.images import encode_png
from paintgan.io.ora import load_ora

STACK = """<?xml version="1.0" encoding="UTF-8"?>
<image version="0.0.1" w="32" h="24" xres="72" yres="72"><stack>
 <stack name="Folder" opacity="1" visibility="visible" composite-op="svg:src-over" isolation="auto">
  <layer name="Shade" opacity="0.8" visibility="visible" composite-op="krita:linear_burn" src="data/a.png"
         x="0" y="0"/>
 </stack>
 <layer name="Sparkle" opacity="0.498039" visibility="visible" composite-op="krita:dissolve" src="data/a.png"
        x="2" y="3" selected="true" krita-label="7"/>
 <layer name="Paper" opacity="1" visibility="visible" composite-op="svg:src-over" src="data/b.png"
        x="0" y="0"/>
</stack></image>"""


def _krita_file(path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", b"image/openraster")
        z.writestr("stack.xml", STACK)
        z.writestr("data/a.png", encode_png(np.full((24, 32, 4), (40, 90, 200, 200), np.uint8)))
        z.writestr("data/b.png", encode_png(np.full((24, 32, 4), (230, 220, 200, 255), np.uint8)))
    path.write_bytes(buf.getvalue())


def test_panel_offers_every_mode_and_sets_it_undoably(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    for name in BLEND_MODES:
        assert panel.blend.findData(name) >= 0, name
    panel.blend.setCurrentIndex(panel.blend.findData("color_burn"))
    panel.blend.activated.emit(panel.blend.currentIndex())
    assert doc.active_layer.blend_mode == "color_burn"
    stack.undo()
    assert doc.active_layer.blend_mode == "normal"
    assert panel.blend.currentData() == "normal"


def test_krita_file_foreign_mode_and_pass_through(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "from-krita.ora"
    _krita_file(path)
    assert window.open_file(str(path))
    assert "krita:dissolve" in window.status.currentMessage()  # told once, on opening
    panel = window.layers_panel
    doc, stack = window.session.doc, window.session.stack
    sparkle = doc.active_layer
    assert sparkle.name == "Sparkle" and sparkle.blend_mode == "krita:dissolve"
    assert panel.blend.currentData() == "krita:dissolve" and "Normal" in panel.blend.currentText()
    assert not panel.pass_through.isVisible()

    folder = doc.root.children[2]  # the top of the stack
    assert isinstance(folder, GroupLayer) and not folder.isolated
    doc.set_active(folder)
    panel._sync_controls()
    assert panel.pass_through.isVisible() and panel.pass_through.isChecked()
    assert not panel.blend.isEnabled()  # a pass-through group has no blend mode of its own
    assert panel.blend.findData("krita:dissolve") < 0  # the foreign item went with the layer
    before = doc.composite()
    panel.pass_through.setChecked(False)
    assert folder.isolated and panel.blend.isEnabled()
    assert np.abs(doc.composite().astype(int) - before.astype(int)).max() > 3  # linear burn: now isolated
    stack.undo()
    assert not folder.isolated and np.array_equal(doc.composite(), before)

    out = tmp_path / "again.ora"
    assert window.save_to(str(out))
    again = load_ora(out)
    assert again.root.children[1].blend_mode == "krita:dissolve"
    assert again.root.children[1].file_attrs == {"krita-label": "7"}
    assert not again.root.children[2].isolated
    assert again.root.children[2].children[0].blend_mode == "linear_burn"
