"""Keeps the colorize layers of the shown document up to date (DESIGN data flow 4).

The controller watches the session's change events: a "hints" change of a `ColorizeLayer` (a hint command,
its undo, a settings change) or a pixel change of its source layer (debounced) makes it post a job to the
inference bridge with the layer's generation: first a quick preview (a downscaled page; skipped for flat
fill once the page's segmentation is cached, which is then already exact and fast), then the full-resolution
pass. Results come back on the GUI thread and go into the layer with `set_result(rgba, generation)`, which
ignores older generations; only the changed rectangle of the page is announced, so the canvas recomposites
just that. Exact results are kept in a small LRU keyed by the hints state, so undo brings the earlier
colours back at once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Change, Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import Layer, RasterLayer
from paintgan.gui.colorize.compute import (
    FlatEngine,
    Job,
    JobResult,
    PageCache,
    hints_key,
    neural_full,
    neural_preview,
)
from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.model_controller import ModelController
from paintgan.gui.result_cache import ResultCache
from paintgan.gui.session import DocumentSession
from paintgan.inference.service import Result

log = logging.getLogger(__name__)

SOURCE_DEBOUNCE_MS = 300
FULL_DELAY_MS = 350  # after a neural preview, wait this long for more edits before the full pass (a full pass
# cannot be interrupted once it runs, and a click while it runs waits for a core)
SMALL_PAGE = 1_500_000  # pixels: flat fill runs exact at once below this


def colorize_layers(doc: Document) -> list[ColorizeLayer]:
    return [lay for lay in doc.layers() if isinstance(lay, ColorizeLayer)]


def target_layer(doc: Document) -> ColorizeLayer | None:
    """The colorize layer hint tools work on: the active one, else the one whose source is active, else
    the topmost one."""
    active = doc.active_layer
    if isinstance(active, ColorizeLayer):
        return active
    layers = colorize_layers(doc)
    if active is not None:
        for lay in layers:
            if lay.source_id == active.id:
                return lay
    return layers[-1] if layers else None


class ModelStatus:
    """Which colorize models are usable (checked on demand; cached until `refresh()`)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.error: str | None = None
        self.checked = False

    def refresh(self) -> ModelStatus:
        from paintgan.errors import ModelError, user_message
        from paintgan.inference.registry import ModelRegistry

        self.checked = True
        try:
            reg = ModelRegistry()
            infos = reg.find("colorize")
            self.names = [i.name for i in infos if i.ok]
            if not self.names:
                reg.first_usable("colorize")  # raises with the user-readable reason
                self.error = "Colorization unavailable"
            else:
                self.error = None
        except ModelError as exc:
            self.names = []
            self.error = str(exc)
        except Exception as exc:  # a broken models folder must not break the app
            self.names = []
            self.error = user_message(exc, "Colorization unavailable")
        return self

    @property
    def usable(self) -> bool:
        if not self.checked:
            self.refresh()
        return bool(self.names)


