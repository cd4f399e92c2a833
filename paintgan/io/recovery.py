"""The recovery folder: autosaved copies of open documents, and finding those a crashed run left behind.

Layout (`root` is `<user data dir>/recovery`, chosen by the GUI):

    root/<instance>/lock           held (flock) by the running app for its whole life
    root/<instance>/owner.json     pid and start time, for people looking at the folder
    root/<instance>/<doc>.ora      the autosaved document (plain OpenRaster, opens anywhere)
    root/<instance>/<doc>.json     what it is: title, original path, when it was written

Each running app owns one instance folder. A folder whose lock nobody holds belongs to a run that ended
without cleaning up (a crash, a kill, a power cut): its documents are offered back at the next start.
A clean exit removes its folder; a document's files go when it is saved or its changes are discarded.
Files are written with `atomic_write` (the .ora before its .json), so a kill mid-write leaves the previous
autosave intact, never a corrupt one; stale temporary files are cleaned like everywhere else.

Qt-free; the GUI (`paintgan.gui.autosave`, `paintgan.gui.recovery`) decides when to write and what to ask.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from paintgan.core.document import Document
from paintgan.errors import SaveError
from paintgan.io.atomic import atomic_write, clean_stale_temps
from paintgan.io.jsonfile import read_json_object_or_none
from paintgan.io.ora import LayerPngCache, write_ora

LOCK_NAME = "lock"
OWNER_NAME = "owner.json"
MAX_META_BYTES = 64 << 10


class Cancelled(Exception):
    """An autosave was abandoned (the app is closing); its temporary file is removed."""


@dataclass(frozen=True)
class RecoveryEntry:
    """One recoverable document left by an earlier run."""

    ora: Path
    title: str
    original_path: str | None
    saved_at: float  # seconds since the epoch
    width: int = 0
    height: int = 0
    layers: int = 0

    @property
    def uid(self) -> str:
        return self.ora.stem

    @property
    def meta_path(self) -> Path:
        return self.ora.with_suffix(".json")

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        where = self.original_path or "never saved"
        size = f", {self.width}×{self.height}, {self.layers} layer(s)" if self.width else ""
        return f"{self.title} ({where}{size}), autosaved {when}"


class _InstanceLock:
    """An exclusive lock on a file, held while the object lives (released by the OS if the process dies)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.name == "nt":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def __del__(self) -> None:
        self.release()

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)  # closing the descriptor drops the lock
            self.fd = None


class _CancellableFile:
    """A file wrapper whose writes raise `Cancelled` once `cancelled()` is true (stops a long autosave)."""

    def __init__(self, f: BinaryIO, cancelled: Callable[[], bool]) -> None:
        self._f = f
        self._cancelled = cancelled

    def write(self, data: Any) -> int:
        if self._cancelled():
            raise Cancelled("autosave cancelled")
        return self._f.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


