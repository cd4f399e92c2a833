"""History texts are words a user knows, never attribute names (issue 17)."""

from __future__ import annotations

from paintgan.commands.hints import SetColorizeSettings
from paintgan.commands.layers import SetLayerPropertiesCommand
from paintgan.commands.stack import CommandStack, new_gesture
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Document


def test_layer_property_texts() -> None:
    doc = Document.new(8, 8)
    layer = doc.active_layer
    assert layer is not None
    cases = (("blend_mode", "multiply"), ("visible", False), ("opacity", 0.5), ("locked", True),
             ("name", "Sky"))
    texts = [SetLayerPropertiesCommand(doc, layer, **{k: v}).text for k, v in cases]
    assert texts == ["Blend mode: Multiply (Layer 1)", "Hide layer (Layer 1)", "Opacity 50 % (Layer 1)",
                     "Lock layer (Layer 1)", "Rename layer to “Sky”"]
    stack = CommandStack()
    g = new_gesture()
    for v in (0.9, 0.7, 0.3):  # a slider drag: one entry naming the final value
        stack.push(SetLayerPropertiesCommand(doc, layer, gesture=g, opacity=v))
    assert len(stack) == 1 and stack.undo_text() == "Opacity 30 % (Layer 1)"


def test_colorize_settings_texts_have_no_attribute_names() -> None:
    layer = ColorizeLayer()
    cases = {"flat_regions": True, "fill_unhinted": False, "gap_radius": 3, "mode": "flat",
             "input_kind": "lineart", "model": "colorize"}
    texts = [SetColorizeSettings(layer, **{k: v}).text for k, v in cases.items()]
    assert texts[0] == "Flat colour per region on" and texts[2] == "Gap closing 3 px"
    assert texts[3] == "Colorize mode: Flat colours"
    for t, k in zip(texts, cases, strict=True):
        assert "_" not in t and (k not in t or "_" not in k)  # no attribute names like gap_radius
    assert SetColorizeSettings(layer, palette=[(1, 2, 3)]).text == "Palette as global hints"
