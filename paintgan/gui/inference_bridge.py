"""Qt wrapper of the inference service: requests go to `InferenceService` worker threads, results come
back on the GUI thread through a queued signal.

    bridge = InferenceBridge()
    bridge.result_ready.connect(on_result)          # on_result(Result) runs on the GUI thread
    bridge.request(("colorize", layer.id), fn, job, generation=layer.generation)

Only the newest request per channel runs (the service drops superseded pending ones); a result that
arrives after a newer generation was requested on its channel is dropped here too, on the GUI thread, so a
slow result never overwrites a newer one. The service is shut down on application quit (or `shutdown()`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from paintgan.inference.service import InferenceService, Result, Ticket


class InferenceBridge(QObject):
    result_ready = Signal(object)  # paintgan.inference.service.Result, status "ok" or "error"
    _relay = Signal(object)  # emitted on a worker thread, delivered queued on the GUI thread

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._service = InferenceService(workers=workers, name="paintgan-gui-inference")
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.stats = {"delivered": 0, "dropped": 0}
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def service(self) -> InferenceService:
        return self._service

    def request(self, channel: Hashable, fn: Callable[..., Any], *args: Any, generation: int | None = None,
                **kwargs: Any) -> Ticket | None:
        """Run `fn(*args, **kwargs)` on a worker for `channel`; None once shut down."""
        if self._service.closed:
            return None
        return self._service.submit(channel, fn, *args, generation=generation, callback=self._relay.emit,
                                    **kwargs)

    def cancel(self, channel: Hashable) -> None:
        if not self._service.closed:
            self._service.cancel(channel)

    def latest_generation(self, channel: Hashable) -> int | None:
        return self._service.latest_generation(channel)

    def _deliver(self, result: Result) -> None:
        latest = self._service.latest_generation(result.channel)
        if latest is not None and result.generation < latest:
            self.stats["dropped"] += 1
            return
        self.stats["delivered"] += 1
        self.result_ready.emit(result)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the workers are idle (tests, benchmarks); results still need the event loop."""
        return self._service.wait_idle(timeout)

    def shutdown(self) -> None:
        if not self._service.closed:
            self._service.shutdown(wait=True, timeout=2.0)
