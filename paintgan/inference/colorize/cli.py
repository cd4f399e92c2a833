"""`paintgan colorize INPUT [INPUT ...] -o OUT [--hints HINTS.json] [--input-kind auto|lineart|gray]
[--model NAME] [--device auto|cpu|cuda] [--mode neural|flat|flats [--merge-same]] [--jobs N] [--gap-radius R]
[--scale-hints] [--memory [DIR]] [--reference REF.png ...]`

One input and a file OUT: writes that file. Several inputs, or a folder as INPUT (its images): writes
`<stem>.png` into the folder OUT, each page using `<stem>.hints.json` beside it unless `--hints` is given.
The output is an RGB PNG of exactly the input's width and height (`--mode flats`: an RGBA PNG, see
`flats.py`). With several pages, progress goes to
stderr (page n/N, ETA); a failing page is reported and the batch goes on; a summary of failures ends it and
the exit status is 2 if any page failed. `--memory`: the chapter colour memory (`chapter_memory.py`) adds
its suggestions to each page's hints and learns each result, pages in order. `--reference REF` (repeatable):
colour each page from coloured references (`reference.py`): every region matched with confidence gets its
reference colour as a hint (the page's own hints win); each reference is analysed once for the chapter, and
one that cannot be used (not coloured, corrupt, far too small or big) stops the call before any page.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from paintgan.errors import FormatError, ModelError, PaintGANError, one_line
from paintgan.inference.runtime import DEVICE_HELP, DEVICES

IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}


class ColorizeCLIError(PaintGANError):
    """A colorize command-line problem (bad arguments, hints for another page size...)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "colorize", help="colour line art or gray pictures from colour hints",
        description="Colour line art or a gray picture from colour hints (Hints JSON v1). Writes RGB "
                    "PNGs of exactly the input's size.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image file(s) or a folder of images")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output PNG (one input) or folder (several inputs or a folder)")
    p.add_argument("--hints", default=None, metavar="HINTS.json",
                   help="hints for every page (default: <stem>.hints.json beside each input, if present)")
    p.add_argument("--input-kind", default="auto", choices=("auto", "lineart", "gray"),
                   help="what the input is (default: auto-detect)")
    p.add_argument("--model", default="colorize", help="model name or folder (default: colorize)")
    p.add_argument("--device", default="auto", choices=DEVICES, help=DEVICE_HELP)
    p.add_argument("--mode", default="neural", choices=("neural", "flat", "flats"),
                   help="neural (the model), flat (classical region fill, no model needed) or flats (an RGBA "
                        "flatting layer: every line-enclosed region its own flat colour, no model needed)")
    p.add_argument("--merge-same", action="store_true",
                   help="flats: regions coloured alike by the hints share one flat (colours from the model "
                        "when installed, else the classical fill)")
    p.add_argument("--flats-background", default="flat", choices=("flat", "transparent"),
                   help="flats: the paper around the drawing is a flat (default) or transparent")
    p.add_argument("--smooth", action="store_true",
                   help="line art: keep the network's colour variations inside regions (default: one flat "
                        "colour per line-enclosed region, hinted regions in their hint's colour)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="pages processed in parallel (default 1)")
    p.add_argument("--gap-radius", type=int, default=2, metavar="R",
                   help="flat mode: close line gaps up to 2R pixels (default 2)")
    p.add_argument("--scale-hints", action="store_true",
                   help="map hints made for another page size (their image_size) onto the page")
    p.add_argument("--memory", nargs="?", const="", default=None, metavar="DIR",
                   help="use and update the chapter colour memory (.paintgan/ beside each page, or DIR): "
                        "colours applied on earlier pages, this call's included, are suggested as hints on "
                        "later ones (your hints win)")
    p.add_argument("--reference", action="append", default=[], metavar="REF",
                   help="a coloured reference picture (repeat for several): regions of each page that match "
                        "regions of a reference take their colours (your hints win)")
    p.add_argument("--working-size", type=int, default=None, metavar="PX",
                   help="neural mode: long side the network works at (default: the engine's, 512)")
    p.set_defaults(func=cmd_colorize)


def _collect(inputs: list[str]) -> tuple[list[Path], bool]:
    """Input files, and whether the batch form (output is a folder) applies."""
    files: list[Path] = []
    folder_given = False
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            folder_given = True
            imgs = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTS
                          and not f.name.startswith("."))
            if not imgs:
                raise ColorizeCLIError(f"no images in folder {p}")
            files.extend(imgs)
        else:
            files.append(p)
    return files, folder_given or len(files) > 1


