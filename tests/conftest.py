"""Shared fixtures. Keep this small: helpers used by several test folders only."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

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


@pytest.fixture
def snap() -> Callable[[Document], tuple[Any, ...]]:
    return doc_state


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def png_bytes(pixels: np.ndarray, color_type: int, bit_depth: int = 8) -> bytes:
    """A minimal, independent PNG encoder (zlib + struct) for gray (0), RGB (2), gray+alpha (4) and
    RGBA (6) images of 8 or 16 bits: to test our reader against files OpenCV did not write."""
    h, w = pixels.shape[:2]
    dtype = ">u2" if bit_depth == 16 else "u1"
    rows = b"".join(b"\x00" + pixels[y].astype(dtype).tobytes() for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


@pytest.fixture
def make_png() -> Callable[..., bytes]:
    return png_bytes
