"""Reading a small user file whole, bounded: a regular file only (a FIFO or a device would hang or stream
forever), at most `max_bytes` (checked on the size before reading and again on what was read, in case the
file grew meanwhile).

Each reader words its own messages (a hints file, a JSON document, the colour memory's arrays), so the
refusal comes back as a `ReadRefused` with a `kind` the caller turns into its error."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from paintgan.io.atomic import os_error_reason


class ReadRefused(Exception):
    """Why `read_bounded` read nothing: `kind` is "not-regular", "too-large" (`size`: the bytes seen),
    "missing" or "unreadable" (`detail`: the OS's reason, user-readable)."""

    def __init__(self, kind: str, size: int = 0, detail: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.size = size
        self.detail = detail


def read_bounded(path: str | os.PathLike[str], max_bytes: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file `path` (at most `max_bytes`), or `ReadRefused`."""
    p = Path(path)
    try:
        st = p.stat() if follow_symlinks else p.lstat()
        if not stat.S_ISREG(st.st_mode):
            raise ReadRefused("not-regular")
        if st.st_size > max_bytes:
            raise ReadRefused("too-large", st.st_size)
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise ReadRefused("missing") from None
    except OSError as exc:
        raise ReadRefused("unreadable", detail=os_error_reason(exc)) from None
    if len(data) > max_bytes:  # grew after the size check
        raise ReadRefused("too-large", len(data))
    return data
