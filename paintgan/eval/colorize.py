"""`python -m paintgan.eval colorize --data DIR --kind lineart|gray [--json] [--limit N] [--model NAME]
[--device D] [--working-size PX] [--hints 0,1,2,5,10,20,50] [--seed S]`

On colour images (a folder of images, or a prepared split: DIR/val.npy or a .npy file of uint8
(N, H, W, 3); default /work/data/openclipart/val.npy when present) this derives the input (line art with
`lineart.extract_lineart`, deterministic; or the gray L), samples N point hints by the Zhang et al. 2017
protocol (positions ~ Normal(centre, size/4) clipped to the image, colour = mean of the 5×5 patch, radius
2, fixed seed per image) for N in {0, 1, 2, 5, 10, 20, 50}, and reports mean RGB PSNR per N of

* the model (`Colorizer`, full pipeline incl. guided upsampling; for line art one flat colour per
  line-enclosed region, hinted regions in their hints' colour), when one is installed, and for line art
  also the network's colours without those flats ("no region flats");
* the classical baseline of the same command: flat fill (× line art) for line art, watershed hint
  propagation keeping L for gray;
* for gray, "gray as is" (the input L with no colour).

Prints a Markdown table, or JSON with `--json`. Without a model only the baseline rows are reported (a note
says why).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from paintgan.core.hints import Hints, PointHint
from paintgan.errors import ModelError, PaintGANError

DEFAULT_DATA = Path("/work/data/openclipart")
HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50)
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}


class EvalDataError(PaintGANError):
    """The evaluation data is missing or malformed."""


def load_images(data: str | Path | None, limit: int | None = None) -> tuple[list[np.ndarray], str]:
    """uint8 RGB images and a description of where they came from."""
    p = Path(data) if data else DEFAULT_DATA
    if p.is_dir() and (p / "val.npy").exists():
        p = p / "val.npy"
    elif p.is_dir() and p.name == "val" and (p.parent / "val.npy").exists() and not any(p.iterdir()):
        p = p.parent / "val.npy"
    if p.suffix == ".npy" and p.is_file():
        arr = np.load(p, mmap_mode="r")
        if arr.dtype != np.uint8 or arr.ndim != 4 or arr.shape[3] != 3:
            raise EvalDataError(f"{p}: expected uint8 (N, H, W, 3), got {arr.dtype} {arr.shape}")
        n = len(arr) if not limit else min(limit, len(arr))
        return [np.array(arr[i]) for i in range(n)], str(p)
    if not p.is_dir():
        raise EvalDataError(f"no evaluation data at {p} (a folder of images, or a folder with val.npy; "
                            "prepare one with python -m paintgan.training.data prepare)")
    files = sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_EXTS and f.is_file())
    if not files:
        raise EvalDataError(f"no images in {p}")
    from paintgan.inference.colorize.pixels import as_rgb_u8
    from paintgan.io.images import load_image

    out = []
    for f in files[:limit] if limit else files:
        out.append(as_rgb_u8(load_image(f).pixels))
    return out, str(p)


def zhang_hints(rgb: np.ndarray, n: int, rng: np.random.Generator, patch: int = 5) -> Hints:
    """`n` point hints: positions ~ Normal(centre, size/4) clipped, colour = mean of the patch×patch
    patch (Zhang et al. 2017 evaluation protocol), radius patch // 2."""
    h, w = rgb.shape[:2]
    pts = []
    r = patch // 2
    for _ in range(n):
        y = int(np.clip(round(rng.normal(h / 2, h / 4)), 0, h - 1))
        x = int(np.clip(round(rng.normal(w / 2, w / 4)), 0, w - 1))
        y0, y1 = max(0, y - r), min(h, y + r + 1)
        x0, x1 = max(0, x - r), min(w, x + r + 1)
        mean = rgb[y0:y1, x0:x1].reshape(-1, 3).astype(np.float64).mean(0)
        pts.append(PointHint(x + 0.5, y + 0.5, tuple(round(c) for c in mean.tolist()), float(r)))
    return Hints(pts, image_size=(w, h))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse <= 1e-10 else 10.0 * np.log10(255.0**2 / mse)


def make_input(rgb: np.ndarray, kind: str) -> np.ndarray:
    """Line art (uint8 gray, 255 = paper) by the deterministic extractor, or the gray picture (uint8, its
    L rendered as neutral sRGB)."""
    if kind == "lineart":
        from paintgan.inference.colorize.lineart import extract_lineart

        return (extract_lineart(rgb) * 255.0 + 0.5).astype(np.uint8)
    from paintgan.inference.colorize.pixels import lab_to_rgb_u8, lightness

    lab = np.zeros(rgb.shape, np.float32)
    lab[..., 0] = lightness(rgb)
    return cv2.cvtColor(lab_to_rgb_u8(lab), cv2.COLOR_RGB2GRAY)


