"""LabelMe JSON (one file per image) read/write; writes are atomic (temp file, fsync, os.replace).

    {"version": "5.4.1", "flags": {}, "shapes": [{"label": "cat", "points": [[x, y], ...], "group_id": null,
      "shape_type": "polygon", "flags": {}, "description": ""}], "imagePath": "cat.jpg", "imageData": null,
      "imageHeight": 480, "imageWidth": 640}

`imagePath` is stored relative to the JSON file's folder, as labelme does.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paintgan.errors import FormatError
from paintgan.io.atomic import atomic_write

LABELME_VERSION = "5.4.1"


@dataclass
class Shape:
    label: str
    points: list[tuple[float, float]]
    shape_type: str = "polygon"
    group_id: int | None = None
    flags: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "points": [[float(x), float(y)] for x, y in self.points],
            "group_id": self.group_id,
            "shape_type": self.shape_type,
            "flags": dict(self.flags),
            "description": self.description,
        }


@dataclass
class Annotation:
    image_path: str
    image_height: int
    image_width: int
    shapes: list[Shape] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)
    version: str = LABELME_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "flags": dict(self.flags),
            "shapes": [s.to_dict() for s in self.shapes],
            "imagePath": self.image_path,
            "imageData": None,
            "imageHeight": int(self.image_height),
            "imageWidth": int(self.image_width),
        }


def relative_image_path(image_path: str | os.PathLike[str], json_path: str | os.PathLike[str]) -> str:
    """`image_path` relative to the folder of `json_path` (forward slashes), as labelme stores it."""
    img = Path(image_path).absolute()
    folder = Path(json_path).absolute().parent
    try:
        rel = os.path.relpath(img, folder)
    except ValueError:  # another drive on Windows
        rel = str(img)
    return rel.replace(os.sep, "/")


def polygon_shape(label: str, points: Sequence[Sequence[float]], description: str = "") -> Shape:
    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) < 3 or not all(math.isfinite(c) for p in pts for c in p):
        raise FormatError(f"a polygon needs at least 3 finite points, got {len(pts)}")
    return Shape(label=label, points=pts, description=description)


def write_labelme(path: str | os.PathLike[str], annotation: Annotation) -> Path:
    """Write `annotation` to `path` atomically; SaveError on failure (an existing file is left as it was)."""
    data = json.dumps(annotation.to_dict(), indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, data.encode("utf-8"))
    return Path(path)


def save_polygons(
    path: str | os.PathLike[str],
    image_path: str | os.PathLike[str],
    image_size: tuple[int, int],
    polygons: Sequence[tuple[str, Sequence[Sequence[float]]]],
) -> Path:
    """Convenience: write (label, points) polygons for an image of size (height, width)."""
    ann = Annotation(
        relative_image_path(image_path, path),
        int(image_size[0]),
        int(image_size[1]),
        [polygon_shape(label, pts) for label, pts in polygons],
    )
    return write_labelme(path, ann)


def read_labelme(path: str | os.PathLike[str]) -> Annotation:
    """Read a LabelMe JSON file; FormatError with a one-line message when it is malformed."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FormatError(f"cannot read {p}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise FormatError(f"{p} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FormatError(f"{p}: a LabelMe file must hold a JSON object")
    try:
        shapes = []
        for i, s in enumerate(data.get("shapes") or []):
            if not isinstance(s, dict) or not isinstance(s.get("points"), list):
                raise FormatError(f"{p}: shape {i} has no points list")
            pts = [(float(q[0]), float(q[1])) for q in s["points"]]
            shapes.append(
                Shape(
                    label=str(s.get("label", "")),
                    points=pts,
                    shape_type=str(s.get("shape_type") or "polygon"),
                    group_id=s.get("group_id"),
                    flags=dict(s.get("flags") or {}),
                    description=str(s.get("description") or ""),
                )
            )
        return Annotation(
            image_path=str(data.get("imagePath") or ""),
            image_height=int(data.get("imageHeight") or 0),
            image_width=int(data.get("imageWidth") or 0),
            shapes=shapes,
            flags=dict(data.get("flags") or {}),
            version=str(data.get("version") or LABELME_VERSION),
        )
    except FormatError:
        raise
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise FormatError(f"{p}: malformed LabelMe data ({type(exc).__name__}: {exc})") from None
