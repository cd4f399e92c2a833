"""Chapter colour memory in the app (issue 15): what a page was coloured with comes back, as hints, on the
next pages of the chapter.

Remember: when the user applies a colorize layer (the `ApplyColorizeResult` command lands on the shown
document's history), the page's source pixels and the applied result go to a worker, which puts every
region's colour and features into the memory beside the document's file (`.paintgan/` next to it,
`paintgan.io.colour_memory`) and saves it atomically. A document without a file has no chapter: nothing
is remembered and the status bar says so. Undoing an Apply does not forget (the memory is the chapter's,
not the document's history); applying the same page again only raises the entries' weights.

Suggest: when a colorize layer appears on a document whose folder has a memory (a colorize stack created,
or a document opened with a fresh colorize layer), a worker analyses the page (at 1024 px, see
`chapter_memory.analyse`) and matches it against the memory; back on the GUI thread the suggested point
hints are added to the layer's hints in ONE `SetHints` command ("Chapter memory suggestions"), before the
user's own hints so theirs win, and the colorize controller recomputes the colours. Undo removes them;
Layer ▸ Clear Memory Suggestions removes the ones still there (one command); Layer ▸ Suggest Colours from
Chapter Memory (setting `colorize/memory_suggestions`) turns the feature off. Each layer is offered
suggestions once per window, so clearing them sticks.

A broken memory file is reported once in the status bar and used as empty (never fatal).
"""

from __future__ import annotations

import itertools
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction

from paintgan.commands.hints import ApplyColorizeResult, SetHints
from paintgan.commands.stack import CommandStack
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Change, Document
from paintgan.core.hints import Hints, PointHint
from paintgan.core.layers import RasterLayer
from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.model_controller import ModelController
from paintgan.gui.session import DocumentSession
from paintgan.inference.service import Result

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

CHANNEL = "chapter-memory"
SETTING = "colorize/memory_suggestions"
SUGGEST_TEXT = "Chapter memory suggestions"
CLEAR_TEXT = "Clear memory suggestions"
NO_FILE = "Colour memory: this page has no file yet, so its colours are not remembered (save it first)"


def source_pixels(doc: Document, layer: ColorizeLayer) -> np.ndarray | None:
    """The colorize layer's source as straight RGBA uint8 at document size (None: no source)."""
    src = layer.source_layer(doc)
    if src is None:
        return None
    if isinstance(src, RasterLayer):
        return src.read(doc.rect)
    from paintgan.core.colorize_layer import _source_pixels

    return _source_pixels(src, doc)


@dataclass(frozen=True)
class SuggestJob:
    layer_id: str
    page_path: str
    pixels: np.ndarray
    kind: str
    user_hints: Hints
    started: float  # perf_counter when the layer appeared / the page was shown
    source_key: tuple[int, str, int] = (0, "", 0)  # (epoch, source layer id, pixel version)


@dataclass
class SuggestOutcome:
    job: SuggestJob
    hints: Hints  # the suggestions only
    entries: int  # size of the memory they came from
    compute_s: float


@dataclass
class RememberOutcome:
    page_name: str
    added: int
    merged: int
    entries: int
    folder: str


