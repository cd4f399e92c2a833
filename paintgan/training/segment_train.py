"""Train the mask model with simulated corrective clicks (RITM-style iterative training).

    nice -n 19 python -m paintgan.training.segment_train --out checkpoints/segment --threads 1 \
        [--steps 100000] [--batch 12] [--init-onnx models/segment/mask.onnx]

Resumes from `OUT/last.pt` when it exists (so every run adds steps). Otherwise it warm-starts the whole
model from the shipped, BatchNorm-folded `models/segment/mask.onnx` (`warm_start_from_mask_onnx`, checked
against ONNX Runtime); the identity batch norms that leaves are then calibrated on two training batches
(`calibrate_identity_bn`), so BN keeps training with batch statistics from the first step without changing
what the model predicts. When that graph does not fit the architecture (the reason is printed), only the
encoder is warm-started from the polygon model (`--fallback-onnx`). Every `--save-every` steps `last.pt`
is written; every `--eval-every` steps the model is scored on fixed validation crops (val split of objects
and photographs: mIoU from the box, and after 3 simulated clicks) and `best.pt` keeps the best. Since stop
17 a moving average of the weights (`--ema-decay`, `averaging.WeightAverage`) is kept in the checkpoints
beside the weights; it is what is scored, and what `segment_export` exports (with `--precise-bn`).
`OUT/log.jsonl` has one line per log interval.

The input: RGB, the guidance maps (`clickmaps`) and a colour channel (`colour_prior.box_ring_channel`:
colours inside the box against the scene's pixels around it). Checkpoints and graphs from before that
channel (7 channels, up to step 13800) are widened with zero weights for it (`segment_model.widen_input`).

Guidance simulation per sample: 45 % box only, 20 % the 4 extreme points, 35 % 1-2 random positive and
0-2 negative clicks; then, with probability 0.6, 1-3 rounds of "predict without gradients, add the RITM
click on the largest error, feed the prediction back as the previous mask".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from paintgan.inference.segment import geometry as geo
from paintgan.inference.segment.clickmaps import CONTEXT, guidance, next_click
from paintgan.inference.segment.colour_prior import box_ring_channel
from paintgan.training.averaging import WeightAverage
from paintgan.training.onnx_warm_start import ArchitectureMismatch, calibrate_identity_bn
from paintgan.training.segment_data import SPRITE_ROOTS, CropGenerator, make_generator, sprite_roots
from paintgan.training.segment_model import (
    MaskNet,
    warm_start_from_mask_onnx,
    warm_start_from_polygon_onnx,
    widen_input,
)

Clicks = dict[str, list[tuple[float, float]]]


def random_clicks(rng: np.random.Generator, gt: np.ndarray) -> Clicks:
    """Initial guidance for one sample: nothing, extreme points, or a few random clicks."""
    u = rng.random()
    out: Clicks = {"pos": [], "neg": [], "ext": []}
    if u < 0.45:
        return out
    if u < 0.65:
        ext = geo.extreme_points(gt) + rng.normal(0, 1.0, (4, 2))
        out["ext"] = [tuple(p) for p in ext]
        return out
    d = cv2.distanceTransform(np.pad(gt, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
    inside = np.flatnonzero(d > min(3.0, d.max() * 0.5))
    for _ in range(int(rng.integers(1, 3))):
        if len(inside):
            y, x = divmod(int(rng.choice(inside)), gt.shape[1])
            out["pos"].append((float(x), float(y)))
    dout = cv2.distanceTransform((~gt).astype(np.uint8), cv2.DIST_L2, 5)
    outside = np.flatnonzero(dout > 4)
    for _ in range(int(rng.integers(0, 3))):
        if len(outside):
            y, x = divmod(int(rng.choice(outside)), gt.shape[1])
            out["neg"].append((float(x), float(y)))
    return out


def make_input(
    crops: np.ndarray, clicks: Sequence[Clicks], prev: np.ndarray | None, colour: np.ndarray | None
) -> torch.Tensor:
    """(B, 8, S, S) float tensor from uint8 crops (B, S, S, 3), click lists, previous masks (B, S, S) and
    colour channels (B, S, S) (`colour_prior.box_ring_channel`; None: a 7-channel input, as models before
    step 13800 read)."""
    s = crops.shape[1]
    maps = np.stack(
        [
            guidance(c["pos"], c["neg"], c["ext"], None if prev is None else prev[i], s)
            for i, c in enumerate(clicks)
        ]
    )
    rgb = crops.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    parts = [rgb, maps] if colour is None else [rgb, maps, colour[:, None].astype(np.float32)]
    return torch.from_numpy(np.concatenate(parts, axis=1))


def simulate(
    net: MaskNet, crops: np.ndarray, gts: np.ndarray, clicks: list[Clicks], rounds: int,
    colour: np.ndarray | None,
) -> np.ndarray | None:
    """`rounds` of predict -> RITM click -> feed back (no gradients); returns the last prediction."""
    prev = None
    for _ in range(rounds):
        with torch.no_grad():
            prob = torch.sigmoid(net(make_input(crops, clicks, prev, colour)))[:, 0].numpy()
        for i in range(len(clicks)):
            c = next_click(prob[i] > 0.5, gts[i])
            if c is not None:
                clicks[i]["pos" if c[2] else "neg"].append((c[0], c[1]))
        prev = prob
    return prev


def losses(net: MaskNet, x: torch.Tensor, gt: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    logits, aux = net.forward_all(x)
    bce = F.binary_cross_entropy_with_logits(logits, gt)
    p = torch.sigmoid(logits)
    inter = (p * gt).sum((1, 2, 3))
    dice = 1 - (2 * inter + 1) / (p.sum((1, 2, 3)) + gt.sum((1, 2, 3)) + 1)
    gt4 = F.interpolate(gt, size=aux.shape[-2:], mode="area")
    aux_l = F.binary_cross_entropy_with_logits(aux, gt4)
    total = bce + dice.mean() + 0.3 * aux_l
    return total, {"bce": bce.item(), "dice": dice.mean().item(), "aux": aux_l.item()}


def batch(gen: CropGenerator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(crops (n, S, S, 3) uint8, masks (n, S, S) bool, colour channels (n, S, S) float32)."""
    samples = [gen.sample_with_ring() for _ in range(n)]
    colour = [box_ring_channel(crop, ring, CONTEXT) for crop, _, ring in samples]
    return np.stack([s[0] for s in samples]), np.stack([s[1] for s in samples]), np.stack(colour)


