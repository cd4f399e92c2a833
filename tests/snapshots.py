"""Comparable snapshots of a document (what undo must restore), shared by the conftest's `snap` fixture and
tests that import it directly (`from snapshots import doc_state`)."""

from __future__ import annotations

from typing import Any

from paintgan.core import Document, GroupLayer, Layer


def layer_tree(layer: Layer) -> tuple[Any, ...]:
    """A comparable description of a layer and its subtree: identity, kind, props and content."""
    state = layer.export_state()
    pixels = None if state.pixels is None else state.pixels.tobytes()
    shape = None if state.pixels is None else state.pixels.shape
    kids: tuple[Any, ...] = ()
    if isinstance(layer, GroupLayer):
        kids = tuple(layer_tree(c) for c in layer.children)
        pixels = shape = None  # already covered by the children
    return (layer.id, state.kind, tuple(sorted(state.props.items())), state.offset if shape else None,
            shape, pixels, tuple(sorted(state.attrs.items())), kids)


def doc_state(doc: Document) -> tuple[Any, ...]:
    """Everything undo must restore: canvas size, layer structure and content, active layer, composite."""
    active = doc.active_layer.id if doc.active_layer is not None else None
    return ((doc.width, doc.height), tuple(layer_tree(c) for c in doc.root.children), active,
            doc.composite().tobytes())