class ChapterMemoryController(ModelController):
    """Remembers applied pages and places suggestions for the shown document (see the module docstring)."""

    channels = (CHANNEL,)
    epochless = (CHANNEL,)  # a remembered page is reported even after switching documents
    suggestions_placed = Signal(object, int)  # ColorizeLayer, number of hints
    remembered = Signal(object)  # RememberOutcome

    def __init__(self, session: DocumentSession, bridge: InferenceBridge, settings: QSettings,
                 parent: QObject | None = None) -> None:
        super().__init__(bridge, parent)
        from paintgan.inference.colorize.chapter_memory import ChapterMemories

        self.settings = settings
        self.memories = ChapterMemories(warn=self._warn_later)
        self._warnings: list[str] = []
        self._seen: weakref.WeakKeyDictionary[DocumentSession, set[str]] = weakref.WeakKeyDictionary()
        self._remembered: weakref.WeakSet[ApplyColorizeResult] = weakref.WeakSet()
        self._placed: dict[str, list[PointHint]] = {}  # layer id -> the suggestions it was given
        self._in_flight: dict[Any, int] = {}  # channel -> generation of its newest request
        # prefetched page analyses: (epoch, source layer id) -> (pixel version, RegionSet); written by workers
        self._analysis: dict[tuple[int, str], tuple[int, Any]] = {}
        self._versions: dict[str, int] = {}  # source layer id -> pixel version (this document)
        self._pixels: dict[str, tuple[int, np.ndarray]] = {}  # source id -> (version, the pixels prefetched)
        self._serial = itertools.count(1)
        self._stack: CommandStack | None = None
        self._unsubscribe: Any = None
        self.timings: dict[str, float] = {}
        self.set_session(session)

    # -- settings ------------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        v = self.settings.value(SETTING, True)
        return v not in (False, "false", "0", 0)

    def set_enabled(self, on: bool) -> None:
        self.settings.setValue(SETTING, bool(on))

    # -- session -------------------------------------------------------------------------------------
    def set_session(self, session: DocumentSession) -> None:
        if self._session is session:
            return
        self.observe(session)
        self.new_epoch()
        self._analysis.clear()
        self._versions.clear()
        self._pixels.clear()
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._stack = session.stack
        self._unsubscribe = session.stack.subscribe(self._on_stack)
        first = session not in self._seen
        seen = self._seen.setdefault(session, set())
        started = time.perf_counter()
        for layer in self._colorize_layers():
            if layer.id in seen:
                continue
            seen.add(layer.id)
            # a document opened with a colorize layer the user has not hinted yet gets suggestions
            if first and not layer.hints.points and not layer.hints.strokes:
                self.suggest(layer, started)
        self.prefetch()

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    def _colorize_layers(self) -> list[ColorizeLayer]:
        return [lay for lay in self.session.doc.layers() if isinstance(lay, ColorizeLayer)]

    def _on_change(self, change: Change) -> None:
        if change.kind == "pixels" and change.layer is not None:
            if change.layer.id in self._versions:  # a prefetched source changed: analyse it again
                self._versions[change.layer.id] += 1
            return
        if change.kind != "structure":
            return
        seen = self._seen.setdefault(self.session, set())
        for layer in self._colorize_layers():
            if layer.id not in seen:  # a colorize stack was just created
                seen.add(layer.id)
                if not layer.hints.points and not layer.hints.strokes:
                    self.suggest(layer, time.perf_counter())

    # -- suggest -------------------------------------------------------------------------------------
    def _wanted(self) -> bool:
        path = self.session.path
        return bool(self.enabled and path and self.memories.has_memory(path))

    def _post(self, kind: str, source_id: str, fn: Any, *args: Any) -> bool:
        # analyses of one source share a channel: a suggestion posted while the page's prefetch runs
        # waits for it (then finds its regions) instead of analysing the page a second time
        channel = (CHANNEL, kind, source_id, self._epoch)
        ticket = self.bridge.request(channel, fn, *args)
        if ticket is None:
            return False
        self._in_flight[channel] = ticket.generation
        self._emit_busy()
        return True

    def prefetch(self) -> bool:
        """Analyse the shown page's likely colorize source in the background as soon as it is shown (in a
        folder with a memory), so the suggestions of a colorize layer made from it need only the match."""
        from paintgan.gui.colorize.setup import colorize_source

        if not self._wanted():
            return False
        src = colorize_source(self.session)
        if src is None:
            return False
        doc = self.session.doc
        px = src.read(doc.rect) if isinstance(src, RasterLayer) else None
        if px is None:
            return False
        px.setflags(write=False)
        version = self._versions.setdefault(src.id, 0)
        self._pixels[src.id] = (version, px)
        # the memory's files load on a channel of their own meanwhile, on the bridge's other worker (the
        # suggestion needs both)
        self._post("load", str(self.session.path), self.memories.get, self.session.path)
        return self._post("analyse", src.id, self._analysed, (self._epoch, src.id, version), px, "auto")

    def _analysed(self, key: tuple[int, str, int], pixels: np.ndarray, kind: str) -> Any:
        """The regions of a source (worker): the prefetched ones when current, else analysed now."""
        from paintgan.inference.colorize import chapter_memory as M

        epoch, sid, version = key
        hit = self._analysis.get((epoch, sid))
        if hit is not None and hit[0] == version and kind in ("auto", hit[1].kind):
            return hit[1]
        regions = M.analyse(pixels, kind=kind)
        self._analysis[(epoch, sid)] = (version, regions)
        return regions

    def suggest(self, layer: ColorizeLayer, started: float | None = None) -> bool:
        """Post a suggestion job for `layer` when the feature is on and its chapter has a memory."""
        if not self._wanted() or layer.source_id is None:
            return False
        path = self.session.path
        assert path is not None
        sid = layer.source_id
        version = self._versions.setdefault(sid, 0)
        got = self._pixels.get(sid)
        if got is not None and got[0] == version:
            px: np.ndarray | None = got[1]  # the prefetch's snapshot: its analysis is done or under way
        else:
            px = source_pixels(self.session.doc, layer)
            if px is None:
                return False
            px.setflags(write=False)
            self._pixels[sid] = (version, px)
        job = SuggestJob(layer.id, path, px, layer.input_kind, layer.hints.copy(),
                         time.perf_counter() if started is None else started, (self._epoch, sid, version))
        return self._post("analyse", sid, self._run_suggest, job)

    def _run_suggest(self, job: SuggestJob) -> SuggestOutcome:
        t0 = time.perf_counter()
        mem = self.memories.get(job.page_path)
        if len(mem) == 0:
            return SuggestOutcome(job, Hints(), 0, time.perf_counter() - t0)
        regions = self._analysed(job.source_key, job.pixels, job.kind)
        hints, n = self.memories.suggestions(job.page_path, regions, job.user_hints)
        return SuggestOutcome(job, hints, n, time.perf_counter() - t0)

    def _place(self, out: SuggestOutcome) -> None:
        layer = self.session.doc.find(out.job.layer_id)
        if not isinstance(layer, ColorizeLayer) or not out.hints.points:
            return
        current = layer.hints
        taken = set(current.points)
        new_pts = [p for p in out.hints.points if p not in taken]
        if not new_pts:
            return
        # suggestions first, the user's hints (also any placed while this ran) after them: theirs win
        after = Hints(new_pts + list(current.points), list(current.strokes), list(current.palette),
                      current.image_size)
        self.session.stack.push(SetHints(layer, after, SUGGEST_TEXT))
        self._placed[layer.id] = list(new_pts)
        self.timings = {"suggest_ms": (time.perf_counter() - out.job.started) * 1000.0,
                        "compute_ms": out.compute_s * 1000.0, "hints": float(len(new_pts)),
                        "placed_at": time.perf_counter()}
        n = len(new_pts)
        self.message.emit(f"{n} colour{'s' * (n != 1)} suggested from the chapter memory "
                          "(Layer ▸ Clear Memory Suggestions removes them)")
        self.suggestions_placed.emit(layer, n)

    def suggestions_on(self, layer: ColorizeLayer) -> list[PointHint]:
        """The memory's suggestions still on `layer`."""
        placed = set(self._placed.get(layer.id, ()))
        return [p for p in layer.hints.points if p in placed]

    def clear_suggestions(self, layer: ColorizeLayer | None) -> bool:
        """Remove the memory's suggestions still on `layer`, as one undoable command."""
        if layer is None:
            self.message.emit("No colorize layer")
            return False
        ours = set(self.suggestions_on(layer))
        if not ours:
            self.message.emit("No chapter memory suggestions on this layer")
            return False
        h = layer.hints
        after = Hints([p for p in h.points if p not in ours], list(h.strokes), list(h.palette), h.image_size)
        self.session.stack.push(SetHints(layer, after, CLEAR_TEXT))
        self.message.emit(f"{len(ours)} chapter memory suggestion{'s' * (len(ours) != 1)} removed")
        return True

    # -- remember ------------------------------------------------------------------------------------
    def _on_stack(self, stack: CommandStack) -> None:
        if stack is not self._stack or stack.index == 0:
            return
        cmd = stack.command(stack.index - 1)
        if isinstance(cmd, ApplyColorizeResult) and cmd not in self._remembered:
            self._remembered.add(cmd)
            self.remember(cmd)

    def remember(self, cmd: ApplyColorizeResult) -> bool:
        layer = next((c.layer for c in cmd.children if isinstance(getattr(c, "layer", None), ColorizeLayer)),
                     None)
        path = self.session.path
        if layer is None or layer.result is None:
            return False
        if not path:
            self.message.emit(NO_FILE)
            return False
        px = source_pixels(self.session.doc, layer)
        if px is None:
            return False
        return self._post("remember", str(next(self._serial)), self._run_remember, path, px, layer.result,
                          layer.input_kind)

    def _run_remember(self, path: str, pixels: np.ndarray, result: np.ndarray, kind: str) -> RememberOutcome:
        got = self.memories.remember(path, pixels, result, kind=kind)
        folder = self.memories.folder_for(path)
        n = len(self.memories.get(path))
        return RememberOutcome(Path(path).name, got.added, got.merged, n, str(folder))

    # -- results -------------------------------------------------------------------------------------
    def _warn_later(self, text: str) -> None:  # called on a worker: shown with the next result
        self._warnings.append(text)

    def on_result(self, result: Result) -> None:
        if self._in_flight.get(result.channel) == result.generation:
            del self._in_flight[result.channel]
        for w in self._warnings:
            self.message.emit(w)
        self._warnings.clear()
        kind = result.channel[1]
        if not result.ok:
            what = {"analyse": "suggest colours", "load": "read the memory"}.get(kind, "remember the page")
            self.message.emit(result.message(f"Colour memory: could not {what}"))
        elif kind == "load":
            pass  # loaded for the suggestion that follows
        elif kind == "analyse":
            if result.channel[-1] == self._epoch and isinstance(result.value, SuggestOutcome):
                self._place(result.value)
        else:
            out: RememberOutcome = result.value
            self.message.emit(f"Colour memory: {out.page_name} remembered ({out.added} new, {out.merged} "
                              f"again; {out.entries} colours in {out.folder})")
            self.remembered.emit(out)
        self._emit_busy()


