"""Gradient engine: linear/radial ramps, fg→bg and fg→transparent colours, selection coverage, undo."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.brush.gradient import apply_gradient, ramp
from paintgan.commands.stack import CommandStack
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer


def test_ramps() -> None:
    r = Rect(0, 0, 10, 3)
    lin = ramp(r, (0, 0), (10, 0), "linear")
    assert lin[0, 0] == pytest.approx(0.05) and lin[0, 9] == pytest.approx(0.95)
    assert np.allclose(lin[0], lin[2])
    rad = ramp(Rect(0, 0, 9, 9), (4.5, 4.5), (8.5, 4.5), "radial")
    assert rad[4, 4] == 0 and rad[4, 8] == pytest.approx(1.0) and rad[0, 0] == 1.0
    with pytest.raises(ValueError):
        ramp(r, (0, 0), (1, 1), "conical")


def test_apply_gradient_colours_selection_and_undo() -> None:
    doc = Document.new(100, 20, None)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    stack = CommandStack()
    cmd = apply_gradient(doc, layer, (0, 0), (100, 0), (255, 0, 0, 255), (0, 0, 255, 255))
    assert cmd is not None
    stack.push(cmd, done=True)
    px = layer.read(doc.rect)
    assert px[5, 0, 0] > 250 and px[5, 99, 2] > 250 and (px[..., 3] == 255).all()
    assert abs(int(px[5, 50, 0]) - 127) <= 2
    stack.undo()
    assert layer.surface.is_empty()
    # fg → transparent keeps the colour (premultiplied ramp) and fades alpha
    doc.set_selection(sel.rectangle(0, 0, 50, 20, doc.rect))
    cmd = apply_gradient(doc, layer, (0, 0), (50, 0), (0, 128, 0, 255), (0, 128, 0, 0))
    assert cmd is not None
    px = layer.read(doc.rect)
    assert px[5, 40, 1] == 128 and 0 < px[5, 40, 3] < 80
    assert (px[:, 50:, 3] == 0).all()  # nothing outside the selection
