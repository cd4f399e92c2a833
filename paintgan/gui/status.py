"""Status bar widgets: cursor position, colour under the cursor, zoom, and the inference device."""

from __future__ import annotations

import contextlib
import os
import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from paintgan.errors import one_line

NO_PROBE_ENV = "PAINTGAN_NO_DEVICE_PROBE"


def describe_device() -> str:
    """'AI: CPU (CUDA unavailable: …)' from paintgan.inference.runtime, or 'AI: not loaded'."""
    try:
        from paintgan.inference import runtime
    except Exception:
        return "AI: not loaded"
    try:
        device, reason = runtime.resolve_device("auto")
    except Exception as exc:
        return f"AI: unavailable ({one_line(exc)[:80]})"
    text = f"AI: {device.upper()}"
    return f"{text} ({reason})" if reason else text


class _DeviceProbe(QObject):
    done = Signal(str)


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.position = QLabel("")
        self.position.setMinimumWidth(110)
        self.color = QLabel("")
        self.color.setMinimumWidth(150)
        self.color.setTextFormat(Qt.TextFormat.RichText)
        self.zoom = QLabel("100%")
        self.zoom.setMinimumWidth(90)
        self.device = QLabel("AI: not loaded")
        self.device.setToolTip("Where AI models run (ONNX Runtime device)")
        for w in (self.position, self.color, self.zoom, self.device):
            self.addPermanentWidget(w)
        self._probe = _DeviceProbe(self)
        self._probe.done.connect(self._device_known)

    def show_cursor(self, info: tuple[int, int, tuple[int, int, int, int] | None] | None) -> None:
        if info is None:
            self.position.setText("")
            self.color.setText("")
            return
        x, y, premul = info
        self.position.setText(f"x {x}  y {y}")
        if premul is None or premul[3] == 0:
            self.color.setText("transparent")
            return
        r, g, b, a = premul
        rs, gs, bs = (min(255, round(c * 255 / a)) for c in (r, g, b))
        hexs = f"#{rs:02x}{gs:02x}{bs:02x}"
        self.color.setText(f"<span style='background:{hexs}'>&nbsp;&nbsp;&nbsp;&nbsp;</span> {hexs}"
                           + (f" α{a}" if a < 255 else ""))

    def show_view(self, zoom: float, angle: float, mirror: bool) -> None:
        text = f"{zoom * 100:.4g}%"
        if angle:
            text += f"  {angle:.0f}°"
        if mirror:
            text += "  ⇋"
        self.zoom.setText(text)

    def probe_device(self) -> None:
        """Ask the inference runtime which device it would use, off the GUI thread."""
        if os.environ.get(NO_PROBE_ENV):
            return
        self.device.setText("AI: checking…")
        probe = self._probe

        def run() -> None:
            try:
                text = describe_device()
            except Exception:
                text = "AI: not loaded"
            with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
                probe.done.emit(text)

        threading.Thread(target=run, name="paintgan-device-probe", daemon=True).start()

    def _device_known(self, text: str) -> None:
        short = text if len(text) <= 60 else text[:57] + "…"
        self.device.setText(short)
        self.device.setToolTip(text)
