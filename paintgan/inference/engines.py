"""Provide the model-backed layers in `core` with their engines (see `paintgan.core.engines`).

Imported by `paintgan.inference` itself, so any use of the inference package registers them. Every function
imports its module lazily: registering costs nothing at start-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paintgan.core.engines import provide_engine


def _colorize_flat(pixels: np.ndarray, hints: Any, kind: str, gap_radius: int, fill_unhinted: bool
                   ) -> np.ndarray:
    from paintgan.core.layers import as_rgba8
    from paintgan.inference.colorize.flat import flat_fill, propagate_gray
    from paintgan.inference.colorize.pixels import detect_input_kind

    k = detect_input_kind(pixels) if kind == "auto" else kind
    if k == "gray":
        return as_rgba8(propagate_gray(pixels, hints))
    return flat_fill(pixels, hints, gap_radius=gap_radius, fill_unhinted=fill_unhinted).rgba


def _colorizer(model: str) -> Any:
    from paintgan.inference.colorize.engine import Colorizer

    return Colorizer(model)


def _gan_painter(model: str) -> Any:
    from paintgan.inference.ganpaint.engine import GanPainter

    return GanPainter(model)


def _gan_edit(concept: str, mode: str, mask: np.ndarray, strength: float, intensity: str) -> Any:
    from paintgan.inference.ganpaint.engine import Edit

    return Edit(concept, mode, mask, strength, intensity)


def register() -> None:
    provide_engine("colorize.flat", _colorize_flat)
    provide_engine("colorize.neural", _colorizer)
    provide_engine("ganpaint.painter", _gan_painter)
    provide_engine("ganpaint.edit", _gan_edit)


register()
