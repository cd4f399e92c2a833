"""`paintgan ganpaint` and `paintgan dissect` subcommands (heavy imports happen inside the commands).

paintgan ganpaint --seed 7 -o scene.png
paintgan ganpaint --seed 7 --edit tree:draw:mask.png:0.8 --edit cloud:remove:sky.png -o out.png
paintgan ganpaint --list-concepts
paintgan dissect --model ganpaint --samples 1000
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from paintgan.errors import PaintGANError
from paintgan.inference.runtime import DEVICE_HELP, DEVICES


class EditSpecError(PaintGANError, ValueError):
    pass


def register(sub: Any) -> None:
    p = sub.add_parser("ganpaint", help="generate a GANPaint scene from a seed and paint concepts into it")
    p.add_argument("--model", default=None, help="model name or folder (default: the shipped ganpaint model)")
    p.add_argument("--seed", type=int, default=0, help="the scene's random seed (default 0)")
    p.add_argument(
        "--edit",
        action="append",
        default=[],
        metavar="CONCEPT:draw|remove:MASK.png[:STRENGTH]",
        help="an edit (repeatable, applied in order); the mask is a grey image, white = paint here",
    )
    p.add_argument("--intensity", default="medium", choices=("low", "medium", "high"),
                   help="units an edit drives: the concept's top 4, 10 or 15 (default medium)")
    p.add_argument("--scale", type=int, default=1, help="upscale the output image by this factor (nearest)")
    p.add_argument(
        "--list-concepts", action="store_true", help="print the concepts the model offers and exit"
    )
    p.add_argument("--device", default="auto", choices=DEVICES, help=DEVICE_HELP)
    p.add_argument("-o", "--output", default=None, help="output PNG")
    p.set_defaults(func=_ganpaint)

    d = sub.add_parser("dissect", help="dissect a GANPaint model: match its units to concepts")
    d.add_argument("--model", default="ganpaint", help="model name or folder")
    d.add_argument("--samples", type=int, default=1000,
                   help="scenes generated and segmented to match units (default 1000)")
    d.add_argument("--seed-start", type=int, default=0, help="seed of the first scene (default 0)")
    d.add_argument("--min-iou", type=float, default=0.05,
                   help="a unit matches a concept above this IoU with its segment (default 0.05)")
    d.add_argument("--min-units", type=int, default=4,
                   help="concepts matched by fewer units are not offered (default 4)")
    d.add_argument("--work-resolution", type=int, default=32,
                   help="resolution units and segments are compared at (default 32)")
    d.add_argument("--device", default="auto", choices=DEVICES, help=DEVICE_HELP)
    d.add_argument("-o", "--output", default=None, help="where to write (default: MODEL/dissection.json)")
    d.add_argument("--json", action="store_true", help="print the summary as JSON")
    d.set_defaults(func=_dissect)


def parse_edit(spec: str) -> tuple[str, str, str, float]:
    """ "concept:mode:MASK.png[:strength]" -> (concept, mode, path, strength). Paths may hold ':' (Windows
    drive letters): the strength is taken only when the last part is a number."""
    parts = spec.split(":")
    if len(parts) < 3:
        raise EditSpecError(f"--edit must be CONCEPT:draw|remove:MASK.png[:STRENGTH], got '{spec}'")
    concept, mode, rest = parts[0], parts[1], parts[2:]
    strength = 1.0
    if len(rest) > 1:
        try:
            strength = float(rest[-1])
            rest = rest[:-1]
        except ValueError:
            pass
    if mode not in ("draw", "remove"):
        raise EditSpecError(f"edit mode must be draw or remove, got '{mode}' in '{spec}'")
    return concept, mode, ":".join(rest), strength


def _load_mask(path: str, shape: tuple[int, int]) -> Any:
    import cv2
    import numpy as np

    from paintgan.errors import PaintGANError
    from paintgan.io.images import load_image

    try:
        px = load_image(path).pixels  # our reader: the pixel limit is checked from the header
    except PaintGANError as exc:
        raise type(exc)(f"mask image: {exc}") from None
    m = px[..., 3] if px[..., 3].min() < 255 else cv2.cvtColor(px[..., :3], cv2.COLOR_RGB2GRAY)
    m = m.astype(np.float32) / 255.0
    if m.shape != shape:
        m = cv2.resize(m, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return np.clip(m, 0, 1)


def _painter(model: str | None, device: str) -> Any:
    from paintgan.inference.ganpaint.engine import GanPainter

    return GanPainter.default(device) if model is None else GanPainter(model, device)


def _ganpaint(args: argparse.Namespace) -> int:
    painter = _painter(args.model, args.device)
    if args.list_concepts:
        concepts = painter.concepts()
        if not concepts:
            print(
                f"model {painter.name} offers no concepts yet (run: paintgan dissect --model {painter.name})"
            )
        for c in concepts:
            print(c)
        return 0
    if not args.output:
        raise EditSpecError("give an output file with -o OUT.png")
    from paintgan.inference.ganpaint.engine import Edit

    base = painter.generate(args.seed)
    edits = []
    for spec in args.edit:
        concept, mode, path, strength = parse_edit(spec)
        mask = _load_mask(path, base.shape[:2])
        edits.append(Edit(concept, mode, mask, strength, args.intensity))
    image = painter.edit(args.seed, edits) if edits else base
    if args.scale > 1:
        import numpy as np

        image = np.repeat(np.repeat(image, args.scale, 0), args.scale, 1)
    import os

    from paintgan.io.atomic import atomic_write
    from paintgan.io.images import encode_image

    ext = os.path.splitext(args.output)[1].lower() or ".png"
    try:
        data = encode_image(image, ext)
    except ValueError as exc:
        raise EditSpecError(f"cannot write {args.output}: {exc}") from None
    atomic_write(args.output, data)
    print(args.output)
    return 0


def _dissect(args: argparse.Namespace) -> int:
    from paintgan.inference.ganpaint.dissect import dissect_model, summary_lines

    if args.samples < 1:
        raise EditSpecError("--samples must be at least 1")
    data, path = dissect_model(
        args.model,
        args.samples,
        device=args.device,
        seed_start=args.seed_start,
        min_iou=args.min_iou,
        min_units=args.min_units,
        work_resolution=args.work_resolution,
        out=args.output,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "path": str(path),
                    "offered": data["offered"],
                    "concepts": {
                        c: {k: v[k] for k in ("n_matched", "offered")} | {"top_iou": v["iou"][:4]}
                        for c, v in data["concepts"].items()
                    },
                },
                indent=2,
            )
        )
    else:
        for line in summary_lines(data):
            print(line)
        print(
            f"offered: {', '.join(data['offered']) or 'none'}; wrote {path} ({data['seconds']} s)",
            file=sys.stdout,
        )
    return 0
