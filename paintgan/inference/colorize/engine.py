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

Full-resolution colour conversions use OpenCV's float Lab (same convention as `color.py`, which is
~40x slower on an A4 page); `color.py` is used for hints, the palette and the ab bins.
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
from paintgan.errors import ModelError, PaintGANError
from paintgan.inference.colorize import color as C
from paintgan.inference.colorize.guided import guided_upsample

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


class ColorizeInputError(PaintGANError, ValueError):
    """An image or argument the colorizer cannot use."""


# ------------------------------------------------------------------------------------------ pixels
def as_rgb_u8(image: Any) -> np.ndarray:
    """(H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA (composited over white), uint8 or float [0, 1]
    -> (H, W, 3) uint8 RGB."""
    if not isinstance(image, np.ndarray):
        raise ColorizeInputError(f"image must be a numpy array, got {type(image).__name__}")
    a = image
    if a.dtype != np.uint8:
        if a.dtype.kind == "f":
            a = (np.clip(np.nan_to_num(a), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        elif a.dtype == np.uint16:
            a = (a >> 8).astype(np.uint8)
        else:
            raise ColorizeInputError(f"image must be uint8 or float, got dtype {a.dtype}")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_GRAY2RGB)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise ColorizeInputError(f"image must have shape (H, W), (H, W, 3) or (H, W, 4), got {a.shape}")
    if a.shape[2] == 4:
        alpha = a[..., 3:4].astype(np.uint16)
        rgb = (a[..., :3].astype(np.uint16) * alpha + 255 * (255 - alpha) + 127) // 255
        return rgb.astype(np.uint8)
    return np.ascontiguousarray(a)


_LIN_LUT: np.ndarray | None = None
_L_LUT: np.ndarray | None = None


def _l_of_y(y: np.ndarray) -> np.ndarray:
    y = np.ascontiguousarray(y, dtype=np.float32)
    L = cv2.pow(np.maximum(y, 0.0), 1.0 / 3.0)
    L *= 116.0
    L -= 16.0
    small = y <= 0.008856
    if small.any():
        L[small] = 903.3 * y[small]
    return L


def lightness(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) or (H, W) uint8 -> CIE L (0..100) float32, fast (OpenCV LUT + cube root), same formula as
    `color.rgb_to_lab`. Gray input (2-D) takes a 256-entry table."""
    global _LIN_LUT, _L_LUT
    if _LIN_LUT is None:
        v = np.arange(256, dtype=np.float64) / 255.0
        _LIN_LUT = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)
        _L_LUT = _l_of_y(_LIN_LUT.reshape(1, -1)).reshape(-1)
    if rgb.ndim == 2:
        assert _L_LUT is not None
        return cv2.LUT(np.ascontiguousarray(rgb), _L_LUT)
    lin = cv2.LUT(rgb, _LIN_LUT)
    y = cv2.transform(lin, np.array([[0.212671, 0.715160, 0.072169]], np.float32))
    return _l_of_y(y.reshape(rgb.shape[:2]))


def gray_if_neutral(image: np.ndarray) -> np.ndarray | None:
    """(H, W) uint8 when `image` is 2-D or an RGB(A) uint8 picture with R = G = B (and opaque), else None."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        return None
    if a.ndim == 2:
        return a
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        return None
    if a.shape[2] == 4 and a[::7, ::7, 3].min() < 255:
        return None
    sub = a[::7, ::7]
    if not (np.array_equal(sub[..., 0], sub[..., 1]) and np.array_equal(sub[..., 0], sub[..., 2])):
        return None
    r = a[..., 0]
    if a.shape[2] == 4 and a[..., 3].min() < 255:
        return None
    if cv2.countNonZero(cv2.absdiff(r, a[..., 1])) or cv2.countNonZero(cv2.absdiff(r, a[..., 2])):
        return None
    return np.ascontiguousarray(r)


def lab_to_rgb_u8(lab: np.ndarray) -> np.ndarray:
    """float32 Lab (H, W, 3) (OpenCV convention) -> uint8 RGB, fast."""
    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB)
    return cv2.convertScaleAbs(rgb, alpha=255.0)