class RecoveryStore:
    """This run's instance folder under `root`, and the orphaned folders of runs that did not end cleanly."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.folder: Path | None = None
        self._lock: _InstanceLock | None = None
        self._claimed: dict[Path, _InstanceLock] = {}
        self._png_caches: dict[str, LayerPngCache] = {}  # per document: unchanged layers are not re-encoded

    # -- this run ----------------------------------------------------------------------------------
    def open(self) -> Path:
        """Create and lock this run's instance folder (idempotent)."""
        if self.folder is not None:
            return self.folder
        self.root.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(self.root)
        for _ in range(20):
            folder = self.root / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            lock = _InstanceLock(folder / LOCK_NAME)
            if lock.acquire():
                self.folder, self._lock = folder, lock
                owner = {"pid": os.getpid(), "started": time.time()}
                with contextlib.suppress(SaveError):
                    atomic_write(folder / OWNER_NAME, json.dumps(owner).encode())
                return folder
        raise SaveError(f"Cannot create a recovery folder in {self.root}")

    def path_for(self, uid: str) -> Path:
        return self.open() / f"{uid}.ora"

    def write(self, uid: str, doc: Document, meta: dict[str, Any],
              cancelled: Callable[[], bool] = lambda: False) -> Path:
        """Autosave `doc` (a snapshot, see `paintgan.io.snapshot`) as `uid`. Raises SaveError or Cancelled;
        the previous autosave of `uid` stays intact on failure."""
        ora = self.path_for(uid)
        try:
            cache = self._png_caches.setdefault(uid, LayerPngCache())
            atomic_write(ora, lambda f: write_ora(doc, _CancellableFile(f, cancelled),  # type: ignore[arg-type]
                                                  png_cache=cache))
        except SaveError as exc:
            if isinstance(exc.__cause__, Cancelled):
                raise exc.__cause__ from None
            raise
        info = {"title": meta.get("title") or "Untitled", "path": meta.get("path"), "saved_at": time.time(),
                "width": doc.width, "height": doc.height, "layers": sum(1 for _ in doc.layers())}
        atomic_write(ora.with_suffix(".json"), json.dumps(info, ensure_ascii=False).encode("utf-8"))
        return ora

    def remove(self, uid: str) -> None:
        """Forget the autosave of `uid` (the document was saved, closed or its changes discarded)."""
        self._png_caches.pop(uid, None)
        if self.folder is None:
            return
        for suffix in (".ora", ".json"):
            with contextlib.suppress(OSError):
                os.unlink(self.folder / f"{uid}{suffix}")

    def adopt(self, entry: RecoveryEntry, uid: str) -> None:
        """Move a restored entry into this run's folder as `uid`: it stays recoverable until saved."""
        folder = self.open()
        with contextlib.suppress(OSError):
            os.replace(entry.ora, folder / f"{uid}.ora")
        with contextlib.suppress(OSError):
            os.replace(entry.meta_path, folder / f"{uid}.json")
        self._drop_if_empty(entry.ora.parent)

    def close(self) -> None:
        """Clean exit: remove this run's folder and release every lock."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        self.release_claims()

    # -- earlier runs ------------------------------------------------------------------------------
    def orphans(self) -> list[RecoveryEntry]:
        """Documents of earlier runs that did not end cleanly, newest first. Their folders stay locked by
        this run (`release_claims` lets them go) so two new windows do not both offer them."""
        entries: list[RecoveryEntry] = []
        if not self.root.is_dir():
            return entries
        for folder in sorted(self.root.iterdir()):
            if folder == self.folder or not folder.is_dir() or folder.is_symlink():
                continue
            if folder not in self._claimed:
                lock = _InstanceLock(folder / LOCK_NAME)
                try:
                    if not lock.acquire():
                        continue  # another running app owns it
                except OSError:
                    continue
                self._claimed[folder] = lock
            clean_stale_temps(folder, max_age_s=0.0)  # its owner is dead: no save is running there
            found = [e for e in (_entry(p) for p in sorted(folder.glob("*.ora"))) if e is not None]
            if not found:
                self._drop_folder(folder)
            entries.extend(found)
        entries.sort(key=lambda e: e.saved_at, reverse=True)
        return entries

    def discard(self, entry: RecoveryEntry) -> None:
        """The user does not want this document back: delete it."""
        for p in (entry.ora, entry.meta_path):
            with contextlib.suppress(OSError):
                os.unlink(p)
        self._drop_if_empty(entry.ora.parent)

    def release_claims(self) -> None:
        for lock in self._claimed.values():
            lock.release()
        self._claimed.clear()

    def _drop_if_empty(self, folder: Path) -> None:
        if folder != self.folder and folder in self._claimed and not any(folder.glob("*.ora")):
            self._drop_folder(folder)

    def _drop_folder(self, folder: Path) -> None:
        lock = self._claimed.pop(folder, None)
        shutil.rmtree(folder, ignore_errors=True)
        if lock is not None:
            lock.release()


def _entry(ora: Path) -> RecoveryEntry | None:
    """The entry for an autosaved .ora (its .json when readable, else what the file itself says)."""
    try:
        st = ora.lstat()
    except OSError:
        return None
    if not ora.is_file() or ora.is_symlink() or st.st_size == 0:
        return None
    meta = read_json_object_or_none(ora.with_suffix(".json"), max_bytes=MAX_META_BYTES) or {}

    def num(key: str, default: float) -> float:
        v = meta.get(key)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) < 1e12
        return float(v) if ok else default  # type: ignore[arg-type]

    path = meta.get("path")
    return RecoveryEntry(ora=ora, title=str(meta.get("title") or "Untitled")[:200],
                         original_path=path if isinstance(path, str) and path else None,
                         saved_at=max(num("saved_at", 0.0), st.st_mtime), width=int(num("width", 0)),
                         height=int(num("height", 0)), layers=int(num("layers", 0)))
