"""Colorization engine: line art or grayscale + Hints -> full-resolution RGB, around the `colorize` ONNX model
(numpy + OpenCV + the model registry; no torch, no Qt).

    eng = Colorizer()                                  # the installed "colorize" model, device auto
    rgb = eng.colorize(page_rgb, hints)                # (H, W, 3) uint8, exactly the input's size
    eng.suggest_colors(x, y, k=5)                      # [(rgb, prob)] from the last run's dist head
    eng.ab_gamut(50.0)                                 # in-gamut ab plane at L = 50 (RGBA uint8)

Pipeline: the input is scaled so its long side is at most the working size (256 preview / 512 final; never
upscaled) and padded to a multiple of 16; hints are rasterised at that size (points: squares of side
2r+1 as in training, strokes: polylines of their width; the colour as normalised Lab; in gray mode the
hint's L is the image's L, as the network saw in training); the network runs once; the predicted colour is
brought back to the page resolution with a fast guided filter (He & Sun 2015) guided by the
full-resolution input, so chroma edges follow the page's own edges. Gray mode keeps the input's exact L
and takes only a, b from the network; line-art mode takes the predicted L, a, b, upsampled region-aware
(`upsample.region_upsample`: a pixel only takes samples from its own line-enclosed region, so colour does
not bleed across lines; the regions are cached with the page) and multiplies the result by the page's line
art (``keep_lines``) so the lines stay exactly as drawn (``keep_lines=False``: guided filter, network L).
Finally the exact hint colours are re-imposed under the point hints.

This module holds the page preparation and the network around it. The pieces it builds on live beside it:
`pixels.py` (any picture to RGB, fast lightness and Lab -> RGB with OpenCV's float Lab, line-art levels and
detection), `hintmap.py` (hints to the network's planes and back onto the page), `flat.py` (line-enclosed
regions and the one-colour-per-region flats), `upsample.py` / `guided.py` (bringing the working-size
colour to the page) and `color.py` (the training's colour conventions, the ab bins and the gamut plane).
"""

from __future__ import annotations

import os
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from paintgan.core.hints import Hints
from paintgan.errors import ModelError
from paintgan.inference.colorize import color as C
from paintgan.inference.colorize.color import ab_gamut
from paintgan.inference.colorize.flat import flat_region_rgb, paper_colour, segment_regions
from paintgan.inference.colorize.guided import guided_upsample
from paintgan.inference.colorize.hintmap import impose_point_colors, rasterize_hints
from paintgan.inference.colorize.pixels import (
    ColorizeInputError,
    as_rgb_u8,
    detect_input_kind,
    gray_if_neutral,
    lab_to_rgb_u8,
    lightness,
    lineart_levels,
)
from paintgan.inference.colorize.upsample import region_upsample

DEFAULT_MODEL = "colorize"
PREVIEW_SIZE = 256
FINAL_SIZE = 512
SIZE_MULTIPLE = 16
DIST_STRIDE = 4
INPUT_NAMES = ("image", "hint", "mask", "mode", "palette")
OUTPUT_NAMES = ("color", "dist")
KINDS = ("lineart", "gray")
LINE_INK = 0.5  # line art below this is ink (region-aware upsampling)
REGION_GAP_RADIUS = 1
CLEAN_SAMPLE = 0.85  # working-size samples darker than this hold line ink: not used along boundaries
REGION_FULL_RES_PIXELS = 2_500_000  # above this, region-aware upsampling runs at half resolution