def evaluate(images: list[np.ndarray], kind: str, colorizer: Any = None, counts: Sequence[int] = HINT_COUNTS,
             seed: int = 0, gap_radius: int = 2, progress: bool = False) -> dict[str, Any]:
    from paintgan.inference.colorize.flat import colorize_flat

    methods = ["model"] if colorizer is not None else []
    if colorizer is not None and kind == "lineart":
        methods.append("smooth")  # the network's colours without per-region flats
    methods += ["baseline"] + (["gray"] if kind == "gray" else [])
    sums = {m: {n: 0.0 for n in counts} for m in methods}
    times = {m: 0.0 for m in methods}
    runs = 0
    t_start = time.perf_counter()
    for i, rgb in enumerate(images):
        inp = make_input(rgb, kind)
        for n in counts:
            hints = zhang_hints(rgb, n, np.random.default_rng([seed, i, n]))
            if colorizer is not None:
                t = time.perf_counter()
                out = colorizer.colorize(inp, hints, kind=kind)
                times["model"] += time.perf_counter() - t
                sums["model"][n] += psnr(out, rgb)
                if "smooth" in sums:
                    t = time.perf_counter()
                    out = colorizer.colorize(inp, hints, kind=kind, flat_regions=False)
                    times["smooth"] += time.perf_counter() - t
                    sums["smooth"][n] += psnr(out, rgb)
            t = time.perf_counter()
            base = colorize_flat(inp, hints, gap_radius=gap_radius, kind=kind)
            times["baseline"] += time.perf_counter() - t
            sums["baseline"][n] += psnr(base, rgb)
            if kind == "gray":
                sums["gray"][n] += psnr(cv2.cvtColor(inp, cv2.COLOR_GRAY2RGB), rgb)
            runs += 1
        if progress and (i + 1) % 10 == 0:
            el = time.perf_counter() - t_start
            eta = el / (i + 1) * (len(images) - i - 1)
            print(f"  {i + 1}/{len(images)} images, {el:.0f} s, ETA {eta:.0f} s", file=sys.stderr)
    k = max(1, len(images))
    names = {"model": f"model ({colorizer.name})" if colorizer is not None else "model",
             "smooth": f"model ({colorizer.name}), no region flats" if colorizer is not None else "",
             "baseline": ("flat fill (classical)" if kind == "lineart"
                          else "watershed propagation (classical)"),
             "gray": "gray as is"}
    return {
        "kind": kind,
        "images": len(images),
        "hint_counts": list(counts),
        "rows": [{"method": names[m], "key": m, "psnr": {str(n): round(sums[m][n] / k, 3) for n in counts},
                  "ms_per_image": round(1000 * times[m] / max(1, runs), 1) if m in times else None}
                 for m in methods],
    }


def markdown(res: dict[str, Any]) -> str:
    counts = res["hint_counts"]
    head = "| method | " + " | ".join(f"N={n}" for n in counts) + " | ms/run |"
    sep = "|---|" + "---:|" * (len(counts) + 1)
    lines = [f"Colorization, {res['kind']}, {res['images']} images, mean RGB PSNR (dB) by number of hints",
             "", head, sep]
    for row in res["rows"]:
        ms = row.get("ms_per_image")
        lines.append(f"| {row['method']} | " + " | ".join(f"{row['psnr'][str(n)]:.2f}" for n in counts)
                     + f" | {'' if ms is None or row['key'] == 'gray' else ms} |")
    for note in res.get("notes", []):
        lines.append("")
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paintgan.eval colorize",
                                 description="Colorization quality (RGB PSNR vs number of hints), model vs "
                                             "classical baseline.")
    ap.add_argument("--data", default=None, help=f"images folder or prepared split (default {DEFAULT_DATA})")
    ap.add_argument("--kind", required=True, choices=("lineart", "gray"))
    ap.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    ap.add_argument("--limit", type=int, default=None, help="evaluate the first N images only")
    ap.add_argument("--model", default="colorize", help="model name or folder (default colorize)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--working-size", type=int, default=None)
    ap.add_argument("--hints", default=",".join(map(str, HINT_COUNTS)), help="hint counts, comma separated")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap-radius", type=int, default=2)
    ap.add_argument("--no-model", action="store_true", help="baselines only")
    a = ap.parse_args(list(argv) if argv is not None else None)
    try:
        counts = tuple(int(c) for c in a.hints.split(",") if c.strip())
    except ValueError:
        raise EvalDataError(f"--hints must be comma-separated integers, got '{a.hints}'") from None
    images, source = load_images(a.data, a.limit)
    notes = []
    colorizer = None
    if not a.no_model:
        from paintgan.inference.colorize.engine import Colorizer

        try:
            kw = {"working_size": a.working_size} if a.working_size else {}
            colorizer = Colorizer(a.model, a.device, **kw)
        except ModelError as exc:
            notes.append(f"no model rows: {exc}")
    res = evaluate(images, a.kind, colorizer, counts, a.seed, a.gap_radius, progress=not a.json)
    res["data"] = source
    if colorizer is not None:
        res["model"] = {"name": colorizer.name, "version": colorizer.model.manifest.version,
                        "device": colorizer.device}
    res["notes"] = notes
    print(json.dumps(res, indent=1) if a.json else markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
