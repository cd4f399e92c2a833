"""Limits on what a user's file may ask for, in one place.

Every reader checks declared sizes and counts against these before allocating, so a tiny hostile or broken
file (a 5 KB mask archive that inflates to gigabytes, 100,000 empty layers, a hint of radius 1e300) is
refused with a one-line `LimitError` instead of exhausting memory or time. Each limit has a name; the error
says which limit was hit and how to raise it: the environment variable `PAINTGAN_LIMIT_<NAME>` (for
example `PAINTGAN_LIMIT_DOCUMENT_PIXELS=2000000000`). The per-image pixel limit stays where it always was
(`paintgan.io.images.pixel_limit`, `$PAINTGAN_MAX_PIXELS`).

This module sits outside the layers (like `paintgan.errors`) so the core's parsers can use it too.
"""

from __future__ import annotations

import math
import os

from paintgan.errors import PaintGANError

#: name -> (default, what it bounds). Defaults are far above real documents and far below what hurts.
LIMITS: dict[str, tuple[float, str]] = {
    "DOCUMENT_PIXELS": (600_000_000, "decoded pixels of all layers of one document (2.4 GB as RGBA)"),
    "LAYERS": (5_000, "layers and groups in one document"),
    "ZIP_ENTRIES": (20_000, "entries in one OpenRaster archive"),
    "LAYER_OFFSET": (1_000_000, "distance of a layer's position from the canvas origin, in pixels"),
    "GAN_STROKES": (10_000, "GAN edit strokes in one GANPaint layer"),
    "GAN_IMAGE_SIDE": (1_024, "side of a GANPaint model image (and of its stroke masks)"),
    "GAN_MASK_BYTES": (512 << 20, "decoded bytes of one GANPaint layer's stroke masks"),
    "HINTS": (100_000, "point hints plus stroke hints in one hint set"),
    "HINT_POINTS": (1_000_000, "points of all stroke hints in one hint set"),
    "HINT_RADIUS": (512, "radius of a point hint and width of a stroke hint, in pixels"),
    "HINT_COORD": (10_000_000, "absolute value of a hint coordinate, in pixels"),
    "HINT_AREA": (1_000_000_000, "pixels all hints of one set cover together (sum of their areas)"),
    "JSON_BYTES": (64 << 20, "bytes of one JSON file or entry (hints, manifests, LabelMe, metadata)"),
    "JSON_DEPTH": (64, "nesting depth of a JSON file"),
    "COLORIZE_MEMORY": (16 << 30, "estimated working memory of colorizing one page, in bytes"),
    "COLOUR_MEMORY_ENTRIES": (4_096, "entries (remembered region colours) in one chapter colour memory"),
    "COLOUR_MEMORY_FEATURES": (1_024, "length of one region feature vector in a chapter colour memory"),
    "COLOUR_MEMORY_BYTES": (64 << 20, "bytes of one chapter colour memory file (.json or .npz)"),
}


class LimitError(PaintGANError):
    """A file asks for more than a named limit allows (the message says which and how to raise it)."""


def limit(name: str) -> float:
    """The current value of limit `name` (the environment variable overrides the default)."""
    default = LIMITS[name][0]
    raw = os.environ.get(f"PAINTGAN_LIMIT_{name}", "").strip().replace("_", "")
    if raw:
        try:
            value = float(raw)
            if math.isfinite(value) and value > 0:
                return value if isinstance(default, float) else int(value)
        except ValueError:
            pass
    return default


def check(name: str, value: float, where: str, what: str | None = None) -> None:
    """Raise `LimitError` when `value` exceeds limit `name`. `where` names the file and field
    ("page.ora: layer “Ink”"), `what` the quantity (default: the limit's description)."""
    bound = limit(name)
    if not value <= bound:  # also refuses NaN
        raise LimitError(f"{where}: {what or LIMITS[name][1]} is {_fmt(value)}, more than the limit "
                         f"{name} ({_fmt(bound)}); set PAINTGAN_LIMIT_{name} to allow more")


def _fmt(v: float) -> str:
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.4g}"
    try:
        return f"{int(v):,}" if abs(v) < 1e15 else f"{v:.3g}"
    except (OverflowError, ValueError):
        return str(v)
