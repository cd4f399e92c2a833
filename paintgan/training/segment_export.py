"""Export the mask model to ONNX (with a parity check against torch) and write its model folder.

    python -m paintgan.training.segment_export --ckpt checkpoints/segment/best.pt --out models/segment \
        [--evaluation eval.json] [--steps-note "..."]

The folder gets `mask.onnx` (role `mask`: input `input` [1, 7, 128, 128] float32 = RGB in [0, 1] plus
the 4 guidance maps of `paintgan.inference.segment.clickmaps`; output `logits` [1, 1, 128, 128]) and a
format-1 `manifest.json` (sha256, inputs/outputs, preprocessing constants, data sources and licences,
training command and steps, the evaluation table when given).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from paintgan.inference.segment.clickmaps import CONTEXT, CROP, NUM_MAPS, SIGMA
from paintgan.training.segment_data import SPRITE_ROOTS, sprite_roots
from paintgan.training.segment_model import IN_CH, MaskNet, count_params, input_channels

LICENSE = (
    "MIT (weights); training data: openclipart-png (public domain), plasma-workspace-wallpapers "
    "(GPL/LGPL/CC-BY-SA per wallpaper, Debian); from step 22000 also wesnoth-1.16-data (GPL-2+), "
    "widelands-data (GPL-2+) and flare-game (CC-BY-SA-3.0) sprites; encoder warm-started from "
    "models/polygon (same data)"
)
DATA_SOURCE = (
    "synthetic crops made while training (paintgan.training.segment_data): silhouettes (openclipart-png "
    "alpha, train split by file-name hash; random blobs; stroke shapes; Hershey letters; from step 22000 "
    "painted and rendered game sprites with their own alpha: wesnoth-1.16-data units and portraits, "
    "widelands-data buildings, trees and animals, flare-game creatures, train split by folder hash) filled "
    "with regions of Debian plasma-workspace-wallpapers (train split by folder hash) or in their own "
    "colours, some filled part by part or built from parts (trees, buildings on plates), soft edges "
    "(half blended in linear light), shadows, distractors, occluders, blur, noise, JPEG, shrunk scenes; "
    "the packages used by the evaluation sets and those reserved for held-out evaluation are never used"
)


class _Graph(torch.nn.Module):
    def __init__(self, net: MaskNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def export_onnx(net: MaskNet, path: str | Path, size: int = CROP, opset: int = 17) -> Path:
    """Write `net` (eval mode) as an ONNX graph with a dynamic batch axis; `net` is left in eval mode (the
    exporter gives the wrapper's mode back to every submodule, and a fresh wrapper is in train mode)."""
    net.eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    x = torch.rand(1, net.in_ch, size, size)
    torch.onnx.export(
        _Graph(net).eval(),
        (x,),
        str(path),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        opset_version=opset,
        do_constant_folding=True,
        dynamo=False,
    )
    return path


def parity(net: MaskNet, path: str | Path, size: int = CROP, seed: int = 0) -> float:
    """Max |torch - ONNX Runtime| on a random input (eval mode)."""
    import onnxruntime as ort

    net.eval()
    x = torch.from_numpy(np.random.default_rng(seed).random((2, net.in_ch, size, size), dtype=np.float32))
    with torch.no_grad():
        ref = net(x).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["logits"], {"input": x.numpy()})[0]
    return float(np.abs(ref - got).max())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(
    out: Path,
    onnx_path: Path,
    step: int,
    parity_diff: float,
    params: int,
    extra: dict[str, Any] | None = None,
    in_ch: int = IN_CH,
    weights: dict[str, Any] | None = None,
) -> Path:
    colour = in_ch > 3 + NUM_MAPS  # the colour channel follows RGB and the guidance maps
    manifest = {
        "format": 1,
        "name": out.name,
        "task": "segment",
        "version": "2.0.0",
        "description": "Mask-first click segmentation: box (+ positive/negative clicks, extreme points) -> "
        "foreground mask -> adaptive polygons (fewest vertices keeping IoU >= 0.98 with the mask).",
        "files": [
            {
                "path": onnx_path.name,
                "sha256": sha256(onnx_path),
                "role": "mask",
                "inputs": [{"name": "input", "dtype": "float32", "shape": [1, in_ch, CROP, CROP]}],
                "outputs": [{"name": "logits", "dtype": "float32", "shape": [1, 1, CROP, CROP]}],
            }
        ],
        "preprocessing": {
            "crop_size": CROP,
            "context": CONTEXT,
            "guidance_maps": NUM_MAPS,
            "click_sigma": SIGMA,
            **({"colour_channel": "box_ring"} if colour else {}),
            "input": "channels: RGB in [0, 1]; positive clicks; negative clicks; extreme/boundary points "
            "(Gaussian blobs, sigma in crop pixels); previous mask probability (0 at first)"
            + (
                "; colour channel: 0.5 + log(P(colour | box) / P(colour | ring around the box)) / 8, clipped "
                "to [0, 1] (paintgan.inference.segment.colour_prior.box_ring_channel)"
                if colour
                else ""
            ),
            "output": "foreground logits on the crop (box plus context on every side)",
        },
        "license": LICENSE,
        "data_source": DATA_SOURCE,
        "training_command": "apt-get install -y openclipart-png plasma-workspace-wallpapers "
        "wesnoth-1.16-data widelands-data flare-game; "
        "nice -n 19 python -m paintgan.training.segment_train --out checkpoints/segment "
        "--threads 2 --batch 12 --lr 8e-5 --eval-every 300 (resumes checkpoints/segment/last.pt; without "
        "one it warm-starts the whole "
        "model from the shipped models/segment/mask.onnx, batch norms unfolded and calibrated; the first run "
        "warm-started the encoder from models/polygon/encoder.onnx), then "
        "python -m paintgan.training.segment_export --ckpt checkpoints/segment/last.pt --out models/segment "
        "--precise-bn 60 (the weights' moving average, batch norms re-estimated over 60 training batches)",
        "evaluation": {
            "export": {
                "step": step,
                "parity_max_abs_diff": parity_diff,
                "params": params,
                "bytes": onnx_path.stat().st_size,
                **(weights or {}),
            },
            **(extra or {}),
        },
        "standard_inputs": {},
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def load_checkpoint(path: str | Path, weights: str = "auto") -> tuple[MaskNet, int, str]:
    """The network of a training checkpoint (eval mode), its step and which weights it holds. `weights`:
    "ema" (the moving average, `averaging.WeightAverage`), "model" (the last step's weights) or "auto"
    (the average when the checkpoint has one)."""
    if weights not in ("auto", "ema", "model"):
        raise ValueError(f"weights must be auto, ema or model, got {weights!r}")
    ck = torch.load(str(path), map_location="cpu", weights_only=False)
    if weights == "ema" and "ema" not in ck:
        raise ValueError(f"{path} has no weight average (trained before stop 17 or with --ema-decay 0)")
    used = "ema" if weights != "model" and "ema" in ck else "model"
    state = ck[used]
    net = MaskNet(in_ch=input_channels(state))
    net.load_state_dict(state)
    net.eval()
    return net, int(ck.get("step", 0)), used


def recompute_bn(
    net: MaskNet, batches: int, objects: str, backgrounds: str, seed: int = 0, n: int = 12,
    sprites: Sequence[str] = (),
) -> int:
    """`averaging.precise_bn` over `batches` training batches of `n` from the training generator."""
    from paintgan.training.averaging import precise_bn
    from paintgan.training.segment_data import make_generator
    from paintgan.training.segment_train import precise_bn_batches

    gen = make_generator("train", seed, objects, backgrounds, sprites)
    done = precise_bn(net, precise_bn_batches(net, gen, np.random.default_rng(seed), batches, n))
    net.eval()
    return done


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paintgan.training.segment_export")
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True, help="model folder to write (models/segment)")
    ap.add_argument("--evaluation", default=None, help="JSON file merged into manifest evaluation")
    ap.add_argument(
        "--weights", default="auto", choices=("auto", "ema", "model"),
        help="the checkpoint's weight average (ema), its last weights (model), or ema when present (auto)",
    )
    ap.add_argument(
        "--precise-bn", type=int, default=0, metavar="BATCHES",
        help="re-estimate the batch norms' statistics over this many training batches first (0: keep)",
    )
    ap.add_argument("--objects", default="/usr/share/openclipart/png", help="for --precise-bn")
    ap.add_argument("--backgrounds", default="/usr/share/wallpapers", help="for --precise-bn")
    ap.add_argument(
        "--sprites", default=",".join(SPRITE_ROOTS), help="for --precise-bn: comma-separated sprite folders"
    )
    ap.add_argument("--seed", type=int, default=4242, help="for --precise-bn")
    args = ap.parse_args(list(argv) if argv is not None else None)
    net, step, used = load_checkpoint(args.ckpt, args.weights)
    if args.precise_bn > 0:
        sprites = sprite_roots(args.sprites)
        recompute_bn(net, args.precise_bn, args.objects, args.backgrounds, args.seed, sprites=sprites)
    out = Path(args.out)
    onnx_path = export_onnx(net, out / "mask.onnx")
    diff = parity(net, onnx_path)
    if diff > 1e-3:
        print(f"parity check failed: max abs diff {diff:g}", file=sys.stderr)
        return 1
    extra = json.loads(Path(args.evaluation).read_text()) if args.evaluation else None
    if extra is not None:
        extra.pop("per_scene", None)  # the table and summaries only
    how = {"weights": used, "precise_bn_batches": args.precise_bn}
    write_manifest(out, onnx_path, step, diff, count_params(net), extra, net.in_ch, how)
    print(json.dumps({"out": str(out), "step": step, "parity": diff, "bytes": onnx_path.stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
