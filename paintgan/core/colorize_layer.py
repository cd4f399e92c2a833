"""The colorize layer (after Krita's Colorize Mask): colour hints attached to a source layer (line art or a
gray picture), a cached full-resolution result and a stale flag. Qt-free.

The layer holds `Hints`, its settings (input kind, model, mode, gap radius) and the id of its source layer.
Hint commands (`paintgan.commands.hints`) change the hints through `set_hints()`, which bumps `generation`,
sets `stale` and emits a "hints" change event; whoever owns an engine (the GUI's worker, the CLI) computes
a result for that generation (`compute()` does it synchronously) and stores it with `set_result()`, which
drops results of older generations. The layer renders its cached result (or nothing).

Persistence: `export_state()` stores the settings as attributes, the hints as a `hints.json` blob and the
cached result as the layer's pixels (so Krita and GIMP show the colours); `from_state()` restores them
(the result is marked stale only if it is missing). Layer ids are not kept by files, so the source is also
remembered by name and found again by `source_layer(doc)`: by id, else by name, else the layer just above.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from paintgan.core.engines import engine as provided
from paintgan.core.engines import plain_model_name
from paintgan.core.geometry import Rect
from paintgan.core.hints import Hints, dump_hints, parse_hints
from paintgan.core.layers import Layer, LayerState, ResultImageLayer, as_rgba8, layer_kind

if TYPE_CHECKING:
    from paintgan.core.document import Document

INPUT_KINDS = ("auto", "lineart", "gray")
MODES = ("neural", "flat")
SETTINGS = ("input_kind", "model", "mode", "gap_radius", "fill_unhinted", "flat_regions")
HINTS_BLOB = "hints.json"


@layer_kind("colorize")
class ColorizeLayer(ResultImageLayer):
    def __init__(self, name: str = "Colorize", *, source_id: str | None = None, source_name: str = "",
                 hints: Hints | None = None, input_kind: str = "auto", model: str = "colorize",
                 mode: str = "neural", gap_radius: int = 2, fill_unhinted: bool = False,
                 flat_regions: bool = True, **kw: Any) -> None:
        super().__init__(name, **kw)
        self.source_id = source_id
        self.source_name = source_name
        self.hints = hints.copy() if hints is not None else Hints()
        self.input_kind = "auto"
        self.model = "colorize"
        self.mode = "neural"
        self.gap_radius = 2
        self.fill_unhinted = False
        self.flat_regions = True  # neural line art: one colour per line-enclosed region
        self._apply_settings(dict(input_kind=input_kind, model=model, mode=mode, gap_radius=gap_radius,
                                  fill_unhinted=fill_unhinted, flat_regions=flat_regions))
        self.result: np.ndarray | None = None  # straight RGBA uint8, document-sized, at (0, 0)
        self.result_generation = -1
        self.stale = True
        self.generation = 0

    # -- source ---------------------------------------------------------------------------------
    def attach(self, source: Layer) -> None:
        self.source_id = source.id
        self.source_name = source.name

    def source_layer(self, doc: Document | None = None) -> Layer | None:
        doc = doc or self.document
        if doc is None:
            return None
        if self.source_id:
            found = doc.find(self.source_id)
            if found is not None:
                return found
        candidates = [lay for lay in doc.layers() if lay is not self and lay.kind != "colorize"]
        by_name = [lay for lay in candidates if self.source_name and lay.name == self.source_name]
        found = by_name[0] if by_name else None
        if found is None and self.parent is not None:  # the stack layout: line art just above
            i = self.index_in_parent()
            sibs = self.parent.children
            found = sibs[i + 1] if i + 1 < len(sibs) else None
        if found is not None:
            self.source_id = found.id
        return found

    # -- settings and hints ---------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in SETTINGS}

    def _apply_settings(self, settings: dict[str, Any]) -> None:
        for k, v in settings.items():
            if k not in SETTINGS:
                raise KeyError(f"unknown colorize setting {k!r}")
            if k == "input_kind" and v not in INPUT_KINDS:
                raise ValueError(f"input kind must be one of {', '.join(INPUT_KINDS)}, got {v!r}")
            if k == "mode" and v not in MODES:
                raise ValueError(f"mode must be one of {', '.join(MODES)}, got {v!r}")
            if k == "gap_radius":
                v = max(0, int(v))
            if k in ("fill_unhinted", "flat_regions"):
                v = bool(v)
            if k == "model":
                v = str(v)
            setattr(self, k, v)

    def set_settings(self, **settings: Any) -> None:
        self._apply_settings(settings)
        self._changed()

    def set_hints(self, hints: Hints) -> None:
        """Replace the hints (a copy is kept), mark the result stale and announce a "hints" change."""
        self.hints = hints.copy()
        self._changed()

    def _changed(self) -> None:
        self.generation += 1
        self.stale = True
        self.notify("hints", None)

    def mark_stale(self) -> None:
        self._changed()

    # -- result ---------------------------------------------------------------------------------
    def set_result(self, rgba: np.ndarray | None, generation: int | None = None,
                   dirty: Rect | None = None) -> bool:
        """Store a computed result for `generation` (default: the current one). Results of an older
        generation are ignored (returns False). Emits a "pixels" change for `dirty` when the caller knows
        which part changed (an empty rect: nothing visible changed), else for the layer's whole area."""
        gen = self.generation if generation is None else int(generation)
        if gen < self.generation or gen < self.result_generation:
            return False
        old = self.bounds()
        self.result = None if rgba is None else as_rgba8(np.asarray(rgba))
        self.result_generation = gen
        self.stale = gen != self.generation
        if dirty is None:
            self.notify("pixels", Rect.union_all([old, self.bounds()]))
        elif not dirty.is_empty():
            self.notify("pixels", dirty)
        return True

    def clear_result(self) -> None:
        old = self.bounds()
        self.result = None
        self.result_generation = -1
        self.stale = True
        self.notify("pixels", old)

    def colorize_job(self, doc: Document | None = None, engine: Any = None
                     ) -> tuple[int, Callable[[], np.ndarray]]:
        """(generation, fn): a snapshot of the current inputs (source pixels, hints, settings) taken now,
        on the caller's thread, and a function computing the RGBA result from it in any thread (flat fill
        or neural with `engine`, a `Colorizer`, created from the layer's model name when None).

            gen, fn = layer.colorize_job(doc, engine)
            service.submit(("colorize", layer.id), fn, generation=gen)   # InferenceService
            ... on the GUI thread: layer.set_result(result.value, result.generation)
        """
        doc = doc or self.document
        if doc is None:
            raise ValueError("the colorize layer is not in a document")
        src = self.source_layer(doc)
        if src is None:
            raise ValueError("the colorize layer has no source layer")
        pixels = _source_pixels(src, doc)
        hints = self.hints.copy()
        mode, kind, gap, fill, model = (self.mode, self.input_kind, self.gap_radius, self.fill_unhinted,
                                        self.model)
        flats = self.flat_regions

        def run() -> np.ndarray:
            if mode == "flat":
                return as_rgba8(provided("colorize.flat")(pixels, hints, kind, gap, fill))
            eng = engine if engine is not None else provided("colorize.neural")(model)
            return as_rgba8(eng.colorize(pixels, hints, kind=kind, flat_regions=flats))

        return self.generation, run

    def compute(self, doc: Document | None = None, engine: Any = None) -> np.ndarray:
        """Compute the result synchronously (see `colorize_job`) and return it as RGBA (not stored: call
        `set_result`)."""
        return self.colorize_job(doc, engine)[1]()

    # -- layer protocol (read_u8/render/bounds come from ResultImageLayer) -----------------------
    def translate(self, dx: int, dy: int) -> None:
        """Canvas resize/crop: the hints move with the page; the cached result is dropped (stale)."""
        self.hints = _translated(self.hints, dx, dy)
        self.result = None
        self.result_generation = -1
        self._changed()

    def nbytes(self) -> int:
        return 0 if self.result is None else int(self.result.nbytes)

    def export_state(self) -> LayerState:
        attrs = {
            "source-id": self.source_id or "",
            "source-name": self.source_name,
            "input-kind": self.input_kind,
            "model": self.model,
            "mode": self.mode,
            "gap-radius": str(self.gap_radius),
            "fill-unhinted": "true" if self.fill_unhinted else "false",
            "flat-regions": "true" if self.flat_regions else "false",
            "stale": "true" if self.stale else "false",
        }
        return LayerState(self.kind, self.props(), None if self.result is None else self.result.copy(),
                          (0, 0), attrs, {HINTS_BLOB: dump_hints(self.hints).encode("utf-8")})

    @classmethod
    def from_state(cls, state: LayerState) -> ColorizeLayer:
        a = state.attrs
        layer = cls()
        layer._apply_common(state.props)
        layer.source_id = a.get("source-id") or None
        layer.source_name = a.get("source-name", "")
        settings: dict[str, Any] = {}
        if a.get("input-kind") in INPUT_KINDS:
            settings["input_kind"] = a["input-kind"]
        if a.get("mode") in MODES:
            settings["mode"] = a["mode"]
        if a.get("model"):
            settings["model"] = plain_model_name(a["model"], "colorize")
        with contextlib.suppress(ValueError):
            settings["gap_radius"] = int(a.get("gap-radius", "2"))
        settings["fill_unhinted"] = a.get("fill-unhinted", "false") == "true"
        settings["flat_regions"] = a.get("flat-regions", "true") != "false"
        layer._apply_settings(settings)
        blob = state.blobs.get(HINTS_BLOB)
        if blob:
            layer.hints = parse_hints(blob, f"{HINTS_BLOB} of layer {layer.name!r}")
        layer.restore_result(state, stale=a.get("stale", "false") == "true")
        return layer

    def copy(self) -> ColorizeLayer:
        dup = ColorizeLayer.from_state(self.export_state())
        dup.name = f"{self.name} copy"
        return dup


def _translated(hints: Hints, dx: int, dy: int) -> Hints:
    from dataclasses import replace

    return Hints([replace(p, x=p.x + dx, y=p.y + dy) for p in hints.points],
                 [replace(s, points=tuple((x + dx, y + dy) for x, y in s.points)) for s in hints.strokes],
                 list(hints.palette), hints.image_size)


def _source_pixels(src: Layer, doc: Document) -> np.ndarray:
    """The source layer rendered alone over transparent, document-sized, straight RGBA uint8."""
    from paintgan.core.blend import premul_f32_to_straight_u8

    rect = doc.rect
    px = src.render(rect)
    if px is None:
        return np.zeros((rect.h, rect.w, 4), np.uint8)
    return premul_f32_to_straight_u8(px)
