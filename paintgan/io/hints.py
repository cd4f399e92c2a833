"""Hints JSON files: read and write the Hints JSON v1 format (the model and its JSON form live in
`paintgan.core.hints`, re-exported here for the file-level API)."""

from __future__ import annotations

import os
import stat
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

__all__ = ["DEFAULT_RADIUS", "DEFAULT_WIDTH", "RGB", "VERSION", "Hints", "PointHint", "StrokeHint",
           "dump_hints", "hints_from_data", "load_hints", "parse_hints", "save_hints"]


def load_hints(path: str | os.PathLike[str]) -> Hints:
    """Read a hints sidecar: a regular file only (a FIFO or a device would hang or stream forever), at most
    the JSON_BYTES limit, then `parse_hints` (FormatError / LimitError naming the file and field)."""
    p = Path(path)
    max_bytes = int(limits.limit("JSON_BYTES"))
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise FormatError(f"{p}: not a regular file")
        limits.check("JSON_BYTES", st.st_size, str(p), "the size of the hints file (bytes)")
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise FormatError(f"{p}: no such hints file") from None
    except OSError as exc:
        raise FormatError(f"{p}: cannot read: {exc.strerror or exc}") from None
    limits.check("JSON_BYTES", len(data), str(p), "the size of the hints file (bytes)")
    return parse_hints(data, p.name)


def save_hints(path: str | os.PathLike[str], hints: Hints) -> None:
    """Write Hints JSON atomically (SaveError on failure, an existing file is left untouched)."""
    from paintgan.io.atomic import atomic_write

    atomic_write(path, dump_hints(hints).encode("utf-8"))
