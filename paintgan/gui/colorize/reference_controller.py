""""Colour from References": match the shown page against the session's references in the background and
put the matched colours on the colorize layer as one undoable hint change (issue 15).

Flow: `run()` snapshots, on the GUI thread, the target colorize layer's source pixels, its input kind, its
hints and the references, and posts `run_match` to the window's inference bridge (channel
("colorize-ref", layer id, epoch), so a newer run for the same layer supersedes an older one and a result
for a document no longer shown is dropped). The worker matches (`paintgan.inference.colorize.reference`,
with the colorize model's encoder features when the layer is in neural mode and a model is usable) and
renders the matched-region overlay. Back on the GUI thread the hints are `match.hints(user_hints)` — the
user's own hints win — pushed as one `SetHints` command ("Colour from references"), so Undo restores
exactly the previous hints; the colorize controller then recomputes the colours from them.

User hints vs. reference hints: the point hints an earlier run placed are remembered per layer, so running
again with other references replaces them instead of keeping them as if the user had placed them; a hint
the user moved or recoloured is the user's.

Bad input (a reference with no colour, a corrupt or far too differently sized one): the matcher raises a
`PaintGANError`; its one line is shown and nothing changes on the page (no history entry).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from paintgan.commands.hints import SetHints
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Change
from paintgan.core.hints import Hints, PointHint
from paintgan.gui.colorize.controller import ColorizeController
from paintgan.gui.colorize.references import Reference, ReferenceList
from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.model_controller import ModelController
from paintgan.gui.session import DocumentSession
from paintgan.inference.service import Result

log = logging.getLogger(__name__)

COMMAND_TEXT = "Colour from references"
FAILED = "Could not match the references"


@dataclass(frozen=True)
class MatchJob:
    """What a worker needs, snapshotted on the GUI thread."""

    layer_id: str
    source_version: int
    page: np.ndarray  # straight RGBA uint8 of the colorize layer's source, read-only
    kind: str  # "lineart" | "gray" (auto resolved)
    references: tuple[Reference, ...]
    model: str | None  # the colorize model whose distribution head describes regions (None: shapes only)


@dataclass
class MatchOutcome:
    job: MatchJob
    match: Any  # paintgan.inference.colorize.reference.ReferenceMatch
    overlay: np.ndarray  # (h, w, 4) uint8 straight RGBA at the matcher's analysis size (the canvas scales it)
    elapsed_s: float = 0.0
    applied: bool = False  # its hints went onto the layer (False: nothing changed)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def assigned(self) -> int:
        return int(self.match.assigned_count)

    @property
    def unassigned(self) -> int:
        return int(self.match.unassigned_count)

    def summary(self) -> str:
        n, m = self.assigned, self.unassigned
        return (f"{n} region{'s' * (n != 1)} matched, {m} need{'s' * (m == 1)} a hint"
                + (" (hatched)" if m else ""))


class RegionCache:
    """Regions of the references (per reference, model and page size) and of the last page (per layer,
    source version, kind and model), shared by the worker threads: colouring page after page of a chapter
    analyses each reference once, and trying other references on one page analyses the page once.
    Region sets are never modified after they are built."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[tuple[Any, ...], threading.Lock] = {}  # one computation per key at a time
        self._refs: dict[tuple[Any, ...], Any] = {}
        self._page: tuple[tuple[Any, ...], Any] | None = None

    def _key_lock(self, key: tuple[Any, ...]) -> threading.Lock:
        with self._lock:
            return self._busy.setdefault(key, threading.Lock())

    def reference(self, ref: Reference, name: str, colorizer: Any, model: str | None,
                  page_size: tuple[int, int]) -> Any:
        """The regions of `ref` (a run that starts while the check after Add is still analysing the same
        reference waits for it instead of doing the work twice)."""
        from paintgan.inference.colorize.reference import reference_regions

        key = (ref.id, model, page_size)
        with self._key_lock(key):
            with self._lock:
                got = self._refs.get(key)
            if got is None:
                got = reference_regions(ref.pixels, colorizer, name, page_size=page_size)
                with self._lock:
                    self._refs[key] = got
        return got

    def page(self, job: MatchJob, colorizer: Any, model: str | None) -> Any:
        from paintgan.inference.colorize.reference import page_regions

        key = (job.layer_id, job.source_version, job.page.shape, job.kind, model)
        with self._lock:
            if self._page is not None and self._page[0] == key:
                return self._page[1]
        got = page_regions(job.page, colorizer, job.kind)
        with self._lock:
            self._page = (key, got)
        return got

    def retain(self, ids: set[int]) -> None:
        """Forget the regions of references no longer in the list."""
        with self._lock:
            self._refs = {k: v for k, v in self._refs.items() if k[0] in ids}
            self._busy = {k: v for k, v in self._busy.items() if k[0] in ids}


