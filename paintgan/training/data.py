"""Colorization data: prepare a dataset from any image folder, and a torch Dataset that derives
inputs (gray L or randomised line art + simulated hints) on the fly.

    python -m paintgan.training.data prepare --src /usr/share/openclipart/png --out /work/data/openclipart \
        [--size 256] [--limit N] [--workers 2]

Output: OUT/train.npy and OUT/val.npy (uint8 (N, S, S, 3) RGB, S = round(1.25 * size)), OUT/index.json
(source file per row, settings) and OUT/ab_prior.npy (ab-bin frequencies of the training images, for
class rebalancing).  The split is deterministic: md5 of the path relative to --src, 5 % to val.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np

from paintgan.inference.colorize.color import (
    AB_SCALE,
    ab_to_bin,
    num_ab_bins,
    rgb_to_lab,
    to_float_rgb,
)
from paintgan.inference.colorize.lineart import random_lineart, region_boundaries

IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}


# --------------------------------------------------------------------------- prepare
def list_images(src: Path) -> list[Path]:
    return sorted(p for p in src.rglob("*") if p.suffix.lower() in IMAGE_EXTS and p.is_file())


def is_val(rel: str, val_percent: float = 5.0) -> bool:
    h = int(hashlib.md5(rel.encode("utf-8")).hexdigest()[:8], 16)
    return (h % 10000) < val_percent * 100


def _png_pixels(path: Path) -> int:
    """Pixel count from a PNG header (0 when not a PNG)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return 0
    if head[:8] != b"\x89PNG\r\n\x1a\n" or len(head) < 24:
        return 0
    return int.from_bytes(head[16:20], "big") * int.from_bytes(head[20:24], "big")


