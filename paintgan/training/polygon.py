"""Click-to-polygon network (Curve-GCN-like), its training loop and ONNX export.

    python -m paintgan.training.polygon train --data /work/data/polygon/train --val /work/data/polygon/val \
        --out runs/polygon [--steps N] [--batch B] [--resume] [--init-onnx-dir models/polygon] [--device cpu]
    python -m paintgan.training.polygon export --ckpt runs/polygon/best.pt --out models/polygon

Design (after Ling et al. 2019, "Fast Interactive Object Annotation with Curve-GCN"):

* input: a 224x224 crop of the box with 15 % context on every side (`paintgan.inference.segment.geometry`),
  RGB in [0, 1];
* encoder: strided conv blocks (BN + ReLU) to 1/16, a small feature pyramid back to a 56x56x64 map;
* GCN: N = 40 control points start on the ellipse inscribed in the box; 3 iterations each sample the
  feature map bilinearly at every point (`grid_sample`, align_corners=False), add the point position, a
  global context vector and the previous iteration's hidden state, and run a graph convolution over the
  cyclic polygon. On a cycle whose vertices see their +-1, +-2 neighbours, a graph convolution with one
  weight per neighbour offset is exactly a circular 1-D convolution with kernel 5, which is how it is
  written (and exported: a concat for the wrap-around + Conv);
* refine (interactive GCN): given the current points with the user-fixed vertices already moved, and a
  0/1 fixed mask, 2 iterations of the same kind predict offsets for the free vertices only;
* loss: point matching with the best cyclic alignment (min over the N shifts of the mean L1 distance to
  the ground truth resampled uniformly to N points), on every GCN iteration and refine step, plus an
  auxiliary mask loss on the 56x56 feature map (a 1x1 conv, training only).

Three ONNX graphs are exported: `encoder.onnx` (image -> features), `gcn.onnx` (features, points ->
points) and `refine.onnx` (features, points, fixed -> points), so a vertex drag never re-runs the encoder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paintgan.inference.segment import geometry as geo
from paintgan.training.pyramid_encoder import WIDTHS, PyramidEncoder

NUM_POINTS = geo.NUM_POINTS
FEAT_CH = 64
HIDDEN = 128
GCN_ITERS = 3
REFINE_ITERS = 2
MEAN, STD = 0.45, 0.25


# ------------------------------------------------------------------------------------------- network


class Encoder(PyramidEncoder):
    """224x224 RGB in [0, 1] -> (B, 64, 56, 56) features."""

    def __init__(self, widths: Sequence[int] = WIDTHS, feat: int = FEAT_CH) -> None:
        super().__init__(3, widths, feat)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.pyramid((image - MEAN) / STD)[1]


class CircConv(nn.Module):
    """Graph convolution over a cyclic polygon with neighbours +-k//2: a circular 1-D convolution."""

    def __init__(self, cin: int, cout: int, k: int = 5) -> None:
        super().__init__()
        self.pad = k // 2
        self.conv = nn.Conv1d(cin, cout, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.pad
        return self.conv(torch.cat([x[..., -p:], x, x[..., :p]], dim=-1))


class GCNIter(nn.Module):
    """One iteration: per-vertex input (B, cin, N) -> offsets (B, N, 2) and hidden state (B, hidden, N)."""

    def __init__(self, cin: int, hidden: int = HIDDEN, layers: int = 3) -> None:
        super().__init__()
        self.inp = CircConv(cin, hidden)
        self.res = nn.ModuleList(CircConv(hidden, hidden) for _ in range(layers))
        self.out = nn.Conv1d(hidden, 2, 1)
        nn.init.normal_(self.out.weight, std=1e-3)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.relu(self.inp(x))
        for r in self.res:
            h = F.relu(h + r(h))
        return self.out(h).transpose(1, 2), h


def sample_features(features: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Bilinear samples of (B, C, H, W) features at (B, N, 2) unit points -> (B, C, N)."""
    grid = (points * 2.0 - 1.0).unsqueeze(2)
    return F.grid_sample(features, grid, mode="bilinear", padding_mode="zeros", align_corners=False).squeeze(
        3
    )


class GCN(nn.Module):
    """features (B, C, 56, 56), points (B, N, 2) -> list of points after each iteration."""

    def __init__(
        self, feat: int = FEAT_CH, hidden: int = HIDDEN, iters: int = GCN_ITERS, extra: int = 0
    ) -> None:
        super().__init__()
        self.extra = extra
        self.glob = nn.Linear(feat, 32)
        self.iters = nn.ModuleList(
            GCNIter(feat + 2 + 32 + extra + (hidden if i else 0), hidden) for i in range(iters)
        )

    def forward(
        self, features: torch.Tensor, points: torch.Tensor, extra: torch.Tensor | None = None
    ) -> list[torch.Tensor]:
        g = F.relu(self.glob(features.mean(dim=(2, 3))))  # (B, 32)
        out = []
        h: torch.Tensor | None = None
        p = points
        for it in self.iters:
            s = sample_features(features, p)
            n = p.shape[1]
            parts = [s, (p * 2.0 - 1.0).transpose(1, 2), g.unsqueeze(2).expand(-1, -1, n)]
            if extra is not None:
                parts.append(extra)
            if h is not None:
                parts.append(h)
            delta, h = it(torch.cat(parts, dim=1))
            if extra is not None:  # refine: fixed vertices do not move
                delta = delta * (1.0 - extra[:, :1].transpose(1, 2))
            p = p + delta
            out.append(p)
        return out


class PolygonNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = Encoder()
        self.gcn = GCN()
        self.refine = GCN(iters=REFINE_ITERS, extra=1)
        self.mask_head = nn.Conv2d(FEAT_CH, 1, 1)  # auxiliary, training only

    def predict(self, image: torch.Tensor, points: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        f = self.encoder(image)
        return f, self.gcn(f, points)

    def refine_points(
        self, features: torch.Tensor, points: torch.Tensor, fixed: torch.Tensor
    ) -> list[torch.Tensor]:
        return self.refine(features, points, fixed.unsqueeze(1))


class EncoderGraph(nn.Module):
    def __init__(self, net: PolygonNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.net.encoder(image)


class GCNGraph(nn.Module):
    def __init__(self, net: PolygonNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, features: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        return self.net.gcn(features, points)[-1]


class RefineGraph(nn.Module):
    def __init__(self, net: PolygonNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, features: torch.Tensor, points: torch.Tensor, fixed: torch.Tensor) -> torch.Tensor:
        return self.net.refine_points(features, points, fixed)[-1]


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def count_flops(net: PolygonNet) -> dict[str, float]:
    """FLOPs (2 x multiply-adds) of one 224x224 pass of each graph, via torch's flop counter."""
    from torch.utils.flop_counter import FlopCounterMode

    net = net.eval()
    img = torch.rand(1, 3, geo.CROP_SIZE, geo.CROP_SIZE)
    pts = torch.from_numpy(geo.init_points())[None]
    out = {}
    with torch.no_grad():
        with FlopCounterMode(display=False) as fc:
            f = net.encoder(img)
        out["encoder"] = float(fc.get_total_flops())
        with FlopCounterMode(display=False) as fc:
            net.gcn(f, pts)
        out["gcn"] = float(fc.get_total_flops())
        with FlopCounterMode(display=False) as fc:
            net.refine_points(f, pts, torch.zeros(1, NUM_POINTS))
        out["refine"] = float(fc.get_total_flops())
    return out


# ------------------------------------------------------------------------------------------- losses


def shift_index(n: int, device: Any = None) -> torch.Tensor:
    """(n, n) index: row k is the ground truth shifted by k."""
    ar = torch.arange(n, device=device)
    return (ar[None, :] + ar[:, None]) % n


def cyclic_l1(
    pred: torch.Tensor, gt: torch.Tensor, weight: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample min over cyclic shifts of the mean L1 point distance; also returns the best shifts.

    pred, gt: (B, N, 2); weight: optional (B, N) per-vertex weights of pred (e.g. 0 for fixed vertices)."""
    n = pred.shape[1]
    idx = shift_index(n, pred.device)
    g = gt[:, idx]  # (B, n_shift, N, 2)
    d = (pred[:, None] - g).abs().sum(-1)  # (B, S, N)
    if weight is not None:
        d = (d * weight[:, None]).sum(-1) / weight.sum(-1, keepdim=True).clamp_min(1e-6) / 2.0
    else:
        d = d.mean(-1) / 2.0
    best, k = d.min(dim=1)
    return best, k


def aligned_gt(gt: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    n = gt.shape[1]
    idx = (torch.arange(n, device=gt.device)[None, :] + shift[:, None]) % n
    return torch.gather(gt, 1, idx[..., None].expand(-1, -1, 2))


def nearest_on_polyline(points: torch.Tensor, dense: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Distance from each point (B, N, 2) to the closed outline (B, M, 2), and the nearest outline point."""
    a = dense
    b = torch.roll(dense, -1, dims=1)
    ab = b - a  # (B, M, 2)
    ap = points[:, :, None] - a[:, None]  # (B, N, M, 2)
    t = ((ap * ab[:, None]).sum(-1) / (ab * ab).sum(-1)[:, None].clamp_min(1e-12)).clamp(0, 1)
    proj = a[:, None] + t[..., None] * ab[:, None]
    d = (points[:, :, None] - proj).norm(dim=-1)  # (B, N, M)
    dmin, j = d.min(dim=2)
    near = torch.gather(proj, 2, j[..., None, None].expand(-1, -1, 1, 2)).squeeze(2)
    return dmin, near


# ------------------------------------------------------------------------------------------- data


class CropDataset:
    """Pre-generated crops (`polygon_data --format crops`, shards `crops_KKK.npy` + `polys_KKK.npy`):
    random batches with horizontal flips and light colour jitter. `refresh()` picks up shards written
    since (the generator may still be running)."""

    def __init__(self, folder: str | os.PathLike[str], seed: int = 0) -> None:
        self.folder = Path(folder)
        self.rng = np.random.default_rng(seed)
        self.shards: list[tuple[np.ndarray, np.ndarray]] = []
        self._names: list[str] = []
        self.refresh()
        if not self.shards:
            raise FileNotFoundError(f"no crops_*.npy shards in {self.folder}")

    def refresh(self) -> int:
        for c in sorted(self.folder.glob("crops_*.npy")):
            if c.name in self._names:
                continue
            p = c.with_name(c.name.replace("crops_", "polys_"))
            if not p.is_file():
                continue
            crops = np.load(c, mmap_mode="r")
            polys = np.load(p)
            if len(crops) != len(polys):
                continue
            self.shards.append((crops, polys))
            self._names.append(c.name)
        return len(self)

    def __len__(self) -> int:
        return sum(len(p) for _, p in self.shards)

    def _get(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sizes = np.cumsum([0] + [len(p) for _, p in self.shards])
        imgs, polys = [], []
        for i in idx:
            s = int(np.searchsorted(sizes, i, side="right") - 1)
            j = int(i - sizes[s])
            imgs.append(self.shards[s][0][j])
            polys.append(self.shards[s][1][j])
        return np.stack(imgs), np.stack(polys)

    def batch(
        self, size: int, n: int = NUM_POINTS, mask_size: int = 56
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = self.rng
        idx = np.sort(rng.choice(len(self), size, replace=False))
        raw, dense = self._get(idx)
        imgs = raw.astype(np.float32) / 255.0  # (B, H, W, 3)
        dense = dense.astype(np.float32)  # (B, M, 2)
        m = dense.shape[1]
        flip = rng.random(size) < 0.5
        imgs[flip] = imgs[flip, :, ::-1]
        dense[flip, :, 0] = 1.0 - dense[flip, :, 0]
        dense[flip] = dense[flip, ::-1]  # keep clockwise
        gain = rng.uniform(0.8, 1.2, (size, 1, 1, 3)).astype(np.float32)
        imgs = np.clip(imgs * gain + rng.uniform(-0.08, 0.08, (size, 1, 1, 1)).astype(np.float32), 0, 1)
        stride = m // n
        gts = np.stack([dense[b, int(rng.integers(stride)) :: stride][:n] for b in range(size)])
        masks = np.stack([geo.polygon_to_mask(d * mask_size - 0.5, (mask_size, mask_size)) for d in dense])
        return (
            torch.from_numpy(np.ascontiguousarray(imgs.transpose(0, 3, 1, 2))),
            torch.from_numpy(np.ascontiguousarray(gts)),
            torch.from_numpy(np.ascontiguousarray(dense)),
            torch.from_numpy(masks.astype(np.float32))[:, None],
        )


def synthetic_batch(
    size: int, rng: np.random.Generator, n: int = NUM_POINTS, dense_n: int = 160, mask_size: int = 56
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random star-shaped polygons drawn on noise (for tests and smoke runs; no files needed)."""
    s = geo.CROP_SIZE
    imgs, gts, denses, masks = [], [], [], []
    for _ in range(size):
        k = int(rng.integers(5, 10))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(0.6, 1.0, k)
        c = np.array([0.5, 0.5])
        r = 0.5 / (1 + 2 * geo.CONTEXT)
        poly = np.stack([c[0] + r * rad * np.cos(ang), c[1] + r * rad * np.sin(ang)], 1)
        poly = geo.orient_clockwise(poly)
        img = rng.uniform(0.3, 0.7, 3)[None, None] * np.ones((s, s, 3)) + rng.normal(0, 0.05, (s, s, 3))
        m = geo.polygon_to_mask(poly * s - 0.5, (s, s))
        img[m] = rng.uniform(0, 1, 3)
        dense = geo.resample_polygon(poly, dense_n)
        imgs.append(np.clip(img, 0, 1).astype(np.float32).transpose(2, 0, 1))
        denses.append(dense.astype(np.float32))
        gts.append(geo.resample_polygon(poly, n).astype(np.float32))
        masks.append(geo.polygon_to_mask(dense * mask_size - 0.5, (mask_size, mask_size)))
    return (
        torch.from_numpy(np.stack(imgs)),
        torch.from_numpy(np.stack(gts)),
        torch.from_numpy(np.stack(denses)),
        torch.from_numpy(np.stack(masks).astype(np.float32))[:, None],
    )


# ------------------------------------------------------------------------------------------- training


@torch.no_grad()
def simulate_correction(
    pts: torch.Tensor, fixed: torch.Tensor, dense: torch.Tensor, rng: np.random.Generator, pick_random: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """One simulated user correction per sample (the NoC protocol): the free vertex farthest from the
    outline (or, with `pick_random`, a random vertex) is moved onto its nearest outline point and fixed.
    Returns new (points, fixed) tensors."""
    b, n = pts.shape[:2]
    dist, near = nearest_on_polyline(pts, dense)
    if pick_random:
        j = torch.from_numpy(rng.integers(0, n, b)).to(pts.device)
    else:
        j = (dist * (1.0 - fixed)).argmax(dim=1)
    rows = torch.arange(b, device=pts.device)
    pts = pts.clone()
    pts[rows, j] = near[rows, j]
    fixed = fixed.clone()
    fixed[rows, j] = 1.0
    return pts, fixed


def training_losses(
    net: PolygonNet,
    imgs: torch.Tensor,
    gts: torch.Tensor,
    dense: torch.Tensor,
    masks: torch.Tensor,
    rng: np.random.Generator,
    refine_rounds: int = 2,
) -> dict[str, torch.Tensor]:
    """All losses of one batch: GCN point matching (every iteration), aux mask, refine rounds."""
    b = imgs.shape[0]
    init = torch.from_numpy(geo.init_points()).to(imgs.device)[None].expand(b, -1, -1)
    feats, outs = net.predict(imgs, init)
    losses: dict[str, torch.Tensor] = {}
    w = [0.5, 0.75, 1.0]
    losses["gcn"] = sum(wi * cyclic_l1(o, gts)[0].mean() for wi, o in zip(w, outs)) / sum(w)
    logits = net.mask_head(feats)
    losses["mask"] = F.binary_cross_entropy_with_logits(logits, masks)
    # refine: move the worst vertex onto the outline, then the refine head fixes its neighbours
    pts = outs[-1].detach()
    fixed = torch.zeros(b, pts.shape[1], device=imgs.device)
    ref_loss = imgs.new_zeros(())
    for _ in range(refine_rounds):
        pts, fixed = simulate_correction(pts, fixed, dense, rng, pick_random=rng.random() >= 0.7)
        routs = net.refine_points(feats, pts, fixed)
        free = 1.0 - fixed
        ref_loss = ref_loss + sum(cyclic_l1(o, gts, free)[0].mean() for o in routs) / len(routs)
        pts = routs[-1].detach()
    losses["refine"] = ref_loss / refine_rounds
    losses["total"] = losses["gcn"] + losses["refine"] + 0.1 * losses["mask"]
    return losses


def refine_losses(
    net: PolygonNet,
    imgs: torch.Tensor,
    gts: torch.Tensor,
    dense: torch.Tensor,
    rng: np.random.Generator,
    rounds: int = 8,
    grad_rounds: int = 2,
) -> dict[str, torch.Tensor]:
    """Refine-only fine-tuning in the evaluation's regime: the encoder and GCN run without gradients, then
    a random number of simulated corrections (up to `rounds`) is made, as the NoC protocol does (fix the
    vertex farthest from the outline on its nearest outline point, refine), and the loss is taken on the
    last `grad_rounds` refines, so the head learns what to do after many clicks, not only the first two."""
    b = imgs.shape[0]
    init = torch.from_numpy(geo.init_points()).to(imgs.device)[None].expand(b, -1, -1)
    with torch.no_grad():
        feats, outs = net.predict(imgs, init)
    pts = outs[-1]
    fixed = torch.zeros(b, pts.shape[1], device=imgs.device)
    total = int(rng.integers(grad_rounds, rounds + 1))
    loss = imgs.new_zeros(())
    for r in range(total):
        pts, fixed = simulate_correction(pts, fixed, dense, rng, pick_random=rng.random() < 0.15)
        if r < total - grad_rounds:
            with torch.no_grad():
                pts = net.refine_points(feats, pts, fixed)[-1]
            continue
        routs = net.refine_points(feats, pts, fixed)
        loss = loss + sum(cyclic_l1(o, gts, 1.0 - fixed)[0].mean() for o in routs) / len(routs)
        pts = routs[-1].detach()
    loss = loss / grad_rounds
    return {"refine": loss, "total": loss}


def load_val_scenes(folder: str | os.PathLike[str], limit: int = 100) -> list[tuple[np.ndarray, np.ndarray]]:
    """(crop float32 CHW, outline in unit crop coordinates) of the first `limit` val scenes."""
    from paintgan.training.polygon_data import scene_to_crop

    out = []
    for p in sorted(Path(folder).glob("*.npz"))[:limit]:
        with np.load(p) as z:
            sc = {k: z[k] for k in z.files}
        crop, poly = scene_to_crop(sc)
        out.append((crop.astype(np.float32).transpose(2, 0, 1) / 255.0, poly))
    return out


def evaluate_crops(
    net: PolygonNet, val: list[tuple[np.ndarray, np.ndarray]], device: str = "cpu"
) -> dict[str, float]:
    """Mean IoU (in crop space: IoU is invariant under the crop's affine map) and mean point loss."""
    net.eval()
    ious, losses = [], []
    s = 448
    init = torch.from_numpy(geo.init_points())[None].to(device)
    with torch.no_grad():
        for i in range(0, len(val), 16):
            chunk = val[i : i + 16]
            imgs = torch.from_numpy(np.stack([c for c, _ in chunk])).to(device)
            _, outs = net.predict(imgs, init.expand(len(chunk), -1, -1))
            pred = outs[-1].cpu().numpy()
            for (_, poly), p in zip(chunk, pred):
                ious.append(geo.polygon_iou(p * s - 0.5, poly * s - 0.5, (s, s)))
                gt = torch.from_numpy(geo.resample_polygon(poly, NUM_POINTS).astype(np.float32))[None]
                losses.append(float(cyclic_l1(torch.from_numpy(p)[None], gt)[0]))
    net.train()
    return {
        "miou": float(np.mean(ious)) if ious else 0.0,
        "point_l1": float(np.mean(losses)) if losses else 0.0,
    }


def warm_start_from_onnx(net: PolygonNet, onnx_dir: str | os.PathLike[str]) -> int:
    """Load weights from shipped ONNX graphs (initializers matched by name, then by shape in order).

    The graphs are exported with batch norm kept (TrainingMode.PRESERVE on an eval-mode module), so
    initializer names are the state-dict names prefixed with `net.`. Returns the number of tensors loaded."""
    from paintgan.training.onnx_warm_start import load_by_name, load_by_shape, read_initializers

    state = net.state_dict()
    loaded: set[str] = set()
    for fname in ("encoder.onnx", "gcn.onnx", "refine.onnx"):
        path = Path(onnx_dir) / fname
        if not path.is_file():
            continue
        got, leftovers = load_by_name(state, read_initializers(path), prefix="net.", skip=loaded)
        loaded |= got
        prefix = fname.split(".")[0] + "."
        loaded |= load_by_shape(state, leftovers, [k for k in state if k.startswith(prefix)], loaded)
    net.load_state_dict(state)
    return len(loaded)


def lr_at(step: int, total: int, base: float, warmup: int = 200) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def _append_log(out: Path, rec: dict[str, Any]) -> None:
    with open(out / "log.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def train(args: argparse.Namespace) -> int:
    torch.set_num_threads(args.threads)
    device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    net = PolygonNet().to(device)
    refine_only = bool(getattr(args, "refine_only", False))
    params = net.refine.parameters() if refine_only else net.parameters()
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    step, best = 0, -1.0
    last = out / "last.pt"
    if args.resume and last.is_file():
        ck = torch.load(last, map_location=device, weights_only=False)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, best = int(ck["step"]), float(ck.get("best", -1.0))
        rng = np.random.default_rng(args.seed + step)
        print(f"resumed from {last} at step {step}", flush=True)
    elif args.init_onnx_dir:
        n = warm_start_from_onnx(net, args.init_onnx_dir)
        print(f"warm start: {n} tensors from {args.init_onnx_dir}", flush=True)
    data = CropDataset(args.data, seed=args.seed + step) if args.data != "synthetic" else None
    val = load_val_scenes(args.val, args.val_count) if args.val else []
    net.train()
    if refine_only:  # only the refine head learns; batch-norm statistics of the encoder stay as they are
        for part in (net.encoder, net.gcn, net.mask_head):
            part.eval()
            part.requires_grad_(False)
    t0 = time.time()
    acc: dict[str, float] = {}
    while step < args.steps:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, args.lr)
        if data is not None:
            batch = data.batch(args.batch)
        else:
            batch = synthetic_batch(args.batch, rng)
        imgs, gts, dense, masks = (t.to(device) for t in batch)
        if refine_only:
            losses = refine_losses(net, imgs, gts, dense, rng, rounds=args.refine_rounds)
        else:
            losses = training_losses(net, imgs, gts, dense, masks, rng)
        opt.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        step += 1
        for k, v in losses.items():
            acc[k] = acc.get(k, 0.0) + float(v.detach())
        if step % args.log_every == 0:
            rec = {
                "step": step,
                "time": round(time.time() - t0, 1),
                "lr": opt.param_groups[0]["lr"],
                **{k: round(v / args.log_every, 5) for k, v in acc.items()},
            }
            acc = {}
            print(json.dumps(rec), flush=True)
            _append_log(out, rec)
        if step % args.eval_every == 0 or step == args.steps:
            rec = {"step": step, "train_samples": data.refresh() if data is not None else 0}
            if val and not refine_only:
                rec.update({f"val_{k}": v for k, v in evaluate_crops(net, val, device).items()})
            score = rec.get("val_miou", float(step))
            ck = {
                "model": net.state_dict(),
                "opt": opt.state_dict(),
                "step": step,
                "best": max(best, score),
                "args": {k: v for k, v in vars(args).items() if k != "func"},
            }
            torch.save(ck, out / "last.pt.tmp")
            os.replace(out / "last.pt.tmp", last)
            if score > best:
                best = score
                torch.save({"model": net.state_dict(), "step": step, "score": score}, out / "best.pt.tmp")
                os.replace(out / "best.pt.tmp", out / "best.pt")
            print(json.dumps(rec), flush=True)
            _append_log(out, rec)
    return 0


# ------------------------------------------------------------------------------------------- export

GRAPH_IO = {
    "encoder": (["image"], ["features"]),
    "gcn": (["features", "points"], ["points_out"]),
    "refine": (["features", "points", "fixed"], ["points_out"]),
}


def export_graphs(net: PolygonNet, out_dir: str | os.PathLike[str], opset: int = 17) -> dict[str, Path]:
    """Write encoder.onnx, gcn.onnx and refine.onnx (fixed shapes, batch 1; batch norm kept so the
    initializer names stay the state-dict names for warm starts) and check each with onnx."""
    import onnx

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    net = net.eval().cpu()
    img = torch.rand(1, 3, geo.CROP_SIZE, geo.CROP_SIZE)
    with torch.no_grad():
        feats = net.encoder(img)
    pts = torch.from_numpy(geo.init_points())[None]
    fixed = torch.zeros(1, NUM_POINTS)
    fixed[0, 3] = 1.0
    graphs = {
        "encoder": (EncoderGraph(net), (img,)),
        "gcn": (GCNGraph(net), (feats, pts)),
        "refine": (RefineGraph(net), (feats, pts, fixed)),
    }
    paths = {}
    for name, (mod, args) in graphs.items():
        ins, outs = GRAPH_IO[name]
        path = out_dir / f"{name}.onnx"
        tmp = out_dir / f".{name}.onnx.tmp"
        import contextlib
        import io
        import warnings

        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                mod.eval(),
                args,
                str(tmp),
                input_names=ins,
                output_names=outs,
                opset_version=opset,
                dynamo=False,
                training=torch.onnx.TrainingMode.PRESERVE,
                do_constant_folding=True,
            )
        onnx.checker.check_model(str(tmp))
        os.replace(tmp, path)
        paths[name] = path
    return paths


def parity(net: PolygonNet, model_dir: str | os.PathLike[str], atol: float = 1e-4) -> dict[str, float]:
    """Max abs difference torch vs ONNX Runtime for each graph (AssertionError above `atol`)."""
    from paintgan.training.export import check_parity

    net = net.eval().cpu()
    g = torch.Generator().manual_seed(1)
    img = torch.rand(1, 3, geo.CROP_SIZE, geo.CROP_SIZE, generator=g)
    with torch.no_grad():
        feats = net.encoder(img)
    pts = torch.from_numpy(geo.init_points())[None] + 0.02 * torch.randn(1, NUM_POINTS, 2, generator=g)
    fixed = (torch.rand(1, NUM_POINTS, generator=g) < 0.1).float()
    d = Path(model_dir)
    return {
        "encoder": check_parity(EncoderGraph(net), d / "encoder.onnx", {"image": img}, atol=atol),
        "gcn": check_parity(GCNGraph(net), d / "gcn.onnx", {"features": feats, "points": pts}, atol=atol),
        "refine": check_parity(
            RefineGraph(net), d / "refine.onnx", {"features": feats, "points": pts, "fixed": fixed}, atol=atol
        ),
    }


def write_polygon_manifest(
    model_dir: str | os.PathLike[str],
    version: str = "1.0.0",
    evaluation: dict[str, Any] | None = None,
    training_command: str = "",
    data_source: str = "",
    extra_description: str = "",
) -> Path:
    from paintgan.training.export import write_manifest

    desc = (
        "Click-to-polygon (Curve-GCN-like): box -> 40-vertex polygon; refine moves the free vertices "
        "around user-fixed ones. " + extra_description
    ).strip()
    return write_manifest(
        model_dir,
        "polygon",
        "segment",
        version,
        files=[
            {"path": "encoder.onnx", "role": "encoder"},
            {"path": "gcn.onnx", "role": "gcn"},
            {"path": "refine.onnx", "role": "refine"},
        ],
        description=desc,
        preprocessing={
            "crop_size": geo.CROP_SIZE,
            "context": geo.CONTEXT,
            "num_points": NUM_POINTS,
            "image": "RGB float32 in [0, 1], NCHW (normalisation inside the graph)",
            "points": "unit crop coordinates in [0, 1], clockwise on screen, vertex 0 at the top",
            "init": "ellipse inscribed in the box",
        },
        license="MIT (weights); training data: openclipart-png (public domain), "
        "plasma-workspace-wallpapers (GPL/LGPL/CC-BY-SA per wallpaper, Debian)",
        data_source=data_source
        or "synthetic composites of Debian openclipart-png cut-outs on Debian "
        "plasma-workspace-wallpapers (paintgan.training.polygon_data)",
        training_command=training_command,
        evaluation=evaluation or {},
        standard_inputs={"H": geo.CROP_SIZE, "W": geo.CROP_SIZE},
    )


def export_cmd(args: argparse.Namespace) -> int:
    net = PolygonNet()
    ck = torch.load(args.ckpt, map_location="cpu", weights_only=False)
    net.load_state_dict(ck["model"])
    paths = export_graphs(net, args.out)
    diffs = parity(net, args.out)
    flops = count_flops(net)
    info = {
        "parity_max_abs_diff": diffs,
        "gflops": {k: round(v / 1e9, 4) for k, v in flops.items()},
        "params": {
            "encoder": count_params(net.encoder),
            "gcn": count_params(net.gcn),
            "refine": count_params(net.refine),
        },
        "bytes": {k: p.stat().st_size for k, p in paths.items()},
        "step": ck.get("step"),
    }
    evaluation = json.loads(Path(args.evaluation).read_text()) if args.evaluation else {}
    evaluation = {**evaluation, "export": info}
    write_polygon_manifest(args.out, evaluation=evaluation, training_command=args.training_command)
    print(json.dumps(info, indent=2))
    return 0


def manifest_cmd(args: argparse.Namespace) -> int:
    """Rewrite the manifest of exported graphs with an evaluation table (keeps the export info)."""
    from paintgan.inference.manifest import load_manifest

    old = load_manifest(args.model_dir)
    evaluation = dict(old.to_dict().get("evaluation") or {})
    if args.evaluation:
        evaluation.update(json.loads(Path(args.evaluation).read_text()))
    write_polygon_manifest(
        args.model_dir,
        version=args.version or old.version,
        evaluation=evaluation,
        training_command=args.training_command or old.to_dict().get("training_command", ""),
    )
    print(f"wrote {Path(args.model_dir) / 'manifest.json'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paintgan.training.polygon")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (or resume) the polygon model")
    t.add_argument("--data", required=True, help="folder from polygon_data (crops), or 'synthetic'")
    t.add_argument("--val", default=None, help="folder of val scenes (polygon_data --split val)")
    t.add_argument("--val-count", type=int, default=100)
    t.add_argument("--out", default="runs/polygon")
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--device", default="auto", help="auto, cpu or cuda")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--log-every", type=int, default=25)
    t.add_argument("--eval-every", type=int, default=250)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--refine-only", action="store_true",
                   help="fine-tune only the refine head over many simulated corrections (warm start first)")
    t.add_argument("--refine-rounds", type=int, default=8,
                   help="with --refine-only: the most corrections simulated before the loss")
    t.add_argument(
        "--init-onnx-dir", default=None, help="warm start from shipped ONNX graphs (e.g. models/polygon)"
    )
    t.set_defaults(func=train)
    e = sub.add_parser("export", help="export a checkpoint to ONNX (+ parity check, manifest)")
    e.add_argument("--ckpt", required=True)
    e.add_argument("--out", default="models/polygon")
    e.add_argument("--evaluation", default=None, help="JSON file with the evaluation table for the manifest")
    e.add_argument("--training-command", default="")
    e.set_defaults(func=export_cmd)
    m = sub.add_parser("manifest", help="rewrite the manifest with an evaluation table")
    m.add_argument("--model-dir", default="models/polygon")
    m.add_argument("--evaluation", default=None, help="JSON from python -m paintgan.eval segment --out")
    m.add_argument("--training-command", default="")
    m.add_argument("--version", default=None)
    m.set_defaults(func=manifest_cmd)
    args = ap.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
