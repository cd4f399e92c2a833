"""GANPaint engine: generate a scene from a seed and paint concepts into it (numpy + ONNX Runtime only).

A GANPaint model folder holds two generator graphs (roles `z_to_features`: z [N,128] -> features
[N,C,h,w] and `features_to_image`: features -> image [N,3,H,W] in [-1,1]), optionally `segmenter`
(image [N,3,H,W] in [0,1] -> logits [N,K,H,W]) and `dissection.json` written by `paintgan dissect`
(for each concept the units ranked by IoU, and every unit's 99th-percentile activation).

Editing follows GANPaint (Bau et al., "GAN Dissection", ICLR 2019): for a concept's top units
(intensity low/medium/high = 4/10/15 units), with a = strength * mask max-pooled to the feature grid,

    features' = features * (1 - a) + v * a,     v = q99 of the unit ("draw") or 0 ("remove").

Seeds are reproducible: z = np.random.default_rng(seed).standard_normal(z_dim).astype(np.float32).
z -> features is cached per seed, so a stroke update runs only features -> image.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.errors import ModelError, PaintGANError
from paintgan.io.jsonfile import read_json_object

DISSECTION_NAME = "dissection.json"
INTENSITY_UNITS = {"low": 4, "medium": 10, "high": 15}
MODES = ("draw", "remove")
DEFAULT_MODEL = "ganpaint"


class EditError(PaintGANError, ValueError):
    """An edit is malformed (unknown concept or mode, mask of the wrong shape...)."""


@dataclass(frozen=True)
class Edit:
    """One GANPaint stroke: `mask` (H, W) float in [0, 1] at image resolution (any size; it is max-pooled
    to the feature grid), `strength` in [0, 1] scales it, `intensity` picks how many units move."""

    concept: str
    mode: str = "draw"
    mask: np.ndarray | None = None
    strength: float = 1.0
    intensity: str = "medium"

    def validate(self) -> None:
        if self.mode not in MODES:
            raise EditError(f"edit mode must be 'draw' or 'remove', got {self.mode!r}")
        if self.intensity not in INTENSITY_UNITS:
            raise EditError(f"intensity must be low, medium or high, got {self.intensity!r}")
        if self.mask is None:
            raise EditError("an edit needs a mask")
        m = np.asarray(self.mask)
        if m.ndim != 2 or m.size == 0:
            raise EditError(f"edit mask must be a 2-D array, got shape {m.shape}")
        if not np.isfinite(float(self.strength)):
            raise EditError("edit strength must be a finite number")


def seed_to_z(seed: int, z_dim: int = 128) -> np.ndarray:
    """The documented seed rule: (z_dim,) float32."""
    return np.random.default_rng(int(seed)).standard_normal(z_dim).astype(np.float32)


def pool_mask(mask: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Max-pool a (H, W) mask to `grid` (h, w) cells (cell i covers rows floor(i*H/h)..floor((i+1)*H/h))."""
    m = np.asarray(mask, dtype=np.float32)
    H, W = m.shape
    gh, gw = grid
    if gh > H or gw > W:  # smaller than the grid: nearest upsampling first
        ry, rx = -(-gh // H), -(-gw // W)
        m = np.repeat(np.repeat(m, ry, 0), rx, 1)
        H, W = m.shape
    rows = (np.arange(gh) * H) // gh
    cols = (np.arange(gw) * W) // gw
    pooled = np.maximum.reduceat(np.maximum.reduceat(m, rows, axis=0), cols, axis=1)
    return np.clip(pooled, 0.0, 1.0)


def to_uint8(image: np.ndarray, value_range: Sequence[float] = (-1.0, 1.0)) -> np.ndarray:
    """[1,3,H,W] or [3,H,W] float in value_range -> (H, W, 3) uint8."""
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 4:
        x = x[0]
    lo, hi = float(value_range[0]), float(value_range[1])
    x = (x - lo) / (hi - lo)
    return (np.clip(x, 0, 1).transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)


class Dissection:
    """The contents of dissection.json (see paintgan.inference.ganpaint.dissect)."""

    def __init__(self, data: dict[str, Any], source: str = DISSECTION_NAME) -> None:
        try:
            self.data = data
            self.q99 = np.asarray(data["unit_quantiles"]["q99"], dtype=np.float32)
            self.concept_units: dict[str, list[int]] = {
                c: [int(u) for u in v["units"]] for c, v in data["concepts"].items()
            }
            self.offered: list[str] = [str(c) for c in data["offered"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"dissection file is malformed: {type(exc).__name__}: {exc} ({source})"
            ) from None
        bad = [c for c in self.offered if c not in self.concept_units]
        if bad:
            raise ModelError(f"dissection offers concept '{bad[0]}' without units ({source})")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Dissection:
        p = Path(path)
        data = read_json_object(p, what="dissection",
                                fail=lambda problem, _kind: ModelError(f"{problem} ({p})"))
        return cls(data, str(p))


class GanPainter:
    """Generate and edit GANPaint scenes. Thread-safe; features per seed are cached (LRU)."""

    def __init__(
        self,
        model: str | os.PathLike[str] = DEFAULT_MODEL,
        device: str = "auto",
        *,
        registry: Any = None,
        cache_size: int = 16,
    ) -> None:
        from paintgan.inference.registry import ModelRegistry

        path = Path(model)
        if (
            isinstance(model, os.PathLike)
            or os.sep in str(model)
            or (path.is_dir() and (path / "manifest.json").exists())
        ):
            if not path.is_dir():
                raise ModelError(f"GANPaint unavailable: model folder not found ({path})")
            reg = ModelRegistry([path.resolve().parent], checksums=getattr(registry, "checksums", None))
            name = path.resolve().name
        else:
            reg = registry or ModelRegistry()
            name = str(model)
        self.model = reg.load(name, device)
        if self.model.manifest.task != "ganpaint":
            raise ModelError(f"model {name} is a {self.model.manifest.task} model, not a ganpaint model")
        roles = set(self.model.roles)
        missing = {"z_to_features", "features_to_image"} - roles
        if missing:
            raise ModelError(f"GANPaint unavailable: model {name} has no '{sorted(missing)[0]}' graph")
        self.folder = Path(self.model.folder)
        pre = self.model.manifest.preprocessing or {}
        zin = self.model.inputs("z_to_features")[0]
        self._z_name = zin.name
        self.z_dim = int(zin.shape[-1]) if isinstance(zin.shape[-1], int) else int(pre.get("z_dim", 128))
        self._f_name = self.model.inputs("features_to_image")[0].name
        self.value_range = tuple(pre.get("image_range", (-1.0, 1.0)))
        self.has_segmenter = "segmenter" in roles
        self.segmenter_classes: list[str] = list(pre.get("segmenter_classes", []))
        dpath = self.folder / DISSECTION_NAME
        self.dissection: Dissection | None = Dissection.load(dpath) if dpath.is_file() else None
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._image_size: tuple[int, int] | None = None

    @classmethod
    def default(cls, device: str = "auto") -> GanPainter:
        """The shipped (or user-installed) GANPaint model; ModelError when none is usable."""
        from paintgan.inference.registry import ModelRegistry

        reg = ModelRegistry()
        info = reg.first_usable("ganpaint")
        return cls(info.name, device, registry=reg)

    # ---------------------------------------------------------------------------------------- basics
    @property
    def name(self) -> str:
        return self.model.name

    @property
    def image_size(self) -> tuple[int, int]:
        """(H, W) of generated images: the graph's declared output shape, else the manifest's `image_size`,
        else measured by one render (cached)."""
        size = self._image_size
        if size is None:
            shape = tuple(self.model.outputs("features_to_image")[0].shape)
            if len(shape) == 4 and all(isinstance(d, int) for d in shape[-2:]):
                size = (int(shape[-2]), int(shape[-1]))
            else:
                pre = self.model.manifest.preprocessing or {}
                s = pre.get("image_size")
                if isinstance(s, int):
                    size = (s, s)
                else:
                    h, w = self.generate(0).shape[:2]
                    size = (int(h), int(w))
            self._image_size = size
        return size

    def concepts(self) -> list[str]:
        """Concepts that can be drawn/removed (those with enough well-matched units); [] before dissection."""
        return list(self.dissection.offered) if self.dissection else []

    def units_for(self, concept: str, intensity: str = "medium") -> list[int]:
        if self.dissection is None:
            raise EditError(
                f"model {self.name} has no dissection yet (run: paintgan dissect --model {self.name})"
            )
        if concept not in self.dissection.offered:
            offered = ", ".join(self.dissection.offered) or "none"
            raise EditError(f"unknown concept '{concept}' (offered: {offered})")
        if intensity not in INTENSITY_UNITS:
            raise EditError(f"intensity must be low, medium or high, got {intensity!r}")
        return self.dissection.concept_units[concept][: INTENSITY_UNITS[intensity]]

    def z(self, seed: int) -> np.ndarray:
        return seed_to_z(seed, self.z_dim)

    def features(self, seed: int) -> np.ndarray:
        """[C, h, w] float32 features of a seed (cached; do not modify the returned array)."""
        seed = int(seed)
        with self._lock:
            f = self._cache.get(seed)
            if f is not None:
                self._cache.move_to_end(seed)
                return f
        out = self.model.run({self._z_name: self.z(seed)[None]}, role="z_to_features")
        f = np.asarray(next(iter(out.values())), dtype=np.float32)[0]
        f.setflags(write=False)
        with self._lock:
            self._cache[seed] = f
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return f

    def features_batch(self, z: np.ndarray) -> np.ndarray:
        out = self.model.run({self._z_name: np.asarray(z, np.float32)}, role="z_to_features")
        return np.asarray(next(iter(out.values())), dtype=np.float32)

    def render(self, features: np.ndarray) -> np.ndarray:
        """[C,h,w] features -> (H, W, 3) uint8."""
        return to_uint8(self.render_raw(features[None])[0], self.value_range)

    def render_raw(self, features: np.ndarray) -> np.ndarray:
        """[N,C,h,w] -> [N,3,H,W] float in the model's value range."""
        out = self.model.run(
            {self._f_name: np.ascontiguousarray(features, np.float32)}, role="features_to_image"
        )
        return np.asarray(next(iter(out.values())), dtype=np.float32)

    def generate(self, seed: int) -> np.ndarray:
        return self.render(self.features(seed))

    # ---------------------------------------------------------------------------------------- editing
    def edit_features(self, features: np.ndarray, edits: Sequence[Edit]) -> np.ndarray:
        """Apply edits in order to a copy of [C, h, w] features."""
        f = np.array(features, dtype=np.float32, copy=True)
        grid = (f.shape[1], f.shape[2])
        for e in edits:
            e.validate()
            units = self.units_for(e.concept, e.intensity)
            a = pool_mask(np.asarray(e.mask), grid) * float(np.clip(e.strength, 0.0, 1.0))
            if not np.any(a > 0) or not units:
                continue
            idx = np.asarray(units, dtype=np.int64)
            if e.mode == "draw":
                assert self.dissection is not None
                v = self.dissection.q99[idx][:, None, None]
            else:
                v = np.zeros((len(idx), 1, 1), np.float32)
            f[idx] = f[idx] * (1 - a[None]) + v * a[None]
        return f

    def edit(self, seed: int, edits: Sequence[Edit]) -> np.ndarray:
        """(H, W, 3) uint8 image of `seed` with `edits` applied in order."""
        if not edits:
            return self.generate(seed)
        return self.render(self.edit_features(self.features(seed), edits))

    # ---------------------------------------------------------------------------------------- segmenter
    def segment(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, 3) or (H, W, 3) uint8 -> (N, H, W) / (H, W) uint8 class ids (segmenter_classes)."""
        if not self.has_segmenter:
            raise ModelError(f"model {self.name} has no segmenter graph")
        imgs = np.asarray(images)
        single = imgs.ndim == 3
        if single:
            imgs = imgs[None]
        x = imgs.astype(np.float32).transpose(0, 3, 1, 2) / 255.0
        name = self.model.inputs("segmenter")[0].name
        out = []
        for i in range(0, len(x), 32):
            logits = next(iter(self.model.run({name: x[i : i + 32]}, role="segmenter").values()))
            out.append(np.argmax(logits, axis=1).astype(np.uint8))
        labels = np.concatenate(out, 0)
        return labels[0] if single else labels


__all__ = ["INTENSITY_UNITS", "Dissection", "Edit", "EditError", "GanPainter", "pool_mask", "seed_to_z"]
