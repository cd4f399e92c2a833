"""The shared plumbing of the controllers that run models for the shown document's layers (colorize,
GANPaint, annotation): one `InferenceBridge` for the whole window, a document epoch, a busy signal, a
`wait()` for tests and benchmarks, and shutdown.

Channels: every request a controller posts is a tuple whose first item names the controller's kind of job
(its `channels`) and whose last item is the epoch of the document it was made for; results of other kinds or
of a document no longer shown are not delivered to `on_result`. Errors come back typed
(`Result.error_type`), so controllers branch on the exception class, never on words in the message.
"""

from __future__ import annotations

import time
from typing import ClassVar

from PySide6.QtCore import QObject, QTimer, Signal

from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.session import DocumentSession, SessionObserver
from paintgan.inference.service import Result


class ModelController(SessionObserver, QObject):
    busy_changed = Signal(bool)
    message = Signal(str)

    #: First items of the channels this controller posts (results on other channels are ignored).
    channels: ClassVar[tuple[str, ...]] = ()
    #: Channels whose results are delivered whatever the epoch (e.g. thumbnails not tied to a document).
    epochless: ClassVar[tuple[str, ...]] = ()

    def __init__(self, bridge: InferenceBridge | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge or InferenceBridge(self)
        self.bridge.result_ready.connect(self._route)
        self._session: DocumentSession | None = None
        self._epoch = 0

    # -- to implement ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        raise NotImplementedError

    def on_result(self, result: Result) -> None:
        raise NotImplementedError

    def timers(self) -> list[QTimer]:
        """Timers that, while active, mean work is still to be posted (checked by `wait`)."""
        return []

    # -- shared ------------------------------------------------------------------------------------
    def new_epoch(self) -> int:
        """A new document is shown: results of jobs for the previous one will be ignored."""
        self._epoch += 1
        return self._epoch

    def _route(self, result: Result) -> None:
        channel = result.channel
        if not (isinstance(channel, tuple) and channel and channel[0] in self.channels):
            return
        if channel[0] not in self.epochless and channel[-1] != self._epoch:
            return  # a job of a document no longer shown
        self.on_result(result)

    def _emit_busy(self) -> None:
        self.busy_changed.emit(self.busy)

    def wait(self, timeout: float = 30.0) -> bool:
        """Tests and benchmarks: process events until no job is pending or running."""
        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            QApplication.processEvents()
            if (not self.busy and not any(t.isActive() for t in self.timers())
                    and self.bridge.service.idle()):
                QApplication.processEvents()
                if not self.busy:
                    return True
            time.sleep(0.004)
        return False

    def shutdown(self) -> None:
        self.bridge.shutdown()