def lineart_levels(gray_u8: np.ndarray, sample: int = 262144) -> np.ndarray:
    """Gray uint8 line art -> float32 [0, 1] with paper stretched to 1 and the darkest ink to 0 (scans),
    like `lineart.prepare_lineart_input` but with the percentiles taken on a subsample (fast on pages)."""
    g = gray_u8
    step = max(1, int(np.sqrt(g.size / sample)))
    sub = g[::step, ::step].astype(np.float32) / 255.0
    lo, hi = np.percentile(sub, 0.5), np.percentile(sub, 90)
    out = g.astype(np.float32)
    out *= 1.0 / 255.0
    if hi - lo > 0.1:
        out -= lo
        out *= 1.0 / (hi - lo)
        np.clip(out, 0.0, 1.0, out=out)
    return out


def detect_input_kind(image: np.ndarray) -> str:
    """"lineart" for mostly near-white paper with thin dark ink, else "gray"."""
    rgb = as_rgb_u8(image)
    h, w = rgb.shape[:2]
    f = min(1.0, 1024.0 / max(h, w))
    if f < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    hsv_s = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gn = lineart_levels(g)
    white = gn > 0.85
    if white.mean() < 0.5 or np.percentile(g, 90) < 140:
        return "gray"
    nonwhite = ~white
    if nonwhite.any() and (hsv_s[nonwhite] > 60).mean() > 0.3:  # a colour picture on white
        return "gray"
    ink = gn < 0.5
    mid = nonwhite & ~ink
    if ink.mean() > 0.3 or ink.mean() < 1e-4 or mid.mean() > max(0.12, 1.5 * ink.mean()):
        return "gray"
    k = max(5, round(max(rgb.shape[:2]) / 100)) | 1
    opened = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return "lineart" if opened.sum() <= 0.6 * ink.sum() else "gray"


# ------------------------------------------------------------------------------------------ hints
def rgb_to_nlab(rgb: Any) -> np.ndarray:
    """(..., 3) uint8-valued RGB -> the network's normalised Lab (color.py)."""
    a = np.asarray(rgb, np.float32) / 255.0
    return C.rgb_to_net(a)