# ------------------------------------------------------------------------------------------ geometry
def working_geometry(width: int, height: int, working_size: int, multiple: int = SIZE_MULTIPLE
                     ) -> tuple[tuple[int, int], tuple[int, int]]:
    """((ww, wh) scaled size, (pw, ph) padded size): long side at most `working_size`, never upscaled."""
    s = min(1.0, working_size / max(width, height))
    ww, wh = max(1, round(width * s)), max(1, round(height * s))
    pw = -(-ww // multiple) * multiple
    ph = -(-wh // multiple) * multiple
    return (ww, wh), (pw, ph)


@dataclass
class Prepared:
    """A page ready for the network: the full-resolution guide and the working-size input."""

    kind: str
    size: tuple[int, int]  # (W, H) of the page
    guide: np.ndarray  # (H, W) float32 [0, 1]: L/100 (gray) or the line art (1 = paper)
    work: np.ndarray  # (wh, ww) float32 network image (unpadded)
    guide_low: np.ndarray  # (wh, ww) float32 area-downscaled guide
    working_size: int
    key: tuple[Any, ...] = ()
    labels: np.ndarray | None = None  # line art: line-enclosed regions (computed on first use, cached)

    def regions(self) -> np.ndarray:
        if self.labels is None:
            self.labels, _ = segment_regions(self.guide < LINE_INK, REGION_GAP_RADIUS)
        return self.labels


def prepare(image: np.ndarray, kind: str = "auto", working_size: int = FINAL_SIZE) -> Prepared:
    """Image (gray / RGB / RGBA, uint8 or float) -> `Prepared` for `kind` ("auto" detects it)."""
    rgb = as_rgb_u8(image)
    if kind == "auto":
        kind = detect_input_kind(rgb)
    elif kind not in KINDS:
        raise ColorizeInputError(f"input kind must be auto, lineart or gray, got '{kind}'")
    if kind not in KINDS:
        raise ColorizeInputError(f"input kind must be auto, lineart or gray, got '{kind}'")
    H, W = rgb.shape[:2]
    (ww, wh), _ = working_geometry(W, H, working_size)
    if kind == "gray":
        g = gray_if_neutral(image)
        guide = lightness(g if g is not None else rgb)
        guide *= 1.0 / C.L_SCALE
        small = cv2.resize(rgb, (ww, wh), interpolation=cv2.INTER_AREA) if (ww, wh) != (W, H) else rgb
        work = C.rgb_to_gray(small)  # the training conversion (color.py) at the working size
        guide_low = cv2.resize(guide, (ww, wh), interpolation=cv2.INTER_AREA) if (ww, wh) != (W, H) else guide
    else:
        guide = lineart_levels(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        if (ww, wh) != (W, H):
            f = ww / W
            k = int(0.5 / f)  # keep thin ink visible after area averaging: thicken it first
            src = guide
            if k >= 1:
                src = cv2.erode(guide, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * k + 1, 2 * k + 1)))
            work = cv2.resize(src, (ww, wh), interpolation=cv2.INTER_AREA)
            guide_low = cv2.resize(guide, (ww, wh), interpolation=cv2.INTER_AREA)
        else:
            work = guide
            guide_low = guide
    return Prepared(kind, (W, H), guide, np.ascontiguousarray(work, np.float32), guide_low, working_size)


# ------------------------------------------------------------------------------------------ model
def _load(model: str | os.PathLike[str], device: str) -> Any:
    from paintgan.inference.registry import LoadedModel, ModelRegistry, inspect_model_dir

    path = Path(model)
    if path.is_dir():
        from paintgan.inference.runtime import create_session

        info = inspect_model_dir(path, verify=True)
        if not info.ok:
            raise ModelError(f"Colorization unavailable: {info.error}")
        assert info.manifest is not None
        handles = {f.role: create_session(path / f.path, device, sha256=f.sha256)
                   for f in info.manifest.files}
        return LoadedModel(info, handles, device)
    name = str(model)
    if os.sep in name or "/" in name:
        raise ModelError(f"Colorization unavailable: model folder {name} does not exist")
    reg = ModelRegistry()
    try:
        return reg.load(name, device)
    except ModelError as exc:
        if not str(exc).startswith("no model named"):
            raise
        if name == DEFAULT_MODEL:  # any other installed colorize model will do
            try:
                info = reg.first_usable("colorize")
            except ModelError:
                pass
            else:
                return reg.load(info.name, device)
        where = str(exc).split("(searched: ", 1)[-1].rstrip(")") if "(searched: " in str(exc) else str(exc)
        raise ModelError(f"Colorization unavailable: the colorize model '{name}' is not installed "
                         f"(searched: {where})") from None


class Colorizer:
    """User-guided colorization with one loaded `colorize` model. Thread-safe (one run at a time)."""

    def __init__(self, model_name: str | os.PathLike[str] = DEFAULT_MODEL, device: str = "auto", *,
                 working_size: int = FINAL_SIZE, preview_size: int = PREVIEW_SIZE,
                 flat_regions: bool = True) -> None:
        self._init(_load(model_name, device), working_size, preview_size, flat_regions)

    @classmethod
    def from_loaded(cls, loaded: Any, *, working_size: int = FINAL_SIZE,
                    preview_size: int = PREVIEW_SIZE, flat_regions: bool = True) -> Colorizer:
        obj = cls.__new__(cls)
        obj._init(loaded, working_size, preview_size, flat_regions)
        return obj

    def _init(self, loaded: Any, working_size: int, preview_size: int, flat_regions: bool) -> None:
        self.model = loaded
        ins = {t.name: t for t in loaded.inputs()}
        outs = {t.name: t for t in loaded.outputs()}
        missing = [n for n in INPUT_NAMES if n not in ins] + [n for n in OUTPUT_NAMES if n not in outs]
        if missing:
            raise ModelError(f"model {loaded.name} is not a colorize model: it has no '{missing[0]}' "
                             f"({', '.join(ins)} -> {', '.join(outs)})")
        pre = dict(loaded.manifest.preprocessing or {})
        self.multiple = int(pre.get("size_multiple", SIZE_MULTIPLE))
        self.dist_stride = int(pre.get("dist_stride", DIST_STRIDE))
        modes = pre.get("mode") if isinstance(pre.get("mode"), dict) else {}
        self.mode_values = {"gray": float(modes.get("gray", 0.0)),
                            "lineart": float(modes.get("lineart", 1.0))}
        q_dim = ins["palette"].shape[-1]
        self.num_bins = int(q_dim) if isinstance(q_dim, int) else C.num_ab_bins()
        bins = pre.get("ab_bins") if isinstance(pre.get("ab_bins"), dict) else {}
        centers = bins.get("centers") if bins else None
        if centers is not None and len(centers) == self.num_bins:
            self.bin_centers = np.asarray(centers, np.float32).reshape(-1, 2)
        elif self.num_bins == C.num_ab_bins():
            self.bin_centers = C.ab_bin_centers()
        else:
            raise ModelError(f"model {loaded.name}: palette has {self.num_bins} bins but this PaintGAN uses "
                             f"{C.num_ab_bins()} and the manifest lists no ab bin centres")
        self.working_size = int(working_size)
        self.preview_size = int(preview_size)
        # line art: one colour per line-enclosed region (comic flats; hinted regions take their hint's colour)
        self.flat_regions = flat_regions
        self._lock = threading.Lock()
        self._prepared: Prepared | None = None
        self._last: dict[str, Any] | None = None
        self.last_timings: dict[str, float] = {}
        self.last_warnings: list[str] = []

    # -- info -------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.model.name)

    @property
    def device(self) -> str:
        return str(self.model.device)

    # -- pipeline ---------------------------------------------------------------------------------
    def prepare(self, image: np.ndarray, kind: str = "auto", working_size: int | None = None) -> Prepared:
        """`prepare()` with a one-entry cache keyed on the page's content (a CRC of every byte): hint edits
        on the same page skip the full-resolution conversions."""
        ws = int(working_size or self.working_size)
        arr = np.ascontiguousarray(image)
        key = (arr.shape, arr.dtype.str, kind, ws, zlib.crc32(memoryview(arr).cast("B")))
        cached = self._prepared
        if cached is not None and cached.key == key:
            return cached
        prep = prepare(arr, kind, ws)
        prep.key = key
        self._prepared = prep
        return prep

    def _feed(self, prep: Prepared, hints: Hints | None) -> dict[str, np.ndarray]:
        W, H = prep.size
        (ww, wh), (pw, ph) = working_geometry(W, H, prep.working_size, self.multiple)
        pad_val = 1.0 if prep.kind == "lineart" else None
        if pad_val is None:
            img = cv2.copyMakeBorder(prep.work, 0, ph - wh, 0, pw - ww, cv2.BORDER_REPLICATE)
        else:
            img = cv2.copyMakeBorder(prep.work, 0, ph - wh, 0, pw - ww, cv2.BORDER_CONSTANT, value=pad_val)
        hint, mask = rasterize_hints(hints, (W, H), (ww, wh), padded_size=(pw, ph),
                                     gray_l=prep.work if prep.kind == "gray" else None)
        pal = np.zeros(self.num_bins, np.float32)
        if hints is not None and hints.palette:
            pal = C.palette_histogram(np.asarray(hints.palette, np.float32) / 255.0)
        return {
            "image": img.reshape(1, 1, ph, pw).astype(np.float32),
            "hint": hint[None],
            "mask": mask[None],
            "mode": np.full((1, 1), self.mode_values[prep.kind], np.float32),
            "palette": pal.reshape(1, -1),
        }

    def run_network(self, prep: Prepared, hints: Hints | None) -> tuple[np.ndarray, np.ndarray]:
        """One pass: (Lab (wh, ww, 3) in Lab units, dist logits (Q, ph/4, pw/4))."""
        W, H = prep.size
        (ww, wh), _ = working_geometry(W, H, prep.working_size, self.multiple)
        feed = self._feed(prep, hints)
        t = time.perf_counter()
        out = self.model.run(feed)
        self.last_timings["model_ms"] = (time.perf_counter() - t) * 1000
        color = np.asarray(out["color"], np.float32)[0, :, :wh, :ww].transpose(1, 2, 0)
        lab = np.empty_like(color)
        lab[..., 0] = np.clip(color[..., 0], 0.0, 1.0) * C.L_SCALE
        lab[..., 1:] = np.clip(color[..., 1:] * C.AB_SCALE, -127.0, 127.0)
        return np.ascontiguousarray(lab), np.asarray(out["dist"], np.float32)[0]

    def colorize(self, image: np.ndarray, hints: Hints | None = None, kind: str = "auto",
                 working_size: int | None = None, *, exact_hints: bool = True, keep_lines: bool = True,
                 fast: bool = False, flat_regions: bool | None = None) -> np.ndarray:
        """Colorize `image` (gray, line art, RGB or RGBA) -> (H, W, 3) uint8 RGB of exactly its size.

        `keep_lines` (line art): multiply the result by the full-resolution line art, so the page's own
        lines stay crisp (as the colorize layer stack does with the line art on top in Multiply).
        `exact_hints`: paint the exact hint colours under the point hints.
        `fast` (previews): plain bilinear upsampling instead of the edge-aware one.
        `flat_regions` (line art; default `self.flat_regions`): every line-enclosed region gets one colour,
        its hints' colour when it has hints (majority vote, as flat fill), else the mean of the network's
        colours inside it: the flats a comic colourist wants, without the network's blotches."""
        with self._lock:
            t0 = time.perf_counter()
            self.last_timings = {}
            prep = self.prepare(image, kind, working_size)
            self.last_warnings = []
            if hints is not None:
                hints, self.last_warnings = hints.inside(*prep.size)  # outside the page: ignored
            t1 = time.perf_counter()
            lab_low, dist = self.run_network(prep, hints)
            t2 = time.perf_counter()
            flat = self.flat_regions if flat_regions is None else flat_regions
            rgb = self.finish(prep, lab_low, hints if exact_hints else None, keep_lines=keep_lines, fast=fast,
                              flat_regions=flat, region_hints=hints)
            t3 = time.perf_counter()
            W, H = prep.size
            self._last = {"dist": dist, "size": prep.size, "kind": prep.kind, "rgb": rgb,
                          "work": working_geometry(W, H, prep.working_size, self.multiple)[0]}
            self.last_timings.update(prepare_ms=(t1 - t0) * 1000, network_ms=(t2 - t1) * 1000,
                                     upsample_ms=(t3 - t2) * 1000, total_ms=(t3 - t0) * 1000)
            return rgb

    def finish(self, prep: Prepared, lab_low: np.ndarray, hints: Hints | None = None, *,
               keep_lines: bool = True, fast: bool = False, flat_regions: bool = False,
               region_hints: Hints | None = None) -> np.ndarray:
        """Working-size Lab -> full-resolution RGB uint8 (guided upsampling, gray keeps its L)."""
        W, H = prep.size
        if prep.kind == "lineart" and flat_regions:
            rgb = flat_region_rgb(prep.regions(), lab_low, prep.guide >= LINE_INK, region_hints)
            return self._finish_rgb(prep, rgb, hints, keep_lines=keep_lines)
        if fast:
            lab = cv2.resize(lab_low, (W, H), interpolation=cv2.INTER_LINEAR)
            if prep.kind == "gray":
                lab[..., 0] = prep.guide * C.L_SCALE
        elif prep.kind == "gray":
            lab = np.empty((H, W, 3), np.float32)
            ab = guided_upsample(prep.guide, lab_low[..., 1:] * (1.0 / C.AB_SCALE), r=2, eps=1e-3,
                                 I_low=prep.guide_low)
            lab[..., 0] = prep.guide * C.L_SCALE
            lab[..., 1:] = ab * C.AB_SCALE
        elif keep_lines:  # colour per line-enclosed region; the page's own lines are multiplied on below
            labels = prep.regions()
            step = 2 if W * H > REGION_FULL_RES_PIXELS else 1
            lab = region_upsample(labels[::step, ::step], lab_low, skip=prep.guide[::step, ::step] < LINE_INK,
                                  out_size=(W, H), low_valid=prep.guide_low > CLEAN_SAMPLE)
            paper = paper_colour(labels, region_hints)
            if paper is not None:  # the page's paper is flat: white, or its hints' colour (as in the flats)
                lab[labels == paper[0]] = C.rgb_to_lab(np.array([[paper[1]]], np.uint8))[0, 0]
        else:
            nlab = lab_low * np.array([1.0 / C.L_SCALE, 1.0 / C.AB_SCALE, 1.0 / C.AB_SCALE], np.float32)
            lab = guided_upsample(prep.guide, nlab, r=1, eps=1e-3, I_low=prep.guide_low)
            lab *= np.array([C.L_SCALE, C.AB_SCALE, C.AB_SCALE], np.float32)
        rgb = lab_to_rgb_u8(lab)
        del lab
        return self._finish_rgb(prep, rgb, hints, keep_lines=keep_lines)

    @staticmethod
    def _finish_rgb(prep: Prepared, rgb: np.ndarray, hints: Hints | None, *, keep_lines: bool) -> np.ndarray:
        """The page's own lines multiplied on (line art), exact hint colours imposed."""
        if prep.kind == "lineart" and keep_lines:
            line = cv2.cvtColor(cv2.convertScaleAbs(prep.guide, alpha=255.0), cv2.COLOR_GRAY2RGB)
            cv2.multiply(rgb, line, dst=rgb, scale=1.0 / 255.0)
        if hints is not None and hints.points:
            impose_point_colors(rgb, hints, prep.guide * C.L_SCALE if prep.kind == "gray" else None)
        return rgb

    def distribution(self, image: np.ndarray, kind: str = "auto") -> tuple[np.ndarray, np.ndarray]:
        """The distribution head with no hints: (probabilities (Q, h, w) over the page's valid area at
        1/`dist_stride` of the working size, ab bin centres (Q, 2)). Used to describe regions."""
        with self._lock:
            prep = self.prepare(image, kind)
            W, H = prep.size
            (ww, wh), _ = working_geometry(W, H, prep.working_size, self.multiple)
            _, dist = self.run_network(prep, None)
        h4 = max(1, -(-wh // self.dist_stride))
        w4 = max(1, -(-ww // self.dist_stride))
        return C.softmax(dist[:, :h4, :w4].astype(np.float32), axis=0), self.bin_centers

    # -- suggestions ------------------------------------------------------------------------------
    def suggest_colors(self, x: float, y: float, k: int = 5) -> list[tuple[tuple[int, int, int], float]]:
        """Up to `k` (rgb, probability) at page pixel (x, y), from the last run's distribution head,
        rendered at that pixel's L (the input's in gray mode, the result's in line-art mode)."""
        last = self._last
        if last is None:
            raise ColorizeInputError("suggest_colors needs a colorize() run first")
        W, H = last["size"]
        ww, wh = last["work"]
        dist = last["dist"]
        cx = int(np.clip(np.floor(x * ww / W / self.dist_stride), 0, dist.shape[2] - 1))
        cy = int(np.clip(np.floor(y * wh / H / self.dist_stride), 0, dist.shape[1] - 1))
        px = int(np.clip(x, 0, W - 1))
        py = int(np.clip(y, 0, H - 1))
        if last["kind"] == "gray" and self._prepared is not None and self._prepared.size == (W, H):
            L = float(self._prepared.guide[py, px] * C.L_SCALE)
        else:
            L = float(C.rgb_to_lab(last["rgb"][py, px][None])[0, 0])
        p = C.softmax(dist[:, cy, cx].astype(np.float64), axis=0)
        order = np.argsort(-p)[:k]
        out = []
        for i in order:
            lab = np.array([L, self.bin_centers[i, 0], self.bin_centers[i, 1]], np.float32)
            rgb = np.round(C.lab_to_rgb(lab) * 255.0).astype(int)
            out.append(((int(rgb[0]), int(rgb[1]), int(rgb[2])), float(p[i])))
        return out

    @staticmethod
    def ab_gamut(L: float, size: int = 256) -> np.ndarray:
        return ab_gamut(L, size)