def iou_batch(prob: np.ndarray, gts: np.ndarray) -> np.ndarray:
    pred = prob > 0.5
    inter = np.logical_and(pred, gts).sum((1, 2))
    union = np.logical_or(pred, gts).sum((1, 2))
    return inter / np.maximum(union, 1)


def evaluate(
    net: MaskNet, crops: np.ndarray, gts: np.ndarray, colour: np.ndarray | None, clicks: int = 3
) -> dict[str, float]:
    """mIoU from the box alone and after `clicks` RITM clicks on fixed validation crops."""
    net.eval()
    out: dict[str, float] = {}
    try:
        cl: list[Clicks] = [{"pos": [], "neg": [], "ext": []} for _ in range(len(crops))]
        prev = None
        for k in range(clicks + 1):
            with torch.no_grad():
                prob = torch.sigmoid(net(make_input(crops, cl, prev, colour)))[:, 0].numpy()
            out[f"miou_{k}"] = float(iou_batch(prob, gts).mean())
            for i in range(len(cl)):
                c = next_click(prob[i] > 0.5, gts[i])
                if c is not None:
                    cl[i]["pos" if c[2] else "neg"].append((c[0], c[1]))
            prev = prob
    finally:
        net.train()
    return out


def training_forward(
    net: MaskNet, gen: CropGenerator, rng: np.random.Generator, n: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One training batch as a training step sees it: `n` crops, random clicks, and with probability 0.6 the
    prediction after 1-3 simulated RITM rounds as the previous mask. Returns (input, target)."""
    crops, gts, colour = batch(gen, n)
    clicks = [random_clicks(rng, g) for g in gts]
    prev = None
    if rng.random() < 0.6:
        prev = simulate(net, crops, gts, clicks, int(rng.integers(1, 4)), colour)
    return make_input(crops, clicks, prev, colour), torch.from_numpy(gts.astype(np.float32))[:, None]


def precise_bn_batches(
    net: MaskNet, gen: CropGenerator, rng: np.random.Generator, batches: int, n: int
) -> Iterator[torch.Tensor]:
    """Inputs for `averaging.precise_bn`: `batches` training batches of `n`, made as a training step makes
    them (the simulated clicks' forward passes included)."""
    for _ in range(batches):
        yield training_forward(net, gen, rng, n)[0]


def save(path: Path, net: MaskNet, opt: torch.optim.Optimizer, step: int, extra: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "step": step, **extra}, tmp)
    os.replace(tmp, path)


def calibration_input(net: MaskNet, gen: CropGenerator, n: int, seed: int) -> torch.Tensor:
    """2n training-like inputs: n with the first guidance, n after one simulated click with the model's
    eval-mode prediction as the previous mask (the mix the training loop feeds)."""
    crops, gts, colour = batch(gen, 2 * n)
    rng = np.random.default_rng(seed)
    clicks = [random_clicks(rng, g) for g in gts]
    was_training = net.training
    net.eval()
    prev = simulate(net, crops[n:], gts[n:], clicks[n:], 1, colour[n:])
    net.train(was_training)
    assert prev is not None
    return make_input(crops, clicks, np.concatenate([np.zeros_like(prev), prev]), colour)


def warm_start(
    net: MaskNet, init_onnx: str | None, fallback_onnx: str | None, gen: CropGenerator, n: int, seed: int
) -> str:
    """Initialise a fresh `net` from the shipped ONNX weights (module docstring); returns what was done.

    Batch norms stay in training mode afterwards: the shipped weights were trained with batch statistics,
    and the calibration on `gen`'s crops makes batch-statistics BN reproduce the shipped function, so
    nothing is frozen (a frozen identity BN would leave a BN-free network to train at the same rate)."""
    init = Path(init_onnx) if init_onnx else None
    if init is not None and init.is_file():
        try:
            names = warm_start_from_mask_onnx(net, init)
        except ArchitectureMismatch as exc:
            print(f"{init} does not fit this model ({exc}); falling back to the polygon encoder", flush=True)
        else:
            x = calibration_input(net, gen, n, seed)
            calibrate_identity_bn(net, names, lambda: net(x))
            return f"warm start: whole model from {init} ({len(names)} batch norms unfolded and calibrated)"
    fb = Path(fallback_onnx) if fallback_onnx else None
    if fb is not None and fb.is_file():
        n_enc = warm_start_from_polygon_onnx(net, fb)
        return f"warm start: {n_enc} encoder tensors from {fb}"
    return "no warm start: no ONNX weights found, training from scratch"


def train(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sprites = sprite_roots(args.sprites)
    net = MaskNet()
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    step, best = 0, -1.0
    last = out / "last.pt"
    ck: dict[str, Any] = {}
    if last.exists():
        ck = torch.load(last, map_location="cpu", weights_only=False)
        old = widen_input(net, ck["model"])
        if old == net.in_ch:
            opt.load_state_dict(ck["opt"])
        else:  # the new input channel: fresh optimiser moments (the old ones have other shapes)
            print(f"widened the input from {old} to {net.in_ch} channels (zero weights)", flush=True)
        step, best = int(ck["step"]), float(ck.get("best", -1.0))
        print(f"resumed from {last} at step {step} (best val {best:.4f})", flush=True)
    else:
        cgen = make_generator("train", args.seed * 100003 + 7, args.objects, args.backgrounds, sprites)
        how = warm_start(net, args.init_onnx, args.fallback_onnx, cgen, args.batch, args.seed + 7)
        print(how, flush=True)
    for g in opt.param_groups:
        g["lr"] = args.lr
    # the weights' moving average is what gets evaluated, kept as best.pt and exported (`averaging`)
    avg = WeightAverage(net, args.ema_decay, ck.get("ema")) if args.ema_decay > 0 else None
    eval_net = MaskNet(in_ch=net.in_ch) if avg is not None else net

    def extra(**kw: Any) -> dict[str, Any]:
        return {**kw, **({"ema": avg.state_dict(), "ema_decay": avg.decay} if avg is not None else {})}

    seed = args.seed * 100003 + step  # a resumed run sees new samples
    gen = make_generator("train", seed, args.objects, args.backgrounds, sprites)
    vgen = make_generator("val", 12345, args.objects, args.backgrounds, sprites)
    vcrops, vgts, vcolour = batch(vgen, args.val_count)
    rng = np.random.default_rng(seed)
    t_start = time.time()
    first, end = step, step + args.steps
    acc: dict[str, float] = {}
    while step < end:
        if args.max_minutes and time.time() - t_start > 60 * args.max_minutes:
            break
        x, y = training_forward(net, gen, rng, args.batch)
        warm = min(1.0, (step - first + 1) / 200)  # every run warms up (a resume may bring fresh moments)
        for g in opt.param_groups:
            g["lr"] = args.lr * warm
        loss, parts = losses(net, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        if avg is not None:
            avg.update(net)
        step += 1
        for k, v in {"loss": loss.item(), **parts}.items():
            acc[k] = acc.get(k, 0.0) + v
        if step % args.log_every == 0:
            rec = {k: round(v / args.log_every, 4) for k, v in acc.items()}
            rec.update(step=step, minutes=round((time.time() - t_start) / 60, 2))
            acc = {}
            print(json.dumps(rec), flush=True)
            with open(out / "log.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
        if step % args.eval_every == 0 or step == end:
            if avg is not None:
                eval_net.load_state_dict(avg.state)
            ev = evaluate(eval_net, vcrops, vgts, vcolour)
            score = ev["miou_0"] + ev["miou_3"]
            if score > best:
                best = score
                save(out / "best.pt", net, opt, step, extra(best=best, val=ev))
            print(json.dumps({"step": step, "val": ev, "best": round(best, 4)}), flush=True)
            with open(out / "log.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps({"step": step, "val": ev}) + "\n")
        if step % args.save_every == 0 or step == end:
            save(last, net, opt, step, extra(best=best))
    save(last, net, opt, step, extra(best=best))
    print(f"stopped at step {step}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m paintgan.training.segment_train", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--out", default="checkpoints/segment")
    ap.add_argument("--steps", type=int, default=100000, help="steps to add in this run")
    ap.add_argument(
        "--max-minutes", type=float, default=0.0, help="stop after this many minutes (0: no limit)"
    )
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--init-onnx",
        default="models/segment/mask.onnx",
        help="without a checkpoint: warm-start the whole model from this shipped mask graph",
    )
    ap.add_argument(
        "--fallback-onnx",
        default="models/polygon/encoder.onnx",
        help="when --init-onnx does not fit the architecture: warm-start the encoder from this graph",
    )
    ap.add_argument("--objects", default="/usr/share/openclipart/png")
    ap.add_argument("--backgrounds", default="/usr/share/wallpapers")
    ap.add_argument(
        "--sprites",
        default=",".join(SPRITE_ROOTS),
        help="comma-separated folders of RGBA sprites, also used as targets ('' for none; missing: skipped)",
    )
    ap.add_argument("--val-count", type=int, default=160)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument(
        "--ema-decay", type=float, default=0.999,
        help="decay of the weights' moving average that is evaluated and exported (0: none)",
    )
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
