"""Layer ▸ New Flats Layer and Layer ▸ Merge Flats of Same Colour (flatting layers, issue #15).

New Flats Layer: the line art (the source of the page's colorize layer, else the active paint layer, else
the topmost one) is segmented into line-enclosed regions and each region gets its own flat colour
(`paintgan.inference.colorize.flats`). The result is an ordinary paint layer named "Flats", so it is saved
in the .ora and opens in Krita or GIMP like any layer, inserted just below the line art (and below a
colorize layer made from it, so the colours stay visible) and made active: the magic wand then selects one
region per click.

Merge Flats of Same Colour: on the active flats layer (else the topmost layer named "Flats…"), flats
whose colour is one of the colorize layer's hint colours, in its result (or, before any result, in the
flat fill of its hints), become one flat, so one click selects them all. The layer's own pixels are
read back, so flats retouched by hand are merged as they are.

Each is one undoable command (AddLayerCommand / ReplacePixelsCommand). An A4 page takes about 1.5 s
(above the ~200 ms a click may block the GUI), so both run on the window's inference workers with a busy
cursor and a status message; a result that arrives after the document changed is dropped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu

from paintgan.commands.layers import AddLayerCommand
from paintgan.commands.paint import ReplacePixelsCommand
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.core.document import Document
from paintgan.core.hints import Hints
from paintgan.core.layers import Layer, RasterLayer
from paintgan.inference.service import Result

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

FLATS_NAME = "Flats"
CHANNEL = "flats"


# --------------------------------------------------------------------------------- worker side (no Qt)
def make_flats_job(lineart: np.ndarray, kind: str, gap_radius: int) -> tuple[np.ndarray, int]:
    """Line-art RGBA pixels -> (RGBA flats, number of flats) (runs on a worker thread)."""
    from paintgan.inference.colorize.flats import make_flats

    flats = make_flats(lineart, kind=kind, gap_radius=gap_radius)
    return flats.rgba, flats.n_flats


def merge_flats_job(flats_px: np.ndarray, lineart: np.ndarray, colours: np.ndarray | None, hints: Hints,
                    kind: str, gap_radius: int) -> tuple[np.ndarray, int, int]:
    """(merged RGBA, flats before, flats after) of a flats layer's pixels (runs on a worker thread)."""
    from paintgan.inference.colorize.flat import flat_fill, ink_mask
    from paintgan.inference.colorize.flats import flats_from_rgba, hint_colours, merge_same_colour
    from paintgan.inference.colorize.pixels import as_rgb_u8, detect_input_kind

    rgb = as_rgb_u8(lineart)
    if kind == "auto":
        kind = detect_input_kind(rgb)
    if colours is None:
        colours = flat_fill(rgb, hints, gap_radius=gap_radius, kind=kind).rgba
    flats = flats_from_rgba(flats_px)
    merged = merge_same_colour(flats, colours, targets=hint_colours(hints), ink=ink_mask(rgb, kind))
    return merged.rgba, flats.n_flats, merged.n_flats


# ------------------------------------------------------------------------------------ document queries
def colorize_layer_of(doc: Document) -> ColorizeLayer | None:
    """The page's colorize layer (the topmost one)."""
    found = [lay for lay in doc.layers() if isinstance(lay, ColorizeLayer)]
    return found[-1] if found else None


def is_flats(layer: Layer | None) -> bool:
    return isinstance(layer, RasterLayer) and layer.name.startswith(FLATS_NAME)


def lineart_layer(doc: Document) -> RasterLayer | None:
    """The line art to flat: the colorize layer's source, else the active paint layer, else the topmost
    paint layer (flats layers never count)."""
    col = colorize_layer_of(doc)
    src = col.source_layer(doc) if col is not None else None
    if isinstance(src, RasterLayer) and not is_flats(src):
        return src
    active = doc.active_layer
    if isinstance(active, RasterLayer) and not is_flats(active):
        return active
    rasters = [lay for lay in doc.layers() if isinstance(lay, RasterLayer) and not is_flats(lay)]
    return rasters[-1] if rasters else None


def flats_layer(doc: Document) -> RasterLayer | None:
    """The flats layer to merge: the active layer if it is one, else the topmost layer named "Flats…"."""
    if is_flats(doc.active_layer):
        return doc.active_layer  # type: ignore[return-value]
    found = [lay for lay in doc.layers() if is_flats(lay)]
    return found[-1] if found else None  # type: ignore[return-value]


def _unique_name(doc: Document) -> str:
    names = {lay.name for lay in doc.layers()}
    if FLATS_NAME not in names:
        return FLATS_NAME
    n = 2
    while f"{FLATS_NAME} {n}" in names:
        n += 1
    return f"{FLATS_NAME} {n}"


def insert_place(lineart: Layer) -> tuple[Any, int]:
    """(parent, index) just below the line art, and below a colorize layer made from it there."""
    parent = lineart.parent
    assert parent is not None
    index = lineart.index_in_parent()
    while index > 0:
        below = parent.children[index - 1]
        if isinstance(below, ColorizeLayer) and below.source_id == lineart.id:
            index -= 1
        else:
            break
    return parent, index


# --------------------------------------------------------------------------------------------- GUI
@dataclass
class _Pending:
    what: str  # "new" | "merge"
    session: DocumentSession
    stack_index: int
    stack_top: object
    layer: RasterLayer  # the line art (new) or the flats layer (merge)
    generation: int


