"""The canvas's 8-bit compositor agrees with the document's float compositor for every blend mode, foreign
(approximated) modes and pass-through groups (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.core import Document, GroupLayer, RasterLayer, Rect
from paintgan.core.blend import BLEND_MODES
from paintgan.gui.compositor import composite_u8


def _doc(rng: np.random.Generator, mode: str, semi: bool) -> Document:
    h, w = 48, 64
    base = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    top = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    base[..., 3] = rng.integers(30, 256, (h, w)) if semi else 255
    doc = Document(w, h)
    doc.root.insert(0, RasterLayer.from_pixels("base", base))
    doc.root.insert(1, RasterLayer.from_pixels("top", top, opacity=0.8, blend_mode=mode))
    return doc


def _diff(doc: Document) -> tuple[float, int]:
    rect = Rect(0, 0, doc.width, doc.height)
    fast = composite_u8(doc, rect).astype(int)
    exact = doc.composite_display(rect).astype(int)
    d = np.abs(fast - exact)
    return float(d.mean()), int(d.max())


@pytest.mark.parametrize("mode", [*BLEND_MODES, "krita:dissolve"])
@pytest.mark.parametrize("semi", [False, True])
def test_display_path_agrees_with_float_path(mode, semi, rng):
    mean, worst = _diff(_doc(rng, mode, semi))
    assert mean <= 0.6 and worst <= 3, (mode, mean, worst)


def test_pass_through_and_destination_modes_in_groups(rng):
    doc = _doc(rng, "normal", True)
    g = GroupLayer("pass", opacity=0.6, blend_mode="screen", isolated=False)
    doc.root.insert(2, g)
    px = rng.integers(0, 256, (48, 64, 4), dtype=np.uint8)
    g.insert(0, RasterLayer.from_pixels("m", px, opacity=0.9, blend_mode="multiply"))
    g.insert(1, RasterLayer.from_pixels("e", px[::-1].copy(), opacity=0.5, blend_mode="erase"))
    inner = GroupLayer("iso")
    g.insert(2, inner)
    inner.insert(0, RasterLayer.from_pixels("d", px[:, ::-1].copy(), blend_mode="dst_in"))  # over nothing
    mean, worst = _diff(doc)
    assert mean <= 0.6 and worst <= 3
    before = doc.composite()
    g.set_props(isolated=True)
    assert np.abs(doc.composite().astype(int) - before.astype(int)).max() > 8
    mean, worst = _diff(doc)
    assert mean <= 0.6 and worst <= 3
