"""Procedural landscape/town scenes with per-pixel concept labels (GANPaint training data).

A scene is a sky gradient (day, dusk or overcast), an optional sun, procedural clouds, distant hills,
a grass field, an optional lake or river band, and public-domain clip-art trees and buildings from
Debian's `openclipart-png` (/usr/share/openclipart/png) standing on the ground, far ones first and
smaller. Each pixel gets the label of the topmost thing drawn there (sprite alpha > 0.5), so the label
map agrees with the image by construction.

    from paintgan.training.scenes import SceneRenderer, CONCEPTS
    r = SceneRenderer(size=64)
    img, labels = r.render(np.random.default_rng(0))   # (64, 64, 3) uint8 RGB, (64, 64) uint8 label ids

Loaded sprites are cached (cropped to their alpha box and pre-shrunk), so rendering runs on the fly
(about 1-3 ms per 64x64 scene). When the clip-art folder is missing, simple procedural trees (blobs on
trunks) and houses (boxes with roofs) stand in, so tests run anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

# Label ids; index = id. "sky" also covers anything not drawn otherwise.
CONCEPTS: tuple[str, ...] = ("sky", "cloud", "sun", "hill", "grass", "water", "tree", "building")
CONCEPT_ID = {c: i for i, c in enumerate(CONCEPTS)}
# Typical colours of each concept (RGB), used to draw a readable label visualisation.
LABEL_COLORS = np.array(
    [
        [135, 190, 240],
        [245, 245, 245],
        [255, 210, 40],
        [120, 120, 90],
        [70, 160, 60],
        [40, 90, 200],
        [20, 90, 30],
        [170, 60, 50],
    ],
    np.uint8,
)

CLIPART_ROOT = Path(os.environ.get("PAINTGAN_CLIPART", "/usr/share/openclipart/png"))

# Picked by hand from the package's folders (file names; looked up anywhere under CLIPART_ROOT).
TREE_FILES = (
    "plants/trees/cartoon_tree_01.png",
    "plants/trees/christmas_tree_01.png",
    "plants/trees/evergreen/lightly_decorated_evergreen_01.png",
    "plants/trees/evergreen/plain_tree_01.png",
    "plants/trees/evergreen/simple_evergreen_with_highlights_01.png",
    "plants/trees/evergreen/tree.png",
    "plants/trees/tree_01.png",
    "plants/trees/fall_coloured_tree_geral_01.png",
    "plants/trees/tree_whit_fruits_01.png",
    "plants/trees/palmtree_b_r_kessels_.png",
    "plants/albero_architetto_france_01.png",
    "plants/arbre_modern_jean-victor_01.png",
)
TREE_GLOBS = ("plants/trees/**/*tree*.png", "plants/trees/**/*evergreen*.png")
TREE_EXCLUDE = ("balls", "branches", "leaf", "fern", "scene", "saw", "pruner", "_mo_")
BUILDING_GLOBS = ("buildings/homes/*.png",)
BUILDING_FILES = (
    "buildings/church_building_01_01.png",
    "buildings/school_country__abiclipa_01.png",
    "buildings/firestation_mimooh_01.png",
    "buildings/carnegie_library_building_01.png",
    "buildings/house_gabrielle_nowicki_.png",
    "buildings/perspectival_house_01.png",
    "buildings/ch_teau-fort_01.png",
)
BUILDING_EXCLUDE = ("lighthouse",)

_SPRITE_CACHE: dict[tuple[str, int], list[np.ndarray]] = {}


def _find_files(root: Path, files: Sequence[str], globs: Sequence[str], exclude: Sequence[str]) -> list[Path]:
    found: dict[str, Path] = {}
    for rel in files:
        p = root / rel
        if p.is_file():
            found[p.name] = p
    for pattern in globs:
        for p in sorted(root.glob(pattern)):
            if p.is_file() and not any(x in p.name.lower() for x in exclude):
                found.setdefault(p.name, p)
    return [found[k] for k in sorted(found)]


def _load_sprite(path: Path, max_side: int) -> np.ndarray | None:
    """RGBA float32 in [0,1], cropped to its alpha box, longest side <= max_side; None if unusable."""
    im = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if im is None or im.ndim != 3 or im.shape[2] != 4:
        return None
    a = im[..., 3]
    ys, xs = np.nonzero(a > 16)
    if len(ys) < 50:
        return None
    im = im[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = im.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1:
        im = cv2.resize(
            im, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
        )
    rgba = im[..., [2, 1, 0, 3]].astype(np.float32) / 255.0
    if (rgba[..., 3] > 0.5).mean() < 0.15:  # line art / mostly outline: not a solid object
        return None
    return rgba


def load_sprites(kind: str, max_side: int = 160, root: Path | None = None) -> list[np.ndarray]:
    """Cached RGBA sprites of `kind` ("tree" or "building"); [] when the clip art is not installed."""
    root = root or CLIPART_ROOT
    key = (f"{root}:{kind}", max_side)
    if key not in _SPRITE_CACHE:
        if kind == "tree":
            paths = _find_files(root, TREE_FILES, TREE_GLOBS, TREE_EXCLUDE)
        elif kind == "building":
            paths = _find_files(root, BUILDING_FILES, BUILDING_GLOBS, BUILDING_EXCLUDE)
        else:
            raise ValueError(f"unknown sprite kind {kind!r}")
        sprites = [s for s in (_load_sprite(p, max_side) for p in paths) if s is not None]
        _SPRITE_CACHE[key] = sprites
    return _SPRITE_CACHE[key]


# ----------------------------------------------------------------------------------------- drawing helpers


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Value noise in [0,1] of roughly `cells` blobs across, shape (h, w)."""
    g = rng.random((max(2, cells * h // max(w, 1) + 2), cells + 2)).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _curve(rng: np.random.Generator, w: int, knots: int, amp: float) -> np.ndarray:
    k = rng.uniform(-amp, amp, knots + 2).astype(np.float32)
    return cv2.resize(k[None, :], (w, 1), interpolation=cv2.INTER_CUBIC)[0]


def _jitter_color(rng: np.random.Generator, rgb: Sequence[float], amount: float) -> np.ndarray:
    return np.clip(np.asarray(rgb, np.float32) / 255.0 + rng.uniform(-amount, amount, 3), 0, 1)


class SceneRenderer:
    """Renders (image RGB uint8 [S,S,3], labels uint8 [S,S]) pairs; see the module docstring."""

    def __init__(self, size: int = 64, clipart_root: str | os.PathLike[str] | None = None) -> None:
        self.size = int(size)
        root = Path(clipart_root) if clipart_root is not None else None
        self.trees = load_sprites("tree", max(96, 2 * self.size), root)
        self.buildings = load_sprites("building", max(96, 2 * self.size), root)

    # -------------------------------------------------------------------------------- public
    def render(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        S = self.size
        img = np.zeros((S, S, 3), np.float32)
        lab = np.zeros((S, S), np.uint8)
        horizon = int(S * rng.uniform(0.35, 0.65))
        self._sky(rng, img)
        if rng.random() < 0.45:
            self._sun(rng, img, lab, horizon)
        for _ in range(rng.choice([0, 1, 2, 3, 4], p=[0.2, 0.25, 0.25, 0.2, 0.1])):
            self._cloud(rng, img, lab, horizon)
        if rng.random() < 0.65:
            self._hills(rng, img, lab, horizon)
        self._ground(rng, img, lab, horizon)
        water_top = None
        if rng.random() < 0.45:
            water_top = self._water(rng, img, lab, horizon)
        self._objects(rng, img, lab, horizon, water_top)
        img += rng.normal(0, 0.01, img.shape).astype(np.float32)
        return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), lab

    def batch(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(n, S, S, 3) uint8 images and (n, S, S) uint8 labels."""
        pairs = [self.render(rng) for _ in range(n)]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

    # -------------------------------------------------------------------------------- layers
    def _sky(self, rng: np.random.Generator, img: np.ndarray) -> None:
        S = self.size
        kind = rng.choice(3, p=[0.65, 0.2, 0.15])
        if kind == 0:  # clear day
            top = _jitter_color(rng, (40, 110, 210), 0.08)
            bot = _jitter_color(rng, (170, 210, 245), 0.06)
        elif kind == 1:  # dusk
            top = _jitter_color(rng, (60, 70, 150), 0.08)
            bot = _jitter_color(rng, (250, 160, 90), 0.08)
        else:  # overcast
            g = rng.uniform(0.6, 0.8)
            top = np.clip(np.array([g, g, g + 0.05]) + rng.uniform(-0.05, 0.05, 3), 0, 1)
            bot = np.clip(top + 0.1, 0, 1)
        t = np.linspace(0, 1, S, dtype=np.float32)[:, None, None]
        img[:] = top * (1 - t) + bot * t

    def _sun(self, rng: np.random.Generator, img: np.ndarray, lab: np.ndarray, horizon: int) -> None:
        S = self.size
        r = S * rng.uniform(0.05, 0.1)
        cx, cy = rng.uniform(0.1, 0.9) * S, rng.uniform(0.08, 0.7) * horizon
        yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
        glow = np.exp(-np.maximum(d - r, 0) / (2.5 * r))[..., None] * 0.35
        color = _jitter_color(rng, (255, 215, 60), 0.06)
        img[:] = img * (1 - glow) + color * glow
        a = np.clip(r + 0.5 - d, 0, 1)[..., None]
        img[:] = img * (1 - a) + color * a
        lab[a[..., 0] > 0.5] = CONCEPT_ID["sun"]

    def _cloud(self, rng: np.random.Generator, img: np.ndarray, lab: np.ndarray, horizon: int) -> None:
        S = self.size
        cx, cy = rng.uniform(0, 1) * S, rng.uniform(0.1, 0.75) * horizon
        w = S * rng.uniform(0.15, 0.4)
        m = np.zeros((S, S), np.float32)
        for _ in range(rng.integers(3, 7)):
            ex = cx + rng.uniform(-0.5, 0.5) * w
            ey = cy + rng.uniform(-0.15, 0.1) * w
            ax, ay = w * rng.uniform(0.2, 0.4), w * rng.uniform(0.12, 0.25)
            cv2.ellipse(
                m,
                (int(ex * 4), int(ey * 4)),
                (int(ax * 4), int(ay * 4)),
                0,
                0,
                360,
                1.0,
                -1,
                cv2.LINE_AA,
                shift=2,
            )
        m = np.asarray(cv2.GaussianBlur(m, (0, 0), max(0.6, S / 100)), np.float32)
        shade = np.clip(1 - 0.25 * np.clip((np.arange(S, dtype=np.float32) - cy) / (0.3 * w + 1), 0, 1), 0, 1)
        color = _jitter_color(rng, (246, 246, 250), 0.03)
        c = color[None, None, :] * shade[:, None, None]
        a = (m * rng.uniform(0.85, 1.0))[..., None]
        img[:] = img * (1 - a) + c * a
        lab[m > 0.5] = CONCEPT_ID["cloud"]

    def _hills(self, rng: np.random.Generator, img: np.ndarray, lab: np.ndarray, horizon: int) -> None:
        S = self.size
        mountains = rng.random() < 0.4
        amp = S * (rng.uniform(0.12, 0.3) if mountains else rng.uniform(0.05, 0.15))
        knots = int(rng.integers(4, 9) if mountains else rng.integers(2, 5))
        top = horizon - np.abs(_curve(rng, S, knots, 1.0)) * amp - S * 0.02
        yy = np.arange(S, dtype=np.float32)[:, None]
        a = np.clip(yy - top[None, :] + 0.5, 0, 1)
        if mountains:
            base = _jitter_color(rng, (110, 115, 135), 0.08)
        else:
            base = _jitter_color(rng, (90, 140, 80), 0.08)
        tex = _smooth_noise(rng, S, S, 6)[..., None] * 0.12 - 0.06
        c = np.clip(
            base + tex + 0.1 * np.clip((top[None, :, None] - yy[..., None] + S * 0.1) / S, -1, 1), 0, 1
        )
        if mountains and rng.random() < 0.5:  # snow caps
            snow = (yy < (top[None, :] + amp * 0.25))[..., None]
            c = np.where(snow, np.array([0.93, 0.94, 0.97], np.float32), c)
        a3 = a[..., None]
        img[:] = img * (1 - a3) + c * a3
        lab[a > 0.5] = CONCEPT_ID["hill"]

    def _ground(self, rng: np.random.Generator, img: np.ndarray, lab: np.ndarray, horizon: int) -> None:
        S = self.size
        edge = horizon + _curve(rng, S, 3, S * 0.02)
        yy = np.arange(S, dtype=np.float32)[:, None]
        a = np.clip(yy - edge[None, :] + 0.5, 0, 1)
        base = _jitter_color(
            rng, rng.choice([(80, 150, 50), (110, 160, 60), (60, 120, 45), (140, 160, 70)]), 0.06
        )
        tex = (_smooth_noise(rng, S, S, 10)[..., None] - 0.5) * 0.15
        grain = rng.normal(0, 0.03, (S, S, 1)).astype(np.float32)
        depth = ((yy - horizon) / max(1, S - horizon)).clip(0, 1)[..., None]
        c = np.clip(base * (0.85 + 0.3 * depth) + tex + grain, 0, 1)
        a3 = a[..., None]
        img[:] = img * (1 - a3) + c * a3
        lab[a > 0.5] = CONCEPT_ID["grass"]

    def _water(self, rng: np.random.Generator, img: np.ndarray, lab: np.ndarray, horizon: int) -> int:
        S = self.size
        yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
        if rng.random() < 0.5:  # lake band starting near the horizon
            top = horizon + rng.uniform(0.0, 0.15) * (S - horizon)
            bottom = top + rng.uniform(0.25, 0.7) * (S - top)
            t = top + _curve(rng, S, 3, S * 0.02)[None, :]
            b = bottom + _curve(rng, S, 4, S * 0.04)[None, :]
            m = np.clip(np.minimum(yy - t, b - yy) + 0.5, 0, 1)
        else:  # river widening towards the viewer
            cx0 = rng.uniform(0.2, 0.8) * S
            cx1 = rng.uniform(0.0, 1.0) * S
            top = horizon + 1.0
            t = ((yy - top) / max(1.0, S - top)).clip(0, 1)
            center = cx0 + (cx1 - cx0) * t + _curve(rng, S, 3, S * 0.05)[:, None]
            half = S * (0.02 + rng.uniform(0.12, 0.3) * t)
            m = np.clip(half - np.abs(xx - center) + 0.5, 0, 1) * (yy >= top)
        color = _jitter_color(rng, (50, 100, 180), 0.08)
        sky_ref = img[max(0, horizon - 8) : max(1, horizon - 2)].mean(axis=(0, 1)) if horizon > 2 else color
        c = 0.6 * color + 0.4 * sky_ref
        ripple = (0.06 * np.sin(yy * rng.uniform(0.8, 1.6) * 64 / S + _smooth_noise(rng, S, S, 4) * 6))[
            ..., None
        ]
        c = np.clip(c + ripple, 0, 1)
        a3 = m[..., None]
        img[:] = img * (1 - a3) + c * a3
        lab[m > 0.5] = CONCEPT_ID["water"]
        ys = np.nonzero(m > 0.5)[0]
        return int(ys.min()) if len(ys) else S

    def _objects(
        self, rng: np.random.Generator, img: np.ndarray, lab: np.ndarray, horizon: int, water_top: int | None
    ) -> None:
        S = self.size
        items: list[tuple[float, str]] = []
        n_build = rng.choice([0, 1, 2, 3, 4], p=[0.3, 0.25, 0.2, 0.15, 0.1])
        n_tree = rng.choice([0, 1, 2, 3, 4, 5, 6], p=[0.15, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05])
        for _ in range(n_build):
            items.append((rng.uniform(horizon + 1, S * 1.05), "building"))
        for _ in range(n_tree):
            items.append((rng.uniform(horizon + 1, S * 1.1), "tree"))
        items.sort()
        for base_y, kind in items:
            depth = (base_y - horizon) / max(1.0, S - horizon)  # 0 at horizon, 1 at bottom
            if kind == "tree":
                h = S * (0.15 + 0.45 * depth) * rng.uniform(0.8, 1.25)
                sprite = self._pick(rng, self.trees)
            else:
                h = S * (0.15 + 0.35 * depth) * rng.uniform(0.8, 1.2)
                sprite = self._pick(rng, self.buildings)
            on_water = (
                water_top is not None and base_y > water_top and lab[min(S - 1, int(base_y)), :].max() == 5
            )
            if on_water and rng.random() < 0.7:  # mostly stand on the bank, not in the lake
                continue
            cx = rng.uniform(-0.05, 1.05) * S
            if sprite is None:
                rgba = self._procedural(rng, kind, h)
            else:
                sh, sw = sprite.shape[:2]
                w = max(2, round(h * sw / sh))
                hh = max(2, round(h))
                rgba = cv2.resize(sprite, (w, hh), interpolation=cv2.INTER_AREA)
                if kind == "tree" and rng.random() < 0.5:
                    rgba = rgba[:, ::-1]
                rgba = rgba.copy()
                rgba[..., :3] = np.clip(rgba[..., :3] * rng.uniform(0.85, 1.1, 3), 0, 1)
            self._paste(
                img, lab, rgba, int(cx - rgba.shape[1] / 2), int(base_y - rgba.shape[0]), CONCEPT_ID[kind]
            )

    @staticmethod
    def _pick(rng: np.random.Generator, sprites: list[np.ndarray]) -> np.ndarray | None:
        return sprites[int(rng.integers(len(sprites)))] if sprites else None

    def _procedural(self, rng: np.random.Generator, kind: str, h: float) -> np.ndarray:
        hh = max(3, round(h))
        ww = max(3, round(h * (0.7 if kind == "tree" else 1.1)))
        rgba = np.zeros((hh, ww, 4), np.float32)
        if kind == "tree":
            trunk = _jitter_color(rng, (100, 70, 40), 0.05)
            cv2.rectangle(
                rgba,
                (ww // 2 - max(1, ww // 10), hh // 2),
                (ww // 2 + max(1, ww // 10), hh - 1),
                (*trunk, 1.0),
                -1,
            )
            leaf = _jitter_color(rng, (40, 110, 40), 0.08)
            cv2.ellipse(rgba, (ww // 2, hh // 3), (ww // 2 - 1, hh // 3), 0, 0, 360, (*leaf, 1.0), -1)
        else:
            wall = _jitter_color(rng, (200, 170, 140), 0.15)
            roof = _jitter_color(rng, (150, 50, 40), 0.1)
            cv2.rectangle(rgba, (0, hh // 3), (ww - 1, hh - 1), (*wall, 1.0), -1)
            pts = np.array([[0, hh // 3], [ww // 2, 0], [ww - 1, hh // 3]], np.int32)
            cv2.fillConvexPoly(rgba, pts, (*roof, 1.0))
        return rgba

    @staticmethod
    def _paste(img: np.ndarray, lab: np.ndarray, rgba: np.ndarray, x: int, y: int, label: int) -> None:
        S0, S1 = img.shape[:2]
        h, w = rgba.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(S1, x + w), min(S0, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        part = rgba[y0 - y : y1 - y, x0 - x : x1 - x]
        a = part[..., 3:4]
        img[y0:y1, x0:x1] = img[y0:y1, x0:x1] * (1 - a) + part[..., :3] * a
        lab[y0:y1, x0:x1][a[..., 0] > 0.5] = label


def colorize_labels(labels: np.ndarray) -> np.ndarray:
    """(H, W) label ids -> (H, W, 3) uint8 visualisation."""
    return LABEL_COLORS[np.clip(labels, 0, len(CONCEPTS) - 1)]


def concept_frequencies(labels: np.ndarray) -> dict[str, float]:
    """Pixel share of each concept over a stack of label maps."""
    counts = np.bincount(labels.reshape(-1).astype(np.int64), minlength=len(CONCEPTS))[: len(CONCEPTS)]
    total = max(1, int(counts.sum()))
    return {c: float(counts[i]) / total for i, c in enumerate(CONCEPTS)}


if __name__ == "__main__":  # python -m paintgan.training.scenes OUT.png: a contact sheet
    import sys

    out = sys.argv[1] if len(sys.argv) > 1 else "scenes.png"
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    r = SceneRenderer(size)
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(4):
        imgs, labs = r.batch(rng, 8)
        rows.append(
            np.concatenate(
                [np.concatenate(list(imgs), 1), np.concatenate([colorize_labels(x) for x in labs], 1)], 0
            )
        )
    cv2.imwrite(out, cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))
    print(out, len(r.trees), "trees", len(r.buildings), "buildings")
