"""LabelMe JSON (one file per image): read, validate, write atomically, and convert to/from the annotation
layer, keeping every field we do not use.

    {"version": "5.4.1", "flags": {}, "shapes": [{"label": "cat", "points": [[x, y], ...], "group_id": null,
      "description": "", "shape_type": "polygon", "flags": {}}], "imagePath": "cat.jpg", "imageData": null,
      "imageHeight": 480, "imageWidth": 640}

`imagePath` is relative to the JSON file's folder, as labelme stores it. Unknown top-level keys (and
`imageData`, labelme's base64 copy of the image) go to `LabelMeFile.extra`, unknown shape keys to
`Shape.extra`; both are written back unchanged, so labelme (or a newer tool) loses nothing when PaintGAN
saves its file.

Refused, with a `LabelMeError` whose `reason` says why (the file is never touched): unreadable, larger
than `MAX_LABELME_BYTES`, not JSON, NaN/Infinity, nesting deeper than `MAX_DEPTH`, not a LabelMe object
("corrupt"); a `version` whose major number is newer than `SUPPORTED_MAJOR` ("newer-version"); an
`imagePath` naming another image file, or a recorded size that differs from the image ("other-image").
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paintgan.core.annotations import AnnotationLayer, Shape, ShapeError
from paintgan.errors import FormatError
from paintgan.io.atomic import atomic_write, os_error_reason
from paintgan.io.jsonfile import Fail, loads_json, read_json_object

LABELME_VERSION = "5.4.1"
SUPPORTED_MAJOR = 5
MAX_LABELME_BYTES = 512 << 20  # imageData of a big photo is tens of MB
MAX_DEPTH = 64
TOP_KEYS = ("version", "flags", "shapes", "imagePath", "imageData", "imageHeight", "imageWidth")


class LabelMeError(FormatError):
    """A LabelMe file PaintGAN will not open; `reason` is "unreadable", "corrupt", "newer-version" or
    "other-image", and the message is one line naming the file and what is wrong."""

    def __init__(self, message: str, reason: str = "corrupt") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class LabelMeFile:
    image_path: str
    image_height: int
    image_width: int
    shapes: list[Shape] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)
    version: str = LABELME_VERSION
    #: Top-level keys we do not use, in file order, with `imageData` (None when the file has none).
    extra: dict[str, Any] = field(default_factory=lambda: {"imageData": None})

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "version": self.version,
            "flags": dict(self.flags),
            "shapes": [s.to_dict() for s in self.shapes],
            "imagePath": self.image_path,
            "imageData": self.extra.get("imageData"),
            "imageHeight": int(self.image_height),
            "imageWidth": int(self.image_width),
        }
        for k, v in self.extra.items():
            if k not in d:
                d[k] = v
        return d


#: The old name of `LabelMeFile` (kept for callers of the first LabelMe writer).
Annotation = LabelMeFile


def relative_image_path(image_path: str | os.PathLike[str], json_path: str | os.PathLike[str]) -> str:
    """`image_path` relative to the folder of `json_path` (forward slashes), as labelme stores it."""
    img = Path(image_path).absolute()
    folder = Path(json_path).absolute().parent
    try:
        rel = os.path.relpath(img, folder)
    except ValueError:  # another drive on Windows
        rel = str(img)
    return rel.replace(os.sep, "/")


def json_path_for(image_path: str | os.PathLike[str], output_dir: str | os.PathLike[str] | None = None
                  ) -> Path:
    """Where an image's LabelMe file lives: beside it (IMAGE.json), or `output_dir`/STEM.json."""
    img = Path(image_path)
    if output_dir is None:
        return img.with_suffix(".json")
    return Path(output_dir) / (img.stem + ".json")


def polygon_shape(label: str, points: Sequence[Sequence[float]], description: str = "") -> Shape:
    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) < 3 or not all(math.isfinite(c) for p in pts for c in p):
        raise FormatError(f"a polygon needs at least 3 finite points, got {len(pts)}")
    return Shape(tuple(pts), label, "polygon", description=description)


