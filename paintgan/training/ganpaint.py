"""GANPaint training command line (the [train] extra: torch): train the generator, train the scene
segmenter used for dissection, export ONNX graphs + manifest.

    python -m paintgan.training.ganpaint train --out runs/ganpaint [--steps N] [--resume] [--size 64|128]
        [--threads 1] [--batch 16] [--init-onnx-dir models/ganpaint] [--warmup-steps N]
    python -m paintgan.training.ganpaint train --size 128 --grow-from runs/ganpaint/ckpt.pt \
        --out runs/ganpaint128 [--warmup-steps 100]
        (--grow-from also takes a 64 ONNX model dir; the grown generator starts as the 64 one upsampled)
    python -m paintgan.training.ganpaint train-segmenter --out runs/ganpaint [--minutes 4] [--size 64]
    python -m paintgan.training.ganpaint export --run runs/ganpaint --model-dir models/ganpaint
        [--name ganpaint]

The pieces: `ganpaint_model` (networks and warm starts), `ganpaint_data` (rendered scene batches),
`ganpaint_losses` (hinge, R1, mode seeking), `ganpaint_train` (the loops and checkpoints),
`ganpaint_export` (ONNX graphs, parity checks, manifest).
"""

from __future__ import annotations

import argparse
import sys

from paintgan.training.ganpaint_export import export
from paintgan.training.ganpaint_train import train, train_segmenter


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m paintgan.training.ganpaint")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the generator")
    t.add_argument("--out", default="runs/ganpaint")
    t.add_argument("--steps", type=int, default=100000)
    t.add_argument("--max-minutes", type=float, default=0.0, help="stop (and checkpoint) after this long")
    t.add_argument("--resume", action="store_true")
    t.add_argument("--size", type=int, default=64, choices=(64, 128))
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=2e-4)
    t.add_argument("--lr-d", type=float, default=0.0, help="discriminator learning rate (default: --lr)")
    t.add_argument("--r1", type=float, default=0.05)
    t.add_argument("--mode-seek", type=float, default=1.0, help="weight of the MSGAN mode-seeking term")
    t.add_argument("--ema", type=float, default=0.995)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--log-every", type=int, default=25)
    t.add_argument("--ckpt-every", type=int, default=100)
    t.add_argument("--init-onnx-dir", default=None, help="warm start from shipped ONNX graphs")
    t.add_argument(
        "--grow-from",
        default=None,
        help="grow a 64 generator (ckpt.pt or ONNX dir) into --size 128, starting as its upsampled image",
    )
    t.add_argument("--d-warmup", type=int, default=0, help="first train only D for this many steps")
    t.add_argument("--freeze-features", action="store_true", help="do not train the FeatureNet")
    t.add_argument("--train-top-only", action="store_true", help="train only the last image block and to_rgb")
    t.add_argument("--init-d", default=None, help="start D from this checkpoint's D (same --size)")
    t.add_argument(
        "--warmup-steps", type=int, default=0, help="linear warm-up of the generator learning rate"
    )
    t.set_defaults(func=train)
    s = sub.add_parser("train-segmenter", help="train the scene segmenter used for dissection")
    s.add_argument("--out", default="runs/ganpaint")
    s.add_argument("--size", type=int, default=64)
    s.add_argument("--minutes", type=float, default=4.0)
    s.add_argument("--steps", type=int, default=100000)
    s.add_argument("--batch", type=int, default=16)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--lr", type=float, default=2e-3)
    s.add_argument("--eval-scenes", type=int, default=64, help="held-out scenes for the final IoU")
    s.add_argument("--resume", action="store_true")
    s.set_defaults(func=train_segmenter)
    e = sub.add_parser("export", help="export ONNX graphs + manifest")
    e.add_argument("--run", default="runs/ganpaint")
    e.add_argument("--model-dir", default="models/ganpaint")
    e.add_argument("--name", default="ganpaint")
    e.add_argument("--threads", type=int, default=1)
    e.add_argument("--stat-scenes", type=int, default=200, help="rendered scenes for the frequency table")
    e.set_defaults(func=export)
    args = p.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
