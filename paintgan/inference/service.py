"""Asynchronous request/response service for model work (Qt-free; gui/ wraps it with signals).

- Requests are keyed by a *channel* (e.g. one per layer) and carry a *generation* number (given by the
  caller, or counted per channel). Only the newest pending request of a channel runs; a request superseded
  while pending never runs, and a result that is older than the newest submitted generation is dropped.
- A request can be cancelled (pending: it never runs; running: its result is dropped; long jobs can poll
  `current_request_cancelled()` to stop early).
- Errors come back as `Result(status="error", error="<message>")`, never as exceptions in a worker.
- `submit()` returns at once. Results go to the callback (called from the worker thread) when one is
  given (per request or for the service), else to a thread-safe queue read with `poll()` / `get()`.
- One channel never runs two requests at once; several channels can run in parallel with `workers>1`.
"""

from __future__ import annotations

import collections
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from paintgan.errors import InferenceError, PaintGANError, one_line

log = logging.getLogger(__name__)

Callback = Callable[["Result"], None]

PENDING, RUNNING, OK, ERROR, CANCELLED, DROPPED = "pending", "running", "ok", "error", "cancelled", "dropped"

_local = threading.local()


def current_request_cancelled() -> bool:
    """Inside a request's function: has this request been cancelled or superseded? (False elsewhere.)"""
    ticket = getattr(_local, "ticket", None)
    return bool(ticket is not None and (ticket._cancel_flag or ticket._superseded()))


@dataclass(frozen=True)
class Result:
    channel: Hashable
    generation: int
    status: str  # "ok" | "error" | "cancelled" | "dropped"
    value: Any = None
    error: str | None = None  # one-line message when status == "error"
    error_type: str | None = None  # exception class name
    elapsed_s: float = 0.0
    user_facing: bool = False  # the error is a PaintGANError (its message is written for users)

    @property
    def ok(self) -> bool:
        return self.status == OK

    def message(self, failed: str) -> str:
        """What to show a user for a failed result: a PaintGANError's own line, else the plain sentence
        `failed` (the library's text went to the log when the error was caught). Never empty."""
        if self.user_facing and self.error:
            return self.error
        if self.error_type == "MemoryError":
            return f"{failed}: not enough memory"
        return f"{failed} (an internal error; the details are in the log)"


class Ticket:
    """Handle of one submitted request."""

    def __init__(
        self,
        service: InferenceService,
        channel: Hashable,
        generation: int,
        fn: Callable[[], Any],
        callback: Callback | None,
    ) -> None:
        self.channel = channel
        self.generation = generation
        self._service = service
        self._fn = fn
        self._callback = callback
        self._status = PENDING
        self._result: Result | None = None
        self._done = threading.Event()
        self._cancel_flag = False
        self.submitted_at = time.perf_counter()

    @property
    def status(self) -> str:
        return self._status

    @property
    def cancelled(self) -> bool:
        return self._cancel_flag

    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> bool:
        """Cancel this request (no effect once finished). True if it was pending or running."""
        return self._service._cancel_ticket(self)

    def wait(self, timeout: float | None = None) -> Result | None:
        """Block until finished (ok, error, cancelled or dropped); None on timeout. Not for the GUI thread."""
        if not self._done.wait(timeout):
            return None
        return self._result

    def _superseded(self) -> bool:
        return self._service._latest.get(self.channel, self.generation) > self.generation

    def _finish(self, result: Result) -> None:
        self._status = result.status
        self._result = result
        self._fn = _noop  # release references to inputs
        self._done.set()

    def __repr__(self) -> str:
        return f"Ticket({self.channel!r}, gen={self.generation}, {self._status})"


def _noop() -> None:
    return None