def load_rgb(path: Path, max_side: int = 2048, max_pixels: int = 200_000_000) -> np.ndarray | None:
    """Any image -> float32 RGB [0, 1], alpha composited on white; None if unreadable.

    Images larger than ``max_side`` are downscaled first (in their own dtype) to bound memory; PNGs over
    ``max_pixels`` are skipped unread."""
    if _png_pixels(path) > max_pixels:
        return None
    im = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if im is None:
        return None
    if max(im.shape[:2]) > max_side:
        f = max_side / max(im.shape[:2])
        im = cv2.resize(im, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    if im.ndim == 3:
        if im.shape[2] == 4:
            im = cv2.cvtColor(im, cv2.COLOR_BGRA2RGBA)
        else:
            im = cv2.cvtColor(im[..., :3], cv2.COLOR_BGR2RGB)
    return to_float_rgb(im)


def process_image(
    rgb: np.ndarray,
    out_side: int,
    min_side: int = 48,
    min_content: float = 0.03,
    min_colored: float = 0.04,
    chroma_threshold: float = 15.0,
) -> np.ndarray | None:
    """Crop to content, reject blank / tiny / near-monochrome images, pad to square on white and resize.

    Returns uint8 (out_side, out_side, 3) RGB or None when rejected."""
    h, w = rgb.shape[:2]
    if min(h, w) < min_side:
        return None
    content = (1.0 - rgb.min(axis=2)) > 0.02
    if content.mean() < min_content * 0.5:
        return None
    ys, xs = np.nonzero(content)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    m = int(0.04 * max(y1 - y0, x1 - x0)) + 1
    y0, y1, x0, x1 = max(0, y0 - m), min(h, y1 + m), max(0, x0 - m), min(w, x1 + m)
    crop = rgb[y0:y1, x0:x1]
    ch, cw = crop.shape[:2]
    if min(ch, cw) < min_side // 2 or max(ch, cw) < min_side:
        return None
    # centre-crop extreme aspect ratios to 2:1, then pad to square with white
    if ch > 2 * cw:
        o = (ch - 2 * cw) // 2
        crop = crop[o : o + 2 * cw]
    elif cw > 2 * ch:
        o = (cw - 2 * ch) // 2
        crop = crop[:, o : o + 2 * ch]
    ch, cw = crop.shape[:2]
    side = max(ch, cw)
    sq = np.ones((side, side, 3), np.float32)
    oy, ox = (side - ch) // 2, (side - cw) // 2
    sq[oy : oy + ch, ox : ox + cw] = crop
    interp = cv2.INTER_AREA if side > out_side else cv2.INTER_CUBIC
    small = np.clip(cv2.resize(sq, (out_side, out_side), interpolation=interp), 0, 1)
    # colour / content checks at low resolution
    thumb = cv2.resize(small, (64, 64), interpolation=cv2.INTER_AREA)
    lab = rgb_to_lab(thumb)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    cont = (1.0 - thumb.min(axis=2)) > 0.02
    if cont.mean() < min_content:
        return None
    if (chroma > chroma_threshold).mean() < min_colored:
        return None
    if (chroma[cont] > chroma_threshold).mean() < 0.15:
        return None
    return (small * 255.0 + 0.5).astype(np.uint8)


def _work(args: tuple[str, int]) -> np.ndarray | None:
    path, side = args
    try:
        rgb = load_rgb(Path(path))
        if rgb is None:
            return None
        return process_image(rgb, side)
    except Exception:  # corrupt files etc.
        return None


def ab_prior(images: np.ndarray, step: int = 4) -> np.ndarray:
    """Frequencies of ab bins over (N, S, S, 3) uint8 images (subsampled every ``step`` pixels)."""
    q = num_ab_bins()
    counts = np.zeros(q, np.float64)
    for i in range(0, len(images), 64):
        px = images[i : i + 64, ::step, ::step].reshape(-1, 3).astype(np.float32) / 255.0
        counts += np.bincount(ab_to_bin(rgb_to_lab(px)[:, 1:]), minlength=q)
    return (counts / max(counts.sum(), 1.0)).astype(np.float32)


def prepare(
    src: Path,
    out: Path,
    size: int = 256,
    limit: int | None = None,
    val_percent: float = 5.0,
    workers: int = 1,
) -> dict:
    files = list_images(src)
    if limit:
        files = files[:limit]
    side = round(size * 1.25)
    out.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[tuple[str, np.ndarray]]] = {"train": [], "val": []}
    jobs = [(str(f), side) for f in files]
    if workers > 1:
        import multiprocessing as mp

        cv2.setNumThreads(1)
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.imap(_work, jobs, chunksize=16)
            for n, (f, r) in enumerate(zip(files, results)):
                _add(splits, src, f, r, val_percent)
                if n % 500 == 0:
                    print(f"[prepare] {n}/{len(files)}", file=sys.stderr, flush=True)
    else:
        for n, (f, j) in enumerate(zip(files, jobs)):
            _add(splits, src, f, _work(j), val_percent)
            if n % 500 == 0:
                print(f"[prepare] {n}/{len(files)}", file=sys.stderr, flush=True)
    index: dict = {"size": size, "side": side, "src": str(src), "val_percent": val_percent}
    for split, items in splits.items():
        arr = np.lib.format.open_memmap(
            out / f"{split}.npy", mode="w+", dtype=np.uint8, shape=(len(items), side, side, 3)
        )
        for i, (_, im) in enumerate(items):
            arr[i] = im
        arr.flush()
        index[split] = [rel for rel, _ in items]
        if split == "train" and len(items):
            np.save(out / "ab_prior.npy", ab_prior(arr))
        del arr
    index["skipped"] = len(files) - len(index["train"]) - len(index["val"])
    (out / "index.json").write_text(json.dumps(index, indent=1))
    return {"train": len(index["train"]), "val": len(index["val"]), "skipped": index["skipped"]}


def _add(splits, src: Path, f: Path, r: np.ndarray | None, val_percent: float) -> None:
    if r is None:
        return
    rel = f.relative_to(src).as_posix()
    splits["val" if is_val(rel, val_percent) else "train"].append((rel, r))


# --------------------------------------------------------------------------- dataset
MODE_GRAY = 0.0
MODE_LINEART = 1.0


