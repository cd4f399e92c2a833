"""`paintgan segment IMAGE --box x0,y0,x1,y1 [--box ...] [--points x,y,...] [--label NAME] [-o OUT.json]
[--append | --force] [--device D]`.

Boxes and extreme clicks -> object polygons, written as LabelMe JSON. An existing file is refused unless
--append (the new shapes are added, the file's other shapes and fields kept; a file that is corrupt or
describes another image is refused) or --force (replaced)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from paintgan.inference.runtime import DEVICE_HELP, DEVICES
from paintgan.inference.segment.geometry import BoxError
from paintgan.inference.segment.mask_engine import FINISHES


def parse_box(text: str) -> tuple[float, float, float, float]:
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise BoxError(f"--box must be x0,y0,x1,y1 (4 numbers), got '{text}'") from None
    if len(vals) != 4:
        raise BoxError(f"--box must be x0,y0,x1,y1 (4 numbers), got '{text}'")
    return vals  # type: ignore[return-value]


def parse_points(text: str) -> list[tuple[float, float]]:
    """--points x,y,x,y,x,y,x,y: the 4 extreme clicks (left, top, right, bottom in any order)."""
    parts = [p for p in text.replace(" ", ",").replace(";", ",").split(",") if p]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise BoxError(f"--points must be 4 x,y pairs (8 numbers), got '{text}'") from None
    if len(vals) != 8:
        raise BoxError(f"--points must be 4 x,y pairs (8 numbers), got '{text}'")
    return [(vals[i], vals[i + 1]) for i in range(0, 8, 2)]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("segment", help="object polygons from boxes or extreme clicks, as LabelMe JSON")
    p.add_argument("image", help="image file")
    p.add_argument(
        "--box", action="append", default=[],
        help="x0,y0,x1,y1 in image pixels; repeat for several objects "
             "(negative x0: write --box=-5,10,200,300)",
    )
    p.add_argument("--points", action="append", default=[],
                   help="x,y,x,y,x,y,x,y: the 4 extreme points of an object (left, top, right, bottom); "
                        "repeatable")
    p.add_argument("--label", action="append", default=[],
                   help="label of the polygons (default: object); give it once for all, or once per --box "
                        "then per --points, in order")
    p.add_argument("-o", "--output", default=None, help="LabelMe JSON to write (default: IMAGE with .json)")
    p.add_argument("--append", action="store_true",
                   help="add the new shapes to the existing LabelMe file (its other shapes and fields kept)")
    p.add_argument("--force", action="store_true", help="replace an existing LabelMe file")
    p.add_argument(
        "--model", default="segment", help="model name or folder (default: segment, else polygon)"
    )
    p.add_argument("--device", default="auto", choices=DEVICES, help=DEVICE_HELP)
    p.add_argument(
        "--finish",
        default="guided",
        choices=FINISHES,
        help="finishing step of the mask model: guided (default: colour model + guided filter, ~17 ms a "
        "box), grabcut (GrabCut from that, a little more exact, ~45 ms) or none",
    )
    p.set_defaults(func=cmd_segment)


def cmd_segment(args: argparse.Namespace) -> int:
    from paintgan.core.annotations import Shape
    from paintgan.errors import FormatError
    from paintgan.inference.segment.engine import PolygonPredictor
    from paintgan.inference.segment.geometry import validate_box
    from paintgan.io.images import load_image
    from paintgan.io.labelme import LabelMeFile, read_labelme, relative_image_path, write_labelme

    boxes = [parse_box(b) for b in args.box]
    extremes = [parse_points(t) for t in args.points]
    n = len(boxes) + len(extremes)
    if n == 0:
        raise BoxError("give at least one --box x0,y0,x1,y1 or --points x,y,x,y,x,y,x,y")
    labels = args.label or ["object"]
    if len(labels) not in (1, n):
        raise FormatError(f"give --label once, or once per object ({n}), not {len(labels)} times")
    labels = labels * n if len(labels) == 1 else labels
    out = Path(args.output) if args.output else Path(args.image).with_suffix(".json")
    if out.exists() and not (args.append or args.force):
        raise FormatError(f"{out} exists; use --append to add the new shapes to it or --force to replace it")
    img = load_image(args.image)
    rgb = img.pixels[..., :3]
    for box in boxes:
        validate_box(box, rgb.shape)  # clear errors before the model loads
    for pts in extremes:
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        validate_box((min(xs), min(ys), max(xs), max(ys)), rgb.shape)
    existing = None
    if args.append and out.exists():  # refuse a corrupt / other image's file before any work
        existing = read_labelme(out, image_path=args.image, image_size=(img.height, img.width))
    pred = (
        PolygonPredictor.default(args.device, finish=args.finish)
        if args.model == "segment"
        else PolygonPredictor(args.model, args.device, finish=args.finish)
    )
    polys = [pred.predict(rgb, box) for box in boxes] + [pred.predict_extreme(rgb, pts) for pts in extremes]
    shapes = [Shape(tuple(map(tuple, poly.tolist())), label) for poly, label in zip(polys, labels)]
    if existing is not None:
        existing.shapes.extend(shapes)
        existing.image_path = relative_image_path(args.image, out)
        f = existing
    else:
        f = LabelMeFile(relative_image_path(args.image, out), img.height, img.width, shapes)
    write_labelme(out, f)
    print(
        json.dumps(
            {
                "output": str(out),
                "shapes": len(f.shapes),
                "added": len(shapes),
                "points": len(polys[0]) if len(polys) == 1 else [len(q) for q in polys],
                "device": pred.device,
                "ms": round(pred.last_timings.get("predict_ms", 0.0), 1),
            }
        ),
        file=sys.stdout,
    )
    return 0
