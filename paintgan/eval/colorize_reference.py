"""`python -m paintgan.eval colorize-reference [--data DIR] [--limit N] [--variant easy|hard|both] [--json]
[--grid OUT.png] [--seed S] [--model NAME] [--hints 0,1,2,5,10,20,50]`, and
`python -m paintgan.eval colorize-reference --build-heldout DIR [--count 60]` (see `colorize_heldout`).

Issue 15's reference protocol. For every coloured page of the folder (default data/colorize_heldout):

* target = its line art (`lineart.extract_lineart`, as `python -m paintgan.eval colorize`), no hints;
* reference = the coloured page mirrored horizontally, scaled by 0.8–0.9 and shifted on a white canvas of
  the page's size ("easy"); "hard" also cuts 5–15 % off one or two sides (a different crop) and rotates
  by ±3–8° (`reference_transform`, seeded per page);
* rows, mean RGB PSNR against the coloured page over the whole picture:
  - "reference (ours)": `reference.colorize_with_references(colorizer, lineart, [reference])`;
  - "shipped model, no hints": `Colorizer.colorize(lineart)` with flat regions, as the app does;
  - "same-position lookup (classical)": each line-enclosed region of the target takes the reference's
    median colour at the same relative position (both normalised by their content bounding boxes, no
    knowledge of the mirroring);
  - "ceiling": each region's true mean colour from the page.
  The last two are rendered as the app renders flats: the regions of `engine.prepare(...).regions()`, one
  colour each, the line art multiplied on. "gap closed" = (ours − lookup) / (ceiling − lookup); the
  issue's goal is ≥ 2/3.
* hint equivalence: the shipped model with N Zhang-style simulated hints (`colorize.zhang_hints`) for N in
  0, 1, 2, 5, 10, 20, 50, and the smallest N whose mean PSNR reaches ours (on the pages ours scored).

Diagnostics per variant: pages where ours is below the lookup, pages whose paper (the region around the
drawing) ours tints by more than `PAPER_TINT` levels, the fraction of regions matched, seconds per page.

A page whose reference the method refuses (`ReferenceError`) is a failure: listed, not scored, no crash.
Other rows are averaged over the same scored pages, so every row of a table compares the same pages.
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

from paintgan.errors import ModelError, PaintGANError

from .colorize import HINT_COUNTS, EvalDataError, load_images, make_input, psnr, zhang_hints

DEFAULT_DATA = Path("data/colorize_heldout")
VARIANTS = ("easy", "hard")
GOAL = 2.0 / 3.0
GRID_PAGES = 6
WHITE_LEVEL = 235  # reference pixels with every channel above this are paper
PAPER_TINT = 20  # a result whose paper (around the drawing) is off by more than this in a channel is tinted


# ------------------------------------------------------------------------------------------ transforms
def reference_transform(rgb: np.ndarray, variant: str, rng: np.random.Generator
                        ) -> tuple[np.ndarray, dict[str, Any]]:
    """The protocol's reference for a coloured page -> (reference (H, W, 3) uint8, what was done).

    Easy: mirrored horizontally, scaled by s ~ U(0.8, 0.9), shifted to a random place where it fits, on a
    white canvas of the page's size. Hard: first 5–15 % is cut off one or two sides (those parts become
    white), then mirrored, scaled, rotated by ±U(3, 8)° about the kept part's centre and shifted.
    `info["matrix"]` is the 2×3 affine map from page pixels (centres) to reference pixels."""
    if variant not in VARIANTS:
        raise EvalDataError(f"variant must be one of {', '.join(VARIANTS)}, got '{variant}'")
    H, W = rgb.shape[:2]
    src = rgb.copy()
    x0, y0, x1, y1 = 0.0, 0.0, float(W), float(H)  # kept part of the page (pixel edges)
    crop: dict[str, float] = {}
    angle = 0.0
    if variant == "hard":
        sides = [str(s) for s in rng.choice(["left", "right", "top", "bottom"], int(rng.integers(1, 3)),
                                            replace=False)]
        for side in sides:
            f = float(rng.uniform(0.05, 0.15))
            crop[side] = round(f, 4)
            if side == "left":
                x0 = round(W * f)
                src[:, : int(x0)] = 255
            elif side == "right":
                x1 = W - round(W * f)
                src[:, int(x1):] = 255
            elif side == "top":
                y0 = round(H * f)
                src[: int(y0)] = 255
            else:
                y1 = H - round(H * f)
                src[int(y1):] = 255
        angle = float(rng.uniform(3.0, 8.0) * rng.choice([-1.0, 1.0]))
    s = float(rng.uniform(0.8, 0.9))
    # mirror about the page's vertical centre line: x -> (W - 1) - x on pixel centres
    mirror = np.array([[-1.0, 0.0, W - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    cx, cy = (W - 1.0) - ((x0 + x1) / 2 - 0.5), (y0 + y1) / 2 - 0.5  # kept part's centre, mirrored
    kw, kh = s * (x1 - x0), s * (y1 - y0)
    nx = float(rng.uniform(kw / 2 - 0.5, max(kw / 2 - 0.5, W - kw / 2 - 0.5)))
    ny = float(rng.uniform(kh / 2 - 0.5, max(kh / 2 - 0.5, H - kh / 2 - 0.5)))
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # cv2 convention: + = counter-clockwise
    lin = s * rot
    place = np.eye(3)
    place[:2, :2] = lin
    place[:2, 2] = np.array([nx, ny]) - lin @ np.array([cx, cy])
    m = (place @ mirror)[:2]
    out = cv2.warpAffine(src, m, (W, H), flags=cv2.INTER_AREA if not angle else cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
    info = {"variant": variant, "mirrored": True, "scale": round(s, 4), "angle_deg": round(angle, 3),
            "crop": crop, "matrix": np.round(m, 5).tolist()}
    return out, info


# ------------------------------------------------------------------------------------------ baselines
class Regions:
    """The target's line-enclosed regions as the app flats them: labels (every pixel, 1..n, grown under
    the ink), the paper (non-ink) mask, and the line art as RGB for the Multiply."""

    def __init__(self, lineart: np.ndarray) -> None:
        from paintgan.inference.colorize.engine import LINE_INK, prepare

        prep = prepare(lineart, "lineart")
        self.labels = prep.regions()
        self.n = int(self.labels.max())
        self.paper = prep.guide >= LINE_INK
        self.line = cv2.cvtColor(cv2.convertScaleAbs(prep.guide, alpha=255.0), cv2.COLOR_GRAY2RGB)

    def background(self) -> np.ndarray:
        """bool (H, W): the paper pixels of the region holding most of the picture's border (the page's
        paper around the drawing)."""
        border = np.concatenate([self.labels[0], self.labels[-1], self.labels[:, 0], self.labels[:, -1]])
        bg = int(np.bincount(border).argmax())
        return (self.labels == bg) & self.paper

    def render(self, colors: np.ndarray) -> np.ndarray:
        """(n + 1, 3) uint8 colour per region -> flats × line art, (H, W, 3) uint8."""
        rgb = np.ascontiguousarray(colors.astype(np.uint8)[self.labels])
        cv2.multiply(rgb, self.line, dst=rgb, scale=1.0 / 255.0)
        return rgb

    def mean_colors(self, rgb: np.ndarray) -> np.ndarray:
        """Each region's mean colour of `rgb` over its paper pixels (all its pixels if it has none)."""
        lab = self.labels.ravel()
        w = self.paper.ravel().astype(np.float64)
        cnt_p = np.bincount(lab, weights=w, minlength=self.n + 1)
        cnt_a = np.bincount(lab, minlength=self.n + 1).astype(np.float64)
        out = np.full((self.n + 1, 3), 255.0)
        for ch in range(3):
            v = rgb[..., ch].ravel().astype(np.float64)
            sp = np.bincount(lab, weights=v * w, minlength=self.n + 1)
            sa = np.bincount(lab, weights=v, minlength=self.n + 1)
            out[:, ch] = np.where(cnt_p > 0, sp / np.maximum(cnt_p, 1e-9), sa / np.maximum(cnt_a, 1))
        return np.clip(np.round(out), 0, 255).astype(np.uint8)


