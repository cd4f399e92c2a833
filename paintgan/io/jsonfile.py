"""Reading one JSON object from a user's file: the checks every such reader shares, in one place.

    body = read_json_object(path, what="manifest", fail=lambda msg, kind: ModelError(f"{msg} ({path})"))

`read_json_object` refuses, before allocating or parsing more than it must:
- a path that is missing, not a regular file (a FIFO or a device is never opened: it could hang the
  reader or stream gigabytes) or unreadable;
- more than `max_bytes` (checked on the size and on the bytes actually read);
- text that is not UTF-8 (a BOM is allowed), malformed JSON, NaN/Infinity when `allow_nan` is False,
  nesting deeper than `max_depth`;
- a top-level value that is not an object.

Each refusal is one line in one house style (it names `what`: "manifest missing", "malformed JSON at line 3
column 7 (Expecting ',' delimiter)", "the manifest must be an object, not list") and is turned into the
caller's own error by `fail(message, kind)`, where `kind` is "unreadable" (missing, not a regular file,
an OS error) or "corrupt" (everything about the content), so each reader keeps its error type and where it
puts the file name. `read_json_object_or_none` is the lenient form for caches and best-effort metadata.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paintgan.errors import FormatError
from paintgan.io.bounded import ReadRefused, read_bounded

DEFAULT_MAX_BYTES = 64 << 20  # manifests, dissections, caches: kilobytes to a few megabytes
DEFAULT_MAX_DEPTH = 64

Fail = Callable[[str, str], BaseException]


def _size_text(n: int) -> str:
    for unit, shift in (("GB", 30), ("MB", 20), ("KB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} bytes"


def _depth_ok(obj: Any, limit: int) -> bool:
    """Whether `obj` nests at most `limit` containers deep (iterative: no recursion limit)."""
    todo = [(obj, 1)]
    while todo:
        o, d = todo.pop()
        if d > limit:
            return False
        if isinstance(o, dict):
            todo.extend((v, d + 1) for v in o.values() if isinstance(v, dict | list))
        elif isinstance(o, list):
            todo.extend((v, d + 1) for v in o if isinstance(v, dict | list))
    return True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def loads_json(data: bytes, what: str, fail: Fail, *, max_depth: int | None = DEFAULT_MAX_DEPTH,
               allow_nan: bool = True) -> Any:
    """Parse JSON bytes (UTF-8, BOM allowed) with the checks of `read_json_object`, any top-level value."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"cannot read {what} (not UTF-8 text: byte {exc.start})", "corrupt") from None
    try:
        body = json.loads(text) if allow_nan else json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise fail(f"malformed JSON at line {exc.lineno} column {exc.colno} ({exc.msg})", "corrupt") from None
    except RecursionError:
        raise fail(f"{what} is nested too deeply", "corrupt") from None
    except ValueError as exc:  # NaN / Infinity refused
        raise fail(f"{what}: {exc}", "corrupt") from None
    if max_depth is not None and not _depth_ok(body, max_depth):
        raise fail(f"{what} is nested deeper than {max_depth} levels", "corrupt")
    return body


def read_json_object(path: str | os.PathLike[str], *, what: str = "JSON file", fail: Fail | None = None,
                     max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int | None = DEFAULT_MAX_DEPTH,
                     allow_nan: bool = True) -> dict[str, Any]:
    """The JSON object in the file at `path` (see the module docstring for the checks). `fail(message,
    kind)` builds the error to raise; by default a `FormatError` "<message> (<path>)"."""
    p = Path(path)
    if fail is None:
        def fail(message: str, _kind: str) -> BaseException:
            return FormatError(f"{message} ({p})")
    try:
        data = read_bounded(p, max_bytes)
    except ReadRefused as r:
        message, kind = {
            "not-regular": (f"{what} is not a regular file", "unreadable"),
            "too-large": (f"{what} is larger than {_size_text(max_bytes)}", "corrupt"),
            "missing": (f"{what} missing", "unreadable"),
        }.get(r.kind, (f"cannot read {what} ({r.detail})", "unreadable"))
        raise fail(message, kind) from None
    body = loads_json(data, what, fail, max_depth=max_depth, allow_nan=allow_nan)
    if not isinstance(body, dict):
        raise fail(f"the {what} must be an object, not {type(body).__name__}", "corrupt")
    return body


def read_json_object_or_none(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES
                             ) -> dict[str, Any] | None:
    """`read_json_object` for best-effort readers (caches, optional metadata): None instead of an error."""
    try:
        return read_json_object(path, max_bytes=max_bytes)
    except FormatError:
        return None
