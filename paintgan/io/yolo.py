"""YOLO segmentation export of a LabelMe dataset folder (the Ultralytics format).

    OUT/classes.txt          one label per line; line k is class k
    OUT/labels/STEM.txt      one line per object: "k x1 y1 x2 y2 ..." with coordinates divided by the image
                             width / height (in [0, 1], 6 decimals)
    OUT/data.yaml            names and the image folder, for `yolo train data=OUT/data.yaml`
    OUT/images/              with `copy_images`: the images (hard links where possible), so Ultralytics
                             finds labels/ beside images/

Only images that have a LabelMe file get a label file (an empty one when it has no exportable shape: a
negative example); images without one are unlabelled, not negatives, and are left out. Polygons are
clipped to the image and degenerate ones refused, as for COCO (`paintgan.io.coco.exportable_polygon`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from paintgan.errors import FormatError, SaveError
from paintgan.io.atomic import atomic_write, os_error_reason
from paintgan.io.bulk import replace_file
from paintgan.io.coco import DatasetReport, Progress, dataset_labels, exportable_polygon, iter_entries
from paintgan.io.dataset import DatasetFolder

DECIMALS = 6


def format_line(class_id: int, polygon: np.ndarray, width: int, height: int) -> str:
    norm = np.asarray(polygon, np.float64) / np.array([width, height], np.float64)
    norm = np.clip(norm, 0.0, 1.0)
    return " ".join([str(class_id), *(f"{c:.{DECIMALS}f}" for c in norm.reshape(-1))])


def parse_label_file(text: str, width: int, height: int, n_classes: int | None = None
                     ) -> list[tuple[int, np.ndarray]]:
    """(class, polygon in pixels) for each line of a YOLO segmentation label file; FormatError naming
    the line when it is malformed."""
    out = []
    for no, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            k = int(parts[0])
            vals = np.array([float(v) for v in parts[1:]], np.float64)
        except ValueError:
            raise FormatError(f"line {no}: not numbers") from None
        bad = len(vals) < 6 or len(vals) % 2 or not np.isfinite(vals).all()
        if bad or (vals < 0).any() or (vals > 1).any():
            raise FormatError(f"line {no}: expected at least 3 x y pairs in [0, 1]")
        if k < 0 or (n_classes is not None and k >= n_classes):
            raise FormatError(f"line {no}: class {k} is not in classes.txt")
        out.append((k, vals.reshape(-1, 2) * np.array([width, height], np.float64)))
    return out


def export_yolo(folder: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                output_dir: str | os.PathLike[str] | None = None, labels: Sequence[str] | None = None,
                copy_images: bool = False, progress: Progress | None = None) -> DatasetReport:
    ds = DatasetFolder(folder, output_dir)
    report = DatasetReport()
    entries = list(iter_entries(ds, report, progress, labelled_only=True))
    names = list(labels) if labels is not None else dataset_labels(entries)
    if any("\n" in n or "\r" in n for n in names):
        raise FormatError("a label contains a line break; YOLO's classes.txt cannot hold it")
    class_id = {n: i for i, n in enumerate(names)}
    out = Path(out_dir)
    try:
        (out / "labels").mkdir(parents=True, exist_ok=True)
        if copy_images:
            (out / "images").mkdir(exist_ok=True)
    except OSError as exc:
        raise SaveError(f"Cannot create {out}: {os_error_reason(exc)}") from None
    seen: dict[str, str] = {}
    for e in entries:
        stem = e.image.stem
        if stem in seen:
            report.skipped.append(f"{e.file_name}: same name as {seen[stem]} (one label file per stem)")
            continue
        seen[stem] = e.file_name
        lines = []
        assert e.labelme is not None
        for k, s in enumerate(e.labelme.shapes):
            pts, why, clipped = exportable_polygon(s, e.width, e.height)
            if pts is None or s.label not in class_id:
                why = why or "label not in the label list"
                report.skipped.append(f"{e.file_name} shape {k} (“{s.label}”): {why}")
                continue
            report.clipped += clipped
            lines.append(format_line(class_id[s.label], pts, e.width, e.height))
        target = out / "labels" / f"{stem}.txt"
        replace_file(target, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
        report.files.append(str(target))
        report.annotations += len(lines)
        report.images += 1
        if copy_images:
            _link_or_copy(e.image, out / "images" / e.image.name)
    atomic_write(out / "classes.txt", "".join(f"{n}\n" for n in names).encode("utf-8"))
    images_dir = (out / "images") if copy_images else ds.folder
    yaml = [f"path: {_yaml_str(str(out.absolute()))}", f"train: {_yaml_str(str(images_dir.absolute()))}",
            f"val: {_yaml_str(str(images_dir.absolute()))}", "names:"]
    yaml += [f"  {i}: {_yaml_str(n)}" for i, n in enumerate(names)]
    atomic_write(out / "data.yaml", ("\n".join(yaml) + "\n").encode("utf-8"))
    report.categories = names
    return report


def _yaml_str(s: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(s, ensure_ascii=False)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        if dst.exists():
            dst.unlink()
        os.link(src, dst)
    except OSError:
        try:
            shutil.copy2(src, dst)
        except OSError as exc:
            raise SaveError(f"Cannot copy {src} to {dst}: {os_error_reason(exc)}") from None
