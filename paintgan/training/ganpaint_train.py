"""GANPaint training loops (the [train] extra: torch): the generator against the discriminator
(`train`) and the scene segmenter used for dissection (`train_segmenter`), with resumable checkpoints.

Generator loop: hinge loss, lazy R1 on real images (gamma 0.05 every 8 steps) and the MSGAN mode-seeking
term (`ganpaint_losses`); an exponential moving average of the generator's weights is kept, sampled to
samples.png and exported. Options (see `python -m paintgan.training.ganpaint train --help`) cover warm
starts from ONNX graphs or a 64 generator grown to 128 (`ganpaint_model`), a discriminator warm-up, a
frozen feature layer (so an existing dissection stays valid) and training only the top block.
Checkpoints are written atomically (`ckpt.pt`, `segmenter.pt`); a log line per `--log-every` steps goes to
stdout and `log.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paintgan.training.ganpaint_data import SceneStream
from paintgan.training.ganpaint_losses import R1_EVERY, d_hinge_loss, g_hinge_loss, mode_seeking, r1_penalty
from paintgan.training.ganpaint_model import (
    Z_DIM,
    Discriminator,
    Generator,
    Segmenter,
    grow_generator,
    load_grow_source,
    load_onnx_init,
)
from paintgan.training.scenes import CONCEPTS


def _log(out: Path, rec: dict[str, Any]) -> None:
    line = json.dumps(rec)
    print(line, flush=True)
    with open(out / "log.jsonl", "a", encoding="utf-8") as f:
        f.write(line + "\n")


def _save_atomic(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "ckpt.pt"
    torch.manual_seed(args.seed)
    G, D = Generator(args.size), Discriminator(args.size)
    G_ema = Generator(args.size)
    if args.freeze_features:  # keep the edited 8x8 layer (and so its dissection) as warm-started
        G.features.requires_grad_(False)
    if args.train_top_only:  # a grown generator: train only the new 128 block and to_rgb (local detail)
        G.requires_grad_(False)
        top = max(int(k.split(".")[0]) for k, _ in G.image.body.named_parameters())
        G.image.body[top].requires_grad_(True)
        G.image.to_rgb.requires_grad_(True)
    optG = torch.optim.Adam([p for p in G.parameters() if p.requires_grad], lr=args.lr, betas=(0.0, 0.9))
    optD = torch.optim.Adam(D.parameters(), lr=args.lr_d or args.lr, betas=(0.0, 0.9))
    step = 0
    if args.resume and ckpt_path.is_file():
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if ck["size"] != args.size:
            raise SystemExit(f"checkpoint is size {ck['size']}, not {args.size}")
        G.load_state_dict(ck["G"])
        D.load_state_dict(ck["D"])
        G_ema.load_state_dict(ck["G_ema"])
        try:
            optG.load_state_dict(ck["optG"])
        except ValueError:  # the trained parameter set changed (--freeze-features): fresh G optimizer
            print("generator optimizer state does not match: starting it afresh", flush=True)
        optD.load_state_dict(ck["optD"])
        step = int(ck["step"])
        print(f"resumed from {ckpt_path} at step {step}", flush=True)
    else:
        if args.grow_from:
            if args.size != 128:
                raise SystemExit("--grow-from grows a 64 generator into --size 128")
            n = grow_generator(G, load_grow_source(args.grow_from))
            print(f"grown from {args.grow_from}: {n} tensors copied, 128 block = upsampled 64", flush=True)
        elif args.init_onnx_dir:
            n = load_onnx_init(G, args.init_onnx_dir)
            print(f"warm start: {n} tensors from {args.init_onnx_dir}", flush=True)
        if args.init_d:  # borrow a discriminator of the same size (e.g. from an earlier run)
            D.load_state_dict(torch.load(args.init_d, map_location="cpu", weights_only=False)["D"])
            print(f"discriminator from {args.init_d}", flush=True)
        G_ema.load_state_dict(G.state_dict())
    G_ema.eval().requires_grad_(False)
    data = SceneStream(args.size, args.seed + step)
    start_step = step
    t0 = time.time()
    last_log = t0
    stats: dict[str, float] = {}
    fixed_z = torch.from_numpy(np.random.default_rng(123).standard_normal((16, Z_DIM)).astype(np.float32))
    while step < args.steps:
        if args.max_minutes and time.time() - t0 > args.max_minutes * 60:
            break
        real, _ = data.batch(args.batch)
        # --- discriminator: hinge loss (+ lazy R1 on real)
        z = torch.randn(args.batch, Z_DIM)
        with torch.no_grad():
            fake = G(z)
        r1_now = args.r1 > 0 and step % R1_EVERY == 0
        real.requires_grad_(r1_now)
        d_real, d_fake = D(real), D(fake)
        loss_d = d_hinge_loss(d_real, d_fake)
        if r1_now:
            r1 = r1_penalty(d_real, real)
            loss_d = loss_d + args.r1 * 0.5 * R1_EVERY * r1
            stats["r1"] = float(r1.detach())
        optD.zero_grad(set_to_none=True)
        loss_d.backward()
        optD.step()
        if step < args.d_warmup:  # discriminator warm-up: a fresh D against a warm-started G, G unchanged
            step += 1
            ld = float(loss_d.detach())
            stats["loss_d"] = 0.9 * stats.get("loss_d", ld) + 0.1 * ld
            if step % args.log_every == 0:
                _log(out, {"step": step, "d_warmup": True, "sec": round(time.time() - t0, 1), **stats})
            continue
        # --- generator
        z = torch.randn(args.batch, Z_DIM)
        fake = G(z)
        loss_g = g_hinge_loss(D(fake))
        if args.mode_seek > 0 and args.batch >= 2:  # MSGAN mode-seeking term against mode collapse
            ms = mode_seeking(fake, z, args.batch // 2)
            loss_g = loss_g + args.mode_seek * 0.1 * ms
            stats["ms"] = float(ms.detach())
        optG.zero_grad(set_to_none=True)
        loss_g.backward()
        if args.warmup_steps > 0:  # ramp G's learning rate up (fresh Adam state on warm-started weights)
            for grp in optG.param_groups:
                grp["lr"] = args.lr * min(1.0, (step + 1 - args.d_warmup) / args.warmup_steps)
        optG.step()
        step += 1
        # a warm-started EMA is already a good generator: average at the full decay from the start
        warm = bool(args.grow_from or args.init_onnx_dir)
        decay = args.ema if warm else min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, p in zip(G_ema.parameters(), G.parameters()):
                pe.lerp_(p, 1 - decay)
        for k, v in (
            ("loss_d", float(loss_d.detach())),
            ("loss_g", float(loss_g.detach())),
            ("d_real", float(d_real.detach().mean())),
            ("d_fake", float(d_fake.detach().mean())),
        ):
            stats[k] = 0.9 * stats.get(k, v) + 0.1 * v
        if step % args.log_every == 0 or time.time() - last_log > 120:
            last_log = time.time()
            _log(
                out,
                {
                    "step": step,
                    "sec": round(time.time() - t0, 1),
                    "sec_per_step": round((time.time() - t0) / max(1, step - start_step), 3),
                    **{k: round(v, 4) for k, v in stats.items()},
                },
            )
        if step % args.ckpt_every == 0 or step == args.steps:
            _checkpoint(ckpt_path, args, G, D, G_ema, optG, optD, step)
            _sample_sheet(G_ema, fixed_z, out / "samples.png")
    _checkpoint(ckpt_path, args, G, D, G_ema, optG, optD, step)
    _sample_sheet(G_ema, fixed_z, out / "samples.png")
    print(f"done at step {step}", flush=True)
    return 0


def _checkpoint(
    path: Path,
    args: argparse.Namespace,
    G: nn.Module,
    D: nn.Module,
    G_ema: nn.Module,
    optG: torch.optim.Optimizer,
    optD: torch.optim.Optimizer,
    step: int,
) -> None:
    _save_atomic(
        {
            "size": args.size,
            "step": step,
            "G": G.state_dict(),
            "D": D.state_dict(),
            "G_ema": G_ema.state_dict(),
            "optG": optG.state_dict(),
            "optD": optD.state_dict(),
            "args": {k: v for k, v in vars(args).items() if k != "func"},
        },
        path,
    )


def _sample_sheet(G: nn.Module, z: torch.Tensor, path: Path) -> None:
    import cv2

    with torch.no_grad():
        x = ((G(z).clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    rows = [np.concatenate(list(x[i : i + 8]), 1) for i in range(0, len(x), 8)]
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))


def train_segmenter(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    net = Segmenter()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    step0 = 0
    if args.resume and (out / "segmenter.pt").is_file():
        sk = torch.load(out / "segmenter.pt", map_location="cpu", weights_only=False)
        net.load_state_dict(sk["state"])
        if "opt" in sk:
            opt.load_state_dict(sk["opt"])
        step0 = int(sk.get("metrics", {}).get("steps", 0))
        print(f"resumed segmenter at step {step0}", flush=True)
    data = SceneStream(args.size, args.seed + 7777 + step0)
    t0 = time.time()
    step, acc_ema, loss_ema = step0, 0.0, 0.0
    while step < args.steps and time.time() - t0 < args.minutes * 60:
        x, y = data.batch(args.batch)
        x = (x + 1) / 2
        if step % 2 == 1:  # blur some inputs: generated images are softer than the renders
            x = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1)
        logits = net(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        acc = float((logits.argmax(1) == y).float().mean())
        acc_ema = acc if step == step0 + 1 else 0.95 * acc_ema + 0.05 * acc
        loss_ema = (
            float(loss.detach()) if step == step0 + 1 else 0.95 * loss_ema + 0.05 * float(loss.detach())
        )
        if step % 50 == 0:
            print(
                json.dumps(
                    {
                        "seg_step": step,
                        "loss": round(loss_ema, 4),
                        "pixel_acc": round(acc_ema, 4),
                        "sec": round(time.time() - t0, 1),
                    }
                ),
                flush=True,
            )
    net.eval()
    # held-out pixel accuracy and per-class IoU
    x, y = SceneStream(args.size, 99991).batch(args.eval_scenes)
    with torch.no_grad():
        pred = net((x + 1) / 2).argmax(1)
    ious = {}
    for i, c in enumerate(CONCEPTS):
        inter = int(((pred == i) & (y == i)).sum())
        union = int(((pred == i) | (y == i)).sum())
        if union:
            ious[c] = round(inter / union, 4)
    metrics = {"steps": step, "pixel_acc": round(float((pred == y).float().mean()), 4), "iou": ious}
    print(json.dumps(metrics), flush=True)
    _save_atomic(
        {"state": net.state_dict(), "opt": opt.state_dict(), "metrics": metrics, "size": args.size},
        out / "segmenter.pt",
    )
    (out / "segmenter_metrics.json").write_text(json.dumps(metrics, indent=2))
    return 0
