"""Layer tree, LayerState export/import and document events."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.core import Document, GroupLayer, LayerState, RasterLayer, Rect
from paintgan.core.layers import layer_from_state


def test_new_document_layout():
    doc = Document.new(50, 40)
    assert [layer.name for layer in doc.layers()] == ["Background", "Layer 1"]
    assert doc.active_layer is doc.root.children[1]
    assert (doc.composite() == 255).all()
    empty = Document.new(10, 10, background=None)
    assert [layer.name for layer in empty.layers()] == ["Layer 1"]
    with pytest.raises(ValueError):
        Document(0, 5)


def test_raster_state_roundtrip_with_offset(rng):
    px = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    px[..., 3] = 255
    layer = RasterLayer.from_pixels("a", px, x=-5, y=17, opacity=0.25, blend_mode="screen", locked=True)
    state = layer.export_state()
    assert state.kind == "raster" and state.offset == (-5, 17)
    assert np.array_equal(state.pixels, px)
    back = layer_from_state(state)
    assert isinstance(back, RasterLayer)
    assert back.props() == layer.props()
    assert np.array_equal(back.read(Rect(-5, 17, 30, 20)), px)


def test_unknown_kind_loads_as_raster(rng):
    px = rng.integers(0, 256, (4, 4, 4), dtype=np.uint8)
    state = LayerState("from-the-future", {"name": "x", "blend_mode": "nonsense", "opacity": 7}, px, (2, 3))
    layer = layer_from_state(state)
    assert isinstance(layer, RasterLayer)
    assert layer.blend_mode == "normal" and layer.opacity == 1.0


def test_group_state_and_copy(rng):
    g = GroupLayer("g", opacity=0.5)
    a = RasterLayer.from_pixels("a", rng.integers(0, 256, (64, 64, 4), dtype=np.uint8))
    g.insert(0, a)
    g.insert(1, GroupLayer("inner"))
    state = g.export_state()
    assert [c.kind for c in state.children] == ["raster", "group"]
    back = layer_from_state(state)
    assert isinstance(back, GroupLayer) and [c.name for c in back.children] == ["a", "inner"]
    dup = g.copy()
    assert dup.name == "g copy" and dup.children[0].name == "a" and dup.children[0].id != a.id
    # the copy shares tiles copy-on-write
    assert dup.children[0].surface.tile((0, 0)) is a.surface.tile((0, 0))
    with pytest.raises(ValueError):
        g.insert(0, a)  # already has a parent
    with pytest.raises(ValueError):
        g.children[1].insert(0, g)  # a group cannot contain its ancestor  # type: ignore[union-attr]


def test_events_carry_dirty_rects():
    doc = Document.new(100, 100)
    events = []
    unsubscribe = doc.subscribe(events.append)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    layer.write(10, 20, np.full((5, 6, 4), 200, np.uint8))
    layer.set_props(opacity=0.5)
    assert [(e.kind, e.rect) for e in events][:1] == [("pixels", Rect(10, 20, 6, 5))]
    assert events[1].kind == "properties" and events[1].layer is layer
    unsubscribe()
    layer.set_props(opacity=0.2)
    assert len(events) == 2
    with pytest.raises(KeyError):
        layer.set_props(colour="red")
    with pytest.raises(ValueError):
        layer.set_props(blend_mode="nope")