def _page_hints(args: argparse.Namespace, src: Path, size: tuple[int, int]) -> tuple[Any, list[str]]:
    from paintgan.io.hints import Hints, load_hints

    if args.hints:
        path: Path | None = Path(args.hints)
    else:
        side = src.with_name(f"{src.stem}.hints.json")
        path = side if side.exists() else None
    if path is None:
        return Hints(), []
    hints = load_hints(path)
    w, h = size
    if hints.image_size is not None and tuple(hints.image_size) != (w, h):
        hw, hh = hints.image_size
        if not args.scale_hints:
            raise ColorizeCLIError(
                f"{path.name} was made for a {hw}×{hh} image but {src.name} is {w}×{h} "
                f"(use --scale-hints to map the hints onto this page)")
        hints = hints.scaled((hw, hh), (w, h))
    return hints.inside(w, h)


class _Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._engine: Any = None
        self._lock = threading.Lock()
        self._no_model: str | None = None  # flats --merge-same: why the classical fill gives the colours
        self.memory: Any = None  # --memory: chapter_memory.BatchMemory
        self.references: list[Any] = []  # --reference: analysed RegionSets
        self.reference_names: list[str] = []

    def load_references(self) -> None:
        """Read and analyse every --reference once, before any page (a bad one stops the call)."""
        from paintgan.inference.colorize.reference import reference_regions
        from paintgan.io.images import load_image

        eng = self.engine() if self.args.mode == "neural" else None
        for i, ref in enumerate(self.args.reference):
            path = Path(ref)
            name = f"reference {i + 1} ({path.name})"
            try:
                pixels = load_image(path).pixels
            except PaintGANError as exc:
                raise ColorizeCLIError(f"{name}: {one_line(exc)}") from None
            self.references.append(reference_regions(pixels, eng, name))
            self.reference_names.append(path.name)

    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                from paintgan.inference.colorize.engine import Colorizer

                try:
                    kw = {"working_size": self.args.working_size} if self.args.working_size else {}
                    self._engine = Colorizer(self.args.model, self.args.device,
                                             flat_regions=not self.args.smooth, **kw)
                except ModelError as exc:
                    raise ModelError(f"{exc}; use --mode flat to colour without a model") from None
            return self._engine

    def merge_colorize(self) -> Any:
        """flats --merge-same: the neural colorizer when a model is installed, else None (flat fill)."""
        if self._no_model is None:
            try:
                return self.engine().colorize
            except ModelError as exc:
                self._no_model = f"merging by the hints' flat fill ({one_line(exc)})"
        return None

    def page(self, src: Path, out: Path) -> list[str]:

        from paintgan.inference.colorize.flat import colorize_flat
        from paintgan.inference.colorize.memory import check_colorize_memory
        from paintgan.inference.colorize.pixels import detect_input_kind
        from paintgan.io.atomic import atomic_write
        from paintgan.io.images import image_size, load_image

        check_colorize_memory(*image_size(src), str(src))  # before decoding: fail in a second, not of memory
        img = load_image(src)
        h, w = img.height, img.width
        flats_only = self.args.mode == "flats" and not self.args.merge_same
        hints, warnings = (None, []) if flats_only else _page_hints(self.args, src, (w, h))
        kind = self.args.input_kind
        if self.references:
            from paintgan.inference.colorize.reference import match_references

            eng = self.engine() if self.args.mode == "neural" else None
            match = match_references(img.pixels, self.references, eng, names=self.reference_names, kind=kind)
            hints = match.hints(hints)
            if match.unassigned_count:
                warnings = [*warnings, f"{match.unassigned_count} of {match.page.count} regions match no "
                                       "reference region confidently: they keep the model's guess"]
        if self.memory is not None:
            hints = self.memory.hints(src, img.pixels, hints, kind)
        if self.args.mode == "flats":
            from paintgan.inference.colorize.flats import page_flats

            colorize = self.merge_colorize() if self.args.merge_same else None
            if self.args.merge_same and colorize is None and self._no_model:
                warnings = [*warnings, self._no_model]
            rgb, notes = page_flats(img.pixels, hints, kind=kind, gap_radius=self.args.gap_radius,
                                    background=self.args.flats_background, merge=self.args.merge_same,
                                    colorize=colorize)
            warnings = [*warnings, *notes]
        elif self.args.mode == "flat":
            if kind == "auto":
                kind = detect_input_kind(img.pixels)
            rgb = colorize_flat(img.pixels, hints, gap_radius=self.args.gap_radius, kind=kind)
        else:
            eng = self.engine()
            rgb = eng.colorize(img.pixels, hints, kind=kind)
        assert rgb.shape[:2] == (h, w), (rgb.shape, (h, w))
        atomic_write(out, encode_rgb_png(rgb))
        if self.memory is not None:
            warnings = [*warnings, *self.memory.applied(src, img.pixels, rgb, kind)]
        return warnings


