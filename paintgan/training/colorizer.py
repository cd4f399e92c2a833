"""Interactive colorization network (line art or grayscale + sparse colour hints), training and export.

    python -m paintgan.training.colorizer train --data /work/data/openclipart --out runs/colorize \
        [--steps N] [--batch B] [--size S] [--resume] [--init-onnx models/colorize/model.onnx] [--threads 1] \
        [--p-region-hints 0.5 --region-loss 1.0]  # reference protocol: region hints + per-region flat loss
    python -m paintgan.training.colorizer export --ckpt runs/colorize/last.pt --out models/colorize

One network serves both modes (``mode`` input: 0 = grayscale, 1 = line art).  Inputs (ONNX names):
``image`` (1, 1, H, W) L/100 or line art (1 = paper), ``hint`` (1, 3, H, W) normalised Lab of hinted
colours, ``mask`` (1, 1, H, W), ``mode`` (1, 1), ``palette`` (1, Q) ab-bin histogram (zeros = none).
Outputs: ``color`` (1, 3, H, W) normalised Lab (L/100, a/110, b/110; in gray mode the engine keeps the
input L) and ``dist`` (1, Q, H/4, W/4) logits over the in-gamut ab bins (suggested colours).
H and W must be multiples of 16.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paintgan.inference.colorize.color import num_ab_bins

DEFAULT_WIDTHS = (16, 24, 48, 96, 160)
INPUT_NAMES = ["image", "hint", "mask", "mode", "palette"]
OUTPUT_NAMES = ["color", "dist"]


def conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation), nn.ReLU(inplace=True)
    )


class Up(nn.Module):
    """Bilinear x2, 1x1 projection, add the skip, 3x3 conv."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cin, cout, 1)
        self.conv = conv(cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        return self.conv(F.relu(self.proj(x) + skip))


class ColorizeNet(nn.Module):
    def __init__(self, widths: tuple[int, ...] = DEFAULT_WIDTHS, num_bins: int | None = None) -> None:
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        q = num_bins or num_ab_bins()
        self.widths = tuple(widths)
        self.num_bins = q
        self.enc0 = conv(6, w0)
        self.enc1 = nn.Sequential(conv(w0, w1, 2), conv(w1, w1))
        self.enc2 = nn.Sequential(conv(w1, w2, 2), conv(w2, w2))
        self.enc3 = nn.Sequential(conv(w2, w3, 2), conv(w3, w3))
        self.enc4 = nn.Sequential(conv(w3, w4, 2), conv(w4, w4, dilation=2))
        self.palette_fc = nn.Sequential(nn.Linear(q, w4), nn.ReLU(inplace=True), nn.Linear(w4, w4))
        self.bott = conv(w4, w4)
        self.up3 = Up(w4, w3)
        self.up2 = Up(w3, w2)
        self.up1 = Up(w2, w1)
        self.up0_proj = nn.Conv2d(w1, w0, 1)
        self.dist_head = nn.Conv2d(w2, q, 1)
        self.out = nn.Conv2d(w0, 3, 3, padding=1)
        with torch.no_grad():  # start near "white paper, no colour"
            self.out.bias.copy_(torch.tensor([0.8, 0.0, 0.0]))
            self.out.weight.mul_(0.1)

    def forward(
        self,
        image: torch.Tensor,
        hint: torch.Tensor,
        mask: torch.Tensor,
        mode: torch.Tensor,
        palette: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        b = image.shape[0]
        mode_map = mode.reshape(b, 1, 1, 1).expand_as(image)
        x = torch.cat([image - 0.5, hint, mask, mode_map], dim=1)
        e0 = self.enc0(x)
        e1 = self.enc1(e0)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        g = self.palette_fc(palette).reshape(b, -1, 1, 1)
        d4 = self.bott(e4 + g)
        d3 = self.up3(d4, e3)
        d2 = self.up2(d3, e2)
        dist = self.dist_head(d2)
        d1 = self.up1(d2, e1)
        d0 = F.interpolate(d1, scale_factor=2.0, mode="bilinear", align_corners=False)
        color = self.out(F.relu(self.up0_proj(d0) + e0))
        return color, dist


# --------------------------------------------------------------------------- utilities
def count_flops(model: nn.Module, h: int = 256, w: int = 256) -> float:
    """Multiply-adds x 2 of convs and linears for one (1, ., h, w) pass."""
    total = [0.0]

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
            total[0] += 2.0 * k * out.numel()
        elif isinstance(m, nn.Linear):
            total[0] += 2.0 * m.in_features * out.numel()

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    with torch.no_grad():
        model(*example_inputs(h, w, getattr(model, "num_bins", num_ab_bins())).values())
    for hd in hs:
        hd.remove()
    return total[0]


def example_inputs(
    h: int = 256, w: int = 256, q: int | None = None, seed: int = 0
) -> dict[str, torch.Tensor]:
    q = q or num_ab_bins()
    g = torch.Generator().manual_seed(seed)
    mask = (torch.rand(1, 1, h, w, generator=g) > 0.99).float()
    return {
        "image": torch.rand(1, 1, h, w, generator=g),
        "hint": (torch.rand(1, 3, h, w, generator=g) - 0.5) * mask,
        "mask": mask,
        "mode": torch.ones(1, 1),
        "palette": torch.zeros(1, q),
    }


def rebalance_weights(prior: np.ndarray, lam: float = 0.5) -> np.ndarray:
    """Zhang et al. 2016 class rebalancing: w ∝ ((1 - λ) p + λ / Q)^-1, normalised so E_p[w] = 1."""
    p = np.asarray(prior, np.float64)
    p = p / max(p.sum(), 1e-12)
    w = 1.0 / ((1 - lam) * p + lam / len(p))
    w /= (p * w).sum()
    return w.astype(np.float32)


def colorize_loss(
    color: torch.Tensor,
    dist: torch.Tensor,
    batch: dict[str, torch.Tensor],
    class_weights: torch.Tensor | None,
    ce_weight: float = 0.05,
    beta: float = 0.02,
    region_weight: float = 0.0,
    hinted_weight: float = 0.2,
    region_beta: float | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Per-pixel smooth-L1 on normalised Lab + ``ce_weight`` x cross-entropy of the ab distribution; with
    ``region_weight`` > 0 and batch ``labels`` (region-hinted line-art samples), plus the per-region flat
    loss of the reference protocol (`region_hints.region_flat_loss`, hinted regions x ``hinted_weight``)."""
    target = batch["target"]
    lineart = batch["mode"].reshape(-1, 1, 1, 1)
    per = F.smooth_l1_loss(color, target, beta=beta, reduction="none")  # (B, 3, H, W)
    # gray mode keeps the input L: only ab matters there
    w = torch.cat([lineart, torch.ones_like(lineart), torch.ones_like(lineart)], dim=1)
    l_color = (per * w).sum() / (w.sum() * per.shape[2] * per.shape[3])
    l_ce = F.cross_entropy(dist, batch["bins"], weight=class_weights)
    loss = l_color + ce_weight * l_ce
    parts = {"color": float(l_color.detach()), "ce": float(l_ce.detach())}
    if region_weight > 0 and "labels" in batch:
        from .region_hints import region_flat_loss

        l_region = region_flat_loss(
            color,
            target,
            batch["labels"],
            batch["region_hinted"],
            hinted_weight,
            beta if region_beta is None else region_beta,
        )
        loss = loss + region_weight * l_region
        parts["region"] = float(l_region.detach())
    return loss, {"loss": float(loss.detach()), **parts}


def psnr_rgb(color: torch.Tensor, batch: dict[str, torch.Tensor]) -> list[float]:
    """Per-sample PSNR (dB) in sRGB [0, 1]; gray-mode predictions get the input L."""
    from paintgan.inference.colorize.color import net_to_rgb

    out = []
    c = color.detach().float().cpu().numpy().copy()
    t = batch["target"].cpu().numpy()
    modes = batch["mode"].cpu().numpy().reshape(-1)
    img = batch["image"].cpu().numpy()
    for i in range(len(c)):
        if modes[i] < 0.5:
            c[i, 0] = img[i, 0]
        a = net_to_rgb(c[i].transpose(1, 2, 0))
        b = net_to_rgb(t[i].transpose(1, 2, 0))
        mse = float(((a - b) ** 2).mean())
        out.append(10 * math.log10(1.0 / max(mse, 1e-10)))
    return out


def load_onnx_init(model: nn.Module, onnx_path: str | os.PathLike) -> int:
    """Copy ONNX initializers into the state dict: by name where names match, else by order and shape."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(onnx_path))
    inits = [(t.name, numpy_helper.to_array(t)) for t in m.graph.initializer]
    sd = model.state_dict()
    used: set[int] = set()
    new = {}
    byname = {n: i for i, (n, _) in enumerate(inits)}
    for k, v in sd.items():
        i = byname.get(k)
        if i is not None and tuple(inits[i][1].shape) == tuple(v.shape):
            new[k] = torch.from_numpy(inits[i][1].copy())
            used.add(i)
    # order/shape fallback for the rest (params only, float)
    j = 0
    for k, v in sd.items():
        if k in new:
            continue
        while j < len(inits) and (j in used or tuple(inits[j][1].shape) != tuple(v.shape)):
            j += 1
        if j >= len(inits):
            break
        new[k] = torch.from_numpy(inits[j][1].copy())
        used.add(j)
        j += 1
    sd.update(new)
    model.load_state_dict(sd)
    return len(new)


def _save_atomic(obj: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- training
def train(a: argparse.Namespace) -> dict:
    from .data import ColorizeDataset, collate

    torch.set_num_threads(a.threads)
    import cv2

    cv2.setNumThreads(max(1, a.threads if a.workers == 0 else 1))

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if a.device == "auto":
        dev = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    else:
        dev = torch.device(a.device)
    if world > 1:
        import torch.distributed as dist

        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
    main_proc = rank == 0
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(a.seed + rank)

    widths = tuple(int(x) for x in a.widths.split(","))
    model = ColorizeNet(widths).to(dev)
    ema = ColorizeNet(widths).to(dev)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.99), weight_decay=1e-4)
    step = 0
    last = out / "last.pt"
    if a.resume and last.exists():
        ck = torch.load(last, map_location=dev, weights_only=False)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step = int(ck["step"])
        if main_proc:
            print(f"resumed from {last} at step {step}", flush=True)
    elif a.init_onnx:
        n = load_onnx_init(model, a.init_onnx)
        ema.load_state_dict(model.state_dict())
        if main_proc:
            print(f"initialised {n} tensors from {a.init_onnx}", flush=True)

    prior_path = Path(a.data) / "ab_prior.npy"
    cw = None
    if prior_path.exists():
        cw = torch.from_numpy(rebalance_weights(np.load(prior_path))).to(dev)

    ds = ColorizeDataset(
        a.data,
        "train",
        size=a.size,
        p_lineart=a.p_lineart,
        seed=a.seed * 1000 + rank + 7919 * step,
        p_region_hints=a.p_region_hints,
        region_labels_all=a.region_all,
    )
    val = ColorizeDataset(a.data, "val", size=a.val_size, p_lineart=0.5, fixed=True, seed=12345)
    n_val = min(len(val), a.val_samples)
    # the reference protocol's inputs on the same val images: every sample line art with region hints
    val_region = None
    if a.p_region_hints > 0:
        val_region = ColorizeDataset(
            a.data, "val", size=a.val_size, p_lineart=1.0, fixed=True, seed=12345, p_region_hints=1.0
        )

    def worker_init(_wid: int) -> None:
        info = torch.utils.data.get_worker_info()
        info.dataset._rng = np.random.default_rng(torch.initial_seed() % 2**32)

    sampler = torch.utils.data.RandomSampler(ds, replacement=True, num_samples=10**8)
    loader = torch.utils.data.DataLoader(
        ds,
        batch_size=a.batch,
        sampler=sampler,
        num_workers=a.workers,
        collate_fn=collate,
        worker_init_fn=worker_init if a.workers > 0 else None,
        persistent_workers=a.workers > 0,
        drop_last=True,
    )
    net = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(
            model, device_ids=[local_rank] if dev.type == "cuda" else None
        )

    def lr_at(s: int) -> float:
        if s < a.warmup:
            return a.lr * (s + 1) / a.warmup
        t = min(1.0, (s - a.warmup) / max(1, a.steps - a.warmup))
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    def save() -> None:
        if main_proc:
            _save_atomic(
                {
                    "model": model.state_dict(),
                    "ema": ema.state_dict(),
                    "opt": opt.state_dict(),
                    "step": step,
                    "widths": list(widths),
                    "args": vars(a),
                },
                last,
            )

    def validate() -> dict:
        ema.eval()
        ps: dict[str, list[float]] = {"gray": [], "lineart": []}
        with torch.no_grad():
            for i0 in range(0, n_val, 16):
                items = [val[i] for i in range(i0, min(n_val, i0 + 16))]
                b = {k: v.to(dev) for k, v in collate(items).items()}
                color, _ = ema(b["image"], b["hint"], b["mask"], b["mode"], b["palette"])
                for m, p in zip(b["mode"].reshape(-1).tolist(), psnr_rgb(color, b)):
                    ps["lineart" if m > 0.5 else "gray"].append(p)
        res = {k: float(np.mean(v)) for k, v in ps.items() if v}
        res["all"] = float(np.mean(ps["gray"] + ps["lineart"]))
        if val_region is not None:  # PSNR and flat loss with region hints (not part of "all")
            from .region_hints import region_flat_loss

            pr, lr = [], []
            with torch.no_grad():
                for i0 in range(0, n_val, 16):
                    items = [val_region[i] for i in range(i0, min(n_val, i0 + 16))]
                    b = {k: v.to(dev) for k, v in collate(items).items()}
                    color, _ = ema(b["image"], b["hint"], b["mask"], b["mode"], b["palette"])
                    pr += psnr_rgb(color, b)
                    lr.append(float(region_flat_loss(color, b["target"], b["labels"], b["region_hinted"])))
            res["lineart_region"] = float(np.mean(pr))
            res["region_loss"] = float(np.mean(lr))
        return res

    logf = open(out / "log.jsonl", "a") if main_proc else None  # noqa: SIM115
    t_ckpt = time.time()
    t0 = time.time()
    acc: dict[str, float] = {}
    nacc = 0
    it = iter(loader)
    model.train()
    stop = {"flag": False}

    def on_term(signum, frame) -> None:  # save a checkpoint and exit cleanly on SIGTERM / SIGINT
        stop["flag"] = True

    import signal

    old_handlers = {sig: signal.signal(sig, on_term) for sig in (signal.SIGTERM, signal.SIGINT)}
    while step < a.steps and not stop["flag"]:
        batch = {k: v.to(dev, non_blocking=True) for k, v in next(it).items()}
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        color, dist_logits = net(
            batch["image"], batch["hint"], batch["mask"], batch["mode"], batch["palette"]
        )
        loss, parts = colorize_loss(
            color,
            dist_logits,
            batch,
            cw,
            ce_weight=a.ce_weight,
            region_weight=a.region_loss,
            hinted_weight=a.region_hinted_weight,
            region_beta=a.region_beta,
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        with torch.no_grad():
            d = min(a.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - d)
        for k, v in parts.items():
            acc[k] = acc.get(k, 0.0) + v
        nacc += 1
        if main_proc and (step % a.log_every == 0 or step == a.steps):
            rec = {
                "step": step,
                **{k: v / nacc for k, v in acc.items()},
                "lr": lr_at(step),
                "sec_per_step": (time.time() - t0) / nacc,
                "time": time.time(),
            }
            print(json.dumps(rec), flush=True)
            logf.write(json.dumps(rec) + "\n")
            logf.flush()
            acc, nacc, t0 = {}, 0, time.time()
        if main_proc and (step % a.val_every == 0 or step == a.steps) and n_val:
            rec = {"step": step, "val_psnr": validate(), "time": time.time()}
            print(json.dumps(rec), flush=True)
            logf.write(json.dumps(rec) + "\n")
            logf.flush()
            t0 = time.time()
        if time.time() - t_ckpt > a.ckpt_minutes * 60 or step == a.steps:
            save()
            t_ckpt = time.time()
    save()
    for sig, h in old_handlers.items():
        signal.signal(sig, h)
    if logf:
        logf.close()
    if world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    return {"step": step}


# --------------------------------------------------------------------------- export
def export(a: argparse.Namespace) -> dict:
    torch.set_num_threads(a.threads)
    ck = torch.load(a.ckpt, map_location="cpu", weights_only=False)
    widths = tuple(ck.get("widths", DEFAULT_WIDTHS))
    model = ColorizeNet(widths)
    model.load_state_dict(ck["ema" if not a.raw else "model"])
    model.eval()
    from .colorize_export import export_colorizer

    evaluation = json.loads(a.evaluation) if a.evaluation else {}
    kw = {"step": int(ck.get("step", 0)), "train_args": ck.get("args", {}), "version": a.version}
    res = export_colorizer(model, Path(a.out), evaluation=evaluation, **kw)
    if a.eval_data:  # evaluate the exported graph, then store the numbers in the manifest
        evaluation = {**evaluation, "openclipart_val": evaluate_onnx(res["onnx"], a.eval_data, 256)}
        res = export_colorizer(model, Path(a.out), evaluation=evaluation, **kw)
        res["evaluation"] = evaluation
    return res


def evaluate_onnx(
    onnx_path: str | os.PathLike, data: str | os.PathLike, size: int = 256, limit: int = 0
) -> dict:
    """Val-set PSNR (sRGB, dB) of an exported model, per mode, with simulated hints (fixed seeds), next to
    the trivial baseline "keep L, ab = 0" for gray mode.  Runs ONNX Runtime on one CPU thread."""
    import onnxruntime as ort

    from .data import ColorizeDataset

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    ds = ColorizeDataset(data, "val", size=size, p_lineart=0.5, fixed=True, seed=4242)
    n = len(ds) if not limit else min(limit, len(ds))
    res: dict[str, list[float]] = {"gray": [], "lineart": [], "gray_baseline_ab0": []}
    t_run = 0.0
    for i in range(n):
        it = ds[i]
        feed = {k: it[k][None] for k in INPUT_NAMES}
        t = time.perf_counter()
        color, _ = sess.run(OUTPUT_NAMES, feed)
        t_run += time.perf_counter() - t
        b = {k: torch.from_numpy(it[k][None]) for k in ("target", "mode", "image")}
        p = psnr_rgb(torch.from_numpy(color), b)[0]
        if it["mode"][0] > 0.5:
            res["lineart"].append(p)
        else:
            res["gray"].append(p)
            res["gray_baseline_ab0"].append(psnr_rgb(torch.zeros_like(torch.from_numpy(color)), b)[0])
    out = {f"val_psnr_{k}": round(float(np.mean(v)), 2) for k, v in res.items() if v}
    out.update({"val_images": n, "size": size, "ms_per_pass_1thread": round(1000 * t_run / max(n, 1), 1)})
    return out


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m paintgan.training.colorizer")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True)
    t.add_argument("--out", default="runs/colorize")
    t.add_argument("--steps", type=int, default=20000)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--size", type=int, default=160)
    t.add_argument("--val-size", type=int, default=160)
    t.add_argument("--val-samples", type=int, default=64)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--warmup", type=int, default=200)
    t.add_argument("--ema", type=float, default=0.998)
    t.add_argument("--ce-weight", type=float, default=0.05)
    t.add_argument("--p-lineart", type=float, default=0.5)
    t.add_argument(
        "--p-region-hints",
        type=float,
        default=0.0,
        help="share of line-art samples hinted as the reference protocol (one hint in 50-97%% of regions)",
    )
    t.add_argument(
        "--region-loss",
        type=float,
        default=0.0,
        help="weight of the per-region flat loss (region-hinted samples)",
    )
    t.add_argument(
        "--region-hinted-weight", type=float, default=0.2, help="region loss weight of hinted regions"
    )
    t.add_argument(
        "--region-all",
        action="store_true",
        help="region labels on every line-art sample: the flat loss also trains unhinted regions of "
        "samples with Zhang-style hints or none",
    )
    t.add_argument(
        "--region-beta",
        type=float,
        default=None,
        help="smooth-L1 beta of the region loss (default: the pixel loss's 0.02; large = squared error, "
        "what PSNR measures)",
    )
    t.add_argument("--widths", default=",".join(map(str, DEFAULT_WIDTHS)))
    t.add_argument("--resume", action="store_true")
    t.add_argument("--init-onnx", default=None)
    t.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2)))
    t.add_argument("--workers", type=int, default=0)
    t.add_argument("--device", default="auto")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--log-every", type=int, default=25)
    t.add_argument("--val-every", type=int, default=250)
    t.add_argument("--ckpt-minutes", type=float, default=5.0)
    e = sub.add_parser("export")
    e.add_argument("--ckpt", required=True)
    e.add_argument("--out", default="models/colorize")
    e.add_argument("--version", default="1.0.0")
    e.add_argument("--raw", action="store_true", help="export the raw weights instead of the EMA")
    e.add_argument("--evaluation", default=None, help="JSON object stored as manifest 'evaluation'")
    e.add_argument("--eval-data", default=None, help="prepared data dir: add val PSNR to the manifest")
    e.add_argument("--threads", type=int, default=1)
    v = sub.add_parser("eval", help="val-set PSNR of an exported ONNX model")
    v.add_argument("--onnx", default="models/colorize/model.onnx")
    v.add_argument("--data", required=True)
    v.add_argument("--size", type=int, default=256)
    v.add_argument("--limit", type=int, default=0)
    f = sub.add_parser("flops")
    f.add_argument("--widths", default=",".join(map(str, DEFAULT_WIDTHS)))
    f.add_argument("--size", type=int, default=256)
    return ap


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    if a.cmd == "train":
        print(json.dumps(train(a)))
    elif a.cmd == "export":
        print(json.dumps(export(a), indent=1))
    elif a.cmd == "eval":
        torch.set_num_threads(1)
        print(json.dumps(evaluate_onnx(a.onnx, a.data, a.size, a.limit)))
    elif a.cmd == "flops":
        m = ColorizeNet(tuple(int(x) for x in a.widths.split(",")))
        n = sum(p.numel() for p in m.parameters())
        print(json.dumps({"params": n, "gflops": count_flops(m, a.size, a.size) / 1e9, "size": a.size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
