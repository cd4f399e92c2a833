"""Training crops for the mask model: photographic-looking objects made on the fly (numpy + OpenCV).

Each sample is made directly at crop scale (cheap enough to generate while training on one CPU core):

* a background: a random region of a photograph (Debian plasma-workspace-wallpapers, train split by
  folder hash, as `polygon_data.split_files`), colour-jittered;
* 0-3 distractor objects behind the target (other silhouettes filled with photo regions); in
  `DEFOCUS_P` of the scenes the background and distractors are out of focus (Gaussian blur) behind a
  sharp target, as with a camera's depth of field;
* the target: a silhouette (openclipart-png alpha, train split by file-name hash; random smooth blobs;
  thin and concave stroke shapes; hollow frames, rings and bent pipes, 2 % of the silhouettes (added at
  step 13300: the second validation set's frames and pipes were filled in, IoU 0.1-0.45; at 10 % the
  network began to hollow out filled cartoon objects with dark outlines; at 5 % so did checkpoints 18260
  to 19200, box mIoU on val3's outlined sprites 0.85 -> 0.75, so 2 % from step 18000 on); letters)
  *filled with a region of another photograph* (or of the same one, for low contrast; sometimes the clip
  art's own colours), with a lighting gradient, a soft anti-aliased edge and sometimes a drop shadow;
* multi-part objects (`PARTS_P`): the target is filled part by part, each part with its own photo region
  or colour, and some targets (`COMPOSITE_P`) are built from parts (a tree: foliage blobs on a stem; a
  building on a ground plate). The shipped model's worst held-out scenes were such objects (lincity
  trees and buildings on grass plates: IoU 0.18-0.65), where it kept one uniformly textured part;
* sometimes an occluder in front that hides part of the target (the ground truth is the visible part);
* the canvas is warped to the model crop of the visible part's box (jittered like a hand-drawn box),
  then blur, noise and JPEG artefacts.

The packages reserved for the held-out evaluation are never read here.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from paintgan.inference.segment import geometry as geo
from paintgan.inference.segment.clickmaps import CONTEXT, CROP
from paintgan.inference.segment.colour_prior import ring_pixels
from paintgan.training.polygon_data import dedupe_resolutions, list_images, split_files

OBJECTS = "/usr/share/openclipart/png"
BACKGROUNDS = "/usr/share/wallpapers"
CANVAS = 176
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
    cv2.FONT_HERSHEY_SCRIPT_COMPLEX,
)
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZabdefghkmnpqrstwxyz0123456789&@%?"
PARTS_P = 0.3  # share of targets filled part by part (2-4 differently textured parts)
COMPOSITE_P = 0.12  # share of targets built from parts (`CropGenerator.composite`)
# share of scenes whose background is out of focus behind a sharp target, as in most photographs of an
# object (added at step 8500: the shipped model leaked into smooth, defocused background inside the box)
DEFOCUS_P = 0.4
# share of clip-art targets shown in their own (cartoon) colours, outlines included; 0.3 until step 9000,
# when a second validation set of painted game sprites (`segment_heldout --set val2`) showed the network
# far behind GrabCut on cartoons (box mIoU without finishing 0.74 vs 0.82)
OWN_COLOURS_P = 0.5
# share of scenes shrunk before cropping (`_shrink`): a small object in a big photograph, which the crop
# magnifies (added at step 19800 of stop 17: every scene was made at about the crop's own scale, while most
# boxes of the second and third validation sets, and a fifth of the held-out ones, are smaller than the
# 128 px crop, so the network met blocky, blurred outlines and magnified JPEG blocks only at inference)
LOWRES_P = 0.3
LOWRES_FACTOR = (1.5, 5.0)  # the scene is shrunk by a factor drawn from this range
# painted and rendered game sprites with their own alpha (added at step 22000 of stop 18, as the issue asked:
# until then every target was clip art, a generated shape or a letter filled with photo texture, and the
# network's worst held-out scenes were rendered objects whose parts it took for background or whose
# similar-looking background it took in). Debian packages, none read by any evaluation set: wesnoth-1.16-data
# (painted units and portraits, GPL-2+), widelands-data (rendered buildings, trees, animals, GPL-2+),
# flare-game (rendered creatures and items, CC-BY-SA-3.0); train split by folder hash (`make_generator`)
SPRITE_ROOTS = (
    "/usr/share/games/wesnoth/1.16/data/core/images/units",
    "/usr/share/games/wesnoth/1.16/data/core/images/portraits",
    "/usr/share/games/wesnoth/1.16/data/core/images/items",
    "/usr/share/games/wesnoth/1.16/data/core/images/scenery",
    "/usr/share/games/widelands/data/tribes",
    "/usr/share/games/widelands/data/world",
    "/usr/share/games/flare/mods",
)
SPRITE_P = 0.3  # share of silhouettes that are sprites (when there are any)
SPRITE_OWN_P = 0.85  # share of sprites shown in their own colours (the rest: filled with photo texture)
SPRITE_VAL_PERCENT = 10  # folders of sprites kept for the training run's validation crops
SPRITES_PER_FOLDER = 8  # animation frames: at most this many files of one folder (chosen by name hash)
# share of targets blended over the background in linear light (gamma 2.2), as a camera's pixels mix the
# light of an edge; the rest in sRGB values, as drawing programs mix
LINEAR_BLEND_P = 0.5


def jpeg_pass(rgb: np.ndarray, quality: int) -> np.ndarray:
    """`rgb` (H, W, 3) uint8 through one JPEG encode and decode at `quality`."""
    ok, enc = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return np.ascontiguousarray(cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]) if ok else rgb


def _load_photo(path: Path, max_side: int) -> np.ndarray | None:
    im = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if im is None:
        return None
    s = max_side / max(im.shape[:2])
    if s < 1:
        im = cv2.resize(im, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB)


def sprite_roots(arg: str) -> tuple[str, ...]:
    """The command-line form (comma-separated folders, '' for none) as a tuple."""
    return tuple(r for r in (x.strip() for x in arg.split(",")) if r)


def list_sprites(roots: Sequence[str | Path], per_folder: int = SPRITES_PER_FOLDER) -> list[Path]:
    """PNG files under `roots` (missing roots skipped), at most `per_folder` of each folder (those whose
    name hashes lowest: a spread of animation frames, the same on every machine)."""
    by_folder: dict[Path, list[Path]] = {}
    for r in roots:
        if Path(r).is_dir():
            for f in Path(r).rglob("*.png"):
                by_folder.setdefault(f.parent, []).append(f)
    out: list[Path] = []
    for files in by_folder.values():
        files.sort(key=lambda f: hashlib.sha1(f.name.encode()).hexdigest())
        out.extend(files[:per_folder])
    return sorted(out)


def load_cutout(path: Path, max_side: int = 192, one_piece: bool = False) -> np.ndarray | None:
    """An RGBA uint8 cut-out (cropped to its alpha above 127, at most `max_side`) or None when the file is
    not an 8-bit RGBA image, its shape fills under 8 % or over 93 % of its box, or it is smaller than 8
    px; `one_piece`: also None when its largest part holds under 85 % of its opaque pixels (sprite sheets,
    scattered particles)."""
    im = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if im is None or im.ndim != 3 or im.shape[2] != 4 or im.dtype != np.uint8:
        return None
    hard = im[..., 3] > 127
    ys, xs = np.nonzero(hard)
    if len(xs) <= 50:
        return None
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    im, hard = im[box], hard[box]
    fill = float(hard.mean())
    if not 0.08 < fill < 0.93 or min(im.shape[:2]) < 8:
        return None
    if one_piece:
        _, _, stats, _ = cv2.connectedComponentsWithStats(hard.astype(np.uint8), connectivity=8)
        if stats[1:, cv2.CC_STAT_AREA].max() < 0.85 * len(xs):
            return None
    s = max_side / max(im.shape[:2])
    if s < 1:
        im = cv2.resize(im, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(im, cv2.COLOR_BGRA2RGBA)


def blend(bg: np.ndarray, fill: np.ndarray, alpha: np.ndarray, linear: bool = False) -> np.ndarray:
    """`fill` over `bg` ((H, W, 3) float, 0-255) by `alpha` ((H, W) in [0, 1]); `linear`: mixed in linear
    light (gamma 2.2), where a half-covered pixel of a dark object on a bright background looks brighter
    than the sRGB mean."""
    a = np.clip(alpha, 0.0, 1.0)[..., None]
    if not linear:
        return bg * (1 - a) + fill * a
    lb = (np.clip(bg, 0, 255) / 255.0) ** 2.2
    lf = (np.clip(fill, 0, 255) / 255.0) ** 2.2
    return np.maximum(lb * (1 - a) + lf * a, 0.0) ** (1 / 2.2) * 255.0


def _crop_alpha(a: np.ndarray) -> np.ndarray:
    """`a` cropped to its pixels above 127 (unchanged when there are none)."""
    ys, xs = np.nonzero(a > 127)
    return a[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(xs) else a


class CropGenerator:
    """Makes (crop uint8 (S, S, 3), mask bool (S, S)) training pairs; deterministic for a seed."""

    def __init__(
        self,
        objects: Sequence[Path],
        photos: Sequence[Path],
        seed: int = 0,
        size: int = CROP,
        cache: int = 2500,
        max_photo_side: int = 720,
        sprites: Sequence[Path] = (),
    ) -> None:
        self.objects = list(objects)
        self.sprites = list(sprites)
        self.rng = np.random.default_rng(seed)
        self.size = size
        self.photos = [p for p in (_load_photo(f, max_photo_side) for f in photos) if p is not None]
        if not self.photos:
            raise ValueError("no readable background photographs")
        self._cache: OrderedDict[Path, np.ndarray | None] = OrderedDict()
        self._cache_size = cache
        self.parts_p, self.composite_p = PARTS_P, COMPOSITE_P
        self.lowres_p = LOWRES_P

    # ------------------------------------------------------------------ sources
    def photo_region(self, h: int, w: int) -> np.ndarray:
        """A random region of a random photograph resized to (h, w), flipped and colour-jittered."""
        rng = self.rng
        p = self.photos[int(rng.integers(len(self.photos)))]
        ph, pw = p.shape[:2]
        frac = rng.uniform(0.12, 0.8)
        ch = max(8, int(ph * frac))
        cw = max(8, min(pw, int(ch * w / max(h, 1) * rng.uniform(0.8, 1.25))))
        y = int(rng.integers(0, max(1, ph - ch + 1)))
        x = int(rng.integers(0, max(1, pw - cw + 1)))
        reg = cv2.resize(p[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.5:
            reg = reg[:, ::-1]
        if rng.random() < 0.3:
            reg = np.ascontiguousarray(np.rot90(reg, int(rng.integers(1, 4))))
            reg = cv2.resize(reg, (w, h), interpolation=cv2.INTER_LINEAR)
        f = reg.astype(np.float32)
        gain = rng.uniform(0.7, 1.3, 3).astype(np.float32) if rng.random() < 0.7 else np.ones(3, np.float32)
        f = f * gain + rng.uniform(-25, 25)
        if rng.random() < 0.15:  # desaturate
            f = 0.6 * f + 0.4 * f.mean(axis=2, keepdims=True)
        return np.clip(f, 0, 255).astype(np.uint8)

    def _cutout(self, files: list[Path], one_piece: bool) -> np.ndarray | None:
        """A random file of `files` as a cached RGBA cut-out (`load_cutout`) or None."""
        path = files[int(self.rng.integers(len(files)))]
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        out = load_cutout(path, one_piece=one_piece)
        self._cache[path] = out
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return out

    def _blob(self, n: int) -> np.ndarray:
        rng = self.rng
        t = np.linspace(0, 2 * math.pi, 120, endpoint=False)
        r = np.ones_like(t)
        for k in range(1, 8):
            r += rng.normal(0, 0.35 / k) * np.cos(k * t + rng.uniform(0, 2 * math.pi))
        r = np.clip(r, 0.15, None)
        pts = np.stack([np.cos(t) * r, np.sin(t) * r], 1)
        return self._fill_poly(pts, n)

    def _fill_poly(self, pts: np.ndarray, n: int) -> np.ndarray:
        pts = pts - pts.min(0)
        pts = pts / max(float(pts.max()), 1e-6) * (n - 5) + 2
        a = np.zeros((n, n), np.uint8)
        cv2.fillPoly(a, [np.round(pts * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        return a

    def _thin(self, n: int) -> np.ndarray:
        """Strokes (legs, handles, poles) optionally attached to a small body: thin and concave shapes."""
        rng = self.rng
        a = np.zeros((n, n), np.uint8)
        if rng.random() < 0.6:
            body = self._blob(int(n * rng.uniform(0.35, 0.6)))
            y, x = (int(rng.integers(0, n - body.shape[0])) for _ in range(2))
            a[y : y + body.shape[0], x : x + body.shape[1]] = body
        for _ in range(int(rng.integers(1, 5))):
            k = int(rng.integers(2, 5))
            pts = rng.uniform(0.05, 0.95, (k, 2)) * n
            th = int(rng.integers(2, max(3, n // 12)))
            cv2.polylines(
                a, [np.round(pts * 16).astype(np.int32)], bool(rng.random() < 0.2), 255, th, cv2.LINE_AA, 4
            )
        if rng.random() < 0.3:  # a ring (a handle)
            c = tuple(int(v) for v in rng.uniform(0.3, 0.7, 2) * n)
            ax = tuple(int(v) for v in rng.uniform(0.1, 0.3, 2) * n)
            cv2.ellipse(
                a,
                c,
                ax,
                float(rng.uniform(0, 180)),
                0,
                360,
                255,
                int(rng.integers(3, max(4, n // 10))),
                cv2.LINE_AA,
            )
        return a

    def _hollow(self, n: int) -> np.ndarray:
        """Frames, rings and bent pipes: a thick outline of a blob, an ellipse or a rectangle, often with a
        stretch cut away (an L, a U, a horseshoe), so the box holds mostly background inside the object."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            outer = self._blob(n)
        else:
            outer = np.zeros((n, n), np.uint8)
            if kind < 0.7:
                axes = (n // 2 - 3, int(n * rng.uniform(0.2, 0.48)))
                cv2.ellipse(outer, (n // 2, n // 2), axes, 0, 0, 360, 255, -1)
            else:
                h = int(n * rng.uniform(0.4, 0.95))
                outer[(n - h) // 2 : (n + h) // 2, 2 : n - 2] = 255
        th = max(2, int(n * rng.uniform(0.04, 0.16)))
        inner = cv2.erode(outer, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * th + 1, 2 * th + 1)))
        a = cv2.subtract(outer, inner)
        if rng.random() < 0.6:  # cut a stretch away: an L, a U, a horseshoe
            c = rng.uniform(0, 2 * math.pi)
            w = rng.uniform(0.3, 2.5)
            r = 2 * n
            pts = np.array(
                [[n / 2, n / 2], [n / 2 + r * math.cos(c), n / 2 + r * math.sin(c)],
                 [n / 2 + r * math.cos(c + w), n / 2 + r * math.sin(c + w)]]
            )
            cv2.fillPoly(a, [np.round(pts).astype(np.int32)], 0)
        return a

    def _letters(self, n: int) -> np.ndarray:
        rng = self.rng
        text = "".join(rng.choice(list(LETTERS), int(rng.integers(1, 3))))
        font = FONTS[int(rng.integers(len(FONTS)))]
        th = int(rng.integers(2, 9))
        (tw, tht), base = cv2.getTextSize(text, font, 2.0, th)
        a = np.zeros((tht + base + 2 * th + 4, tw + 2 * th + 4), np.uint8)
        cv2.putText(a, text, (th + 2, tht + th + 2), font, 2.0, 255, th, cv2.LINE_AA)
        return a

    def composite(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """An object made of touching parts: (alpha uint8, part labels uint8: 1..K inside, 0 outside), both
        cropped to the alpha's box. A tree (2-5 foliage blobs on a stem, sometimes branches) or a body on
        a flat ground plate (a building on its lot)."""
        rng = self.rng
        a = np.zeros((n, n), np.uint8)
        lab = np.zeros((n, n), np.uint8)

        def put(part: np.ndarray, y: int, x: int, k: int) -> None:
            h, w = part.shape
            y, x = int(np.clip(y, 0, n - h)), int(np.clip(x, 0, n - w))
            win = (slice(y, y + h), slice(x, x + w))
            a[win] = np.maximum(a[win], part)
            lab[win][part > 127] = k

        if rng.random() < 0.6:  # tree: stem first, foliage over it
            top = int(n * rng.uniform(0.25, 0.5))
            cx = int(n * rng.uniform(0.4, 0.6))
            stem = np.zeros((n, n), np.uint8)
            pts = np.array([[cx + rng.normal(0, n * 0.03), n - 3], [cx + rng.normal(0, n * 0.06), top]])
            th = int(rng.integers(3, max(4, n // 10)))
            cv2.polylines(stem, [np.round(pts * 16).astype(np.int32)], False, 255, th, cv2.LINE_AA, 4)
            for _ in range(int(rng.integers(0, 3))):  # branches
                end = pts[1] + rng.uniform(-0.35, 0.35, 2) * n
                q = np.array([pts[0] + (pts[1] - pts[0]) * rng.uniform(0.4, 0.9), end])
                cv2.polylines(
                    stem, [np.round(q * 16).astype(np.int32)], False, 255, max(2, th // 2), cv2.LINE_AA, 4
                )
            put(stem, 0, 0, 1)
            cy_, cx_ = float(pts[1, 1]), float(pts[1, 0])
            for _ in range(int(rng.integers(2, 6))):  # each blob overlaps the foliage so far (or the top)
                b = _crop_alpha(self._blob(int(n * rng.uniform(0.2, 0.45))))
                bh, bw = b.shape
                put(
                    b,
                    int(cy_ - bh / 2 + rng.normal(0, bh * 0.25)),
                    int(cx_ - bw / 2 + rng.normal(0, bw * 0.3)),
                    2,
                )
                fy, fx = np.nonzero(lab == 2)
                j = int(rng.integers(len(fy)))
                cy_, cx_ = float(fy[j]), float(fx[j])
        else:  # a body on a ground plate
            plate = np.zeros((int(n * rng.uniform(0.3, 0.5)), n), np.uint8)
            ph, pw = plate.shape
            if rng.random() < 0.5:  # isometric lot (a diamond) or an ellipse
                d = np.array([[pw / 2, 0], [pw - 1, ph / 2], [pw / 2, ph - 1], [0, ph / 2]])
                cv2.fillPoly(plate, [np.round(d * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
            else:
                cv2.ellipse(
                    plate, (pw // 2, ph // 2), (pw // 2 - 1, ph // 2 - 1), 0, 0, 360, 255, -1, cv2.LINE_AA
                )
            put(plate, n - ph, 0, 1)
            for k in range(int(rng.integers(1, 3))):
                body = _crop_alpha(
                    self._blob(int(n * rng.uniform(0.3, 0.55)))
                    if rng.random() < 0.5
                    else self._thin(int(n * rng.uniform(0.35, 0.6)))
                )
                bh, bw = body.shape
                y = int(n - ph / 2 - 0.9 * bh + rng.normal(0, ph * 0.08))  # standing on the plate
                x = int(n / 2 - bw / 2 + rng.normal(0, n * 0.12))
                put(body, y, x, 2 + k)
        ys, xs = np.nonzero(a > 127)
        sl = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        return a[sl], lab[sl]

    def part_labels(self, hard: np.ndarray, k: int) -> np.ndarray:
        """Split the mask `hard` into `k` parts (Voronoi cells of random seed points inside it, with
        wavy borders): uint8 labels 1..k inside, 0 outside."""
        rng = self.rng
        ys, xs = np.nonzero(hard)
        idx = rng.choice(len(xs), size=min(k, len(xs)), replace=False)
        h, w = hard.shape
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        wave = cv2.resize(rng.normal(0, 1, (6, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
        d = np.stack([np.hypot(xx - xs[i], yy - ys[i]) for i in idx])
        d[0] += 0.08 * max(h, w) * wave  # wavy borders: parts are not straight-edged cells
        lab = (np.argmin(d, axis=0) + 1).astype(np.uint8)
        lab[~hard] = 0
        return lab

    def fill_parts(
        self, own: np.ndarray | None, placed_rgb: np.ndarray | None, bg: np.ndarray, labels: np.ndarray,
        own_p: float = OWN_COLOURS_P,
    ) -> np.ndarray:
        """The target's fill with each part (labels 1..K) from its own `_fill` (part 1 may use the
        clip art's colours), blended over a pixel at the part borders."""
        out = np.zeros((*labels.shape, 3), np.float32)
        weight = np.zeros(labels.shape, np.float32)
        for k in range(1, int(labels.max()) + 1):
            m = (labels == k).astype(np.float32)
            if not m.any():
                continue
            m = cv2.GaussianBlur(m, (0, 0), 0.7)
            f = self._fill(own, placed_rgb, bg, own_p) if k == 1 else self._fill(None, None, bg)
            out += f * m[..., None]
            weight += m
        inside = weight > 1e-6
        out[inside] /= weight[inside][:, None]
        return out

    def silhouette(self, n: int) -> tuple[np.ndarray, np.ndarray | None, float]:
        """(alpha uint8, own RGB or None, the chance to be shown in its own colours) cropped to the alpha's
        box."""
        rng = self.rng
        rgb = None
        a = None
        own_p = OWN_COLOURS_P
        if self.sprites and rng.random() < SPRITE_P:
            for _ in range(6):
                im = self._cutout(self.sprites, one_piece=True)
                if im is not None:
                    a, rgb, own_p = im[..., 3].copy(), im[..., :3], SPRITE_OWN_P
                    break
        u = rng.random()
        if a is None and u < 0.55 and self.objects:
            for _ in range(6):
                im = self._cutout(self.objects, one_piece=False)
                if im is not None:
                    a, rgb = im[..., 3].copy(), im[..., :3]
                    break
        if a is None:
            a = (
                self._blob(n) if u < 0.73
                else self._thin(n) if u < 0.87
                else self._hollow(n) if u < 0.89
                else self._letters(n)
            )
        ys, xs = np.nonzero(a > 127)
        if len(xs) == 0:
            a = self._blob(n)
            rgb = None
            ys, xs = np.nonzero(a > 127)
        sl = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        return a[sl], (rgb[sl] if rgb is not None else None), own_p

    # ------------------------------------------------------------------ composition
    def _place(
        self,
        alpha: np.ndarray,
        rgb: np.ndarray | None,
        w: int,
        h: int,
        cx: float,
        cy: float,
        angle: float,
        canvas: int,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Warp (alpha, rgb) so that it is about (w, h) big around (cx, cy), rotated: canvas-sized arrays."""
        m = self._matrix(alpha.shape, w, h, cx, cy, angle)
        a = cv2.warpAffine(alpha, m, (canvas, canvas), flags=cv2.INTER_LINEAR)
        c = cv2.warpAffine(rgb, m, (canvas, canvas), flags=cv2.INTER_LINEAR) if rgb is not None else None
        return a, c

    @staticmethod
    def _matrix(shape: tuple[int, ...], w: float, h: float, cx: float, cy: float, angle: float) -> np.ndarray:
        ah, aw = shape[:2]
        m = cv2.getRotationMatrix2D((aw / 2, ah / 2), angle, 1.0)
        m[0] *= w / aw
        m[1] *= h / ah
        m[0, 2] += cx - w / 2
        m[1, 2] += cy - h / 2
        return m

    def _fill(
        self, alpha_src_rgb: np.ndarray | None, placed_rgb: np.ndarray | None, bg: np.ndarray,
        own_p: float = OWN_COLOURS_P,
    ) -> np.ndarray:
        rng = self.rng
        n = bg.shape[0]
        # two draws: with one, the clip art's own colours would take u < OWN_COLOURS_P and its silhouettes
        # would never get the low-contrast and flat fills below
        own_colours = placed_rgb is not None and rng.random() < own_p
        u = rng.random()
        if own_colours:
            fill = placed_rgb.astype(np.float32)
            if rng.random() < 0.35:  # photo texture over the clip art's colours
                fill = 0.5 * fill + 0.5 * self.photo_region(n, n).astype(np.float32)
        elif u < 0.42:  # low contrast: another region with the background's statistics
            fill = self.photo_region(n, n).astype(np.float32)
            fill = (fill - fill.mean((0, 1))) / (fill.std((0, 1)) + 1) * (bg.std((0, 1)) + 1) + bg.mean(
                (0, 1)
            )
        elif u < 0.5:
            fill = np.full((n, n, 3), rng.uniform(0, 255, 3), np.float32) + rng.normal(0, 6, (n, n, 1))
        else:
            fill = self.photo_region(n, n).astype(np.float32)
        # lighting: a linear gradient and a soft highlight
        yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n
        g = 1 + rng.uniform(-0.35, 0.35) * (xx - 0.5) + rng.uniform(-0.35, 0.35) * (yy - 0.5)
        fill = fill * g[..., None]
        if rng.random() < 0.3:
            c = rng.uniform(0.2, 0.8, 2)
            fill += (
                60 * rng.uniform(0.3, 1) * np.exp(-((xx - c[0]) ** 2 + (yy - c[1]) ** 2) / 0.02)[..., None]
            )
        return np.clip(fill, 0, 255)

    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        """(crop (S, S, 3) uint8 RGB, mask (S, S) bool)."""
        crop, mask, _ = self.sample_with_ring()
        return crop, mask

    def sample_with_ring(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(crop, mask, ring): `ring` (N, 3) uint8 are the scene's pixels around the box, as
        `colour_prior.ring_pixels` takes them from a photograph (the canvas clips the ring)."""
        for _ in range(20):
            out = self._try_sample()
            if out is not None:
                return out
        raise RuntimeError("could not make a training sample")

    def _try_sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        rng = self.rng
        n = CANVAS
        bg = self.photo_region(n, n).astype(np.float32)
        # distractors behind
        for _ in range(int(rng.integers(0, 4))):
            a, own, own_p = self.silhouette(96)
            s = rng.uniform(30, 110)
            ar = a.shape[1] / a.shape[0]
            w, h = (s * math.sqrt(ar), s / math.sqrt(ar))
            pa, pc = self._place(a, own, w, h, *rng.uniform(0, n, 2), float(rng.uniform(-30, 30)), n)
            fa = (pa.astype(np.float32) / 255)[..., None]
            bg = bg * (1 - fa) + self._fill(own, pc, bg.astype(np.uint8), own_p) * fa
        if rng.random() < DEFOCUS_P:  # depth of field: the background (and distractors) out of focus
            bg = cv2.GaussianBlur(bg, (0, 0), rng.uniform(0.8, 5.0))
        # the target
        parts: np.ndarray | None = None
        if rng.random() < self.composite_p:
            alpha, parts = self.composite(128)
            own, own_p = None, OWN_COLOURS_P
        else:
            alpha, own, own_p = self.silhouette(128)
        ar = alpha.shape[1] / alpha.shape[0] * math.exp(rng.normal(0, 0.2))
        ar = float(np.clip(ar, 0.2, 5.0))
        s = rng.uniform(95, 120)
        w, h = s * math.sqrt(ar), s / math.sqrt(ar)
        k = min(1.0, 140 / max(w, h))
        w, h = w * k, h * k
        angle = float(rng.normal(0, 12)) if rng.random() < 0.5 else 0.0
        if rng.random() < 0.5:
            alpha = alpha[:, ::-1]
            own = own[:, ::-1] if own is not None else None
            parts = parts[:, ::-1] if parts is not None else None
        jitter = rng.normal(0, 6, 2)
        pa, pc = self._place(
            np.ascontiguousarray(alpha),
            None if own is None else np.ascontiguousarray(own),
            w,
            h,
            n / 2 + jitter[0],
            n / 2 + jitter[1],
            angle,
            n,
        )
        hard = pa > 127
        if hard.sum() < 150:
            return None
        labels = None
        if parts is not None:
            m = self._matrix(parts.shape, w, h, n / 2 + jitter[0], n / 2 + jitter[1], angle)
            labels = cv2.warpAffine(np.ascontiguousarray(parts), m, (n, n), flags=cv2.INTER_NEAREST)
            labels = np.where(hard & (labels == 0), 1, labels).astype(np.uint8)  # edge pixels: part 1
        elif rng.random() < self.parts_p:
            labels = self.part_labels(hard, int(rng.integers(2, 5)))
        if rng.random() < 0.4:  # drop shadow
            sh = cv2.GaussianBlur(pa.astype(np.float32) / 255, (0, 0), rng.uniform(2, 7))
            dx, dy = rng.uniform(-12, 12, 2)
            sh = cv2.warpAffine(sh, np.float32([[1, 0, dx], [0, 1, dy]]), (n, n))
            bg = bg * (1 - rng.uniform(0.25, 0.6) * sh[..., None])
        soft = pa.astype(np.float32) / 255
        if rng.random() < 0.7:
            soft = cv2.GaussianBlur(soft, (0, 0), rng.uniform(0.4, 1.3))
        bg8 = bg.astype(np.uint8)
        if labels is None:
            fill = self._fill(own, pc, bg8, own_p)
        else:
            fill = self.fill_parts(own, pc, bg8, labels, own_p)
        img = blend(bg, fill, soft, linear=rng.random() < LINEAR_BLEND_P)
        visible = hard
        if rng.random() < 0.3:  # occluder in front
            oa, oown, oown_p = self.silhouette(96)
            s2 = rng.uniform(30, 90)
            ys, xs = np.nonzero(hard)
            j = int(rng.integers(len(xs)))
            cx, cy = xs[j] + rng.normal(0, 20), ys[j] + rng.normal(0, 20)
            opa, opc = self._place(
                oa, oown, s2, s2 * rng.uniform(0.5, 1.5), cx, cy, float(rng.uniform(-40, 40)), n
            )
            fo = cv2.GaussianBlur(opa.astype(np.float32) / 255, (0, 0), 0.6)[..., None]
            img = img * (1 - fo) + self._fill(oown, opc, img.astype(np.uint8), oown_p) * fo
            visible = hard & ~(opa > 127)
            if visible.sum() < 0.4 * hard.sum():
                return None
        img8 = np.clip(img, 0, 255).astype(np.uint8)
        if rng.random() < self.lowres_p:
            img8, visible = self._shrink(img8, visible)
        ys, xs = np.nonzero(visible)
        if len(xs) < (100 if visible.shape[0] == n else 30):
            return None
        bw, bh = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
        if min(bw, bh) < 6:
            return None
        j = rng.uniform(-0.06, 0.06, 4) * np.array([bw, bh, bw, bh])
        box = (xs.min() - 0.5 + j[0], ys.min() - 0.5 + j[1], xs.max() + 0.5 + j[2], ys.max() + 0.5 + j[3])
        crop, _ = geo.crop_image(img8, box, self.size, CONTEXT)
        mk, _ = geo.crop_image(visible.astype(np.float32), box, self.size, CONTEXT)
        return self.degrade(crop), mk > 0.5, ring_pixels(img8, box)

    def _shrink(self, img8: np.ndarray, visible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The scene and its visible mask shrunk by a factor in `LOWRES_FACTOR` (area averaging; the mask
        cut at half coverage, as a ground truth at the photograph's resolution), half the time with a
        JPEG pass at the small size. The crop then magnifies it as it magnifies a small box."""
        rng = self.rng
        n = img8.shape[0]
        m = max(24, round(n / rng.uniform(*LOWRES_FACTOR)))
        small = cv2.resize(img8, (m, m), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.5:
            small = jpeg_pass(small, int(rng.integers(50, 95)))
        mask = cv2.resize(visible.astype(np.float32), (m, m), interpolation=cv2.INTER_AREA) > 0.5
        return small, mask

    def degrade(self, crop: np.ndarray) -> np.ndarray:
        rng = self.rng
        f = crop
        if rng.random() < 0.3:
            f = cv2.GaussianBlur(f, (0, 0), rng.uniform(0.4, 1.2))
        if rng.random() < 0.5:
            f = np.clip(f.astype(np.float32) + rng.normal(0, rng.uniform(1, 8), f.shape), 0, 255).astype(
                np.uint8
            )
        if rng.random() < 0.5:
            f = jpeg_pass(f, int(rng.integers(30, 92)))
        return np.ascontiguousarray(f)


def make_generator(
    split: str, seed: int, objects: str = OBJECTS, backgrounds: str = BACKGROUNDS,
    sprites: Sequence[str | Path] = SPRITE_ROOTS,
) -> CropGenerator:
    """A generator over the `split` ("train" or "val") objects, sprites and photographs (hash splits)."""
    oroot, broot = Path(objects), Path(backgrounds)
    objs = split_files(list_images(oroot), oroot, split, "objects") if oroot.is_dir() else []
    sprite_files = [  # split by folder: one creature's frames stay on one side
        f
        for f in list_sprites(sprites)
        if (int(hashlib.sha1(str(f.parent).encode()).hexdigest(), 16) % 100 < SPRITE_VAL_PERCENT)
        == (split == "val")
    ]
    bgs = (
        split_files(dedupe_resolutions(list_images(broot)), broot, split, "backgrounds")
        if broot.is_dir()
        else []
    )
    if not bgs:
        raise FileNotFoundError(
            f"no background photographs under {backgrounds} (apt-get install plasma-workspace-wallpapers)"
        )
    return CropGenerator(objs, bgs, seed=seed, sprites=sprite_files)


__all__ = [
    "CANVAS",
    "SPRITE_ROOTS",
    "CropGenerator",
    "blend",
    "list_sprites",
    "load_cutout",
    "make_generator",
    "sprite_roots",
]