# ------------------------------------------------------------------------------------- writing
def dumps_labelme(f: LabelMeFile) -> bytes:
    return (json.dumps(f.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def write_labelme(path: str | os.PathLike[str], annotation: LabelMeFile) -> Path:
    """Write `annotation` to `path` atomically; SaveError on failure (an existing file is left as it was)."""
    atomic_write(path, dumps_labelme(annotation))
    return Path(path)


def save_polygons(
    path: str | os.PathLike[str],
    image_path: str | os.PathLike[str],
    image_size: tuple[int, int],
    polygons: Sequence[tuple[str, Sequence[Sequence[float]]]],
) -> Path:
    """Convenience: write (label, points) polygons for an image of size (height, width)."""
    ann = LabelMeFile(relative_image_path(image_path, path), int(image_size[0]), int(image_size[1]),
                      [polygon_shape(label, pts) for label, pts in polygons])
    return write_labelme(path, ann)


# ------------------------------------------------------------------------------------- reading
def _fail_for(name: str) -> Fail:
    """`jsonfile`'s refusals as LabelMeErrors naming the file."""
    def fail(message: str, kind: str) -> LabelMeError:
        where = f"Cannot open {name}" if kind == "unreadable" else name
        return LabelMeError(f"{where}: {message}", kind)
    return fail


def parse_labelme(data: bytes, name: str = "LabelMe file") -> LabelMeFile:
    """Parse LabelMe JSON bytes; LabelMeError naming `name` and the field."""
    body = loads_json(data, "LabelMe file", _fail_for(name), max_depth=MAX_DEPTH, allow_nan=False)
    if not isinstance(body, dict):
        raise LabelMeError(f"{name}: a LabelMe file must hold a JSON object")
    return labelme_from_object(body, name)


def labelme_from_object(body: dict[str, Any], name: str = "LabelMe file") -> LabelMeFile:
    """A parsed LabelMe JSON object, validated; LabelMeError naming `name` and the field."""
    version = body.get("version", LABELME_VERSION)
    if not isinstance(version, str):
        raise LabelMeError(f"{name}: “version” must be a string")
    major = version.split(".", 1)[0]
    if major.isdigit() and int(major) > SUPPORTED_MAJOR:
        raise LabelMeError(f"{name} was written by labelme {version}, newer than the {SUPPORTED_MAJOR}.x "
                           "files PaintGAN understands", "newer-version")
    shapes_raw = body.get("shapes") or []
    if not isinstance(shapes_raw, list):
        raise LabelMeError(f"{name}: “shapes” must be a list")
    shapes = []
    for i, d in enumerate(shapes_raw):
        try:
            shapes.append(Shape.from_dict(d))
        except ShapeError as exc:
            raise LabelMeError(f"{name}: shape {i}: {exc}") from None
    flags = body.get("flags") or {}
    if not isinstance(flags, dict):
        raise LabelMeError(f"{name}: “flags” must be an object")
    image_path = body.get("imagePath") or ""
    if not isinstance(image_path, str):
        raise LabelMeError(f"{name}: “imagePath” must be a string")
    size = []
    for key in ("imageHeight", "imageWidth"):
        v = body.get(key)
        if v is None:
            v = 0
        number = isinstance(v, int | float) and not isinstance(v, bool)
        if not number or not 0 <= v < 2**31 or not float(v).is_integer():  # (2**31: huge ints overflow float)
            raise LabelMeError(f"{name}: “{key}” must be a whole number of pixels")
        size.append(int(v))
    extra = {k: v for k, v in body.items() if k not in TOP_KEYS or k == "imageData"}
    extra.setdefault("imageData", None)
    return LabelMeFile(image_path, size[0], size[1], shapes, dict(flags), version, extra)


def read_labelme(path: str | os.PathLike[str], *, image_path: str | os.PathLike[str] | None = None,
                 image_size: tuple[int, int] | None = None) -> LabelMeFile:
    """Read and validate a LabelMe file. With `image_path` / `image_size` (height, width), refuse a file
    that describes another image ("other-image"): its imagePath names a different file, or its recorded
    size differs."""
    p = Path(path)
    body = read_json_object(p, what="LabelMe file", fail=_fail_for(str(p)), max_bytes=MAX_LABELME_BYTES,
                            max_depth=MAX_DEPTH, allow_nan=False)
    f = labelme_from_object(body, str(p))
    if image_path is not None and f.image_path:
        recorded = f.image_path.replace("\\", "/").rsplit("/", 1)[-1]
        if recorded != Path(image_path).name:
            raise LabelMeError(f"{p} describes another image ({recorded}, not {Path(image_path).name})",
                               "other-image")
    if image_size is not None and f.image_height and f.image_width \
            and (f.image_height, f.image_width) != (int(image_size[0]), int(image_size[1])):
        raise LabelMeError(f"{p} describes an image of {f.image_width}×{f.image_height}, this one is "
                           f"{int(image_size[1])}×{int(image_size[0])}", "other-image")
    return f


# ------------------------------------------------------------------------ the annotation layer
def layer_from_labelme(f: LabelMeFile, name: str = "Annotations") -> AnnotationLayer:
    """An annotation layer holding the file's shapes, image flags and the fields we keep for saving."""
    layer = AnnotationLayer(name, shapes=f.shapes)
    layer.flags = dict(f.flags)
    layer.file_extra = dict(f.extra)
    layer.file_extra["version"] = f.version
    return layer


def labelme_from_layer(layer: AnnotationLayer, json_path: str | os.PathLike[str],
                       image_path: str | os.PathLike[str], image_size: tuple[int, int]) -> LabelMeFile:
    extra = {k: v for k, v in layer.file_extra.items() if k != "version"}
    extra.setdefault("imageData", None)
    version = str(layer.file_extra.get("version") or LABELME_VERSION)
    return LabelMeFile(relative_image_path(image_path, json_path), int(image_size[0]), int(image_size[1]),
                       list(layer.shapes), dict(layer.flags), version, extra)


def load_annotation_layer(json_path: str | os.PathLike[str], image_path: str | os.PathLike[str],
                          image_size: tuple[int, int] | None = None) -> AnnotationLayer:
    """The annotation layer of `image_path` from its LabelMe file (LabelMeError when refused)."""
    return layer_from_labelme(read_labelme(json_path, image_path=image_path, image_size=image_size))


def save_annotation_layer(json_path: str | os.PathLike[str], layer: AnnotationLayer,
                          image_path: str | os.PathLike[str], image_size: tuple[int, int]) -> Path:
    """Write the layer as LabelMe JSON atomically, with the fields the file had (imageData included)."""
    return write_labelme(json_path, labelme_from_layer(layer, json_path, image_path, image_size))


def backup_file(path: str | os.PathLike[str]) -> Path:
    """Move a refused file aside as NAME.bak (NAME.bak1, ... when taken) before a new one is started;
    returns the backup's path. SaveError-like FormatError when it cannot be moved."""
    p = Path(path)
    for i in range(1000):
        bak = p.with_name(p.name + (".bak" if i == 0 else f".bak{i}"))
        if not bak.exists():
            try:
                os.replace(p, bak)
            except OSError as exc:
                raise LabelMeError(f"Cannot keep {p} as {bak.name}: {os_error_reason(exc)}",
                                   "unreadable") from None
            return bak
    raise LabelMeError(f"Cannot keep {p}: too many backups beside it", "unreadable")
