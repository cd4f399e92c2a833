"""`paintgan segment IMAGE --box x0,y0,x1,y1 [--label NAME] [-o OUT.json] [--device D]`.

Box -> object polygon, written as LabelMe JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from paintgan.inference.segment.geometry import BoxError

_DEVICE_HELP = "auto (CUDA when it works, else CPU), cpu, cuda, directml or coreml"


def parse_box(text: str) -> tuple[float, float, float, float]:
    parts = [p for p in text.replace(" ", ",").split(",") if p]
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise BoxError(f"--box must be x0,y0,x1,y1 (4 numbers), got '{text}'") from None
    if len(vals) != 4:
        raise BoxError(f"--box must be x0,y0,x1,y1 (4 numbers), got '{text}'")
    return vals  # type: ignore[return-value]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("segment", help="object polygon from a box, written as LabelMe JSON")
    p.add_argument("image", help="image file")
    p.add_argument(
        "--box", required=True, help="x0,y0,x1,y1 in image pixels (negative x0: write --box=-5,10,200,300)"
    )
    p.add_argument("--label", default="object", help="label of the polygon (default: object)")
    p.add_argument("-o", "--output", default=None, help="LabelMe JSON to write (default: IMAGE with .json)")
    p.add_argument("--model", default="polygon", help="model name or folder (default: polygon)")
    p.add_argument("--device", default="auto", help=_DEVICE_HELP)
    p.set_defaults(func=cmd_segment)


def cmd_segment(args: argparse.Namespace) -> int:
    from paintgan.inference.segment.engine import PolygonPredictor
    from paintgan.io.images import load_image
    from paintgan.io.labelme import save_polygons

    box = parse_box(args.box)
    img = load_image(args.image)
    rgb = img.pixels[..., :3]
    from paintgan.inference.segment.geometry import validate_box

    validate_box(box, rgb.shape)  # a clear error before the model loads
    pred = (
        PolygonPredictor.default(args.device)
        if args.model == "polygon"
        else PolygonPredictor(args.model, args.device)
    )
    poly = pred.predict(rgb, box)
    out = Path(args.output) if args.output else Path(args.image).with_suffix(".json")
    save_polygons(out, args.image, (img.height, img.width), [(args.label, poly.tolist())])
    print(
        json.dumps(
            {
                "output": str(out),
                "points": len(poly),
                "device": pred.device,
                "ms": round(pred.last_timings.get("predict_ms", 0.0), 1),
            }
        ),
        file=sys.stdout,
    )
    return 0
