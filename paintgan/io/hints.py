"""Hints JSON files: read and write the Hints JSON v1 format (the model and its JSON form live in
`paintgan.core.hints`, re-exported here for the file-level API)."""

from __future__ import annotations

import os
from pathlib import Path

from paintgan import limits
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
from paintgan.io.bounded import ReadRefused, read_bounded

__all__ = ["DEFAULT_RADIUS", "DEFAULT_WIDTH", "RGB", "VERSION", "Hints", "PointHint", "StrokeHint",
           "dump_hints", "hints_from_data", "load_hints", "parse_hints", "save_hints"]


def load_hints(path: str | os.PathLike[str]) -> Hints:
    """Read a hints sidecar: a regular file only (a FIFO or a device would hang or stream forever), at most
    the JSON_BYTES limit, then `parse_hints` (FormatError / LimitError naming the file and field)."""
    p = Path(path)
    try:
        data = read_bounded(p, int(limits.limit("JSON_BYTES")))
    except ReadRefused as r:
        if r.kind == "too-large":
            limits.check("JSON_BYTES", r.size, str(p), "the size of the hints file (bytes)")
        reason = {"not-regular": "not a regular file", "missing": "no such hints file"}
        raise FormatError(f"{p}: {reason.get(r.kind, f'cannot read: {r.detail}')}") from None
    return parse_hints(data, p.name)


def save_hints(path: str | os.PathLike[str], hints: Hints) -> None:
    """Write Hints JSON atomically (SaveError on failure, an existing file is left untouched)."""
    from paintgan.io.atomic import atomic_write

    atomic_write(path, dump_hints(hints).encode("utf-8"))
