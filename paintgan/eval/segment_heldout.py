"""Held-out scenes for `python -m paintgan.eval segment`, made by a routine independent of training.

    python -m paintgan.eval.segment_heldout --out data/segment_heldout --count 120

Nothing here is shared with `paintgan.training.segment_data` (the training generator):

* objects: rendered / painted cut-outs with alpha from Debian packages never used in training —
  `lincity-ng-data` (3D-rendered buildings, trees, machines; GPL-2+) and, when installed, `pingus-data`
  (painted sprites; GPL-3+). Near-duplicates (animation frames, colour variants: alpha IoU > 0.9 at 32x32)
  and generated noise/selection tiles are dropped;
* backgrounds: the photographs of Debian `mate-backgrounds` (nature/, GPL-2+ / CC);
* compositing: the object at its own rendering (scaled 0.6-2.2x, never rotated), placed anywhere in a
  full photo (up to 512 px long side) with alpha blending in linear light (gamma 2.2), then mild sensor
  noise and one JPEG pass (quality 80-95). The ground truth is the visible alpha >= 0.5 mask; the box is
  its tight bounding box with +-2 px jitter; extreme points come from the mask.

Each scene is `NNNNN.npz`: `image` (H, W, 3) uint8 RGB, `mask` (H, W) bool, `polygon` (outer contour of
the largest component, for the polygon-model metrics), `box` [4], `extreme` [4, 2], `source` (file name).
The packages reserved for the project's hidden held-out evaluation are not used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from paintgan.inference.segment import geometry as geo

OBJECT_ROOTS = (
    "/usr/share/games/lincity-ng/images/tiles",
    "/usr/share/games/pingus/data/images/groundpieces",
)
PHOTO_ROOT = "/usr/share/backgrounds/mate/nature"
# the scene sets `build` makes (`--set`). val2 is a second, differently sourced set for choosing finishing
# settings: painted cut-outs of fillets-ng-data and hedgewars-data on the photographs of
# lomiri-wallpapers-16.04 and ukui-wallpapers (all files directly in /usr/share/backgrounds); neither the
# training generator nor the held-out set reads them. Only one-piece cut-outs (no sprite sheets). val3
# (since stop 17): a third choosing set, the cartoon sprites of supertux-data (creatures and objects: small,
# outlined, many animation frames, near-duplicates dropped) on the same photographs as val2; with val2 it
# halves the luck in choosing among checkpoints whose val2 scores swung by 5 points
SETS: dict[str, dict[str, Any]] = {
    "heldout": {
        "object_roots": OBJECT_ROOTS,
        "photo_roots": (PHOTO_ROOT,),
        "sources": "lincity-ng-data (GPL-2+), pingus-data (GPL-3+) cut-outs; mate-backgrounds nature photos",
        "one_piece": False,
    },
    "val2": {
        "object_roots": ("/usr/share/games/fillets-ng", "/usr/share/games/hedgewars/Data/Graphics"),
        "photo_roots": ("/usr/share/backgrounds",),
        "sources": "fillets-ng-data (GPL-2+), hedgewars-data (GPL-2) cut-outs; lomiri-wallpapers-16.04 and "
        "ukui-wallpapers photographs (CC-BY-SA-3.0)",
        "one_piece": True,
    },
    "val3": {
        "object_roots": (
            "/usr/share/games/supertux2/images/creatures",
            "/usr/share/games/supertux2/images/objects",
        ),
        "photo_roots": ("/usr/share/backgrounds",),
        "sources": "supertux-data (GPL-3+ / CC-BY-SA) sprites; lomiri-wallpapers-16.04 and ukui-wallpapers "
        "photographs (CC-BY-SA-3.0)",
        "one_piece": True,
    },
}
MAX_SIDE = 512


def _alpha_sig(a: np.ndarray) -> np.ndarray:
    return cv2.resize(a.astype(np.uint8) * 255, (32, 32), interpolation=cv2.INTER_AREA) > 127


def load_objects(
    roots: Sequence[str] = OBJECT_ROOTS, one_piece: bool = False
) -> list[tuple[str, np.ndarray]]:
    """(name, RGBA uint8 cropped to alpha) for usable, de-duplicated cut-outs under `roots`; with
    `one_piece`, only those whose largest connected part holds 85 % of the alpha (no sprite sheets)."""
    out: list[tuple[str, np.ndarray]] = []
    sigs: list[np.ndarray] = []
    for root in roots:
        for f in sorted(Path(root).rglob("*.png")) if Path(root).is_dir() else []:
            im = cv2.imread(str(f), cv2.IMREAD_UNCHANGED)
            if im is None or im.ndim != 3 or im.shape[2] != 4 or im.dtype != np.uint8:
                continue
            a = im[..., 3] > 127
            ys, xs = np.nonzero(a)
            if len(xs) < 400 or a.all():
                continue
            im, a = (
                im[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1],
                a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1],
            )
            h, w = a.shape
            if min(h, w) < 16 or a.mean() > 0.93:
                continue
            if one_piece:
                n, _, stats, _ = cv2.connectedComponentsWithStats(a.astype(np.uint8), connectivity=8)
                if n < 2 or stats[1:, cv2.CC_STAT_AREA].max() < 0.85 * a.sum():
                    continue
            yy, xx = np.mgrid[:h, :w]
            diamond = np.abs((xx + 0.5) / w - 0.5) + np.abs((yy + 0.5) / h - 0.5) <= 0.5
            if (a & diamond).sum() / (a | diamond).sum() > 0.85:  # a bare ground tile
                continue
            g = cv2.cvtColor(im[..., :3], cv2.COLOR_BGR2GRAY).astype(np.float32)
            if np.abs(g - cv2.blur(g, (3, 3)))[a].mean() > 18:  # random-colour selection maps
                continue
            sig = _alpha_sig(a)
            if any((sig & s).sum() / max(1, (sig | s).sum()) > 0.9 for s in sigs):
                continue
            sigs.append(sig)
            out.append((f.name, cv2.cvtColor(im, cv2.COLOR_BGRA2RGBA)))
    return out


def load_photos(roots: Sequence[str] = (PHOTO_ROOT,)) -> list[np.ndarray]:
    out = []
    for f in sorted(f for r in roots for f in Path(r).glob("*")):
        im = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if im is None:
            continue
        s = 1024 / max(im.shape[:2])
        if s < 1:
            im = cv2.resize(im, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        out.append(cv2.cvtColor(im, cv2.COLOR_BGR2RGB))
    return out


def compose(rng: np.random.Generator, obj: np.ndarray, photo: np.ndarray) -> dict[str, np.ndarray] | None:
    """One scene: the cut-out blended in linear light into a region of the photo."""
    ph, pw = photo.shape[:2]
    frac = rng.uniform(0.5, 1.0)
    ch, cw = int(ph * frac), int(pw * frac)
    y, x = int(rng.integers(0, ph - ch + 1)), int(rng.integers(0, pw - cw + 1))
    bg = photo[y : y + ch, x : x + cw]
    s = MAX_SIDE / max(ch, cw)
    bg = cv2.resize(bg, (max(1, round(cw * s)), max(1, round(ch * s))), interpolation=cv2.INTER_AREA)
    h, w = bg.shape[:2]
    oh, ow = obj.shape[:2]
    k = rng.uniform(0.6, 2.2)
    k = min(k, 0.8 * min(h / oh, w / ow))
    nh, nw = max(8, round(oh * k)), max(8, round(ow * k))
    o = cv2.resize(obj, (nw, nh), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    oy = int(rng.integers(-nh // 8, h - nh + nh // 8 + 1))
    ox = int(rng.integers(-nw // 8, w - nw + nw // 8 + 1))
    canvas_a = np.zeros((h, w), np.float32)
    canvas_c = np.zeros((h, w, 3), np.float32)
    sy0, sx0 = max(0, -oy), max(0, -ox)
    dy0, dx0 = max(0, oy), max(0, ox)
    dy1, dx1 = min(h, oy + nh), min(w, ox + nw)
    if dy1 - dy0 < 8 or dx1 - dx0 < 8:
        return None
    part = o[sy0 : sy0 + dy1 - dy0, sx0 : sx0 + dx1 - dx0].astype(np.float32) / 255.0
    canvas_a[dy0:dy1, dx0:dx1] = part[..., 3]
    canvas_c[dy0:dy1, dx0:dx1] = part[..., :3]
    lin_bg = (bg.astype(np.float32) / 255.0) ** 2.2
    lin = lin_bg * (1 - canvas_a[..., None]) + canvas_c**2.2 * canvas_a[..., None]
    img = np.clip(lin ** (1 / 2.2) * 255 + rng.normal(0, 1.5, lin.shape), 0, 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(80, 96))])
    if ok:
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
    mask = canvas_a >= 0.5
    ys, xs = np.nonzero(mask)
    if len(xs) < 200 or xs.max() - xs.min() < 12 or ys.max() - ys.min() < 12:
        return None
    j = rng.integers(-2, 3, 4)
    box = np.array(
        [
            max(0, xs.min() + j[0]),
            max(0, ys.min() + j[1]),
            min(w - 1, xs.max() + j[2]),
            min(h - 1, ys.max() + j[3]),
        ],
        np.float64,
    )
    poly = geo.mask_to_polygon(mask)
    if poly is None:
        return None
    return {
        "image": np.ascontiguousarray(img),
        "mask": mask,
        "polygon": poly,
        "box": box,
        "extreme": geo.extreme_points(mask),
    }


def build(out: str | Path, count: int, seed: int = 2024, scene_set: str = "heldout") -> dict[str, object]:
    spec = SETS[scene_set]
    object_roots, photo_roots = spec["object_roots"], spec["photo_roots"]
    objects, photos = load_objects(object_roots, spec["one_piece"]), load_photos(photo_roots)
    if not objects or not photos:
        raise FileNotFoundError(
            f"scene sources missing under {', '.join(object_roots)} / {', '.join(photo_roots)}: apt-get "
            "install lincity-ng-data pingus-data mate-backgrounds (val2: fillets-ng-data hedgewars-data "
            "lomiri-wallpapers-16.04 ukui-wallpapers; val3: supertux-data and val2's wallpapers)"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(objects))
    n = 0
    while n < count:
        name, obj = objects[int(order[n % len(objects)])]
        sc = compose(rng, obj, photos[int(rng.integers(len(photos)))])
        if sc is None:
            continue
        np.savez_compressed(out / f"{n:05d}.npz", source=np.array(name), **sc)
        n += 1
    meta = {
        "count": n,
        "objects": len(objects),
        "photos": len(photos),
        "seed": seed,
        "sources": spec["sources"],
        "digest": hashlib.sha1(b"".join(o.tobytes()[:4096] for _, o in objects)).hexdigest()[:12],
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m paintgan.eval.segment_heldout", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--out", default="data/segment_heldout")
    ap.add_argument("--count", type=int, default=120)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--set",
        choices=tuple(SETS),
        default="heldout",
        help="heldout: lincity/pingus on mate nature photos; val2: fillets-ng/hedgewars on lomiri/ukui; "
        "val3: supertux sprites on lomiri/ukui",
    )
    args = ap.parse_args(list(argv) if argv is not None else None)
    print(json.dumps(build(args.out, args.count, args.seed, args.set)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
