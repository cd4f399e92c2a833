"""COCO instances export of a LabelMe dataset folder, and import of COCO instances into LabelMe files.

Export (`export_coco`): every image of the folder that has a LabelMe file (or every image, with
`labelled_only=False`) becomes a COCO image (id from 1, `file_name` relative to the folder, width/height
from its LabelMe file or else from the image header — never decoded). Every
area shape (polygon, rectangle, circle) becomes an annotation with `segmentation` (polygons as flat
[x1, y1, x2, y2, ...] lists), `bbox` [x, y, w, h], `area` (shoelace) and `iscrowd` 0; shapes of one
image with the same label and non-null `group_id` form one annotation with several polygons (labelme's
convention for an occluded object in parts). Categories are the sorted labels (or the `labels` given,
in that order), ids from 1. Nothing degenerate is written: polygons are clipped to the image, and those
left with fewer than 3 points or no area, or that cross themselves, are refused — each skip is listed in
the returned `DatasetReport` with the reason; points and line strips have no area and are skipped too.

Import (`import_coco`): one LabelMe file per COCO image, named after the image's stem in the output
folder (the layout `paintgan annotate IMAGES --output FOLDER` reads), `imagePath` pointing at the image
in `images_dir`. Polygons become polygon shapes (several polygons of one annotation share a `group_id`),
annotations without polygons but with a bbox become rectangles; RLE (crowd) masks are reported and skipped.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from paintgan.core import polygons as geo
from paintgan.core.annotations import Shape, ShapeError
from paintgan.errors import FormatError, ImageReadError, SaveError
from paintgan.io.atomic import atomic_write, os_error_reason, sync_folder
from paintgan.io.bulk import replace_file
from paintgan.io.dataset import DatasetFolder
from paintgan.io.jsonfile import read_json_object
from paintgan.io.labelme import (
    LabelMeError,
    LabelMeFile,
    dumps_labelme,
    read_labelme,
    relative_image_path,
)

Progress = Callable[[int, int], None]  # (done, total); a GUI progress bar or CLI ticker
MAX_COCO_BYTES = 2 << 30  # COCO train2017 instances is 448 MB


@dataclass
class DatasetReport:
    """What an export/import did: counts, and one line per thing it refused or changed."""

    images: int = 0
    annotations: int = 0
    categories: list[str] = field(default_factory=list)
    clipped: int = 0
    skipped: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files written

    def summary(self) -> dict[str, Any]:
        return {"images": self.images, "annotations": self.annotations, "categories": len(self.categories),
                "clipped": self.clipped, "skipped": len(self.skipped), "skipped_examples": self.skipped[:10]}


@dataclass
class Entry:
    """One image of a dataset folder, with its LabelMe file (None: none) and size."""

    image: Path
    file_name: str
    width: int
    height: int
    labelme: LabelMeFile | None


def iter_entries(ds: DatasetFolder, report: DatasetReport, progress: Progress | None = None,
                 labelled_only: bool = False) -> Iterator[Entry]:
    """The folder's images with their LabelMe files; refused files and unreadable images go to the report
    (the image is then left out)."""
    from paintgan.io.images import image_size

    n = len(ds)
    for i in range(n):
        if progress is not None:
            progress(i, n)
        img, js = ds.images[i], ds.json_path(i)
        f: LabelMeFile | None = None
        if js.exists():
            try:
                f = read_labelme(js, image_path=img)
            except LabelMeError as exc:
                report.skipped.append(f"{img.name}: {exc}")
                continue
        if f is None and labelled_only:
            continue
        w, h = (f.image_width, f.image_height) if f is not None else (0, 0)
        if not (w and h):
            try:
                w, h = image_size(img)
            except (ImageReadError, FormatError) as exc:
                report.skipped.append(f"{img.name}: {exc}")
                continue
        yield Entry(img, img.relative_to(ds.folder).as_posix(), int(w), int(h), f)
    if progress is not None:
        progress(n, n)


def exportable_polygon(shape: Shape, width: int, height: int) -> tuple[np.ndarray | None, str | None, bool]:
    """(polygon, None, clipped) for an area shape clipped to the image; (None, reason, False) when it
    cannot be exported without writing garbage."""
    if not shape.is_area:
        return None, f"a {shape.shape_type} has no area", False
    outline = shape.outline()
    pts = geo.clip_polygon(outline, width, height)
    clipped = (len(pts) != len(outline) or not np.allclose(pts, outline)) if len(pts) else True
    if len(pts) < 3 or (clipped and geo.polygon_area(pts) <= 1e-6):
        return None, "outside the image", False
    why = geo.polygon_problem(pts)
    if why:
        return None, why, False
    return pts, None, clipped


def _describe(entry: Entry, index: int, shape: Shape) -> str:
    return f"{entry.file_name} shape {index} (“{shape.label}”)"


def dataset_labels(entries: Sequence[Entry]) -> list[str]:
    """The sorted labels of the area shapes (the ones COCO/YOLO can hold)."""
    return sorted({s.label for e in entries if e.labelme for s in e.labelme.shapes if s.is_area})


def export_coco(folder: str | os.PathLike[str], out_path: str | os.PathLike[str], *,
                output_dir: str | os.PathLike[str] | None = None, labels: Sequence[str] | None = None,
                progress: Progress | None = None, labelled_only: bool = True) -> DatasetReport:
    """Write the folder's annotations as COCO instances JSON to `out_path` (atomically). Images without a
    LabelMe file are unlabelled, not negatives, and left out unless `labelled_only` is False (their size
    is then read from the image header)."""
    ds = DatasetFolder(folder, output_dir)
    report = DatasetReport()
    entries = list(iter_entries(ds, report, progress, labelled_only))
    names = list(labels) if labels is not None else dataset_labels(entries)
    cat_id = {name: i + 1 for i, name in enumerate(names)}
    images, anns = [], []
    for img_id, e in enumerate(entries, start=1):
        images.append({"id": img_id, "file_name": e.file_name, "width": e.width, "height": e.height})
        if e.labelme is None:
            continue
        groups: dict[tuple[str, int], dict[str, Any]] = {}
        for k, s in enumerate(e.labelme.shapes):
            pts, why, clipped = exportable_polygon(s, e.width, e.height)
            if pts is None or s.label not in cat_id:
                report.skipped.append(f"{_describe(e, k, s)}: {why or 'label not in the label list'}")
                continue
            report.clipped += clipped
            key = (s.label, s.group_id) if s.group_id is not None else None
            if key is not None and key in groups:
                ann = groups[key]
            else:
                ann = {"id": len(anns) + 1, "image_id": img_id, "category_id": cat_id[s.label],
                       "segmentation": [], "area": 0.0, "bbox": [], "iscrowd": 0}
                anns.append(ann)
                if key is not None:
                    groups[key] = ann
            ann["segmentation"].append([round(float(c), 3) for c in pts.reshape(-1)])
            ann["area"] += geo.polygon_area(pts)
    for ann in anns:
        allp = np.concatenate([np.asarray(p, np.float64).reshape(-1, 2) for p in ann["segmentation"]])
        x0, y0 = allp.min(axis=0)
        x1, y1 = allp.max(axis=0)
        ann["bbox"] = [round(float(x0), 3), round(float(y0), 3), round(float(x1 - x0), 3),
                       round(float(y1 - y0), 3)]
        ann["area"] = round(float(ann["area"]), 3)
    body = {
        "info": {"description": f"PaintGAN export of {ds.folder.name}", "version": "1.0",
                 "year": _dt.date.today().year,
                 "date_created": _dt.datetime.now().isoformat(timespec="seconds")},
        "licenses": [],
        "images": images,
        "annotations": anns,
        "categories": [{"id": i, "name": n, "supercategory": ""} for n, i in cat_id.items()],
    }
    atomic_write(out_path, json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    report.images, report.annotations, report.categories = len(images), len(anns), names
    report.files.append(str(out_path))
    return report


# ------------------------------------------------------------------------------------- import
def _coco_body(path: Path) -> dict[str, Any]:
    body = read_json_object(path, what="COCO instances file", max_bytes=MAX_COCO_BYTES, max_depth=16,
                            allow_nan=False, fail=lambda message, _kind: FormatError(f"{path}: {message}"))
    for key in ("images", "annotations", "categories"):
        if not isinstance(body.get(key, []), list):
            raise FormatError(f"{path}: “{key}” must be a list")
    return body


def _flat_polygon(seg: Any) -> list[tuple[float, float]] | None:
    if not isinstance(seg, list) or len(seg) < 6 or len(seg) % 2:
        return None
    if not all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in seg):
        return None
    return [(float(seg[i]), float(seg[i + 1])) for i in range(0, len(seg), 2)]


def import_coco(instances: str | os.PathLike[str], images_dir: str | os.PathLike[str],
                out_folder: str | os.PathLike[str], *, force: bool = False,
                progress: Progress | None = None) -> DatasetReport:
    """Write one LabelMe file per COCO image into `out_folder`. Existing files there are refused
    (FormatError, nothing written) unless `force`."""
    src = Path(instances)
    body = _coco_body(src)
    out = Path(out_folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"Cannot create {out}: {os_error_reason(exc)}") from None
    cats: dict[Any, str] = {}
    for c in body.get("categories", []):
        if isinstance(c, dict) and "id" in c and isinstance(c.get("name"), str):
            cats[c["id"]] = c["name"]
    images: dict[Any, dict[str, Any]] = {}
    report = DatasetReport(categories=list(cats.values()))
    targets: dict[str, Any] = {}
    for im in body.get("images", []):
        if not isinstance(im, dict) or "id" not in im or not isinstance(im.get("file_name"), str):
            report.skipped.append(f"an image entry without id or file_name: {str(im)[:80]}")
            continue
        rel = PurePosixPath(im["file_name"].replace("\\", "/"))
        if rel.is_absolute() or ".." in rel.parts or not rel.name:
            report.skipped.append(f"image {im['id']}: file_name {im['file_name']!r} leaves the images folder")
            continue
        target = rel.stem + ".json"
        if target in targets:
            report.skipped.append(f"image {im['id']}: {rel} has the same name as image {targets[target]}")
            continue
        targets[target] = im["id"]
        images[im["id"]] = {**im, "_rel": rel, "_json": out / target, "_shapes": []}
    if not force:
        existing = [str(i["_json"]) for i in images.values() if i["_json"].exists()]
        if existing:
            raise FormatError(f"{len(existing)} LabelMe files already exist in {out} (e.g. {existing[0]}); "
                              "use --force to replace them")
    group = 0
    for k, a in enumerate(body.get("annotations", [])):
        if not isinstance(a, dict) or a.get("image_id") not in images:
            report.skipped.append(f"annotation {k}: no such image")
            continue
        im = images[a["image_id"]]
        label = cats.get(a.get("category_id"))
        if label is None:
            report.skipped.append(f"annotation {a.get('id', k)}: unknown category {a.get('category_id')!r}")
            continue
        seg = a.get("segmentation")
        polys = [p for p in (_flat_polygon(s) for s in seg) if p] if isinstance(seg, list) else []
        try:
            if polys:
                group += 1
                gid = group if len(polys) > 1 else None
                im["_shapes"].extend(Shape(tuple(p), label, "polygon", gid) for p in polys)
            elif isinstance(seg, dict):
                report.skipped.append(f"annotation {a.get('id', k)}: RLE (crowd) masks are not imported")
                continue
            elif isinstance(a.get("bbox"), list) and len(a["bbox"]) == 4:
                x, y, w, h = (float(v) for v in a["bbox"])
                im["_shapes"].append(Shape(((x, y), (x + w, y + h)), label, "rectangle"))
            else:
                report.skipped.append(f"annotation {a.get('id', k)}: no polygon and no bbox")
                continue
        except (ShapeError, TypeError, ValueError) as exc:
            report.skipped.append(f"annotation {a.get('id', k)}: {exc}")
            continue
        report.annotations += 1
    n = len(images)
    images_root = Path(images_dir)
    for j, im in enumerate(images.values()):
        if progress is not None:
            progress(j, n)
        img_path = images_root / im["_rel"]
        w, h = im.get("width"), im.get("height")
        f = LabelMeFile(relative_image_path(img_path, im["_json"]),
                        int(h) if isinstance(h, int) else 0, int(w) if isinstance(w, int) else 0,
                        im["_shapes"])
        # fsync only what replaces a user's file (--force); new files can be imported again after a crash
        replace_file(im["_json"], dumps_labelme(f), durable=im["_json"].exists())
        report.files.append(str(im["_json"]))
        if not img_path.exists():
            report.skipped.append(f"{im['_rel']}: image not found in {images_root} (LabelMe file written)")
    sync_folder(out)
    if progress is not None:
        progress(n, n)
    report.images = n
    return report
