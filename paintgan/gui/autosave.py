"""Autosave: every open document with unsaved changes is copied to the recovery folder in the background.

When: a document is on disk by the time its oldest unsaved change is `interval` seconds old (setting
`autosave/seconds`, default 60; `$PAINTGAN_AUTOSAVE_SECONDS` overrides it) or once nothing changed for
`idle` seconds (setting `autosave/idle_seconds`, default 5, at most the interval) — and never in the
middle of a gesture (a brush stroke, a hint drag): it waits for the pen to lift. The snapshot is taken
early by the clock's tick and the duration of the last write (at most half the interval).

How: the GUI thread only takes a `snapshot_document` (copy-on-write tiles shared, about a millisecond on
an A4 page with 10 layers); one worker thread writes it with `RecoveryStore.write` (an atomic .ora), and
also runs the removals, so a removal can never be overtaken by a write of the same document. The time
spent on the GUI thread is kept in `gui_ms` (the autosave benchmark reads it).

What is covered: the documents `sessions()` returns — the shown one and those kept open in the background
(GANPaint mode's parked documents). A document's autosave goes when it is saved (its history is clean),
when it is closed (it left `sessions()`: the window asked to save or discard first) and on a clean exit.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from paintgan.errors import PaintGANError, one_line
from paintgan.gui.background import lower_priority
from paintgan.gui.session import DocumentSession
from paintgan.io.recovery import Cancelled, RecoveryEntry, RecoveryStore
from paintgan.io.snapshot import snapshot_document

SECONDS_ENV = "PAINTGAN_AUTOSAVE_SECONDS"
DEFAULT_SECONDS = 60.0
DEFAULT_IDLE_SECONDS = 5.0
MIN_SECONDS = 0.2


def _float_setting(settings: QSettings | None, key: str, default: float) -> float:
    if settings is None:
        return default
    try:
        value = float(settings.value(key, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return value if value == value and value > 0 else default  # NaN and non-positive: the default


def autosave_seconds(settings: QSettings | None = None) -> float:
    """The autosave interval: `$PAINTGAN_AUTOSAVE_SECONDS`, else the setting, else 60 s."""
    env = os.environ.get(SECONDS_ENV, "").strip()
    if env:
        try:
            value = float(env)
            if value == value and value > 0:
                return max(MIN_SECONDS, value)
        except ValueError:
            pass
    return max(MIN_SECONDS, _float_setting(settings, "autosave/seconds", DEFAULT_SECONDS))


def idle_seconds(settings: QSettings | None = None) -> float:
    return min(autosave_seconds(settings), _float_setting(settings, "autosave/idle_seconds",
                                                          DEFAULT_IDLE_SECONDS))


def autosave_enabled(settings: QSettings | None = None) -> bool:
    if settings is None:
        return True
    return str(settings.value("autosave/enabled", "true")).lower() not in ("false", "0", "no")


def keep_backup(settings: QSettings | None = None) -> bool:
    """Whether saving keeps the previous version as NAME.bak (setting `save/keep_backup`, default on)."""
    if settings is None:
        return True
    return str(settings.value("save/keep_backup", "true")).lower() not in ("false", "0", "no")


@dataclass
class _Tracked:
    uid: str
    session: weakref.ref[DocumentSession]
    unsubscribe: Callable[[], None]
    revision: int = 0
    written_revision: int = 0  # the revision the recovery file holds (0 = none written)
    dirty_since: float | None = None
    last_change: float = 0.0
    has_file: bool = False
    extra: dict[str, object] = field(default_factory=dict)


class AutosaveManager(QObject):
    """Watches the open documents and writes their autosaves (see the module docstring)."""

    written = Signal(str)  # uid: an autosave finished
    failed = Signal(str)  # a one-line message
    _job_done = Signal(object)  # (uid, revision, error or None), emitted by the worker thread

    def __init__(self, sessions: Callable[[], list[DocumentSession]], store: RecoveryStore, *,
                 interval_s: float = DEFAULT_SECONDS, idle_s: float = DEFAULT_IDLE_SECONDS,
                 busy: Callable[[], bool] = lambda: False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sessions = sessions
        self.store = store
        self.interval_s = float(interval_s)
        self.idle_s = min(float(idle_s), self.interval_s)
        self.busy = busy
        self.gui_ms: list[float] = []  # GUI-thread wall time of each autosave (snapshot + bookkeeping)
        self.gui_cpu_ms: list[float] = []  # the same in CPU time of the GUI thread (not other processes')
        self._tracked: dict[int, _Tracked] = {}
        self._executor = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="paintgan-autosave", initializer=lower_priority
        )
        weakref.finalize(self, self._executor.shutdown, wait=False)  # a window dropped without closing
        self._in_flight: str | None = None
        self._cancel = threading.Event()
        self._counter = 0
        self._closed = False
        self._failed_once = False
        self._job_done.connect(self._on_job_done)
        self.last_write_s = 0.0  # how long the last write took (autosaves start that much earlier)
        self.timer = QTimer(self)
        self.timer.setInterval(max(50, int(min(1.0, self.interval_s / 4, self.idle_s / 2) * 1000)))
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    # -- tracking ---------------------------------------------------------------------------------
    def _track(self, session: DocumentSession) -> _Tracked:
        t = self._tracked.get(id(session))
        if t is not None and t.session() is session:
            return t
        self._counter += 1
        uid = f"doc{self._counter}"
        holder: list[_Tracked] = []

        def changed(_stack: object) -> None:
            if holder:
                tr = holder[0]
                tr.revision += 1
                now = time.monotonic()
                tr.last_change = now
                if tr.dirty_since is None:
                    tr.dirty_since = now
                sess = tr.session()
                if sess is not None and not sess.modified and tr.has_file:  # just saved: drop it now
                    self._remove_file(tr)

        unsubscribe = session.stack.subscribe(changed)
        t = _Tracked(uid, weakref.ref(session), unsubscribe)
        holder.append(t)
        if session.modified:  # already changed before we looked (restored, or tracked late)
            t.revision = 1
            t.dirty_since = t.last_change = time.monotonic()
        self._tracked[id(session)] = t
        return t

    def tracked_uid(self, session: DocumentSession) -> str:
        return self._track(session).uid

    def adopt(self, session: DocumentSession, entry: RecoveryEntry) -> None:
        """A document restored from `entry`: its recovery file becomes this run's autosave of it."""
        t = self._track(session)
        self.store.adopt(entry, t.uid)
        t.has_file = True
        t.written_revision = t.revision
        t.dirty_since = None

    # -- the clock ----------------------------------------------------------------------------------
    def tick(self) -> None:
        """Check every open document; write the one that is due (one write at a time)."""
        if self._closed:
            return
        live = [s for s in self.sessions() if s is not None]
        live_ids = {id(s) for s in live}
        for key in [k for k, t in self._tracked.items() if k not in live_ids or t.session() is None]:
            self._forget(self._tracked.pop(key))
        now = time.monotonic()
        for session in live:
            t = self._track(session)
            if not session.modified:
                if t.has_file:
                    self._remove_file(t)
                t.dirty_since = None
                t.written_revision = t.revision
                continue
            if t.revision == t.written_revision or t.dirty_since is None:
                continue
            # start early by a tick and a write, so the file is on disk when the interval is over
            lead = min(self.interval_s / 2, self.timer.interval() / 1000.0 + self.last_write_s)
            due = now - t.dirty_since >= self.interval_s - lead or now - t.last_change >= self.idle_s
            if due and self._in_flight is None and not self.busy():
                self.save_now(session)

    def save_now(self, session: DocumentSession) -> bool:
        """Snapshot `session` on this (GUI) thread and queue the write. False when a write is running."""
        if self._closed or self._in_flight is not None:
            return False
        t0, c0 = time.perf_counter(), time.thread_time()
        t = self._track(session)
        snap = snapshot_document(session.doc)
        meta = {"title": session.display_name, "path": session.path}
        revision = t.revision
        t.dirty_since = None
        self._in_flight = t.uid
        self._executor.submit(self._write_job, t.uid, revision, snap, meta)
        self.gui_ms.append((time.perf_counter() - t0) * 1000.0)
        self.gui_cpu_ms.append((time.thread_time() - c0) * 1000.0)
        return True

    # -- worker side ----------------------------------------------------------------------------------
    def _write_job(self, uid: str, revision: int, snap: object, meta: dict[str, object]) -> None:
        error: str | None = None
        t0 = time.perf_counter()
        try:
            self.store.write(uid, snap, meta, self._cancel.is_set)  # type: ignore[arg-type]
            self.last_write_s = time.perf_counter() - t0
        except Cancelled:
            error = "cancelled"
        except PaintGANError as exc:
            error = str(exc)
        except Exception as exc:
            error = f"Autosave failed: {one_line(exc, with_type=True)}"
        if not self._closed:
            self._job_done.emit((uid, revision, error))

    def _on_job_done(self, result: tuple[str, int, str | None]) -> None:
        uid, revision, error = result
        self._in_flight = None
        if self._closed:  # queued before the clean exit removed everything
            return
        t = next((t for t in self._tracked.values() if t.uid == uid), None)
        if t is None:  # closed while writing: its file must go
            self._executor.submit(self.store.remove, uid)
            return
        session = t.session()
        if error is None:
            t.has_file = True
            t.written_revision = revision
            if session is None or not session.modified:
                self._remove_file(t)
            self.written.emit(uid)
            return
        if error != "cancelled":
            t.dirty_since = time.monotonic()  # try again one interval later
            if not self._failed_once:  # say it once, not every minute
                self._failed_once = True
                self.failed.emit(f"Autosave failed: {error}")

    def _remove_file(self, t: _Tracked) -> None:
        t.has_file = False
        self._executor.submit(self.store.remove, t.uid)

    def _forget(self, t: _Tracked) -> None:
        t.unsubscribe()
        if t.has_file or self._in_flight == t.uid:
            t.has_file = False
            self._executor.submit(self.store.remove, t.uid)

    # -- the end --------------------------------------------------------------------------------------
    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until queued writes and removals are done (tests, benchmarks)."""
        return self._executor.submit(lambda: None).result(timeout) is None

    def shutdown(self) -> None:
        """Clean exit: stop writing, then remove this run's recovery folder (everything was saved or
        discarded by the user)."""
        if self._closed:
            return
        self._closed = True
        self.timer.stop()
        self._cancel.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        for t in self._tracked.values():
            t.unsubscribe()
        self._tracked.clear()
        self.store.close()
