"""Atomic file writes: every save in PaintGAN goes through `atomic_write`.

The data is written to a temporary file in the target's folder, flushed and fsync'ed, then moved over the
target with `os.replace` (atomic on POSIX and Windows) and the folder is fsync'ed so the rename survives a
power cut. On any failure the temporary file is removed, an existing file at the target is left untouched
and a `SaveError` with a one-line message ("Cannot save to /x/y.ora: disk full") is raised.

No litter: temporary files have a recognisable name, `.NAME.paintgan-XXXXXXXX.tmp`, and are removed on
every failure path Python sees. A save killed outright (SIGKILL, power cut) cannot clean up, so every save
first removes the stale temporary files of earlier saves in its folder (`clean_stale_temps`: only names
of this pattern, only regular files untouched for `STALE_AFTER_S` seconds, so a save running in another
process is never disturbed); the app also calls it at start for the folders it saves to.

`backup_suffix=".bak"` keeps the replaced file as NAME.bak (hard link where possible, else a copy, and
itself put in place atomically), the "keep the previous version" setting of the GUI.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from paintgan.errors import SaveError, one_line

Writer = Callable[[BinaryIO], object]

#: Marker in every temporary file name PaintGAN writes (`.NAME.paintgan-XXXXXXXX.tmp`).
TEMP_MARKER = "paintgan-"
#: A temporary file untouched for this long belongs to a save that was killed (a running save writes to it).
STALE_AFTER_S = 60.0
_MAX_NAME_IN_TEMP = 120  # keep the temp name below common 255-byte limits
_TEMP_RE = re.compile(r"^\..*\.paintgan-[0-9a-f]{8}\.tmp$", re.DOTALL)
# Names older versions used (`.NAME.XXXXXXXX.tmp`), recognised only for the file types PaintGAN saves.
_LEGACY_RE = re.compile(r"^\..+\.(ora|png|jpe?g|tiff?|webp|bmp|json|bak)\.[0-9a-f]{8}\.tmp$",
                        re.IGNORECASE | re.DOTALL)

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


def temp_name(target_name: str) -> str:
    """A fresh temporary file name for saving `target_name` (recognised by `is_temp_name`)."""
    return f".{target_name[:_MAX_NAME_IN_TEMP]}.{TEMP_MARKER}{secrets.token_hex(4)}.tmp"


def is_temp_name(name: str) -> bool:
    """Whether `name` is a temporary file of a PaintGAN save (current or older naming)."""
    return bool(_TEMP_RE.match(name) or _LEGACY_RE.match(name))


def clean_stale_temps(folder: str | os.PathLike[str], max_age_s: float = STALE_AFTER_S,
                      now: float | None = None) -> list[Path]:
    """Remove the temporary files that killed PaintGAN saves left in `folder`: only names of our pattern,
    only regular files (never links), only those not modified for `max_age_s` seconds. Best effort, never
    raises; returns what was removed."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        it = os.scandir(folder)
    except OSError:
        return removed
    with it:
        for entry in it:
            if not is_temp_name(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                if now - entry.stat(follow_symlinks=False).st_mtime < max_age_s:
                    continue
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                continue
    return removed


def clean_stale_temps_in(folders: Iterable[str | os.PathLike[str]]) -> int:
    """`clean_stale_temps` for several folders (each once); returns how many files were removed."""
    seen: set[str] = set()
    n = 0
    for folder in folders:
        key = os.path.abspath(os.fspath(folder))
        if key not in seen:
            seen.add(key)
            n += len(clean_stale_temps(key))
    return n


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """Best effort: make the renames in `folder` durable (not possible on Windows and some file systems)."""
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


def _create_temp(folder: Path, target_name: str) -> tuple[Path, int]:
    for _ in range(100):
        tmp = folder / temp_name(target_name)
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a temporary file")  # pragma: no cover


def _keep_backup(target: Path, backup: Path) -> None:
    """Put the current `target` at `backup` atomically (hard link, else copy). Best effort: a backup that
    cannot be made (file system without links and a full disk...) never stops the save itself."""
    if not target.is_file():
        return
    tmp: Path | None = None
    try:
        tmp, fd = _create_temp(backup.parent, backup.name)
        os.close(fd)
        os.unlink(tmp)
        try:
            os.link(target, tmp)
        except OSError:
            shutil.copyfile(target, tmp)
        os.replace(tmp, backup)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def atomic_write(path: str | os.PathLike[str], data: bytes | bytearray | memoryview | Writer, *,
                 backup_suffix: str | None = None) -> None:
    """Write `data` (bytes, or a function that writes to a binary file object) to `path` atomically.

    With `backup_suffix` (".bak"), an existing file is kept as PATH + suffix. Raises `SaveError` (and
    leaves any existing file untouched) on failure.
    """
    target = _target(path)
    folder = target.parent
    display = os.fspath(path)
    if target.is_dir():
        raise SaveError(f"Cannot save to {display}: a folder with that name exists")
    clean_stale_temps(folder)

    tmp: Path | None = None
    fd = -1
    try:
        tmp, fd = _create_temp(folder, target.name)
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
        if backup_suffix:
            _keep_backup(target, target.with_name(target.name + backup_suffix))
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
        raise SaveError(f"Cannot save to {display}: {one_line(exc)}") from exc
    sync_folder(folder)