class ColorizeController(ModelController):
    result_applied = Signal(object, str)  # ColorizeLayer, stage ("preview" | "full" | "cache")
    suggestions_ready = Signal(object)  # list[(rgb, prob)] for the selected point, [] when none
    channels = ("colorize", "suggest")

    def __init__(self, session: DocumentSession, bridge: InferenceBridge | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(bridge, parent)
        self.models = ModelStatus()
        self.cache = ResultCache()
        self.working_size = 512
        self.preview_enabled = True
        self._flat: dict[str, FlatEngine] = {}
        self._pages: dict[str, PageCache] = {}
        self._colorizers: dict[str, Any] = {}
        self._colorizer_lock = threading.Lock()
        self._sources: dict[str, tuple[int, np.ndarray, str]] = {}  # layer id -> (version, pixels, kind)
        self._source_versions: dict[str, int] = {}  # source layer id -> version
        self._exact: dict[str, bool] = {}
        self._in_flight: dict[tuple[str, str], int] = {}
        self._pending: set[str] = set()
        self._pending_full: dict[str, int] = {}
        self._dirty_sources: set[str] = set()
        self.suggest_scale: dict[str, float] = {}
        self.suggest_point: tuple[str, float, float] | None = None
        self.timings: dict[str, float] = {}
        self._flush_timer = QTimer(self, singleShot=True, interval=0)
        self._flush_timer.timeout.connect(self._flush)
        self._source_timer = QTimer(self, singleShot=True, interval=SOURCE_DEBOUNCE_MS)
        self._source_timer.timeout.connect(self._sources_changed)
        self._full_timer = QTimer(self, singleShot=True, interval=FULL_DELAY_MS)
        self._full_timer.timeout.connect(self._post_full)
        self.set_session(session)

    # -- session -------------------------------------------------------------------------------------
    def set_session(self, session: DocumentSession) -> None:
        self.observe(session)
        # channels are per shown document: a reopened file has the same layer ids but restarts generations
        self.new_epoch()
        self._in_flight.clear()
        self._pending_full.clear()
        self._sources.clear()
        self._flat.clear()
        self._pages.clear()
        self.cache.clear()
        for layer in colorize_layers(session.doc):
            if layer.stale or layer.result is None:
                self.schedule(layer)

    def target(self) -> ColorizeLayer | None:
        return target_layer(self.session.doc)

    @property
    def busy(self) -> bool:
        return bool(self._in_flight) or bool(self._pending) or bool(self._pending_full)

    # -- change events -------------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        layer = change.layer
        if change.kind == "hints" and isinstance(layer, ColorizeLayer):
            if layer.document is self.session.doc:
                # post at once (the service keeps only the newest request per layer, so bursts coalesce
                # there); the worker then computes while the GUI thread repaints the hint overlay
                self._pending.discard(layer.id)
                self._post(layer)
            else:
                self.schedule(layer)
        elif change.kind == "structure":
            for lay in colorize_layers(self.session.doc):
                if lay.stale and lay.id not in self._pending:
                    self.schedule(lay)
        elif change.kind == "pixels" and layer is not None and not isinstance(layer, ColorizeLayer):
            ids = {lay.source_id for lay in colorize_layers(self.session.doc)}
            node: Layer | None = layer
            while node is not None:
                if node.id in ids:
                    self._dirty_sources.add(node.id)
                    self._source_timer.start()
                    break
                node = node.parent

    def _sources_changed(self) -> None:
        dirty, self._dirty_sources = self._dirty_sources, set()
        for sid in dirty:
            self._source_versions[sid] = self._source_versions.get(sid, 0) + 1
        for lay in colorize_layers(self.session.doc):
            if lay.source_id in dirty:
                self._sources.pop(lay.id, None)
                lay.mark_stale()  # a "hints" change: schedules a recomputation

    def schedule(self, layer: ColorizeLayer) -> None:
        """Recompute `layer` soon (coalesces the changes of one event-loop turn)."""
        self._pending.add(layer.id)
        if not self._flush_timer.isActive():
            self._flush_timer.start()
        self.busy_changed.emit(True)

    def _flush(self) -> None:
        pending, self._pending = self._pending, set()
        doc = self.session.doc
        for lid in pending:
            layer = doc.find(lid)
            if isinstance(layer, ColorizeLayer):
                self._post(layer)
        self._emit_busy()

    # -- jobs ----------------------------------------------------------------------------------------
    def _source(self, layer: ColorizeLayer) -> tuple[int, np.ndarray, str] | None:
        doc = self.session.doc
        src = layer.source_layer(doc)
        if src is None:
            return None
        version = self._source_versions.get(src.id, 0)
        cached = self._sources.get(layer.id)
        if cached is not None and cached[0] == version and cached[1].shape[:2] == (doc.height, doc.width):
            px = cached[1]
        else:
            if isinstance(src, RasterLayer):
                px = src.read(doc.rect)
            else:
                from paintgan.core.blend import premul_f32_to_straight_u8

                rendered = src.render(doc.rect)
                px = (np.zeros((doc.height, doc.width, 4), np.uint8) if rendered is None
                      else premul_f32_to_straight_u8(rendered))
            px.setflags(write=False)
        kind = layer.input_kind
        if kind == "auto":
            if cached is not None and cached[0] == version and cached[1] is px and cached[2] != "auto":
                kind = cached[2]
            else:
                from paintgan.inference.colorize.pixels import detect_input_kind

                kind = detect_input_kind(px)
        self._sources[layer.id] = (version, px, kind)
        return version, px, kind

    def source(self, layer: ColorizeLayer) -> tuple[int, np.ndarray, str] | None:
        """(source version, read-only straight RGBA pixels, input kind with "auto" resolved) of `layer`'s
        source, or None when it has none (GUI thread)."""
        return self._source(layer)

    def source_version(self, source_id: str) -> int:
        """Bumped each time the pixels of source layer `source_id` change (debounced)."""
        return self._source_versions.get(source_id, 0)

    def detected_kind(self, layer: ColorizeLayer) -> str | None:
        got = self._source(layer)
        return None if got is None else got[2]

    def _cache_key(self, layer: ColorizeLayer, version: int, kind: str, mode: str) -> tuple[Any, ...]:
        return (layer.id, version, kind, mode, layer.gap_radius, layer.fill_unhinted, layer.flat_regions,
                self.working_size,
                layer.model if mode == "neural" else "", hints_key(layer.hints))

    def effective_mode(self, layer: ColorizeLayer) -> str:
        if layer.mode == "neural" and not self.models.usable:
            return "flat"
        return layer.mode

    def _post(self, layer: ColorizeLayer, stage: str | None = None) -> None:
        got = self._source(layer)
        if got is None:
            self.message.emit(f"“{layer.name}” has no source layer to colorize")
            return
        version, px, kind = got
        mode = self.effective_mode(layer)
        if mode != layer.mode and stage is None:
            self.message.emit(f"{self.models.error or 'Colorization unavailable'} — showing flat colours")
        key = self._cache_key(layer, version, kind, mode)
        hit = self.cache.get(key) if mode == "neural" else None  # flat recomputes are cheap and exact
        if hit is not None:
            self._apply(layer, hit, layer.generation, None, exact=True, stage="cache")
            return
        previous = layer.result
        if stage is None:
            stage = "full"
            if self.preview_enabled:
                if mode == "neural":
                    stage = "preview"
                else:
                    eng = self._flat.get(layer.id)
                    cached = eng is not None and eng.has_segmentation(version, px.shape, kind,
                                                                      layer.gap_radius)
                    if not cached and px.shape[0] * px.shape[1] > SMALL_PAGE and kind != "gray":
                        stage = "preview"
        job = Job(layer.id, layer.generation, stage, px, version, layer.hints.copy(), kind, mode,
                  layer.gap_radius, layer.fill_unhinted, self.working_size, previous, layer.flat_regions)
        fn: Any
        if mode == "flat":
            eng = self._flat.setdefault(layer.id, FlatEngine())
            fn = eng.run_preview if stage == "preview" else eng.run
            args: tuple[Any, ...] = (job,)
        else:
            fn = self._run_neural
            args = (layer.model, job, self._pages.setdefault(layer.id, PageCache()))
        if stage == "preview":
            self.bridge.cancel(("colorize", layer.id, "full", self._epoch))
            self._in_flight.pop((layer.id, "full"), None)
            self._pending_full.pop(layer.id, None)
        ticket = self.bridge.request(("colorize", layer.id, stage, self._epoch), fn, *args,
                                     generation=layer.generation)
        if ticket is not None:
            self._in_flight[(layer.id, stage)] = layer.generation
        self._emit_busy()

    def colorizer(self, model: str) -> Any:
        """The colorize engine of `model`, loaded once (thread-safe: workers call it)."""
        return self._colorizer(model)

    def _colorizer(self, model: str) -> Any:
        with self._colorizer_lock:
            eng = self._colorizers.get(model)
            if eng is None:
                from paintgan.inference.colorize.engine import Colorizer

                eng = Colorizer(model, "auto")
                self._colorizers[model] = eng
            return eng

    def _run_neural(self, model: str, job: Job, pages: PageCache) -> JobResult:
        eng = self._colorizer(model)
        return neural_preview(eng, job, pages) if job.stage == "preview" else neural_full(eng, job)

    def colorizer_if_loaded(self, model: str | None = None) -> Any:
        with self._colorizer_lock:
            if model is not None and model in self._colorizers:
                return self._colorizers[model]
            return next(iter(self._colorizers.values()), None)

    # -- results -------------------------------------------------------------------------------------
    def on_result(self, result: Result) -> None:
        channel = result.channel
        if channel[0] == "suggest":
            if result.ok:
                self.suggestions_ready.emit(result.value)
            return
        _, lid, stage, _epoch = channel
        if self._in_flight.get((lid, stage)) == result.generation:
            self._in_flight.pop((lid, stage), None)
        layer = self.session.doc.find(lid)
        if not isinstance(layer, ColorizeLayer):
            self._emit_busy()
            return
        if not result.ok:
            self.message.emit(result.message("Could not compute the colorization of this page"))
            if result.error_type == "ModelError":  # the model is missing or broken: look again
                self.models.refresh()
            self._emit_busy()
            return
        jr: JobResult = result.value
        if jr.job.generation != layer.generation:
            self._emit_busy()
            return
        self.suggest_scale[lid] = jr.suggest_scale
        self.timings = {"compute_ms": result.elapsed_s * 1000.0, "stage": stage,
                        "dirty_px": -1 if jr.dirty is None else jr.dirty.w * jr.dirty.h}
        self._apply(layer, jr.rgba, jr.job.generation, jr.dirty, exact=jr.exact, stage=stage)
        if jr.job.mode == "flat" and jr.exact:
            eng = self._flat.get(lid)
            if eng is not None:
                eng.announced(jr.run_id)
        elif jr.exact:
            self.cache.put(self._cache_key(layer, jr.job.source_version, jr.job.kind, jr.job.mode), jr.rgba)
            pages = self._pages.get(lid)
            if pages is not None and self.preview_enabled and layer.result is jr.rgba:
                # ready the next preview's buffer now, in idle time, instead of on the next click's path
                self.bridge.request(("colorize-mirror", lid, self._epoch), pages.mirror, jr.rgba,
                                    pages.mirror_token())
        else:
            pages = self._pages.get(lid)
            if pages is not None and jr.run_id:
                pages.announced(jr.run_id)
            self._pending_full[lid] = layer.generation
            if jr.job.mode == "flat":
                self._post_full()
            else:
                self._full_timer.start()
        if jr.job.mode == "neural":
            self.request_suggestions()
        self._emit_busy()

    def _post_full(self) -> None:
        pending, self._pending_full = self._pending_full, {}
        doc = self.session.doc
        for lid, gen in pending.items():
            layer = doc.find(lid)
            if isinstance(layer, ColorizeLayer) and layer.generation == gen:
                self._post(layer, "full")
        self._emit_busy()

    def _apply(self, layer: ColorizeLayer, rgba: np.ndarray, generation: int, dirty: Rect | None, *,
               exact: bool, stage: str) -> None:
        """`layer.set_result()`, announcing only `dirty` (None: the whole page; empty: nothing) so the
        canvas recomposites only what changed."""
        if (dirty is None and stage == "cache" and layer.result is not None
                and rgba.shape == layer.result.shape):
            from paintgan.gui.colorize.compute import changed_rect

            dirty = changed_rect(layer.result, rgba)
        ok = layer.set_result(rgba, generation, dirty)
        if not ok:
            return
        self._exact[layer.id] = exact
        self.result_applied.emit(layer, stage)

    def is_exact(self, layer: ColorizeLayer) -> bool:
        return self._exact.get(layer.id, False) and not layer.stale

    # -- suggestions ---------------------------------------------------------------------------------
    def set_suggest_point(self, layer: ColorizeLayer | None, x: float, y: float) -> None:
        self.suggest_point = None if layer is None else (layer.id, float(x), float(y))
        self.request_suggestions()

    def request_suggestions(self) -> None:
        pt = self.suggest_point
        if pt is None:
            return
        layer = self.session.doc.find(pt[0])
        if not isinstance(layer, ColorizeLayer) or self.effective_mode(layer) != "neural":
            self.suggestions_ready.emit([])
            return
        eng = self.colorizer_if_loaded(layer.model)
        if eng is None:
            return
        scale = self.suggest_scale.get(layer.id, 1.0)

        def suggest() -> list[tuple[tuple[int, int, int], float]]:
            return list(eng.suggest_colors(pt[1] * scale, pt[2] * scale, k=8))

        self.bridge.request(("suggest", layer.id, self._epoch), suggest)

    # -- lifecycle -----------------------------------------------------------------------------------
    def timers(self) -> list[QTimer]:
        return [self._flush_timer, self._full_timer, self._source_timer]
