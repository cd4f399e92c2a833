"""Shared fixtures. Keep this small: helpers used by several test folders only."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from snapshots import doc_state, layer_tree  # noqa: F401 - re-exported for older imports

from paintgan.core import Document


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