class InferenceService:
    """Worker thread(s) running the newest request per channel. Use as a context manager or `shutdown()`."""

    def __init__(self, workers: int = 1, callback: Callback | None = None, name: str = "paintgan-inference"):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._callback = callback
        self._cond = threading.Condition()
        self._pending: collections.OrderedDict[Hashable, Ticket] = collections.OrderedDict()
        self._running: dict[Hashable, Ticket] = {}
        self._latest: dict[Hashable, int] = {}
        self._auto_gen: dict[Hashable, itertools.count[int]] = {}
        self._queue: queue.Queue[Result] = queue.Queue()
        self._closed = False
        self.stats = {"submitted": 0, "run": 0, "delivered": 0, "dropped": 0, "cancelled": 0, "errors": 0}
        self._threads = [
            threading.Thread(target=self._worker, name=f"{name}-{i}", daemon=True) for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    # ----------------------------------------------------------------------------- submitting

    def submit(
        self,
        channel: Hashable,
        fn: Callable[..., Any],
        *args: Any,
        generation: int | None = None,
        callback: Callback | None = None,
        **kwargs: Any,
    ) -> Ticket:
        """Queue `fn(*args, **kwargs)` on `channel`; replaces that channel's pending request. Never blocks
        on model work. A `generation` not newer than one already submitted is dropped at once."""
        call = (lambda: fn(*args, **kwargs)) if (args or kwargs) else fn
        with self._cond:
            if self._closed:
                raise InferenceError("the inference service has been shut down")
            latest = self._latest.get(channel)
            if generation is None:
                counter = self._auto_gen.setdefault(channel, itertools.count(1))
                generation = next(counter)
                while latest is not None and generation <= latest:
                    generation = next(counter)
            ticket = Ticket(self, channel, generation, call, callback)
            self.stats["submitted"] += 1
            if latest is not None and generation <= latest:
                self.stats["dropped"] += 1
                ticket._finish(Result(channel, generation, DROPPED))
                return ticket
            self._latest[channel] = generation
            old = self._pending.get(channel)
            if old is not None:
                self.stats["dropped"] += 1
                old._finish(Result(channel, old.generation, DROPPED))
            # replacing keeps the channel's place in line, so a busy channel does not starve the others
            self._pending[channel] = ticket
            self._cond.notify()
        return ticket

    def submit_model(
        self,
        channel: Hashable,
        model: Any,
        inputs: Mapping[str, Any],
        role: str = "model",
        *,
        generation: int | None = None,
        callback: Callback | None = None,
    ) -> Ticket:
        """Shortcut: run `model.run(inputs, role)` (a LoadedModel) on `channel`."""
        return self.submit(channel, model.run, dict(inputs), role, generation=generation, callback=callback)

    def latest_generation(self, channel: Hashable) -> int | None:
        with self._cond:
            return self._latest.get(channel)

    def cancel(self, channel: Hashable, generation: int | None = None) -> bool:
        """Cancel the channel's pending and running requests (only `generation` if given)."""
        cancelled = []
        with self._cond:
            pend = self._pending.get(channel)
            if pend is not None and generation in (None, pend.generation):
                del self._pending[channel]
                cancelled.append(pend)
            run = self._running.get(channel)
            if run is not None and generation in (None, run.generation) and not run._cancel_flag:
                run._cancel_flag = True
                cancelled.append(run)
            self.stats["cancelled"] += len(cancelled)
        for t in cancelled:
            if t.status == PENDING:
                t._finish(Result(channel, t.generation, CANCELLED))
        return bool(cancelled)

    def _cancel_ticket(self, ticket: Ticket) -> bool:
        if ticket.done():
            return False
        return self.cancel(ticket.channel, ticket.generation)

    # ----------------------------------------------------------------------------- results

    def poll(self, max_items: int | None = None) -> list[Result]:
        """Results waiting in the queue (only used when no callback is set); never blocks."""
        out: list[Result] = []
        while max_items is None or len(out) < max_items:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return out

    def get(self, timeout: float | None = None) -> Result | None:
        """Next queued result, waiting up to `timeout` seconds; None if none came."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def idle(self) -> bool:
        with self._cond:
            return not self._pending and not self._running

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is pending or running (tests, CLI). True if idle."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    # ----------------------------------------------------------------------------- worker

    def _next(self) -> Ticket | None:
        with self._cond:
            while True:
                for channel, ticket in self._pending.items():
                    if channel not in self._running:
                        del self._pending[channel]
                        self._running[channel] = ticket
                        ticket._status = RUNNING
                        return ticket
                if self._closed:
                    return None
                self._cond.wait()

    def _worker(self) -> None:
        while True:
            ticket = self._next()
            if ticket is None:
                return
            _local.ticket = ticket
            t0 = time.perf_counter()
            try:
                value = ticket._fn()
                result = Result(
                    ticket.channel, ticket.generation, OK, value, elapsed_s=time.perf_counter() - t0
                )
            except Exception as exc:
                msg = one_line(exc)
                ours = isinstance(exc, PaintGANError)
                if not ours:  # library text (cv2, numpy, onnxruntime) goes to the log, not to the user
                    log.warning("request %r failed: %s", ticket.channel, one_line(exc, with_type=True),
                                exc_info=exc)
                result = Result(
                    ticket.channel,
                    ticket.generation,
                    ERROR,
                    None,
                    msg,
                    type(exc).__name__,
                    time.perf_counter() - t0,
                    ours,
                )
            finally:
                _local.ticket = None
            with self._cond:
                self.stats["run"] += 1
                if ticket._cancel_flag:
                    result = Result(ticket.channel, ticket.generation, CANCELLED, elapsed_s=result.elapsed_s)
                elif ticket._superseded():
                    self.stats["dropped"] += 1
                    result = Result(ticket.channel, ticket.generation, DROPPED, elapsed_s=result.elapsed_s)
                elif result.status == ERROR:
                    self.stats["errors"] += 1
                if result.status in (OK, ERROR):
                    self.stats["delivered"] += 1
            # The channel stays "running" until delivery is done, so callbacks of one channel never overlap
            # and wait_idle() implies every result has been delivered.
            if result.status in (OK, ERROR):
                self._deliver(ticket, result)
            ticket._finish(result)
            with self._cond:
                self._running.pop(ticket.channel, None)
                self._cond.notify_all()

    def _deliver(self, ticket: Ticket, result: Result) -> None:
        callback = ticket._callback or self._callback
        if callback is None:
            self._queue.put(result)
            return
        try:
            callback(result)
        except Exception:  # a broken callback must not kill the worker
            log.exception("inference result callback failed for channel %r", ticket.channel)

    # ----------------------------------------------------------------------------- lifecycle

    def shutdown(self, wait: bool = True, timeout: float | None = 5.0) -> None:
        """Cancel pending requests, let running ones finish (their results are dropped), stop workers."""
        with self._cond:
            self._closed = True
            pending = list(self._pending.values())
            self._pending.clear()
            for t in self._running.values():
                t._cancel_flag = True
            self._cond.notify_all()
        for t in pending:
            t._finish(Result(t.channel, t.generation, CANCELLED))
        if wait:
            for th in self._threads:
                if th is not threading.current_thread():
                    th.join(timeout)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> InferenceService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