def content_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) pixel-edge bounding box of the True pixels; the whole image when none."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0.0, 0.0, float(mask.shape[1]), float(mask.shape[0])
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def lookup_colors(regions: Regions, reference: np.ndarray) -> np.ndarray:
    """Same-relative-position lookup: every target pixel is mapped into the reference through the two
    content boxes (target: ink; reference: non-white pixels); each region takes the per-channel median of
    the reference colours found at its paper pixels' positions (all its pixels if it has no paper)."""
    H, W = regions.labels.shape
    tx0, ty0, tx1, ty1 = content_box(~regions.paper)
    ref = np.asarray(reference)
    rx0, ry0, rx1, ry1 = content_box((ref < WHITE_LEVEL).any(axis=2))
    fx = (rx1 - rx0) / max(1.0, tx1 - tx0)
    fy = (ry1 - ry0) / max(1.0, ty1 - ty0)
    xs = np.clip(((np.arange(W) + 0.5 - tx0) * fx + rx0).astype(np.int64), 0, ref.shape[1] - 1)
    ys = np.clip(((np.arange(H) + 0.5 - ty0) * fy + ry0).astype(np.int64), 0, ref.shape[0] - 1)
    sampled = ref[ys[:, None], xs[None, :]]  # (H, W, 3)
    lab = regions.labels.ravel()
    # regions with paper pixels use only those; the others use all their pixels
    paper_count = np.bincount(lab, weights=regions.paper.ravel().astype(np.float64), minlength=regions.n + 1)
    has_paper = paper_count > 0
    use = regions.paper.ravel() | ~has_paper[lab]
    lab_u = lab[use]
    out = np.full((regions.n + 1, 3), 255, np.uint8)
    counts = np.bincount(lab_u, minlength=regions.n + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    present = counts > 0
    mid = (starts + (counts - 1) // 2)[present]
    for ch in range(3):
        v = sampled[..., ch].ravel()[use]
        order = np.lexsort((v, lab_u))  # by region, then value
        out[present, ch] = v[order][mid]
    return out


# ------------------------------------------------------------------------------------------ evaluation
def _reference_api() -> tuple[Any, type[BaseException] | None, str | None]:
    """(colorize_with_references, ReferenceError, why-missing)."""
    try:
        from paintgan.inference.colorize.reference import ReferenceError as RefErr
        from paintgan.inference.colorize.reference import colorize_with_references
    except ImportError as exc:
        return None, None, ("no 'reference (ours)' row: paintgan.inference.colorize.reference is not "
                            f"available ({exc})")
    return colorize_with_references, RefErr, None


def _grid_indices(n: int, k: int = GRID_PAGES) -> list[int]:
    return sorted({round(float(x)) for x in np.linspace(0, n - 1, min(k, n))}) if n else []


def evaluate(images: list[np.ndarray], colorizer: Any = None, variants: Sequence[str] = VARIANTS,
             counts: Sequence[int] = HINT_COUNTS, seed: int = 0, progress: bool = False,
             keep_grid: bool = False) -> dict[str, Any]:
    """Per-page PSNRs of every row, per variant, and the aggregate tables (see the module docstring)."""
    from paintgan.inference.colorize.pixels import detect_input_kind

    ours_fn, ref_error, missing = _reference_api() if colorizer is not None else (None, None, None)
    notes: list[str] = []
    if colorizer is None:
        notes.append("no model: only the lookup and ceiling rows (ours and the shipped model need one)")
    elif missing:
        notes.append(missing)
    grid_idx = set(_grid_indices(len(images))) if keep_grid else set()
    grid_variant = variants[-1]
    grid: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    for i, rgb in enumerate(images):
        lineart = make_input(rgb, "lineart")
        regions = Regions(lineart)
        page: dict[str, Any] = {"index": i, "size": [int(rgb.shape[1]), int(rgb.shape[0])],
                                "regions": regions.n, "detected_kind": detect_input_kind(lineart),
                                "ceiling": psnr(regions.render(regions.mean_colors(rgb)), rgb)}
        if colorizer is not None:
            page["hints"] = {}
            for n in counts:
                hints = zhang_hints(rgb, n, np.random.default_rng([seed, i, n])) if n else None
                page["hints"][str(n)] = psnr(colorizer.colorize(lineart, hints, kind="lineart"), rgb)
            page["no_hints"] = page["hints"]["0"] if "0" in page["hints"] else psnr(
                colorizer.colorize(lineart, None, kind="lineart"), rgb)
        page["variants"] = {}
        for v in variants:
            ref, info = reference_transform(rgb, v, np.random.default_rng([seed, i, VARIANTS.index(v)]))
            lookup = regions.render(lookup_colors(regions, ref))
            row: dict[str, Any] = {"transform": info, "lookup": psnr(lookup, rgb)}
            ours_img = None
            if ours_fn is not None:
                t = time.perf_counter()
                try:
                    ours_img, match = ours_fn(colorizer, lineart, [ref], kind="lineart")
                except ref_error as exc:  # a refused reference is a reported failure, not a crash
                    row["error"] = str(exc)
                else:
                    row["seconds"] = time.perf_counter() - t
                    row["ours"] = psnr(ours_img, rgb)
                    bg = regions.background()
                    if bg.any():  # how far the paper around the drawing is from the page's own
                        diff = ours_img[bg].astype(np.float64).mean(0) - rgb[bg].astype(np.float64).mean(0)
                        row["paper_off"] = float(np.abs(diff).max())
                    cnt = getattr(getattr(match, "page", None), "count", None)
                    if cnt:
                        row["assigned"] = round(float(getattr(match, "assigned_count", 0)) / cnt, 4)
            page["variants"][v] = row
            if i in grid_idx and v == grid_variant:
                grid.append({"index": i, "reference": ref, "lineart": lineart, "ours": ours_img, "truth": rgb,
                             "psnr": row.get("ours")})
        pages.append(page)
        if progress and ((i + 1) % 5 == 0 or i + 1 == len(images)):
            el = time.perf_counter() - t_start
            eta = el / (i + 1) * (len(images) - i - 1)
            print(f"  {i + 1}/{len(images)} pages, {el:.0f} s, ETA {eta:.0f} s", file=sys.stderr)
    res = summarize(pages, variants, counts, has_model=colorizer is not None, has_ours=ours_fn is not None)
    res["notes"] = notes + res.get("notes", [])
    res["pages"] = _rounded(pages)
    if keep_grid:
        res["_grid"] = grid
        res["grid_variant"] = grid_variant
    return res


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 3)
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def _mean(vals: list[float]) -> float | None:
    return round(float(np.mean(vals)), 3) if vals else None


def summarize(pages: list[dict[str, Any]], variants: Sequence[str], counts: Sequence[int], *, has_model: bool,
              has_ours: bool) -> dict[str, Any]:
    """Aggregate tables per variant over the pages ours scored (all pages when there is no ours row)."""
    tables = {}
    for v in variants:
        failures = [{"index": p["index"], "error": p["variants"][v]["error"]} for p in pages
                    if "error" in p["variants"][v]]
        scored = [p for p in pages if "error" not in p["variants"][v]]
        rows: dict[str, float | None] = {}
        if has_ours:
            rows["ours"] = _mean([p["variants"][v]["ours"] for p in scored])
        if has_model:
            rows["no_hints"] = _mean([p["no_hints"] for p in scored])
        rows["lookup"] = _mean([p["variants"][v]["lookup"] for p in scored])
        rows["ceiling"] = _mean([p["ceiling"] for p in scored])
        t: dict[str, Any] = {"pages": len(scored), "failures": failures, "psnr": rows}
        if rows.get("ours") is not None and rows["lookup"] is not None and rows["ceiling"] is not None:
            span = rows["ceiling"] - rows["lookup"]
            gap = (rows["ours"] - rows["lookup"]) / span if abs(span) > 1e-9 else None
            t["gap_closed"] = round(gap, 4) if gap is not None else None
            t["goal"] = "met" if gap is not None and gap >= GOAL else "missed"
            t["seconds_per_page"] = round(float(np.mean([p["variants"][v]["seconds"] for p in scored])), 3)
            below = [p["variants"][v]["ours"] < p["variants"][v]["lookup"] for p in scored]
            t["pages_below_lookup"] = int(np.sum(below))
            tinted = [p["variants"][v].get("paper_off", 0.0) > PAPER_TINT for p in scored]
            t["paper_tinted"] = int(np.sum(tinted))
            assigned = [p["variants"][v]["assigned"] for p in scored if "assigned" in p["variants"][v]]
            if assigned:
                t["assigned_fraction"] = round(float(np.mean(assigned)), 4)
        if has_model and scored:
            eq = {str(n): _mean([p["hints"][str(n)] for p in scored]) for n in counts}
            t["hint_psnr"] = eq
            if rows.get("ours") is not None:
                reach = [n for n in counts if (eq[str(n)] or -1e9) >= rows["ours"]]
                t["hints_to_match_ours"] = min(reach) if reach else f"> {max(counts)}"
        tables[v] = t
    return {"images": len(pages), "variants": list(variants), "hint_counts": list(counts), "tables": tables,
            "goal_gap_closed": round(GOAL, 4)}


ROW_NAMES = {"ours": "reference (ours)", "no_hints": "shipped model, no hints",
             "lookup": "same-position lookup (classical)", "ceiling": "ceiling (true region means)"}


def markdown(res: dict[str, Any]) -> str:
    lines = [f"Reference colorization, {res['images']} pages, mean RGB PSNR (dB) vs the coloured page", ""]
    variants = res["variants"]
    head = "| row | " + " | ".join(variants) + " |"
    lines += [head, "|---|" + "---:|" * len(variants)]
    keys = [k for k in ROW_NAMES if any(res["tables"][v]["psnr"].get(k) is not None for v in variants)]
    for k in keys:
        cells = [res["tables"][v]["psnr"].get(k) for v in variants]
        lines.append(f"| {ROW_NAMES[k]} | " + " | ".join("" if c is None else f"{c:.2f}" for c in cells)
                     + " |")
    extra = [("gap closed (goal ≥ 0.67)", lambda t: f"{t['gap_closed']:.3f} ({t['goal']})"
              if t.get("gap_closed") is not None else ""),
             ("pages scored / failed", lambda t: f"{t['pages']} / {len(t['failures'])}"),
             ("seconds per page (ours)",
              lambda t: f"{t['seconds_per_page']:.2f}" if "seconds_per_page" in t else ""),
             ("pages where ours < lookup", lambda t: str(t.get("pages_below_lookup", ""))),
             (f"pages whose paper ours tints (> {PAPER_TINT} levels)",
              lambda t: str(t.get("paper_tinted", ""))),
             ("regions assigned (ours)",
              lambda t: f"{t['assigned_fraction']:.2f}" if "assigned_fraction" in t else ""),
             ("hints the model needs to match ours", lambda t: str(t.get("hints_to_match_ours", "")))]
    for name, fn in extra:
        lines.append(f"| {name} | " + " | ".join(fn(res["tables"][v]) for v in variants) + " |")
    t0 = res["tables"][variants[0]]
    if "hint_psnr" in t0:
        counts = res["hint_counts"]
        lines += ["", "Hint equivalence: shipped model with N Zhang-style simulated hints (scored pages)", "",
                  "| variant | " + " | ".join(f"N={n}" for n in counts) + " |",
                  "|---|" + "---:|" * len(counts)]
        for v in variants:
            hp = res["tables"][v].get("hint_psnr", {})
            lines.append(f"| {v} | " + " | ".join("" if hp.get(str(n)) is None else f"{hp[str(n)]:.2f}"
                                                  for n in counts) + " |")
    for v in variants:
        for f in res["tables"][v]["failures"]:
            lines.append(f"\nFailure ({v}, page {f['index']}): {f['error']}")
    for note in res.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ grid
def _tile(img: np.ndarray | None, size: int) -> np.ndarray:
    out = np.full((size, size, 3), 215, np.uint8)
    if img is None:
        cv2.putText(out, "n/a", (size // 2 - 20, size // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (90, 90, 90), 2)
        return out
    from paintgan.inference.colorize.pixels import as_rgb_u8

    img = as_rgb_u8(img)
    h, w = img.shape[:2]
    s = size / max(h, w)
    small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    y, x = (size - small.shape[0]) // 2, (size - small.shape[1]) // 2
    out[y: y + small.shape[0], x: x + small.shape[1]] = small
    x1, y1 = min(size - 1, x + small.shape[1]), min(size - 1, y + small.shape[0])
    cv2.rectangle(out, (max(0, x - 1), max(0, y - 1)), (x1, y1), (150, 150, 150), 1)  # page edge
    return out


def grid_image(items: list[dict[str, Any]], variant: str, size: int = 240) -> np.ndarray:
    """Rows of (reference, target line art, our result, truth), labelled -> RGB uint8."""
    cols = ("reference", "target line art", "reference (ours)", "truth")
    pad, head, label = 6, 28, 20
    width = pad + len(cols) * (size + pad)
    header = np.full((head, width, 3), 255, np.uint8)
    for j, c in enumerate(cols):
        cv2.putText(header, c, (pad + j * (size + pad) + 4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1,
                    cv2.LINE_AA)
    rows = [header]
    for it in items:
        row = np.full((size + label + pad, width, 3), 255, np.uint8)
        for j, key in enumerate(("reference", "lineart", "ours", "truth")):
            x = pad + j * (size + pad)
            row[label: label + size, x: x + size] = _tile(it[key], size)
        p = "refused" if it["psnr"] is None and it["ours"] is None else (
            f"{it['psnr']:.2f} dB" if it["psnr"] is not None else "")
        cv2.putText(row, f"page {it['index']:03d} ({variant}) ours: {p}", (pad + 2, 15),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 40), 1, cv2.LINE_AA)
        rows.append(row)
    return np.vstack(rows)


# ------------------------------------------------------------------------------------------ CLI
def _code_version() -> dict[str, str]:
    """The git commit of this checkout (and whether reference.py differs from it), for the record."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    out: dict[str, str] = {}
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5, check=False).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                "paintgan/inference/colorize"], capture_output=True, text=True, timeout=5,
                               check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return out
    if head:
        out["commit"] = head
        out["colorize_code"] = "modified" if dirty else "as committed"
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paintgan.eval colorize-reference",
                                 description="Reference colorization protocol (issue 15): PSNR of ours vs "
                                             "the shipped model, a same-position lookup and the ceiling; "
                                             "hint equivalence.")
    ap.add_argument("--data", default=None, help=f"folder of coloured pages (default {DEFAULT_DATA})")
    ap.add_argument("--limit", type=int, default=None, help="evaluate the first N pages only")
    ap.add_argument("--variant", default="both", choices=("easy", "hard", "both"))
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown tables")
    ap.add_argument("--grid", default=None, metavar="OUT.png", help="write a side-by-side image of six pages")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default="colorize", help="colorize model name or folder (default colorize)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--hints", default=",".join(map(str, HINT_COUNTS)), help="hint counts, comma separated")
    ap.add_argument("--no-model", action="store_true", help="lookup and ceiling rows only")
    ap.add_argument("--build-heldout", default=None, metavar="DIR",
                    help="build the held-out pages into DIR (from Debian game-art packages) and exit")
    ap.add_argument("--count", type=int, default=60, help="pages for --build-heldout (default 60)")
    a = ap.parse_args(list(argv) if argv is not None else None)
    if a.build_heldout:
        from .colorize_heldout import build

        meta = build(a.build_heldout, a.count)
        print(json.dumps({k: v for k, v in meta.items() if k != "pages"}))
        return 0
    if a.limit is not None and a.limit < 1:
        raise EvalDataError(f"--limit must be at least 1, got {a.limit}")
    try:
        counts = tuple(sorted({int(c) for c in a.hints.split(",") if c.strip()}))
    except ValueError:
        raise EvalDataError(f"--hints must be comma-separated integers, got '{a.hints}'") from None
    if not counts or min(counts) < 0:
        raise EvalDataError(f"--hints must be non-negative integers, got '{a.hints}'")
    data = Path(a.data) if a.data else DEFAULT_DATA
    if not data.exists():
        raise EvalDataError(f"no evaluation pages at {data} (build them with python -m paintgan.eval "
                            f"colorize-reference --build-heldout {data})")
    images, source = load_images(data, a.limit)
    colorizer = None
    notes: list[str] = []
    if not a.no_model:
        from paintgan.inference.colorize.engine import Colorizer

        try:
            colorizer = Colorizer(a.model, a.device)
        except ModelError as exc:
            notes.append(f"no model rows: {exc}")
    variants = VARIANTS if a.variant == "both" else (a.variant,)
    res = evaluate(images, colorizer, variants, counts, a.seed, progress=not a.json, keep_grid=bool(a.grid))
    res["data"] = source
    res["notes"] = notes + res["notes"]
    res["code"] = _code_version()
    if colorizer is not None:
        res["model"] = {"name": colorizer.name, "version": colorizer.model.manifest.version,
                        "device": colorizer.device}
    grid = res.pop("_grid", None)
    if a.grid and grid is not None:
        out = Path(a.grid)
        img = grid_image(grid, res["grid_variant"])
        ok, enc = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        if not ok:
            raise PaintGANError(f"{out}: could not encode the grid image")
        from paintgan.io.atomic import atomic_write

        atomic_write(out, enc.tobytes())
        res["grid"] = str(out)
    print(json.dumps(res, indent=1) if a.json else markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