def encode_rgb_png(rgb: Any) -> bytes:
    """(H, W, 3) uint8 RGB -> RGB PNG bytes (no alpha channel); (H, W, 4) RGBA -> RGBA PNG bytes."""
    import cv2
    import numpy as np

    bgr = rgb[..., [2, 1, 0, 3]] if rgb.shape[2] == 4 else rgb[..., ::-1]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(bgr), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ColorizeCLIError("could not encode the result as PNG")
    return buf.tobytes()


def cmd_colorize(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise ColorizeCLIError("--jobs must be at least 1")
    if args.gap_radius < 0:
        raise ColorizeCLIError("--gap-radius must be 0 or more")
    if args.device not in ("auto", "cpu", "cuda", "directml", "coreml"):
        raise ColorizeCLIError(f"--device must be auto, cpu or cuda, got '{args.device}'")
    if args.merge_same and args.mode != "flats":
        raise ColorizeCLIError("--merge-same needs --mode flats")
    if args.memory and Path(args.memory).suffix.lower() in IMAGE_EXTS and Path(args.memory).is_file():
        args.inputs, args.memory = [args.memory, *args.inputs], ""  # `--memory page.png ...`: a page
    files, batch = _collect(args.inputs)
    out = Path(args.output)
    runner = _Runner(args)
    if args.memory is not None:
        from paintgan.inference.colorize.chapter_memory import BatchMemory

        if args.mode == "flats":
            raise ColorizeCLIError("--memory works with --mode neural or flat")
        runner.memory = BatchMemory(args.memory or None,
                                    lambda m: print(f"paintgan: warning: {m}", file=sys.stderr),
                                    lambda m: print(f"paintgan: {m}", file=sys.stderr))
        args.jobs = 1  # in order: earlier pages feed later ones
    if args.mode == "neural":
        runner.engine()  # a missing model is one clear error before any page
    if args.reference:
        if args.mode == "flats":
            raise ColorizeCLIError("--reference works with --mode neural or flat")
        runner.load_references()
    if not batch:
        src = files[0]
        if out.is_dir():
            out = out / f"{src.stem}.png"
        for w in runner.page(src, out):
            print(f"paintgan: warning: {src.name}: {w}", file=sys.stderr)
        return 0
    if out.exists() and not out.is_dir():
        raise ColorizeCLIError(f"{out} is a file; with several inputs OUT must be a folder")
    out.mkdir(parents=True, exist_ok=True)
    stems: dict[str, Path] = {}
    for f in files:
        if f.stem in stems:
            raise ColorizeCLIError(f"{f} and {stems[f.stem]} would both write {f.stem}.png")
        stems[f.stem] = f
    n = len(files)
    failures: list[tuple[Path, str]] = []
    t0 = time.perf_counter()
    done = 0
    lock = threading.Lock()

    def work(src: Path) -> None:
        nonlocal done
        err: str | None = None
        warns: list[str] = []
        try:
            warns = runner.page(src, out / f"{src.stem}.png")
        except PaintGANError as exc:
            err = str(exc)
        except (OSError, ValueError, MemoryError) as exc:
            err = one_line(exc, with_type=True)
        with lock:
            done += 1
            el = time.perf_counter() - t0
            eta = el / done * (n - done)
            for w in warns:
                print(f"paintgan: warning: {src.name}: {w}", file=sys.stderr)
            if err is not None:
                failures.append((src, err))
                print(f"[{done}/{n}] {src.name}: FAILED: {err}", file=sys.stderr)
            else:
                print(f"[{done}/{n}] {src.name} -> {src.stem}.png  ({el:.1f} s, ETA {eta:.0f} s)",
                      file=sys.stderr)

    if args.jobs == 1:
        for f in files:
            work(f)
    else:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(work, files))
    if failures:
        print(f"paintgan: {len(failures)} of {n} pages failed:", file=sys.stderr)
        for src, err in failures:
            print(f"  {src}: {err}", file=sys.stderr)
        return 2
    print(f"paintgan: {n} pages written to {out}", file=sys.stderr)
    return 0


__all__ = ["ColorizeCLIError", "FormatError", "cmd_colorize", "register"]
