"""GANPaint generator, discriminator, scene segmenter: training, ONNX export (the [train] extra: torch).

Generator (ProGAN-like, no batch norm, so train and eval behave the same):

    z (128, N(0,1))  --FeatureNet-->  features [N, 256, 8, 8]  (the dissected/edited layer, ReLU >= 0)
                     --ImageNet---->  image [N, 3, S, S] in [-1, 1]  (S = 64 or 128)

FeatureNet: pixel-norm(z) -> linear -> 4x4x256 -> conv 3x3 -> up x2 -> conv 3x3 -> pixel-norm -> ReLU.
ImageNet: conv stages 8 -> 16 -> 32 -> 64 (-> 128, 32 channels wide), nearest upsampling,
leaky ReLU + pixel-norm, tanh RGB.
Discriminator: spectrally normalised strided convs 64 -> 4 with a minibatch-stddev feature, hinge loss,
lazy R1 on real images (gamma 0.05 every 8 steps); the generator also gets the MSGAN mode-seeking term
(Mao et al. 2019: mean|z1-z2| / mean|G(z1)-G(z2)|, weight 0.1).
(A first run without spectral norm / minibatch stddev
collapsed to a single image within 300 steps.)
An exponential moving average of the generator's weights is what gets exported.

Commands:
    python -m paintgan.training.ganpaint train --out runs/ganpaint [--steps N] [--resume] [--size 64|128]
        [--threads 1] [--batch 16] [--init-onnx-dir models/ganpaint] [--warmup-steps N]
    python -m paintgan.training.ganpaint train --size 128 --grow-from runs/ganpaint/ckpt.pt \
        --out runs/ganpaint128 [--warmup-steps 100]
        (--grow-from also takes a 64 ONNX model dir; the grown generator starts as the 64 one upsampled)
    python -m paintgan.training.ganpaint train-segmenter --out runs/ganpaint [--minutes 4] [--size 64]
    python -m paintgan.training.ganpaint export --run runs/ganpaint --model-dir models/ganpaint
        [--name ganpaint]

Export writes the two generator graphs `z_to_features.onnx` and `features_to_image.onnx` (batch dim
"N" dynamic), `segmenter.onnx` (image [1,3,H,W] in [0,1] -> logits [1,C,H,W]) and manifest.json, each
parity-checked against torch.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paintgan.training.scenes import CONCEPTS, SceneRenderer

Z_DIM = 128
FEAT_CH = 256
FEAT_RES = 8


class PixelNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2), PixelNorm()]


class FeatureNet(nn.Module):
    """z [N, 128] -> features [N, 256, 8, 8] (non-negative)."""

    def __init__(self, z_dim: int = Z_DIM, feat_ch: int = FEAT_CH) -> None:
        super().__init__()
        self.z_dim, self.feat_ch = z_dim, feat_ch
        self.fc = nn.Linear(z_dim, feat_ch * 16)
        self.conv4 = nn.Conv2d(feat_ch, feat_ch, 3, padding=1)
        self.conv8 = nn.Conv2d(feat_ch, feat_ch, 3, padding=1)
        self.norm = PixelNorm()

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = self.norm(z.reshape(z.shape[0], self.z_dim, 1, 1)).reshape(z.shape[0], self.z_dim)
        x = self.norm(F.leaky_relu(self.fc(z).reshape(-1, self.feat_ch, 4, 4), 0.2))
        x = self.norm(F.leaky_relu(self.conv4(x), 0.2))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        return F.relu(self.norm(self.conv8(x)))


def _image_channels(size: int) -> list[int]:
    # The 128 stage is 32 wide: twice the 16 channels before it, so a grown generator can start out
    # as exactly the 64 generator upsampled (see grow_generator: each channel as the pair x, -x).
    return [128, 64, 32, 16] + ([32] if size >= 128 else [])


class ImageNet(nn.Module):
    """features [N, 256, 8, 8] -> image [N, 3, S, S] in [-1, 1]."""

    def __init__(self, size: int = 64, feat_ch: int = FEAT_CH) -> None:
        super().__init__()
        if size not in (64, 128):
            raise ValueError("size must be 64 or 128")
        chans = _image_channels(size)
        layers: list[nn.Module] = _block(feat_ch, chans[0])
        for cin, cout in itertools.pairwise(chans):
            layers += [nn.Upsample(scale_factor=2.0, mode="nearest"), *_block(cin, cout)]
        self.body = nn.Sequential(*layers)
        self.to_rgb = nn.Conv2d(chans[-1], 3, 1)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.to_rgb(self.body(f)))


class Generator(nn.Module):
    def __init__(self, size: int = 64) -> None:
        super().__init__()
        self.size = size
        self.features = FeatureNet()
        self.image = ImageNet(size)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.image(self.features(z))


class Discriminator(nn.Module):
    """Strided convs with spectral norm, a minibatch-stddev feature (against mode collapse), linear."""

    def __init__(self, size: int = 64) -> None:
        super().__init__()
        sn = nn.utils.spectral_norm
        chans = [32, 64, 128, 256] if size == 64 else [16, 32, 64, 128, 256]
        layers: list[nn.Module] = [sn(nn.Conv2d(3, chans[0], 3, padding=1)), nn.LeakyReLU(0.2)]
        for cin, cout in zip([chans[0], *chans[:-1]], chans):
            layers += [sn(nn.Conv2d(cin, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.final = sn(nn.Conv2d(chans[-1] + 1, chans[-1], 3, padding=1))
        self.fc = sn(nn.Linear(chans[-1] * 16, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        n = h.shape[0]
        g = min(4, n)
        if n % g:
            g = 1
        y = h.reshape(g, -1, *h.shape[1:])
        std = torch.sqrt(y.var(0, unbiased=False) + 1e-8).mean(dim=(1, 2, 3))  # [n/g]
        std = std.reshape(-1, 1, 1, 1).repeat(g, 1, h.shape[2], h.shape[3])
        h = F.leaky_relu(self.final(torch.cat([h, std], 1)), 0.2)
        return self.fc(h.flatten(1)).squeeze(1)


class Segmenter(nn.Module):
    """A small U-Net: image [N,3,H,W] in [0,1] (H, W multiples of 8) -> logits [N, C, H, W]."""

    def __init__(self, classes: int = len(CONCEPTS), ch: int = 24) -> None:
        super().__init__()

        def cbr(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU())

        self.e1 = nn.Sequential(cbr(3, ch), cbr(ch, ch))
        self.e2 = nn.Sequential(cbr(ch, 2 * ch, 2), cbr(2 * ch, 2 * ch))
        self.e3 = nn.Sequential(cbr(2 * ch, 4 * ch, 2), cbr(4 * ch, 4 * ch))
        self.e4 = nn.Sequential(cbr(4 * ch, 4 * ch, 2), cbr(4 * ch, 4 * ch))
        self.d3 = cbr(8 * ch, 4 * ch)
        self.d2 = cbr(6 * ch, 2 * ch)
        self.d1 = cbr(3 * ch, ch)
        self.out = nn.Conv2d(ch, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - 0.5) / 0.25
        e1 = self.e1(x)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        e4 = self.e4(e3)
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="nearest")  # noqa: E731
        d3 = self.d3(torch.cat([up(e4), e3], 1))
        d2 = self.d2(torch.cat([up(d3), e2], 1))
        d1 = self.d1(torch.cat([up(d2), e1], 1))
        return self.out(d1)


# ----------------------------------------------------------------------------------------------- data


class SceneStream:
    """Endless batches of rendered scenes: images as float tensors in [-1, 1] and label tensors."""

    def __init__(self, size: int, seed: int) -> None:
        self.renderer = SceneRenderer(size)
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        imgs, labs = self.renderer.batch(self.rng, n)
        x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        return x, torch.from_numpy(labs.astype(np.int64))


# ----------------------------------------------------------------------------------------------- warm start


def load_onnx_init(g: Generator, onnx_dir: str | os.PathLike[str]) -> int:
    """Copy the weights of shipped ONNX graphs into `g` (matched by name, then by shape in order).
    Returns the number of tensors copied."""
    import onnx
    from onnx import numpy_helper

    copied = 0
    for fname, module in (("z_to_features.onnx", g.features), ("features_to_image.onnx", g.image)):
        path = Path(onnx_dir) / fname
        if not path.is_file():
            continue
        inits = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
        sd = module.state_dict()
        used: set[str] = set()
        todo = []
        for k, v in sd.items():
            if k in inits and tuple(inits[k].shape) == tuple(v.shape):
                sd[k] = torch.from_numpy(inits[k].copy())
                used.add(k)
                copied += 1
            else:
                todo.append(k)
        rest = [n for n in inits if n not in used]
        for k in todo:
            for n in rest:
                arr = inits[n]
                if tuple(arr.shape) == tuple(sd[k].shape):
                    sd[k] = torch.from_numpy(arr.copy())
                elif arr.ndim == 2 and tuple(arr.T.shape) == tuple(sd[k].shape):  # MatMul-stored linear
                    sd[k] = torch.from_numpy(arr.T.copy())
                else:
                    continue
                rest.remove(n)
                copied += 1
                break
        module.load_state_dict(sd)
    return copied


def grow_generator(g: Generator, src: Generator) -> int:
    """Warm start a 128 generator `g` from a 64 generator `src`: copy the FeatureNet and the shared
    ImageNet body (8 -> 64), and set the extra 128 block so that `g(z)` equals the nearest-neighbour
    upsampling of `src(z)` at init: the 16 -> 32 conv maps channel i to the pair (x_i, -x_i) (3x3 kernel,
    centre tap only), and to_rgb reads c * (lrelu(x_i) - lrelu(-x_i)) = 1.2 c x_i, where c undoes the
    pixel-norm's constant rescaling (input channels are unit mean square, so the 32 pair channels have
    mean square (1 + 0.2^2) / 2 = 0.52). The feature layer (256 x 8 x 8) is unchanged.
    Returns the number of tensors copied from `src`."""
    if src.size != 64 or g.size != 128:
        raise ValueError("grow_generator grows a 64 generator into a 128 one")
    g.features.load_state_dict(src.features.state_dict())
    sd = g.image.state_dict()
    copied = len(src.features.state_dict())
    for k, v in src.image.body.state_dict().items():
        key = f"body.{k}"
        if key not in sd or sd[key].shape != v.shape:
            raise ValueError(f"unexpected layer {key} in the 64 generator")
        sd[key] = v.clone()
        copied += 1
    last = max(int(k.split(".")[1]) for k in sd if k.startswith("body."))  # the new 16 -> 32 conv
    c_in = src.image.to_rgb.weight.shape[1]
    w = torch.zeros_like(sd[f"body.{last}.weight"])
    for i in range(c_in):
        w[2 * i, i, 1, 1] = 1.0
        w[2 * i + 1, i, 1, 1] = -1.0
    sd[f"body.{last}.weight"] = w
    sd[f"body.{last}.bias"] = torch.zeros_like(sd[f"body.{last}.bias"])
    slope = 0.2
    c = float(np.sqrt((1 + slope * slope) / 2)) / (1 + slope)
    w_rgb = src.image.to_rgb.weight.detach()  # [3, 16, 1, 1]
    new_rgb = torch.zeros_like(sd["to_rgb.weight"])
    new_rgb[:, 0::2] = c * w_rgb
    new_rgb[:, 1::2] = -c * w_rgb
    sd["to_rgb.weight"] = new_rgb
    sd["to_rgb.bias"] = src.image.to_rgb.bias.detach().clone()
    g.image.load_state_dict(sd)
    return copied


def load_grow_source(path: str | os.PathLike[str]) -> Generator:
    """The 64 generator to grow from: a training checkpoint (its EMA weights) or a shipped ONNX dir."""
    path = Path(path)
    src = Generator(64)
    if path.is_dir():
        n = load_onnx_init(src, path)
        if n != len(src.state_dict()):
            raise SystemExit(f"{path}: only {n} of {len(src.state_dict())} tensors matched a 64 generator")
        return src
    ck = torch.load(path, map_location="cpu", weights_only=False)
    if ck["size"] != 64:
        raise SystemExit(f"{path} is a size {ck['size']} checkpoint; --grow-from needs a 64 one")
    src.load_state_dict(ck["G_ema"])
    return src


# ----------------------------------------------------------------------------------------------- training


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
        r1_now = args.r1 > 0 and step % 8 == 0
        real.requires_grad_(r1_now)
        d_real, d_fake = D(real), D(fake)
        loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        if r1_now:
            (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
            r1 = grad.pow(2).flatten(1).sum(1).mean()
            loss_d = loss_d + args.r1 * 0.5 * 8 * r1
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
        loss_g = -D(fake).mean()
        if args.mode_seek > 0 and args.batch >= 2:  # MSGAN mode-seeking term against mode collapse
            h = args.batch // 2
            dimg = (fake[:h] - fake[h : 2 * h]).abs().mean(dim=(1, 2, 3))
            dz = (z[:h] - z[h : 2 * h]).abs().mean(dim=1)
            ms = (dz / (dimg + 1e-5)).mean()
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


# ----------------------------------------------------------------------------------------------- export


def export_generator(G: Generator, model_dir: str | os.PathLike[str], atol: float = 1e-4) -> dict[str, float]:
    """Write z_to_features.onnx and features_to_image.onnx; parity-check both halves and the chain."""
    from paintgan.training.export import check_parity, export_onnx

    model_dir = Path(model_dir)
    G = G.eval()
    z = torch.randn(2, Z_DIM)
    export_onnx(
        G.features,
        {"z": z},
        model_dir / "z_to_features.onnx",
        output_names=["features"],
        dynamic_axes={"z": {0: "N"}, "features": {0: "N"}},
    )
    with torch.no_grad():
        f = G.features(z)
    export_onnx(
        G.image,
        {"features": f},
        model_dir / "features_to_image.onnx",
        output_names=["image"],
        dynamic_axes={"features": {0: "N"}, "image": {0: "N"}},
    )
    z3 = torch.randn(3, Z_DIM)
    with torch.no_grad():
        f3 = G.features(z3)
    p1 = check_parity(G.features, model_dir / "z_to_features.onnx", {"z": z3}, atol=atol)
    p2 = check_parity(G.image, model_dir / "features_to_image.onnx", {"features": f3}, atol=atol)
    return {"z_to_features": p1, "features_to_image": p2}


def export_segmenter(
    net: Segmenter, model_dir: str | os.PathLike[str], size: int, atol: float = 1e-3
) -> float:
    from paintgan.training.export import check_parity, export_onnx

    net = net.eval()
    path = Path(model_dir) / "segmenter.onnx"
    export_onnx(
        net,
        {"image": torch.rand(1, 3, size, size)},
        path,
        output_names=["logits"],
        dynamic_axes={"image": {0: "N", 2: "H", 3: "W"}, "logits": {0: "N", 2: "H", 3: "W"}},
    )
    return check_parity(net, path, {"image": torch.rand(2, 3, size, size)}, atol=atol)


def preprocessing_info(size: int) -> dict[str, Any]:
    return {
        "z_dim": Z_DIM,
        "z_rule": "z = np.random.default_rng(seed).standard_normal(128).astype(np.float32)",
        "image_range": [-1.0, 1.0],
        "image_size": size,
        "feature_shape": [FEAT_CH, FEAT_RES, FEAT_RES],
        "feature_layer": "FeatureNet output (8x8 after ReLU), the 'layer4' of GAN dissection",
        "segmenter_input": "RGB in [0,1], NCHW; output logits over segmenter_classes",
        "segmenter_classes": list(CONCEPTS),
    }


def write_model_manifest(
    model_dir: str | os.PathLike[str],
    name: str,
    size: int,
    evaluation: dict[str, Any] | None = None,
    version: str = "0.1.0",
    training_command: str | None = None,
) -> Path:
    from paintgan.training.export import write_manifest

    model_dir = Path(model_dir)
    files: list[dict[str, str]] = [
        {"path": "z_to_features.onnx", "role": "z_to_features"},
        {"path": "features_to_image.onnx", "role": "features_to_image"},
    ]
    if (model_dir / "segmenter.onnx").is_file():
        files.append({"path": "segmenter.onnx", "role": "segmenter"})
    path = write_manifest(
        model_dir,
        name,
        "ganpaint",
        version,
        files,
        description=f"GANPaint scene generator {size}x{size} (z -> 256x8x8 features -> image) with a scene "
        "segmenter for dissection",
        preprocessing=preprocessing_info(size),
        license="MIT (weights); training data rendered from public-domain openclipart-png clip art",
        data_source="procedural landscape/town scenes (paintgan.training.scenes) built from Debian "
        "openclipart-png (public domain)",
        training_command=training_command
        or "python -m paintgan.training.ganpaint train --out runs/ganpaint "
        f"--size {size} --threads 1; "
        "python -m paintgan.training.ganpaint train-segmenter --out runs/ganpaint; "
        "python -m paintgan.training.ganpaint export --run runs/ganpaint --model-dir models/ganpaint; "
        "paintgan dissect --model ganpaint --samples 1000",
        evaluation=evaluation or {},
        standard_inputs={"N": 1, "H": size, "W": size},
    )
    # The exporter names the feature grid's dims oddly (e.g. ['N', 256, 'N', 'Relu..._dim_3']); the grid
    # is fixed by the architecture, so declare it exactly.
    manifest = json.loads(path.read_text())
    for entry in manifest["files"]:
        if entry["role"] == "z_to_features":
            entry["outputs"][0]["shape"] = ["N", FEAT_CH, FEAT_RES, FEAT_RES]
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path


def training_scene_stats(net: Segmenter, size: int, n: int = 200) -> dict[str, Any]:
    """Concept pixel shares of rendered training scenes: ground truth and as the segmenter sees them."""
    x, y = SceneStream(size, 424242).batch(n)
    with torch.no_grad():
        pred = torch.cat([net.eval()((x[i : i + 32] + 1) / 2).argmax(1) for i in range(0, n, 32)])
    return {
        "scenes": n,
        "label_frequencies": {c: round(float((y == i).float().mean()), 4) for i, c in enumerate(CONCEPTS)},
        "segmenter_frequencies": {
            c: round(float((pred == i).float().mean()), 4) for i, c in enumerate(CONCEPTS)
        },
        "segmenter_pixel_acc": round(float((pred == y).float().mean()), 4),
    }


def export(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    run = Path(args.run)
    model_dir = Path(args.model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    ck = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    G = Generator(ck["size"])
    G.load_state_dict(ck["G_ema"])
    parity = export_generator(G, model_dir)
    evaluation: dict[str, Any] = {"generator_steps": ck["step"], "onnx_parity_max_abs": parity}
    if (run / "segmenter.pt").is_file():
        sk = torch.load(run / "segmenter.pt", map_location="cpu", weights_only=False)
        net = Segmenter()
        net.load_state_dict(sk["state"])
        evaluation["segmenter_parity_max_abs"] = export_segmenter(net, model_dir, sk.get("size", ck["size"]))
        evaluation["segmenter_on_renders"] = sk.get("metrics", {})
        evaluation["training_scenes"] = training_scene_stats(net, ck["size"], args.stat_scenes)
    write_model_manifest(model_dir, args.name, ck["size"], evaluation)
    print(json.dumps(evaluation, indent=2))
    return 0


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
