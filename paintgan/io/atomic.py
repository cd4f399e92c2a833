"""Atomic file writes: every save in PaintGAN goes through `atomic_write`.

The data is written to a temporary file in the target's folder, flushed and fsync'ed, then moved over the
target with `os.replace` (atomic on POSIX and Windows) and the folder is fsync'ed so the rename survives a
power cut. On any failure the temporary file is removed, an existing file at the target is left untouched
and a `SaveError` with a one-line message ("Cannot save to /x/y.ora: disk full") is raised.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from paintgan.errors import SaveError

Writer = Callable[[BinaryIO], object]

_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "a folder with that name exists",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EFBIG: "the file is too large for this disk",
    errno.EIO: "input/output error (the disk may be failing or disconnected)",
    errno.EXDEV: "cannot move the file across disks",
    errno.EBUSY: "the file is in use",
}


def os_error_reason(exc: OSError) -> str:
    """A short, lower-case, user-readable reason for an OSError."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    if exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _fsync_dir(folder: Path) -> None:
    """Best effort: make the rename durable. Not possible on Windows nor on some file systems."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _target(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    # Saving "through" a symlink replaces the file it points to, not the link.
    if p.is_symlink():
        p = p.resolve()
    return p


def atomic_write(path: str | os.PathLike[str], data: bytes | bytearray | memoryview | Writer) -> None:
    """Write `data` (bytes, or a function that writes to a binary file object) to `path` atomically.

    Raises `SaveError` (and leaves any existing file untouched) on failure.
    """
    target = _target(path)
    folder = target.parent
    display = os.fspath(path)
    if target.is_dir():
        raise SaveError(f"Cannot save to {display}: a folder with that name exists")

    tmp: Path | None = None
    fd = -1
    try:
        for _ in range(100):
            tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
                break
            except FileExistsError:
                continue
        else:  # pragma: no cover - 100 collisions of a random name
            raise FileExistsError(errno.EEXIST, "could not create a temporary file")
        if target.exists():
            with contextlib.suppress(OSError):  # keep the permissions of the file being replaced
                os.chmod(tmp, target.stat().st_mode & 0o7777)
        with os.fdopen(fd, "wb") as f:
            fd = -1  # owned by f now
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
    except BaseException as exc:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if not isinstance(exc, Exception):
            raise
        if isinstance(exc, SaveError):
            raise
        if isinstance(exc, OSError):
            raise SaveError(f"Cannot save to {display}: {os_error_reason(exc)}") from exc
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SaveError(f"Cannot save to {display}: {reason}") from exc
    _fsync_dir(folder)
