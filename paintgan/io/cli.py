"""Dataset subcommands (no model needed):

    paintgan export coco FOLDER -o instances.json [--all-images] [--output-dir DIR] [--labels labels.txt]
    paintgan export yolo FOLDER -o OUTDIR [--copy-images] [--output-dir DIR] [--labels labels.txt]
    paintgan import coco instances.json --images DIR -o FOLDER [--force]

FOLDER holds the images with their LabelMe files beside them (or in `--output-dir`). A JSON summary goes
to stdout; what was skipped (bad polygons, refused files) is counted there and listed on stderr with
`--verbose`. Progress goes to stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from paintgan.errors import FormatError


def register(subparsers: argparse._SubParsersAction) -> None:
    exp = subparsers.add_parser("export", help="export a LabelMe folder as COCO instances or YOLO")
    exp_sub = exp.add_subparsers(dest="format", metavar="FORMAT", required=True)
    coco = exp_sub.add_parser("coco", help="COCO instances JSON (polygons, bbox, area, categories)")
    coco.add_argument("folder", help="folder of images with LabelMe JSON files")
    coco.add_argument("-o", "--output", required=True, help="instances JSON to write")
    coco.add_argument("--all-images", action="store_true",
                      help="also list images without a LabelMe file (as images with no annotations)")
    _common(coco)
    coco.set_defaults(func=cmd_export_coco)
    yolo = exp_sub.add_parser("yolo", help="YOLO segmentation (classes.txt, labels/*.txt, data.yaml)")
    yolo.add_argument("folder", help="folder of images with LabelMe JSON files")
    yolo.add_argument("-o", "--output", required=True, help="folder to write")
    yolo.add_argument("--copy-images", action="store_true", help="also put the images in OUT/images/")
    _common(yolo)
    yolo.set_defaults(func=cmd_export_yolo)

    imp = subparsers.add_parser("import", help="import COCO instances into a folder of LabelMe files")
    imp_sub = imp.add_subparsers(dest="format", metavar="FORMAT", required=True)
    icoco = imp_sub.add_parser("coco", help="COCO instances JSON -> one LabelMe file per image")
    icoco.add_argument("instances", help="COCO instances JSON")
    icoco.add_argument("--images", required=True, help="folder the COCO file_names are relative to")
    icoco.add_argument("-o", "--output", required=True, help="folder for the LabelMe files")
    icoco.add_argument("--force", action="store_true", help="replace LabelMe files that already exist")
    icoco.add_argument("-v", "--verbose", action="store_true", help="list what was skipped on stderr")
    icoco.set_defaults(func=cmd_import_coco)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output-dir", default=None, help="folder holding the LabelMe files (default: FOLDER)")
    p.add_argument("--labels", default=None,
                   help="text file with one label per line: the categories/classes and their order "
                        "(default: every label used, sorted); lines starting with __ are ignored")
    p.add_argument("-v", "--verbose", action="store_true", help="list what was skipped on stderr")


def read_label_list(path: str | None) -> list[str] | None:
    """Labels from a labels.txt (labelme's format: one per line, `__ignore__`-style lines skipped)."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FormatError(f"Cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FormatError(f"{path} is not UTF-8 text") from None
    labels = [ln.strip() for ln in text.splitlines()]
    labels = [ln for ln in labels if ln and not ln.startswith("__") and ln != "_background_"]
    if len(set(labels)) != len(labels):
        raise FormatError(f"{path} lists a label twice")
    return labels


def _progress() -> Any:
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def tick(i: int, n: int) -> None:
        pct = 100 * i // max(1, n)
        if pct != last[0]:
            last[0] = pct
            print(f"\r{i}/{n} ({pct} %)", end="" if i < n else "\n", file=sys.stderr, flush=True)

    return tick


def _finish(report: Any, args: argparse.Namespace, **extra: Any) -> int:
    if args.verbose:
        for line in report.skipped:
            print(f"skipped: {line}", file=sys.stderr)
    print(json.dumps({**extra, **report.summary()}, ensure_ascii=False))
    return 0


def cmd_export_coco(args: argparse.Namespace) -> int:
    from paintgan.io.coco import export_coco

    report = export_coco(args.folder, args.output, output_dir=args.output_dir,
                         labels=read_label_list(args.labels), progress=_progress(),
                         labelled_only=not args.all_images)
    return _finish(report, args, output=str(args.output))


def cmd_export_yolo(args: argparse.Namespace) -> int:
    from paintgan.io.yolo import export_yolo

    report = export_yolo(args.folder, args.output, output_dir=args.output_dir,
                         labels=read_label_list(args.labels), copy_images=args.copy_images,
                         progress=_progress())
    return _finish(report, args, output=str(args.output))


def cmd_import_coco(args: argparse.Namespace) -> int:
    from paintgan.io.coco import import_coco

    report = import_coco(args.instances, args.images, args.output, force=args.force, progress=_progress())
    return _finish(report, args, output=str(args.output))