def _engine(colorizer: Callable[[], Any] | None, model: str | None) -> tuple[Any, str | None]:
    """(the colorize engine, the model name for cache keys); a model that fails to load means matching by
    shapes only (None, None), not a failed match: the colorize controller reports the broken model."""
    if colorizer is None:
        return None, None
    from paintgan.errors import ModelError

    try:
        return colorizer(), model
    except ModelError as exc:
        log.warning("reference matching without the colorize model: %s", exc)
        return None, None


def run_match(job: MatchJob, colorizer: Callable[[], Any] | None, cache: RegionCache) -> MatchOutcome:
    """Worker side: regions of the page and the references (cached), the match, the overlay."""
    from paintgan.inference.colorize.reference import match_regions

    t0 = time.perf_counter()
    eng, model = _engine(colorizer, job.model)
    t1 = time.perf_counter()
    h, w = job.page.shape[:2]
    refs = [cache.reference(r, f"reference {i + 1} ({r.name})", eng, model, (w, h))
            for i, r in enumerate(job.references)]
    t2 = time.perf_counter()
    page = cache.page(job, eng, model)
    t3 = time.perf_counter()
    match = match_regions(page, refs)
    t4 = time.perf_counter()
    # at the analysis size (long side ~1024), not the page's: an A4 page's overlay took 0.9-1.5 s at page
    # size, ~0.1 s here, and the hatching keeps its on-page period (it is set relative to the long side)
    oh, ow = page.labels.shape[:2] if page.labels is not None else (h, w)
    overlay = np.ascontiguousarray(match.overlay((ow, oh)))
    t5 = time.perf_counter()
    return MatchOutcome(job, match, overlay, timings={"load_s": t1 - t0, "references_s": t2 - t1,
                                                      "page_s": t3 - t2, "match_s": t4 - t3,
                                                      "overlay_s": t5 - t4})


def check_reference(ref: Reference, colorizer: Callable[[], Any] | None, cache: RegionCache,
                    model: str | None, page_size: tuple[int, int]) -> Reference:
    """Worker side, when a reference is added: analyse it now (so a gray, blank or far too differently
    sized picture is refused at once, and the first match starts with its regions ready)."""
    eng, key_model = _engine(colorizer, model)
    cache.reference(ref, ref.name, eng, key_model, page_size)
    return ref


def _region_xy(match: Any, x: float, y: float) -> int:
    """The page region (label) under page pixel (x, y); 0 (ink) outside the page."""
    labels = match.page.labels
    if labels is None:
        return 0
    s = match.page.scale
    ix, iy = int(x * s), int(y * s)
    h, w = labels.shape[:2]
    return int(labels[iy, ix]) if 0 <= ix < w and 0 <= iy < h else 0


def _region(match: Any, p: PointHint) -> int:
    return _region_xy(match, p.x, p.y)