class FlatsActions(QObject):
    """The two Layer-menu actions and their background jobs for one main window."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.pending: _Pending | None = None
        self._generation = 0
        self.new_action = QAction("New &Flats Layer", window)
        self.new_action.setToolTip("Every region enclosed by the line art gets its own flat colour, on a new "
                                   "layer below the lines (select regions with the magic wand)")
        self.merge_action = QAction("Merge Flats of Same &Colour", window)
        self.merge_action.setToolTip("Flats coloured alike by the colour hints become one flat")
        self.new_action.triggered.connect(lambda _c=False: self.new_flats())
        self.merge_action.triggered.connect(lambda _c=False: self.merge_flats())
        for act in (self.new_action, self.merge_action):
            window.addAction(act)
        menu = self._layer_menu()
        if menu is not None:
            menu.addSeparator()
            menu.addAction(self.new_action)
            menu.addAction(self.merge_action)
        window.inference.result_ready.connect(self._on_result)

    def _layer_menu(self) -> QMenu | None:
        for act in self.window.menuBar().actions():
            if act.menu() is not None and act.text() == "&Layer":
                return act.menu()  # type: ignore[return-value]
        return None

    # -- starting -------------------------------------------------------------------------------------
    def _start(self, what: str, layer: RasterLayer, fn: Any, *args: Any, message: str) -> bool:
        if self.pending is not None:
            self.window.show_message("Flats are still being computed…")
            return False
        session = self.window.session
        stack = session.stack
        self._generation += 1
        self.pending = _Pending(what, session, stack.index, stack.command(stack.index - 1)
                                if stack.index else None, layer, self._generation)
        ticket = self.window.inference.request(CHANNEL, fn, *args, generation=self._generation)
        if ticket is None:
            self.pending = None
            return False
        for act in (self.new_action, self.merge_action):
            act.setEnabled(False)
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        self.window.show_message(message)
        return True

    def new_flats(self) -> bool:
        """Layer ▸ New Flats Layer. False when nothing was started (the reason is shown)."""
        doc = self.window.session.doc
        line = lineart_layer(doc)
        if line is None:
            self.window.show_message("No paint layer with line art to make flats from")
            return False
        pixels = line.read_u8(doc.rect)
        if pixels is None:
            self.window.show_message(f"“{line.name}” is empty: draw or open line art first")
            return False
        col = colorize_layer_of(doc)
        kind = col.input_kind if col is not None else "auto"
        gap = col.gap_radius if col is not None else 2
        return self._start("new", line, make_flats_job, pixels, kind, gap,
                           message=f"Making flats from “{line.name}”…")

    def merge_flats(self) -> bool:
        """Layer ▸ Merge Flats of Same Colour. False when nothing was started (the reason is shown)."""
        doc = self.window.session.doc
        flats = flats_layer(doc)
        if flats is None:
            self.window.show_message("No flats layer: use Layer ▸ New Flats Layer first")
            return False
        col = colorize_layer_of(doc)
        if col is None or not (col.hints.points or col.hints.strokes):
            self.window.show_message("Merging needs colour hints: colorize the page (Layer ▸ Colorize…) "
                                     "and place hints")
            return False
        line = col.source_layer(doc)
        flats_px = flats.read_u8(doc.rect)
        line_px = line.read_u8(doc.rect) if line is not None else None
        if flats_px is None or line_px is None:
            self.window.show_message("The flats layer or the line art is empty: nothing to merge")
            return False
        # the colours on screen when they are up to date, else the flat fill of the hints (worker side)
        colours = col.read_u8(doc.rect) if col.result is not None and not col.stale else None
        return self._start("merge", flats, merge_flats_job, flats_px, line_px, colours, col.hints.copy(),
                           col.input_kind, col.gap_radius, message="Merging flats of the same colour…")

    # -- finishing ------------------------------------------------------------------------------------
    def _on_result(self, result: Result) -> None:
        p = self.pending
        if result.channel != CHANNEL or p is None or result.generation != p.generation:
            return
        self.pending = None
        QApplication.restoreOverrideCursor()
        for act in (self.new_action, self.merge_action):
            act.setEnabled(True)
        what = "Making flats" if p.what == "new" else "Merging flats"
        if not result.ok:
            self.window.show_message(result.message(f"{what} failed"))
            return
        stack = p.session.stack
        top = stack.command(stack.index - 1) if stack.index else None
        if p.session is not self.window.session or stack.index != p.stack_index or top is not p.stack_top:
            self.window.show_message(f"{what}: the document changed meanwhile; run it again")
            return
        doc = p.session.doc
        if p.what == "new":
            rgba, n = result.value
            layer = RasterLayer.from_pixels(_unique_name(doc), rgba)
            parent, index = insert_place(p.layer) if p.layer.parent is not None else (doc.root, None)
            stack.push(AddLayerCommand(doc, layer, parent, index, text="New flats layer"))
            self.window.show_message(f"Flats layer “{layer.name}”: {n} flats ({result.elapsed_s:.1f} s)")
            return
        rgba, before, after = result.value
        if after == before:
            self.window.show_message("No flats share a hint colour: nothing merged")
            return
        if p.layer.locked:
            self.window.show_message(f"“{p.layer.name}” is locked")
            return
        stack.push(ReplacePixelsCommand(p.layer, rgba, text="Merge flats of same colour"))
        self.window.show_message(f"Merged {before} flats into {after}")

    def wait(self, timeout: float = 30.0) -> None:
        """Tests: block until the job is done (its result still needs the event loop)."""
        self.window.inference.wait_idle(timeout)


def install_flats(window: MainWindow) -> FlatsActions:
    """Add the flats actions to the window's Layer menu (called once by the main window)."""
    return FlatsActions(window)
