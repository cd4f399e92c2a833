"""The colour hints of colorization (points, strokes, palette) and their JSON v1 form; part of the
document model (a colorize layer holds them), so it lives in `core`. Reading and writing hint *files*
is `paintgan.io.hints`.

    {"version": 1, "image_size": [w, h],
     "hints": [{"x": 12.5, "y": 40, "rgb": [255, 0, 0], "radius": 2}],
     "strokes": [{"points": [[x, y], ...], "rgb": [r, g, b], "width": 4}],
     "palette": [[r, g, b], ...]}

Coordinates are pixels of the input image (origin top-left, pixel ``i`` covers ``[i, i + 1)``); ``radius``
and ``width`` are in pixels; ``image_size``, ``strokes`` and ``palette`` may be absent. Malformed JSON
raises `FormatError` with line and column ("page01.hints.json: line 3, column 14: expected ','"); wrong
types or values raise `FormatError` naming the JSON path ("page01.hints.json: hints[2].rgb: expected 3
integers 0–255").
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

from paintgan import limits
from paintgan.errors import FormatError

VERSION = 1
DEFAULT_RADIUS = 2.0
DEFAULT_WIDTH = 4.0
RGB = tuple[int, int, int]


@dataclass(frozen=True)
class PointHint:
    x: float
    y: float
    rgb: RGB
    radius: float = DEFAULT_RADIUS

    def to_dict(self) -> dict[str, Any]:
        return {"x": _num_out(self.x), "y": _num_out(self.y), "rgb": list(self.rgb),
                "radius": _num_out(self.radius)}


@dataclass(frozen=True)
class StrokeHint:
    points: tuple[tuple[float, float], ...]
    rgb: RGB
    width: float = DEFAULT_WIDTH

    def to_dict(self) -> dict[str, Any]:
        return {"points": [[_num_out(x), _num_out(y)] for x, y in self.points], "rgb": list(self.rgb),
                "width": _num_out(self.width)}


@dataclass
class Hints:
    """A hint set. Lists are replaced, never mutated in place, by the commands (cheap copies for undo)."""

    points: list[PointHint] = field(default_factory=list)
    strokes: list[StrokeHint] = field(default_factory=list)
    palette: list[RGB] = field(default_factory=list)
    image_size: tuple[int, int] | None = None  # (w, h) of the image the coordinates refer to

    # -- queries ------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return not self.points and not self.strokes and not self.palette

    def __len__(self) -> int:
        return len(self.points) + len(self.strokes)

    def copy(self) -> Hints:
        return Hints(list(self.points), list(self.strokes), list(self.palette), self.image_size)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"version": VERSION}
        if self.image_size is not None:
            d["image_size"] = [int(self.image_size[0]), int(self.image_size[1])]
        d["hints"] = [p.to_dict() for p in self.points]
        if self.strokes:
            d["strokes"] = [s.to_dict() for s in self.strokes]
        if self.palette:
            d["palette"] = [list(c) for c in self.palette]
        return d

    # -- transforms ---------------------------------------------------------------------------
    def scaled(self, from_size: tuple[int, int], to_size: tuple[int, int]) -> Hints:
        """The hints of a (w, h) = `from_size` image mapped onto a `to_size` image (radius and width
        scale with the mean factor)."""
        fw, fh = from_size
        tw, th = to_size
        if fw <= 0 or fh <= 0 or tw <= 0 or th <= 0:
            raise ValueError(f"invalid sizes {from_size} -> {to_size}")
        sx, sy = tw / fw, th / fh
        sr = math.sqrt(sx * sy)
        pts = [replace(p, x=p.x * sx, y=p.y * sy, radius=p.radius * sr) for p in self.points]
        strokes = [replace(s, points=tuple((x * sx, y * sy) for x, y in s.points), width=s.width * sr)
                   for s in self.strokes]
        return Hints(pts, strokes, list(self.palette), (int(tw), int(th)))

    def inside(self, width: int, height: int) -> tuple[Hints, list[str]]:
        """Drop point hints outside the `width`×`height` image and strokes with no point inside it.
        Returns the kept hints and one warning per dropped hint."""
        warnings: list[str] = []
        pts = []
        for i, p in enumerate(self.points):
            if 0 <= p.x < width and 0 <= p.y < height:
                pts.append(p)
            else:
                warnings.append(f"hints[{i}] at ({_num_out(p.x)}, {_num_out(p.y)}) is outside the "
                                f"{width}×{height} image; ignored")
        strokes = []
        for i, s in enumerate(self.strokes):
            if any(0 <= x < width and 0 <= y < height for x, y in s.points) or _crosses(s, width, height):
                strokes.append(s)
            else:
                warnings.append(f"strokes[{i}] lies outside the {width}×{height} image; ignored")
        return Hints(pts, strokes, list(self.palette), self.image_size), warnings


def _crosses(s: StrokeHint, w: int, h: int) -> bool:
    """A stroke whose segments pass through the image although no vertex lies inside it."""
    xs = [x for x, _ in s.points]
    ys = [y for _, y in s.points]
    if len(s.points) < 2 or max(xs) < 0 or min(xs) >= w or max(ys) < 0 or min(ys) >= h:
        return False
    import numpy as np

    for (x0, y0), (x1, y1) in zip(s.points[:-1], s.points[1:]):
        t = np.linspace(0.0, 1.0, 64)
        px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        if np.any((px >= 0) & (px < w) & (py >= 0) & (py < h)):
            return True
    return False


def _num_out(v: float) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 2**53 else round(f, 4)


# ------------------------------------------------------------------------------------------ parsing
def _friendly(msg: str) -> str:
    msg = msg.replace("Expecting", "expected").replace(" delimiter", "")
    if msg == "expected value":
        return "expected a value"
    return msg[:1].lower() + msg[1:]


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> FormatError:
        return FormatError(f"{self.source}: {path}: {problem}")


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and _finite(v)


def _finite(v: int | float) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer with hundreds of digits
        return False


def _num(ctx: _Ctx, v: Any, path: str, *, minimum: float | None = None, positive: bool = False,
         limit: str = "HINT_COORD") -> float:
    if not _is_num(v):
        raise ctx.fail(path, f"expected a number, got {_json_type(v)}")
    try:
        f = float(v)
    except OverflowError:  # an integer too large for a float
        raise ctx.fail(path, "the number is too large") from None
    limits.check(limit, abs(f), f"{ctx.source}: {path}", "the value")
    if positive and f <= 0:
        raise ctx.fail(path, f"expected a positive number, got {_num_out(f)}")
    if minimum is not None and f < minimum:
        raise ctx.fail(path, f"expected a number ≥ {_num_out(minimum)}, got {_num_out(f)}")
    return f


def _rgb(ctx: _Ctx, v: Any, path: str) -> RGB:
    if (not isinstance(v, list) or len(v) != 3
            or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in v)):
        raise ctx.fail(path, "expected 3 integers 0–255")
    return (int(v[0]), int(v[1]), int(v[2]))


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number" if _finite(v) else "a non-finite or too large number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "an object"


def _obj(ctx: _Ctx, v: Any, path: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ctx.fail(path, f"expected an object, got {_json_type(v)}")
    return v


def _list(ctx: _Ctx, v: Any, path: str) -> list[Any]:
    if not isinstance(v, list):
        raise ctx.fail(path, f"expected a list, got {_json_type(v)}")
    return v


def hints_from_data(data: Any, source: str = "hints") -> Hints:
    """Validate decoded JSON and build `Hints` (FormatError naming the JSON path on bad values)."""
    ctx = _Ctx(source)
    if not isinstance(data, dict):
        raise FormatError(f"{source}: expected a JSON object at the top level, got {_json_type(data)}")
    version = data.get("version", VERSION)
    if version != VERSION or isinstance(version, bool):
        raise ctx.fail("version",
                       f"unsupported version {json.dumps(version)} (this PaintGAN reads version 1)")
    size = None
    if data.get("image_size") is not None:
        raw = data["image_size"]
        top = limits.limit("HINT_COORD")
        if (not isinstance(raw, list) or len(raw) != 2
                or not all(isinstance(c, int) and not isinstance(c, bool) and 0 < c <= top for c in raw)):
            raise ctx.fail("image_size", "expected [width, height], 2 positive integers")
        size = (int(raw[0]), int(raw[1]))
    points: list[PointHint] = []
    area = 0.0  # what the hints cover together: bounds the time drawing them takes
    raw_points = _list(ctx, data.get("hints", []), "hints")
    raw_strokes = _list(ctx, data.get("strokes") or [], "strokes")
    limits.check("HINTS", len(raw_points) + len(raw_strokes), f"{source}: hints", "the number of hints")
    for i, item in enumerate(raw_points):
        path = f"hints[{i}]"
        o = _obj(ctx, item, path)
        for key in ("x", "y", "rgb"):
            if key not in o:
                raise ctx.fail(path, f"missing \"{key}\"")
        points.append(PointHint(
            _num(ctx, o["x"], f"{path}.x"), _num(ctx, o["y"], f"{path}.y"),
            _rgb(ctx, o["rgb"], f"{path}.rgb"),
            _num(ctx, o.get("radius", DEFAULT_RADIUS), f"{path}.radius", minimum=0.0, limit="HINT_RADIUS")))
        area += math.pi * points[-1].radius ** 2
    strokes = []
    n_stroke_points = 0
    for i, item in enumerate(raw_strokes):
        path = f"strokes[{i}]"
        o = _obj(ctx, item, path)
        for key in ("points", "rgb"):
            if key not in o:
                raise ctx.fail(path, f"missing \"{key}\"")
        pts_raw = _list(ctx, o["points"], f"{path}.points")
        n_stroke_points += len(pts_raw)
        limits.check("HINT_POINTS", n_stroke_points, f"{source}: {path}.points", "the stroke points so far")
        if not pts_raw:
            raise ctx.fail(f"{path}.points", "expected at least one [x, y] point")
        pts = []
        for j, pt in enumerate(pts_raw):
            if not isinstance(pt, list) or len(pt) != 2 or not all(_is_num(c) for c in pt):
                raise ctx.fail(f"{path}.points[{j}]", "expected [x, y], 2 numbers")
            where = f"{path}.points[{j}]"
            pts.append((_num(ctx, pt[0], f"{where}[0]"), _num(ctx, pt[1], f"{where}[1]")))
        width = _num(ctx, o.get("width", DEFAULT_WIDTH), f"{path}.width", positive=True, limit="HINT_RADIUS")
        strokes.append(StrokeHint(tuple(pts), _rgb(ctx, o["rgb"], f"{path}.rgb"), width))
        area += width * (width + sum(math.dist(a, b) for a, b in itertools.pairwise(pts)))
    limits.check("HINT_AREA", area, f"{source}: hints", "the area the hints cover")
    palette = [_rgb(ctx, c, f"palette[{i}]") for i, c in enumerate(_list(ctx, data.get("palette") or [],
                                                                       "palette"))]
    return Hints(points, strokes, palette, size)


def parse_hints(text: str | bytes, source: str = "hints") -> Hints:
    """Parse Hints JSON v1 text; `source` names the file in error messages."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    limits.check("JSON_BYTES", len(text), source, "the size of the hints JSON (characters)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{source}: line {exc.lineno}, column {exc.colno}: {_friendly(exc.msg)}") from None
    except RecursionError:
        raise FormatError(f"{source}: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise FormatError(f"{source}: {str(exc).splitlines()[0]}") from None
    return hints_from_data(data, source)


def dump_hints(hints: Hints, indent: int | None = 1) -> str:
    return json.dumps(hints.to_dict(), indent=indent, ensure_ascii=False) + "\n"
