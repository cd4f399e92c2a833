"""Synthetic data for the click-to-polygon model: RGBA cut-outs composited on photographs.

    python -m paintgan.training.polygon_data --out /work/data/polygon/train --count 20000 --split train
    python -m paintgan.training.polygon_data --out /work/data/polygon/val --count 300 --split val

Objects (default: Debian openclipart-png, /usr/share/openclipart/png) are placed on backgrounds (default:
Debian plasma-workspace-wallpapers, /usr/share/wallpapers, found recursively) with scale, rotation, flips,
colour jitter, drop shadows, distractor objects behind, partial occluders in front, blur, noise and JPEG
artefacts. The ground truth is the outer contour of the largest connected component of the *visible*
object; the box is its bounding box with jitter; the extreme points come from the same component.

Held-out split: an object file belongs to val when the hash of its file name says so; a background belongs
to val by the hash of its top folder (wallpaper packages ship one picture in several resolutions), so val
uses no object and no background file used in training.

Output (`--format crops`, default for train): shards of 500 samples, `crops_KKK.npy` [n,224,224,3] uint8
(the model's input crop; written last, so a shard is complete once it exists) and `polys_KKK.npy`
[n,160,2] float32 (the ground-truth outline resampled uniformly, unit crop coordinates, clockwise), plus
`meta.json`. `--format scenes` (default for val): one `NNNNN.npz` per scene with `image` [H,W,3] uint8
RGB, `polygon` [K,2] (pixel coordinates), `box` [4], `extreme` [4,2]: what the evaluation reads.
This module needs numpy and OpenCV only (no torch).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from paintgan.inference.segment import geometry as geo

DEFAULT_OBJECTS = "/usr/share/openclipart/png"
DEFAULT_BACKGROUNDS = "/usr/share/wallpapers"
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
DENSE_POINTS = 160
SHARD_SIZE = 500
VAL_PERCENT_OBJECTS = 10
VAL_PERCENT_BACKGROUNDS = 15


def _hash_percent(key: str) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def list_images(root: str | Path) -> list[Path]:
    root = Path(root)
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix.lower() in IMAGE_EXTS and p.is_file() and p.name != "screenshot.png"
    )


def object_key(path: Path, root: Path) -> str:
    return path.name


def background_key(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def split_files(files: Sequence[Path], root: Path, split: str, kind: str) -> list[Path]:
    """Files of `split` ("train" or "val") chosen by the hash of their key."""
    key = object_key if kind == "objects" else background_key
    pct = VAL_PERCENT_OBJECTS if kind == "objects" else VAL_PERCENT_BACKGROUNDS
    out = [f for f in files if (_hash_percent(key(f, root)) < pct) == (split == "val")]
    return out


def dedupe_resolutions(files: Sequence[Path]) -> list[Path]:
    """One file per folder (the largest): wallpaper folders hold one picture in many resolutions."""
    best: dict[Path, Path] = {}
    for f in files:
        cur = best.get(f.parent)
        if cur is None or f.stat().st_size > cur.stat().st_size:
            best[f.parent] = f
    return sorted(best.values())


# ------------------------------------------------------------------------------------------ generator


class SceneGenerator:
    """Makes composited scenes with a ground-truth polygon. Deterministic for a given seed."""

    def __init__(
        self, objects: Sequence[Path], backgrounds: Sequence[Path], seed: int = 0, max_bg_side: int = 1280
    ) -> None:
        if not objects:
            raise ValueError("no object images (RGBA cut-outs) found")
        if not backgrounds:
            raise ValueError("no background images found")
        self.objects = list(objects)
        self.rng = np.random.default_rng(seed)
        self.backgrounds = []
        for p in backgrounds:
            im = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if im is None:
                continue
            s = max_bg_side / max(im.shape[:2])
            if s < 1:
                im = cv2.resize(im, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            self.backgrounds.append(cv2.cvtColor(im, cv2.COLOR_BGR2RGB))
        if not self.backgrounds:
            raise ValueError("no readable background images")
        self._bad: set[int] = set()

    # -- pieces
    def _load_object(self) -> np.ndarray | None:
        """A random RGBA cut-out cropped to its alpha, or None if unusable."""
        for _ in range(50):
            i = int(self.rng.integers(len(self.objects)))
            if i in self._bad:
                continue
            im = cv2.imread(str(self.objects[i]), cv2.IMREAD_UNCHANGED)
            if im is None or im.ndim != 3 or im.shape[2] != 4 or im.dtype != np.uint8:
                self._bad.add(i)
                continue
            a = im[..., 3]
            solid = a > 127
            if solid.mean() < 0.02 or solid.mean() > 0.995:
                self._bad.add(i)
                continue
            n, _lab, stats, _ = cv2.connectedComponentsWithStats(solid.astype(np.uint8), connectivity=8)
            if n < 2:
                self._bad.add(i)
                continue
            areas = stats[1:, cv2.CC_STAT_AREA]
            if areas.max() < 0.85 * areas.sum():
                self._bad.add(i)
                continue
            ys, xs = np.nonzero(solid)
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            if min(y1 - y0, x1 - x0) < 24:
                self._bad.add(i)
                continue
            pad = 4
            im = im[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]
            s = 600 / max(im.shape[:2])
            if s < 1:
                im = cv2.resize(im, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            rgba = cv2.cvtColor(im, cv2.COLOR_BGRA2RGBA)
            return rgba
        return None

    def _background(self, h: int, w: int) -> np.ndarray:
        rng = self.rng
        bg = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
        bh, bw = bg.shape[:2]
        s = max(h / bh, w / bw) * rng.uniform(1.0, 2.5)
        ch, cw = min(bh, math.ceil(h / s)), min(bw, math.ceil(w / s))
        y, x = int(rng.integers(0, bh - ch + 1)), int(rng.integers(0, bw - cw + 1))
        out = cv2.resize(bg[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.5:
            out = out[:, ::-1]
        return self._color_jitter(np.ascontiguousarray(out), 0.3)

    def _color_jitter(self, rgb: np.ndarray, strength: float) -> np.ndarray:
        rng = self.rng
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.int16)
        hsv[..., 0] = (hsv[..., 0] + int(rng.integers(-18, 19) * strength * 2)) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(1 - strength, 1 + strength), 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
        out = out * rng.uniform(1 - strength, 1 + strength) + rng.uniform(-30, 30) * strength
        return np.clip(out, 0, 255).astype(np.uint8)

    def _place(
        self,
        rgba: np.ndarray,
        h: int,
        w: int,
        size: float,
        center: tuple[float, float],
        angle: float,
        flip: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Warp an RGBA cut-out into an (h, w) canvas; returns (rgb float32, alpha float32 in [0, 1])."""
        oh, ow = rgba.shape[:2]
        s = size / max(oh, ow)
        m = cv2.getRotationMatrix2D((ow / 2, oh / 2), angle, s)
        if flip:
            m[0, :] = m[0, :] * np.array([-1, 1, 1]) + np.array([0, 0, 0])
            m[0, 2] = -m[0, 2] + 0  # mirror about x=0, re-centred below
        c = m @ np.array([ow / 2, oh / 2, 1.0])
        m[:, 2] += np.array(center) - c
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        if s < 0.5:  # pre-shrink to avoid aliasing in warpAffine
            small = cv2.resize(rgba, None, fx=2 * s, fy=2 * s, interpolation=cv2.INTER_AREA)
            f = np.array([[ow / small.shape[1], 0, 0], [0, oh / small.shape[0], 0], [0, 0, 1]])
            m = np.concatenate([m, [[0, 0, 1]]]) @ f
            m = m[:2]
            rgba = small
            interp = cv2.INTER_LINEAR
        warped = cv2.warpAffine(
            rgba,
            m,
            (w, h),
            flags=interp if interp != cv2.INTER_AREA else cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0, 0),
        )
        return warped[..., :3].astype(np.float32), warped[..., 3].astype(np.float32) / 255.0

    def _random_shape_occluder(
        self, h: int, w: int, center: tuple[float, float], size: float
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        k = int(rng.integers(3, 8))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = size * rng.uniform(0.3, 1.0, k)
        pts = np.stack([center[0] + rad * np.cos(ang), center[1] + rad * np.sin(ang)], 1)
        mask = geo.polygon_to_mask(pts, (h, w)).astype(np.float32)
        color = np.empty((h, w, 3), np.float32)
        color[:] = rng.uniform(0, 255, 3)
        if rng.random() < 0.5:  # textured
            color += rng.normal(0, 25, (h, w, 1)).astype(np.float32)
        return color, cv2.GaussianBlur(mask, (3, 3), 0.7)

    # -- scene
    def scene(self) -> dict[str, Any]:
        for _ in range(100):
            out = self._try_scene()
            if out is not None:
                return out
        raise RuntimeError("could not make a usable scene in 100 tries (check the object folder)")

    def _try_scene(self) -> dict[str, Any] | None:
        rng = self.rng
        w = int(rng.integers(400, 721))
        h = int(w * rng.uniform(0.6, 1.0))
        if rng.random() < 0.3:
            h, w = w, h
        canvas = self._background(h, w).astype(np.float32)
        # distractors behind the object
        for _ in range(int(rng.integers(0, 3))):
            d = self._load_object()
            if d is None:
                continue
            rgb, a = self._place(
                self._jitter_rgba(d),
                h,
                w,
                rng.uniform(0.15, 0.6) * min(h, w),
                (rng.uniform(0, w), rng.uniform(0, h)),
                rng.uniform(-40, 40),
                rng.random() < 0.5,
            )
            canvas = canvas * (1 - a[..., None]) + rgb * a[..., None]
        obj = self._load_object()
        if obj is None:
            return None
        size = rng.uniform(0.2, 0.8) * min(h, w)
        margin = size * (0.35 if rng.random() < 0.85 else 0.1)
        center = (rng.uniform(margin, w - margin), rng.uniform(margin, h - margin))
        angle = rng.uniform(-30, 30) if rng.random() < 0.5 else 0.0
        rgb, a = self._place(self._jitter_rgba(obj), h, w, size, center, angle, rng.random() < 0.5)
        if rng.random() < 0.4:  # drop shadow
            off = rng.normal(0, 0.04 * size, 2)
            sh = cv2.warpAffine(a, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (w, h))
            k = max(1.0, 0.03 * size)
            sh = cv2.GaussianBlur(sh, (0, 0), k) * rng.uniform(0.3, 0.7)
            canvas *= 1 - sh[..., None]
        canvas = canvas * (1 - a[..., None]) + rgb * a[..., None]
        visible = a > 0.5
        if rng.random() < 0.3:  # partial occluder in front
            ys, xs = np.nonzero(visible)
            if len(xs):
                j = int(rng.integers(len(xs)))
                oc = (float(xs[j]), float(ys[j]))
                if rng.random() < 0.5:
                    occ = self._load_object()
                    if occ is not None:
                        orgb, oa = self._place(
                            self._jitter_rgba(occ),
                            h,
                            w,
                            size * rng.uniform(0.2, 0.5),
                            oc,
                            rng.uniform(-40, 40),
                            rng.random() < 0.5,
                        )
                    else:
                        orgb, oa = self._random_shape_occluder(h, w, oc, size * rng.uniform(0.1, 0.25))
                else:
                    orgb, oa = self._random_shape_occluder(h, w, oc, size * rng.uniform(0.1, 0.25))
                before = visible.sum()
                vis2 = visible & (oa <= 0.5)
                if vis2.sum() >= 0.7 * before:
                    canvas = canvas * (1 - oa[..., None]) + orgb * oa[..., None]
                    visible = vis2
        img = self._degrade(np.clip(canvas, 0, 255).astype(np.uint8))
        # ground truth: largest visible component
        n, lab, stats, _ = cv2.connectedComponentsWithStats(visible.astype(np.uint8), connectivity=8)
        if n < 2:
            return None
        areas = stats[1:, cv2.CC_STAT_AREA]
        k = int(np.argmax(areas)) + 1
        if areas[k - 1] < 400 or areas[k - 1] < 0.8 * areas.sum():
            return None
        comp = lab == k
        poly = geo.mask_to_polygon(comp)
        if poly is None or len(poly) < 8:
            return None
        x0, y0 = poly.min(0)
        x1, y1 = poly.max(0)
        bw, bh = x1 - x0, y1 - y0
        if min(bw, bh) < 12:
            return None
        j = np.clip(rng.normal(0, 0.03, 4), -0.08, 0.08) * np.array([bw, bh, bw, bh])
        box = np.array([x0 + j[0], y0 + j[1], x1 + j[2], y1 + j[3]], np.float64)
        return {
            "image": img,
            "polygon": poly.astype(np.float32),
            "box": box.astype(np.float32),
            "extreme": geo.extreme_points(comp).astype(np.float32),
        }

    def _jitter_rgba(self, rgba: np.ndarray) -> np.ndarray:
        if self.rng.random() < 0.7:
            rgb = self._color_jitter(np.ascontiguousarray(rgba[..., :3]), 0.25)
            rgba = np.concatenate([rgb, rgba[..., 3:]], axis=2)
        return rgba

    def _degrade(self, img: np.ndarray) -> np.ndarray:
        rng = self.rng
        if rng.random() < 0.3:
            img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.5))
        if rng.random() < 0.4:
            noise = rng.normal(0, rng.uniform(2, 8), img.shape).astype(np.float32)
            img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
        if rng.random() < 0.5:
            ok, enc = cv2.imencode(
                ".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 91))]
            )
            if ok:
                img = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
        return np.ascontiguousarray(img)


