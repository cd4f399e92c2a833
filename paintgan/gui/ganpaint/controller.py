"""Keeps the GANPaint layers of the shown document rendered (DESIGN data flow 4), and renders seed thumbnails.

A "hints" change of a `GanPaintLayer` (a stroke/seed/reset command, its undo) posts a render job to the
inference bridge; while the GAN brush is down, every pointer move posts a *live* job (the layer's strokes
plus the stroke in progress). Per layer at most one render runs and at most one waits: a new request
replaces the waiting one (the newest wins) and starts as soon as the running one is done. (Letting the
service supersede the running render instead would drop its result, and a drag faster than one render
would then show nothing until the pen stops.) Request numbers only grow and a result older than one
already shown is ignored. Committed results go into the layer with `set_result(image, generation)`
(older generations are ignored); live ones with `live=True` (shown, the layer stays stale). Exact results
are kept in a small LRU keyed by the scene, so undo shows the earlier image at once, identical to before.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from paintgan.core.document import Change
from paintgan.core.ganpaint_layer import GanPaintLayer, GanStroke, ganpaint_layers, target_layer
from paintgan.errors import ModelError, PaintGANError, one_line, user_message
from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.model_controller import ModelController
from paintgan.gui.result_cache import ResultCache
from paintgan.gui.session import DocumentSession
from paintgan.inference.service import Result

log = logging.getLogger(__name__)

CACHE_ENTRIES = 24
THUMBS_PER_BATCH = 12


@dataclass
class Request:
    seq: int
    layer_id: str
    generation: int
    live: bool
    key: tuple[Any, ...]
    fn: Callable[[], Any]
    submitted: float


class PainterStatus:
    """The GANPaint engine (loaded on demand, kept) or the user-readable reason it is unavailable."""

    def __init__(self) -> None:
        self._painters: dict[str, Any] = {}
        self.default_name: str | None = None
        self.error: str | None = None
        self.checked = False
        self._lock = threading.Lock()

    def refresh(self) -> PainterStatus:
        from paintgan.inference.ganpaint.engine import GanPainter

        self.checked = True
        with self._lock:
            self._painters.clear()
            try:
                painter = GanPainter.default("auto")
                if not painter.concepts():
                    raise ModelError(f"GANPaint unavailable: model {painter.name} has no dissection "
                                     f"(run: paintgan dissect --model {painter.name})")
                self._painters[painter.name] = painter
                self.default_name = painter.name
                self.error = None
            except PaintGANError as exc:
                self.default_name = None
                msg = one_line(exc)
                self.error = msg if "unavailable" in msg.lower() else f"GANPaint unavailable: {msg}"
            except Exception as exc:  # a broken model folder must not break the app; library text: the log
                self.default_name = None
                self.error = user_message(exc, "GANPaint unavailable")
        return self

    @property
    def usable(self) -> bool:
        if not self.checked:
            self.refresh()
        return self.default_name is not None

    def painter(self, name: str | None = None) -> Any:
        """The engine for model `name` (default: the shipped one); raises ModelError when unusable."""
        if not self.checked:
            self.refresh()
        with self._lock:
            key = name or self.default_name
            if key is not None and key in self._painters:
                return self._painters[key]
        from paintgan.errors import ModelError
        from paintgan.inference.ganpaint.engine import GanPainter

        if name is None:
            raise ModelError(self.error or "GANPaint unavailable")
        painter = GanPainter(name, "auto")
        with self._lock:
            self._painters[name] = painter
        return painter


class GanPaintController(ModelController):
    result_applied = Signal(object, str)  # GanPaintLayer, "live" | "full" | "cache"
    thumbnails_ready = Signal(object)  # list[(seed, (H, W, 3) uint8)]
    channels = ("ganpaint", "ganpaint-thumbs")
    epochless = ("ganpaint-thumbs",)

    def __init__(self, session: DocumentSession, bridge: InferenceBridge | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(bridge, parent)
        self.status = PainterStatus()
        self.cache = ResultCache(max_bytes=None, max_items=CACHE_ENTRIES)
        self._seq = itertools.count(1)
        self._in_flight: dict[str, Request] = {}  # layer id -> the render running for it
        self._next: dict[str, Request] = {}  # layer id -> the newest request waiting for it
        self._min_seq: dict[str, int] = {}  # layer id -> results of older requests are not shown
        self._thumbs_in_flight = 0
        self.timings: dict[str, float] = {}
        self._flush_timer = QTimer(self, singleShot=True, interval=0)
        self._flush_timer.timeout.connect(self._flush)
        self._pending: set[str] = set()
        self.set_session(session)

    # -- session -------------------------------------------------------------------------------------
    def set_session(self, session: DocumentSession) -> None:
        self.observe(session)
        self.new_epoch()
        self._in_flight.clear()
        self._next.clear()
        self._min_seq.clear()
        for layer in ganpaint_layers(session.doc):
            if layer.stale or layer.result is None or layer.image is None:
                self.schedule(layer)

    def target(self) -> GanPaintLayer | None:
        return target_layer(self.session.doc)

    @property
    def busy(self) -> bool:
        return bool(self._in_flight) or bool(self._next) or bool(self._pending) or self._thumbs_in_flight > 0

    def _on_change(self, change: Change) -> None:
        layer = change.layer
        if change.kind == "hints" and isinstance(layer, GanPaintLayer):
            self.post(layer)
        elif change.kind == "structure":
            for lay in ganpaint_layers(self.session.doc):
                if lay.stale and lay.id not in self._pending:
                    self.schedule(lay)

    def schedule(self, layer: GanPaintLayer) -> None:
        self._pending.add(layer.id)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush(self) -> None:
        pending, self._pending = self._pending, set()
        for lid in pending:
            layer = self.session.doc.find(lid)
            if isinstance(layer, GanPaintLayer):
                self.post(layer)
        self._emit_busy()

    # -- jobs ----------------------------------------------------------------------------------------
    def _channel(self, lid: str) -> tuple[str, str, int]:
        return ("ganpaint", lid, self._epoch)

    def post(self, layer: GanPaintLayer, live: Sequence[GanStroke] = ()) -> int | None:
        """Render `layer` (with the `live` strokes in progress appended: a preview) in the background.
        Returns the request number, or None when it was served from the cache or cannot run."""
        if layer.document is not self.session.doc:
            return None
        self._pending.discard(layer.id)
        key = layer.scene_key()
        seq = next(self._seq)
        if not live:
            hit = self.cache.get(key)
            if hit is not None and hit[1].shape[:2] == layer.display_size():
                self._min_seq[layer.id] = seq  # whatever is still rendering for this layer is moot
                self._next.pop(layer.id, None)
                layer.set_result(hit[0], layer.generation, rgba=hit[1])
                self.timings = {"compute_ms": 0.0, "latency_ms": 0.0, "seq": float(seq)}
                self.result_applied.emit(layer, "cache")
                self._emit_busy()
                return None
        try:
            painter = self.status.painter(layer.model)
        except Exception as exc:
            self.message.emit(user_message(exc, "GANPaint is unavailable"))
            return None
        gen, fn = layer.job(painter, live)
        if live:
            key = (*key, tuple(s.key for s in live))
        req = Request(seq, layer.id, gen, bool(live), key, fn, time.perf_counter())
        if layer.id in self._in_flight:
            self._next[layer.id] = req  # replaces an older waiting request: the newest wins
        else:
            self._submit(req)
        self._emit_busy()
        return seq

    def _submit(self, req: Request) -> None:
        """One render in flight per layer: the service then never supersedes (and drops) a running
        render, so a fast drag still shows a result at least every other render time."""
        ticket = self.bridge.request(self._channel(req.layer_id), req.fn, generation=req.seq)
        if ticket is not None:
            self._in_flight[req.layer_id] = req

    def on_result(self, result: Result) -> None:
        channel = result.channel
        if channel[0] == "ganpaint-thumbs":
            self._thumbs_in_flight = max(0, self._thumbs_in_flight - 1)
            if result.ok:
                self.thumbnails_ready.emit(result.value)
            else:
                self.message.emit(result.message("Could not render the GANPaint scene previews"))
            self._emit_busy()
            return
        lid = channel[1]
        req = self._in_flight.get(lid)
        if req is None or req.seq != result.generation:
            return
        del self._in_flight[lid]
        waiting = self._next.pop(lid, None)
        if waiting is not None:
            self._submit(waiting)  # start the next render before applying this one
        layer = self.session.doc.find(lid)
        if not isinstance(layer, GanPaintLayer):
            self._emit_busy()
            return
        if not result.ok:
            self.message.emit(result.message("Could not render this GANPaint scene"))
            self._emit_busy()
            return
        image, rgba = result.value
        if not req.live:
            self.cache.put(req.key, (image, rgba))
        if (req.seq >= self._min_seq.get(lid, 0) and req.generation == layer.generation
                and layer.set_result(image, req.generation, rgba=rgba, live=req.live)):
            self._min_seq[lid] = req.seq
            self.timings = {"compute_ms": result.elapsed_s * 1000.0,
                            "latency_ms": (time.perf_counter() - req.submitted) * 1000.0,
                            "seq": float(req.seq)}
            self.result_applied.emit(layer, "live" if req.live else "full")
        self._emit_busy()

    # -- thumbnails ----------------------------------------------------------------------------------
    def request_thumbnails(self, seeds: Sequence[int]) -> bool:
        """Render the scenes of `seeds` (unedited, model resolution) in the background; the images come
        back through `thumbnails_ready`."""
        try:
            painter = self.status.painter()
        except Exception as exc:
            self.message.emit(user_message(exc, "GANPaint is unavailable"))
            return False
        seeds = [int(s) for s in seeds]

        def run() -> list[tuple[int, np.ndarray]]:
            from paintgan.inference.ganpaint.engine import to_uint8

            z = np.stack([painter.z(s) for s in seeds])
            feats = painter.features_batch(z)
            out: list[tuple[int, np.ndarray]] = []
            for i in range(0, len(seeds), 6):
                raw = painter.render_raw(feats[i:i + 6])
                out += [(seeds[i + j], to_uint8(raw[j], painter.value_range)) for j in range(len(raw))]
            return out

        ticket = self.bridge.request(("ganpaint-thumbs", seeds[0] if seeds else 0, len(seeds)), run)
        if ticket is not None:
            self._thumbs_in_flight += 1
            self._emit_busy()
        return ticket is not None

    # -- lifecycle -----------------------------------------------------------------------------------
    def timers(self) -> list[QTimer]:
        return [self._flush_timer]
