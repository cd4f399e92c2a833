"""Engines for model-backed layers, provided from outside `core`.

`core` holds the document model only; a colorize or GANPaint layer needs code from `inference` (flat fill,
the colorizer network, the GAN painter) to compute its result, but must not import it (the layers
contract: core < commands < brush, io < inference < gui, cli). So the layers ask this registry by name, and
`paintgan.inference` fills it when it is imported (which the GUI, the CLI and the tests always do).

Names and what they return:
    "colorize.flat"     fn(pixels, hints, kind, gap_radius, fill_unhinted) -> RGBA uint8
    "colorize.neural"   factory(model_name) -> an object with .colorize(pixels, hints, kind=, flat_regions=)
    "ganpaint.painter"  factory(model_name) -> an object with .generate(seed) and .edit(seed, edits)
    "ganpaint.edit"     fn(concept, mode, mask_float01, strength, intensity) -> the painter's edit
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from paintgan.errors import PaintGANError

_ENGINES: dict[str, Callable[..., Any]] = {}


#: A model named inside a document is a name looked up in the model search path, never a path.
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def plain_model_name(name: object, default: str) -> str:
    """`name` when it is a plain model name (no folder, no path: a document cannot point the app at any
    folder on disk), else `default`."""
    text = str(name or "")
    return text if _MODEL_NAME.match(text) and ".." not in text else default


class EngineMissingError(PaintGANError, LookupError):
    """No engine of that name was provided (the inference package was not loaded)."""


def provide_engine(name: str, fn: Callable[..., Any]) -> None:
    """Register (or replace) the engine called `name`."""
    _ENGINES[name] = fn


def engine(name: str) -> Callable[..., Any]:
    try:
        return _ENGINES[name]
    except KeyError:
        raise EngineMissingError(
            f"no '{name}' engine is available (import paintgan.inference first)") from None