def rasterize_hints(
    hints: Hints | None,
    full_size: tuple[int, int],
    work_size: tuple[int, int],
    *,
    padded_size: tuple[int, int] | None = None,
    gray_l: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hints in full-resolution pixels -> (hint (3, h, w) normalised Lab, mask (1, h, w)) at `work_size`.

    Sizes are (w, h). Points cover the square [x - r, x + r]² (side 2r+1, at least one pixel) around the
    working pixel holding the point, as the network was trained; strokes are polylines of their width
    (at least 1 pixel). Later hints paint over earlier ones. `gray_l` (h, w, L/100 at the working size)
    replaces the hint's L by the image's (gray mode). `padded_size` gives the array size (default
    `work_size`)."""
    W, H = full_size
    ww, wh = work_size
    pw, ph = padded_size or work_size
    hint = np.zeros((ph, pw, 3), np.float32)
    mask = np.zeros((ph, pw), np.float32)
    if hints is None or not len(hints):
        return hint.transpose(2, 0, 1).copy(), mask[None]
    sx, sy = ww / W, wh / H
    s = float(np.sqrt(sx * sy))
    sel = np.zeros((ph, pw), np.uint8)
    for p in hints.points:
        cx = int(np.clip(np.floor(p.x * sx), 0, ww - 1))
        cy = int(np.clip(np.floor(p.y * sy), 0, wh - 1))
        r = max(0, round(p.radius * s))
        y0, y1 = max(0, cy - r), min(wh, cy + r + 1)
        x0, x1 = max(0, cx - r), min(ww, cx + r + 1)
        hint[y0:y1, x0:x1] = rgb_to_nlab(p.rgb)
        mask[y0:y1, x0:x1] = 1.0
    shift = 4
    for st in hints.strokes:
        sel[:] = 0
        pts = np.array([[(x * sx - 0.5) * (1 << shift), (y * sy - 0.5) * (1 << shift)] for x, y in st.points],
                       np.float64).round().astype(np.int32)
        thick = max(1, round(st.width * s))
        if len(pts) == 1:
            cv2.circle(sel, tuple(int(v) for v in pts[0]), max(0, thick // 2) << shift, 1, -1, cv2.LINE_8,
                       shift)
            if not sel.any():
                py = int(np.clip(pts[0][1] >> shift, 0, wh - 1))
                sel[py, int(np.clip(pts[0][0] >> shift, 0, ww - 1))] = 1
        else:
            cv2.polylines(sel, [pts.reshape(-1, 1, 2)], False, 1, thickness=thick, lineType=cv2.LINE_8,
                          shift=shift)
        sel[wh:, :] = 0
        sel[:, ww:] = 0
        m = sel > 0
        hint[m] = rgb_to_nlab(st.rgb)
        mask[m] = 1.0
    if gray_l is not None:
        on = mask[:wh, :ww] > 0
        hint[:wh, :ww, 0][on] = gray_l[on]
    return hint.transpose(2, 0, 1).copy(), mask[None]


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
            from paintgan.inference.colorize.flat import segment_regions

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
            from paintgan.inference.colorize.upsample import region_upsample

            labels = prep.regions()
            step = 2 if W * H > REGION_FULL_RES_PIXELS else 1
            lab = region_upsample(labels[::step, ::step], lab_low, skip=prep.guide[::step, ::step] < LINE_INK,
                                  out_size=(W, H), low_valid=prep.guide_low > CLEAN_SAMPLE)
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


def region_lab_means(lab: np.ndarray, labels: np.ndarray, paper: np.ndarray, n: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(means (n + 1, 3) float32 Lab, present (n + 1,) bool) per region of `labels` (values 1..n): the
    mean of `lab` over the region's `paper` (non-ink) pixels, or over all its pixels when it has none.
    `present`: the region has a pixel in `labels` (callers may pass a subsampled label image and fill in
    the regions it misses)."""
    flat_labels = labels.ravel()
    if n is None:
        n = int(flat_labels.max()) if flat_labels.size else 0
    w = paper.ravel().astype(np.float32)
    count = np.bincount(flat_labels, weights=w, minlength=n + 1)
    all_count = np.bincount(flat_labels, minlength=n + 1).astype(np.float64)
    means = np.zeros((n + 1, 3), np.float32)
    for ch in range(3):
        v = np.ascontiguousarray(lab[..., ch]).ravel()
        s_paper = np.bincount(flat_labels, weights=v * w, minlength=n + 1)
        s_all = np.bincount(flat_labels, weights=v, minlength=n + 1)
        means[:, ch] = np.where(count > 0, s_paper / np.maximum(count, 1e-9),
                                s_all / np.maximum(all_count, 1))
    return means, all_count > 0


def use_hint_colours(means: np.ndarray, labels: np.ndarray, hints: Hints | None) -> None:
    """Regions with hints take the colour their hints vote for, as flat fill decides it (in place)."""
    if hints is None or not (hints.points or hints.strokes):
        return
    from paintgan.inference.colorize.flat import region_colors

    colors, hinted = region_colors(labels, len(means) - 1, hints)
    if hinted.any():
        means[hinted] = C.rgb_to_lab(colors[hinted].astype(np.uint8))


def flatten_regions(lab: np.ndarray, labels: np.ndarray, paper: np.ndarray, hints: Hints | None = None
                    ) -> np.ndarray:
    """One Lab colour per region of `labels`, as an image like `lab`: the hints' colour for hinted
    regions, else the region's mean (`region_lab_means`)."""
    means, _ = region_lab_means(lab, labels, paper)
    use_hint_colours(means, labels, hints)
    return means[labels]


def flat_region_rgb(labels: np.ndarray, lab_low: np.ndarray, paper: np.ndarray, hints: Hints | None,
                    step: int | None = None) -> np.ndarray:
    """Full-resolution RGB uint8 with one colour per region: the network's Lab (`lab_low`, working size)
    upsampled bilinearly to the label grid subsampled by `step` (default: about the working size — the
    network has no finer detail), averaged per region (regions the subsampled grid misses are filled from
    their own pixels), hints' colours (voted on the full-resolution regions) for hinted regions; the palette
    is converted to RGB once and gathered, so a page costs a few table lookups per pixel."""
    H, W = labels.shape
    if step is None:
        step = max(1, min(H // max(1, lab_low.shape[0]), W // max(1, lab_low.shape[1])))
    sub = labels[::step, ::step]
    lab_s = cv2.resize(lab_low, (sub.shape[1], sub.shape[0]), interpolation=cv2.INTER_LINEAR)
    n = int(labels.max())
    means, present = region_lab_means(lab_s, sub, paper[::step, ::step], n)
    missing = ~present
    missing[0] = False
    if missing.any():
        ys, xs = np.nonzero(missing[labels])
        lbl = labels[ys, xs]
        vals = lab_s[np.minimum(ys // step, sub.shape[0] - 1), np.minimum(xs // step, sub.shape[1] - 1)]
        cnt = np.bincount(lbl, minlength=n + 1)
        for ch in range(3):
            sums = np.bincount(lbl, weights=vals[:, ch], minlength=n + 1)
            means[missing, ch] = (sums / np.maximum(cnt, 1))[missing]
    use_hint_colours(means, labels, hints)  # voted on the full-resolution regions
    palette = lab_to_rgb_u8(means[None])[0]
    return palette[labels]


def impose_point_colors(rgb: np.ndarray, hints: Hints, L: np.ndarray | None = None) -> None:
    """Paint each point hint's exact colour on a disc of its radius (in place). With `L` (gray mode) the
    page's lightness is kept and only the hint's a, b are imposed."""
    H, W = rgb.shape[:2]
    for p in hints.points:
        r = max(0.0, float(p.radius))
        cx, cy = float(p.x), float(p.y)
        x0, x1 = max(0, int(np.floor(cx - r))), min(W, int(np.floor(cx + r)) + 1)
        y0, y1 = max(0, int(np.floor(cy - r))), min(H, int(np.floor(cy + r)) + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        disc = (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= max(r, 0.5) ** 2 + 1e-6
        if not disc.any():
            disc[min(int(cy), y1 - 1) - y0, min(int(cx), x1 - 1) - x0] = True
        if L is None:
            rgb[y0:y1, x0:x1][disc] = p.rgb
        else:
            lab_h = C.rgb_to_lab(np.array(p.rgb, np.uint8)[None])[0]
            lab = np.empty((int(disc.sum()), 1, 3), np.float32)
            lab[:, 0, 0] = L[y0:y1, x0:x1][disc]
            lab[:, 0, 1:] = lab_h[1:]
            rgb[y0:y1, x0:x1][disc] = lab_to_rgb_u8(lab)[:, 0]


def ab_gamut(L: float, size: int = 256, ab_range: float = C.AB_RANGE) -> np.ndarray:
    """The ab plane at lightness `L` as an RGBA uint8 (size, size) image (ideepcolor's colour picker):
    column = a, row = b, both from -range to +range (row 0 is b = -range); alpha 0 outside the sRGB
    gamut. `gamut_ab_at` maps a clicked pixel back to (a, b)."""
    v = np.linspace(-ab_range, ab_range, size, dtype=np.float32)
    bb, aa = np.meshgrid(v, v, indexing="ij")
    lab = np.stack([np.full_like(aa, float(L)), aa, bb], axis=-1)
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)  # clipped to [0, 1]
    back = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    ok = np.sqrt(((back - lab) ** 2).sum(-1)) < 2.0
    out = np.zeros((size, size, 4), np.uint8)
    out[..., :3] = cv2.convertScaleAbs(rgb, alpha=255.0)
    out[..., 3] = np.where(ok, 255, 0).astype(np.uint8)
    return out


def gamut_ab_at(L: float, row: int, col: int, size: int = 256, ab_range: float = C.AB_RANGE
                ) -> tuple[float, float]:
    """(a, b) of pixel (row, col) of `ab_gamut(L, size)`."""
    v = np.linspace(-ab_range, ab_range, size)
    return float(v[col]), float(v[row])