class ChapterMemoryFeature:
    """What `install_chapter_memory` builds, kept on the window as `window.chapter_memory`."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.controller = ChapterMemoryController(window.session, window.inference, window.settings, window)
        self.controller.message.connect(window.show_message)
        self.toggle_action = QAction("Suggest Colours from Chapter &Memory", window, checkable=True)
        self.toggle_action.setChecked(self.controller.enabled)
        self.toggle_action.setToolTip("Place the colours applied on earlier pages of this folder as hints "
                                      "on a new colorize layer")
        self.toggle_action.toggled.connect(self.controller.set_enabled)
        self.clear_action = QAction("Clear Memory Suggestions", window)
        self.clear_action.triggered.connect(lambda _c=False: self.clear())
        for act in (self.toggle_action, self.clear_action):
            window.addAction(act)
        self._add_to_layer_menu([self.toggle_action, self.clear_action])
        window.documents.changed.connect(self._follow)

    def clear(self) -> bool:
        return self.controller.clear_suggestions(self.window.colorize.target())

    def _add_to_layer_menu(self, actions: list[QAction]) -> None:
        for top in self.window.menuBar().actions():
            menu = top.menu()
            if top.text() == "&Layer" and menu is not None:
                menu.addSeparator()
                for act in actions:
                    menu.addAction(act)
                return

    def _follow(self) -> None:
        if self.controller.session is not self.window.session:
            self.controller.set_session(self.window.session)


def install_chapter_memory(window: MainWindow) -> ChapterMemoryFeature:
    """Build the chapter colour memory (remember on Apply, suggestions, Layer menu actions) into `window`."""
    return ChapterMemoryFeature(window)