def scene_to_crop(scene: dict[str, Any], dense: int = DENSE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The model's input crop and the ground-truth outline in unit crop coordinates (clockwise)."""
    crop, m = geo.crop_image(scene["image"], scene["box"])
    poly = geo.resample_polygon(geo.orient_clockwise(scene["polygon"].astype(np.float64)), dense)
    return crop, geo.image_to_unit(poly, m).astype(np.float32)


# ------------------------------------------------------------------------------------------ CLI


def make_generator(objects: str, backgrounds: str, split: str, seed: int) -> SceneGenerator:
    oroot, broot = Path(objects), Path(backgrounds)
    objs = split_files(list_images(oroot), oroot, split, "objects")
    bgs = dedupe_resolutions(split_files(list_images(broot), broot, split, "backgrounds"))
    return SceneGenerator(objs, bgs, seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m paintgan.training.polygon_data", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--objects", default=DEFAULT_OBJECTS, help="folder of RGBA cut-outs (searched recursively)"
    )
    ap.add_argument("--backgrounds", default=DEFAULT_BACKGROUNDS, help="folder of photographs (recursive)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--split", choices=("train", "val"), default="train")
    ap.add_argument(
        "--format",
        choices=("crops", "scenes"),
        default=None,
        help="crops (default for train) or scenes (default for val)",
    )
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--start-shard", type=int, default=0, help="first shard number (to add to a folder)")
    args = ap.parse_args(argv)
    fmt = args.format or ("crops" if args.split == "train" else "scenes")
    seed = (
        args.seed
        if args.seed is not None
        else (0 if args.split == "train" else 12345) + 1000 * args.start_shard
    )
    gen = make_generator(args.objects, args.backgrounds, args.split, seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n = args.count
    t0 = time.time()
    shard = SHARD_SIZE
    crops: list[np.ndarray] = []
    polys: list[np.ndarray] = []
    for i in range(n):
        sc = gen.scene()
        if fmt == "crops":
            c, q = scene_to_crop(sc)
            crops.append(c)
            polys.append(q)
            if len(crops) == shard or i + 1 == n:
                k = args.start_shard + i // shard
                np.save(out / f"polys_{k:03d}.npy", np.stack(polys))
                np.save(out / f".crops_{k:03d}.tmp.npy", np.stack(crops))
                os.replace(
                    out / f".crops_{k:03d}.tmp.npy", out / f"crops_{k:03d}.npy"
                )  # crops last: shard done
                crops, polys = [], []
        else:
            np.savez_compressed(out / f"{i:05d}.npz", **sc)
        if (i + 1) % 500 == 0 or i + 1 == n:
            print(f"{i + 1}/{n} scenes, {(time.time() - t0) / (i + 1) * 1000:.1f} ms each", flush=True)
    meta = {
        "format": fmt,
        "split": args.split,
        "count": n,
        "seed": seed,
        "objects": args.objects,
        "backgrounds": args.backgrounds,
        "n_object_files": len(gen.objects),
        "n_background_files": len(gen.backgrounds),
        "crop_size": geo.CROP_SIZE,
        "context": geo.CONTEXT,
        "dense_points": DENSE_POINTS,
        "command": " ".join(
            ["python -m paintgan.training.polygon_data", *(argv if argv is not None else sys.argv[1:])]
        ),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