class ColorizeDataset:
    """Map-style dataset over a prepared shard.  Each item is a dict of float32 / int64 numpy arrays:

    image (1, S, S) (L/100 in gray mode, line art in line-art mode), hint (3, S, S), mask (1, S, S),
    mode (1,), palette (Q,), target (3, S, S) normalised Lab, bins (S/4, S/4) int64 ab-bin indices.

    ``fixed=True`` gives deterministic samples per index (validation): centre crop, seeded hints.

    ``p_region_hints`` > 0: that share of the line-art samples gets the reference protocol's hints instead
    (one point hint in 50-97 % of the line-enclosed regions, see `region_hints.simulate_region_hints`, no
    palette), and every item also has ``labels`` (S, S) int32 (region ids on paper pixels, 0 elsewhere and
    on samples without region hints) and ``region_hinted`` (S, S) float32 (1 on hinted regions), for
    `region_hints.region_flat_loss`.  ``region_labels_all``: the line-art samples with Zhang-style hints
    (or none) get their region labels too (`region_hints.region_labels`), so that the flat loss also
    trains the unhinted regions of ordinary samples, the no-hint page included.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "train",
        size: int = 128,
        p_lineart: float = 0.5,
        fixed: bool = False,
        seed: int = 0,
        min_scale: float = 0.5,
        p_region_hints: float = 0.0,
        region_labels_all: bool = False,
    ) -> None:
        self.root = Path(root)
        self.images = np.load(self.root / f"{split}.npy", mmap_mode="r")
        self.size = size
        self.p_lineart = p_lineart
        self.fixed = fixed
        self.seed = seed
        self.min_scale = min_scale
        self.p_region_hints = p_region_hints
        self.region_labels_all = region_labels_all
        self.epoch = 0
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.images)

    def _crop(self, img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        side = img.shape[0]
        if self.fixed:
            crop = img
        else:
            c = int(rng.uniform(self.min_scale, 1.0) * side)
            c = max(c, min(self.size, side))
            y = int(rng.integers(0, side - c + 1))
            x = int(rng.integers(0, side - c + 1))
            crop = img[y : y + c, x : x + c]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
        interp = cv2.INTER_AREA if crop.shape[0] > self.size else cv2.INTER_LINEAR
        return cv2.resize(np.ascontiguousarray(crop), (self.size, self.size), interpolation=interp)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        from .hints import simulate_hints

        rng = np.random.default_rng((self.seed, i)) if self.fixed else self._rng
        rgb8 = self._crop(np.asarray(self.images[i]), rng)
        rgb = rgb8.astype(np.float32) / 255.0
        lab = rgb_to_lab(rgb8)
        nlab = lab / np.array([100.0, AB_SCALE, AB_SCALE], np.float32)
        boundary = region_boundaries(rgb, 10.0, lab=lab)
        lineart = rng.random() < self.p_lineart
        if lineart:
            image = random_lineart(rgb, rng, lab=lab)
        else:
            image = nlab[..., 0]
        extra: dict[str, np.ndarray] = {}
        if self.p_region_hints > 0 or self.region_labels_all:
            labels = np.zeros((self.size, self.size), np.int32)
            hinted = np.zeros((self.size, self.size), np.float32)
            if lineart and rng.random() < self.p_region_hints:
                from .region_hints import simulate_region_hints

                hint, mask, labels, hinted = simulate_region_hints(rgb8, image, rng)
                palette = np.zeros(num_ab_bins(), np.float32)
            else:
                hint, mask, palette = simulate_hints(nlab, rng, boundary=boundary)
                if lineart and self.region_labels_all:
                    from .region_hints import region_labels

                    labels, hinted = region_labels(image, mask)
            extra = {"labels": labels, "region_hinted": hinted}
        else:
            hint, mask, palette = simulate_hints(nlab, rng, boundary=boundary)
        s4 = self.size // 4
        ab4 = cv2.resize(lab[..., 1:], (s4, s4), interpolation=cv2.INTER_AREA)
        return {
            **extra,
            "image": image[None].astype(np.float32),
            "hint": hint,
            "mask": mask,
            "mode": np.array([MODE_LINEART if lineart else MODE_GRAY], np.float32),
            "palette": palette,
            "target": np.ascontiguousarray(nlab.transpose(2, 0, 1)),
            "bins": ab_to_bin(ab4).astype(np.int64),
        }


def collate(items: list[dict[str, np.ndarray]]):
    import torch

    return {k: torch.from_numpy(np.stack([it[k] for it in items])) for k in items[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paintgan.training.data")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare", help="build train/val shards from an image folder")
    p.add_argument("--src", default="/usr/share/openclipart/png")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--val-percent", type=float, default=5.0)
    p.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    if a.cmd == "prepare":
        res = prepare(Path(a.src), Path(a.out), a.size, a.limit, a.val_percent, a.workers)
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
