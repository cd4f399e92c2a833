"""Hints JSON files: read and write the Hints JSON v1 format (the model and its JSON form live in
`paintgan.core.hints`, re-exported here for the file-level API)."""

from __future__ import annotations

import os
from pathlib import Path

from paintgan.core.hints import (
    DEFAULT_RADIUS,
    DEFAULT_WIDTH,
    RGB,
    VERSION,
    Hints,
    PointHint,
    StrokeHint,
    dump_hints,
    hints_from_data,
    parse_hints,
)
from paintgan.errors import FormatError

__all__ = ["DEFAULT_RADIUS", "DEFAULT_WIDTH", "RGB", "VERSION", "Hints", "PointHint", "StrokeHint",
           "dump_hints", "hints_from_data", "load_hints", "parse_hints", "save_hints"]


def load_hints(path: str | os.PathLike[str]) -> Hints:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise FormatError(f"{p}: no such hints file") from None
    except OSError as exc:
        raise FormatError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return parse_hints(data, p.name)


def save_hints(path: str | os.PathLike[str], hints: Hints) -> None:
    """Write Hints JSON atomically (SaveError on failure, an existing file is left untouched)."""
    from paintgan.io.atomic import atomic_write

    atomic_write(path, dump_hints(hints).encode("utf-8"))