class ReferenceController(ModelController):
    """Runs "Colour from References" for the shown document's target colorize layer."""

    outcome_changed = Signal(object)  # the target layer's MatchOutcome, or None
    note = Signal(str, bool)  # what the last run did, for the panel: (text, is an error)
    channels = ("colorize-ref", "colorize-ref-check")
    epochless = ("colorize-ref-check",)  # a reference belongs to the session, not to the shown page

    def __init__(self, colorize: ColorizeController, references: ReferenceList,
                 bridge: InferenceBridge | None = None, parent: QObject | None = None) -> None:
        super().__init__(bridge or colorize.bridge, parent)
        self.colorize = colorize
        self.references = references
        self._generation = 0
        self._running: dict[str, int] = {}  # layer id -> generation in flight
        self._outcomes: dict[str, MatchOutcome] = {}  # layer id -> last match (this document)
        self._placed: dict[str, frozenset[PointHint]] = {}  # layer id -> point hints the last run placed
        #: the chapter memory's suggestions still on a layer (set by the window; references outrank them)
        self.suggestions: Callable[[ColorizeLayer], list[PointHint]] | None = None
        self.last_message = ""
        self.last_error = False
        self.cache = RegionCache()
        self._checking: set[int] = set()  # ids of references being analysed after Add
        references.changed.connect(self._references_changed)
        self.set_session(colorize.session)

    # -- session -------------------------------------------------------------------------------------
    def set_session(self, session: DocumentSession) -> None:
        self.observe(session)
        self.new_epoch()
        self._running.clear()
        self._outcomes.clear()
        self.outcome_changed.emit(None)
        self._emit_busy()

    def _on_change(self, change: Change) -> None:
        if change.kind in ("structure", "active"):
            self.outcome_changed.emit(self.outcome())

    @property
    def busy(self) -> bool:
        """A match is running or a just added reference is being analysed."""
        return bool(self._running) or bool(self._checking)

    @property
    def matching(self) -> bool:
        return bool(self._running)

    def target(self) -> ColorizeLayer | None:
        return self.colorize.target()

    def outcome(self, layer: ColorizeLayer | None = None) -> MatchOutcome | None:
        """The last match of `layer` (default: the target layer), if it still fits the page."""
        layer = layer or self.target()
        if layer is None:
            return None
        got = self._outcomes.get(layer.id)
        if got is None or layer.document is not self.session.doc:
            return None
        src = layer.source_layer(self.session.doc)
        if src is None or got.job.page.shape[:2] != (self.session.doc.height, self.session.doc.width):
            return None
        if self.colorize.source_version(src.id) != got.job.source_version:
            return None  # the line art changed since: the regions are not those any more
        return got

    # -- running -------------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.last_message, self.last_error = text, error
        self.note.emit(text, error)
        self.message.emit(text)

    def run(self) -> bool:
        """Start matching the target layer's page against the references. False (with a message) when
        there is nothing to do."""
        layer = self.target()
        if layer is None:
            self._say("Colour from references needs a colorize layer — use Layer ▸ Colorize… first",
                      error=True)
            return False
        refs = self.references.items()
        if not refs:
            self._say("Add a coloured reference first (Colorize panel ▸ References)", error=True)
            return False
        got = self.colorize.source(layer)
        if got is None:
            self._say(f"“{layer.name}” has no source layer to colorize", error=True)
            return False
        version, px, kind = got
        model = self._model(layer)
        job = MatchJob(layer.id, version, px, kind, refs, model)
        self._generation += 1
        ticket = self.bridge.request(("colorize-ref", layer.id, self._epoch), run_match, job,
                                     self._loader(model), self.cache, generation=self._generation)
        if ticket is None:
            return False
        self._running[layer.id] = self._generation
        self._say(f"Matching the page against {len(refs)} reference{'s' * (len(refs) != 1)}…")
        self._emit_busy()
        return True

    def _model(self, layer: ColorizeLayer | None) -> str | None:
        """The colorize model whose distribution head helps tell regions apart (whatever the layer's
        mode: flat mode colours the matched regions just as well), None when no model is usable."""
        if not self.colorize.models.usable:
            return None
        names = self.colorize.models.names
        if layer is not None and layer.model in names:
            return layer.model
        return names[0] if names else None

    def _loader(self, model: str | None) -> Callable[[], Any] | None:
        return None if model is None else (lambda m=model: self.colorize.colorizer(m))

    # -- references ----------------------------------------------------------------------------------
    def check(self, ref: Reference) -> None:
        """Analyse a just added reference in the background; a picture the matcher cannot use is taken
        out of the list again with its one-line reason."""
        doc = self.session.doc
        model = self._model(self.target())
        self._checking.add(ref.id)
        self._generation += 1
        self.bridge.request(("colorize-ref-check", ref.id), check_reference, ref, self._loader(model),
                            self.cache, model, (doc.width, doc.height), generation=self._generation)
        self._emit_busy()

    def _references_changed(self) -> None:
        self.cache.retain({r.id for r in self.references.items()})

    def _checked(self, result: Result) -> None:
        rid = result.channel[1]
        self._checking.discard(rid)
        self._emit_busy()
        if result.ok or result.status != "error":
            return
        index = next((i for i, r in enumerate(self.references.items()) if r.id == rid), None)
        if index is None:
            return
        ref = self.references.remove(index)
        self._say(f"{result.message(f'Could not use {ref.name} as a reference')} — not added", error=True)

    def _suggested(self, layer: ColorizeLayer) -> set[PointHint]:
        """Point hints other suggestion sources (the chapter memory) placed on `layer` and still there."""
        if self.suggestions is None:
            return set()
        return set(self.suggestions(layer))

    def _user_hints(self, layer: ColorizeLayer) -> Hints:
        """The layer's hints without the point hints an earlier run placed (those are ours to replace) and
        without the chapter memory's suggestions (references outrank them)."""
        ours = self._placed.get(layer.id, frozenset()) | self._suggested(layer)
        h = layer.hints.copy()
        h.points = [p for p in h.points if p not in ours]
        return h

    def on_result(self, result: Result) -> None:
        if result.channel[0] == "colorize-ref-check":
            self._checked(result)
            return
        _, lid, _epoch = result.channel
        if self._running.get(lid) == result.generation:
            del self._running[lid]
        self._emit_busy()
        layer = self.session.doc.find(lid)
        if not isinstance(layer, ColorizeLayer):
            return
        if not result.ok:
            if result.status == "error":
                self._say(result.message(FAILED), error=True)
            return
        outcome: MatchOutcome = result.value
        outcome.elapsed_s = result.elapsed_s
        src = layer.source_layer(self.session.doc)
        if src is None or self.colorize.source_version(src.id) != outcome.job.source_version:
            self._say("The page changed while matching; run Colour from References again", error=True)
            return
        self._outcomes[lid] = outcome
        self.apply(layer, outcome)
        self.outcome_changed.emit(self.outcome())

    def apply(self, layer: ColorizeLayer, outcome: MatchOutcome) -> None:
        """Put the matched colours on `layer` as one history step (none when nothing would change)."""
        user = self._user_hints(layer)
        new = outcome.match.hints(user)
        ref_points = new.points[:len(new.points) - len(user.points)]  # the user's come last
        # precedence: the user's hints, then the references, then the chapter memory's suggestions (kept
        # only in regions that neither the user nor a reference colours)
        taken = {_region(outcome.match, p) for p in [*ref_points, *user.points]}
        for st in user.strokes:
            taken.update(_region_xy(outcome.match, x, y) for x, y in st.points)
        memory = self._suggested(layer)
        kept = [p for p in layer.hints.points if p in memory and _region(outcome.match, p) not in taken]
        new.points = [*ref_points, *kept, *user.points]
        new.palette = list(layer.hints.palette)
        new.image_size = layer.hints.image_size
        if outcome.assigned == 0:
            self._say(f"No region of the page matched the references: {outcome.summary()}", error=True)
            return
        if new.points == layer.hints.points and new.strokes == layer.hints.strokes:
            self._say(f"Colour from references: nothing new — {outcome.summary()}")
            return
        self.session.stack.push(SetHints(layer, new, COMMAND_TEXT))
        self._placed[layer.id] = frozenset(ref_points) - set(user.points)
        outcome.applied = True
        self._say(f"Colour from references: {outcome.summary()}")

    def timers(self) -> list[QTimer]:
        return []
