"""A corpus of corrupted user files and a runner that feeds them to PaintGAN's readers under limits.

    python tests/io/fuzz_readers.py make DIR [--seed N]    # write the corpus (about 600 files) into DIR
    python tests/io/fuzz_readers.py run DIR                # read each one; prints one JSON summary line

The corpus starts from valid files (PNG/JPEG/BMP/TIFF/WebP images, OpenRaster documents with paint, group,
colorize and GANPaint layers, hints JSON, LabelMe JSON, model manifests) and corrupts them: flipped and
inserted bytes, truncation, hostile header fields (a 100000×100000 PNG with a valid CRC), hostile stack.xml
attributes (Infinity, 1e999, 5000 digits, paths), hostile JSON values (NaN, deep nesting, huge integers,
wrong types), mask archives that declare gigabytes. The runner reads every file with the reader a user
would hit (load_image, load_ora, load_hints, read_labelme, load_manifest) in a process limited to
`--max-mb` of address space, each case under an alarm: the only acceptable outcomes are success and a
PaintGANError. It reports counts, unexpected exception types with an example, hangs, and the memory peak
and the file that caused it. Used by tests/io/test_fuzz_readers.py.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

HOSTILE_ATTRS = ["", "-1", "0", "1e999", "Infinity", "-Infinity", "NaN", "99999999999", "9" * 5000,
                 "../../etc/passwd", "/etc/passwd", "C:\\x", "a" * 5000, "0x10", " 12 ", "1.5e308"]
HOSTILE_JSON: list[Any] = [None, True, -1, 0, 1e308, -1e308, 10**400, "x" * 10000, [], {}, [[[[]]]], "NaN",
                           float("nan"), float("inf"), [1e300, 1e300], {"a": 1}, "../../etc/passwd", 2**63]


# ------------------------------------------------------------------------------------------ base files
def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def base_images(rng: np.random.Generator) -> dict[str, bytes]:
    from paintgan.io.images import encode_image

    rgba = rng.integers(0, 256, (24, 32, 4), np.uint8)
    out = {ext: encode_image(rgba, ext) for ext in (".png", ".jpg", ".bmp", ".tif", ".webp")}
    return out


def base_document() -> Any:
    from paintgan.core.colorize_layer import ColorizeLayer
    from paintgan.core.document import Document
    from paintgan.core.ganpaint_layer import GanPaintLayer, GanStroke
    from paintgan.core.hints import Hints, PointHint, StrokeHint
    from paintgan.core.layers import GroupLayer, RasterLayer

    doc = Document.new(48, 40)
    group = GroupLayer("Inks")
    doc.root.insert(2, group)
    group.insert(0, RasterLayer.from_pixels("ink", np.full((10, 12, 4), 200, np.uint8), 5, 7))
    col = ColorizeLayer("Colors")
    stroke = StrokeHint(((1.0, 1.0), (9.0, 9.0)), (0, 255, 0), 3.0)
    col.hints = Hints([PointHint(3.0, 4.0, (255, 0, 0), 2.0)], [stroke], [(1, 2, 3)])
    doc.root.insert(3, col)
    mask = np.zeros((16, 16), np.uint8)
    mask[2:6, 2:6] = 255
    gan = GanStroke("tree", "draw", "low", 1.0, mask)
    doc.root.insert(4, GanPaintLayer("GAN", image_size=(16, 16), strokes=[gan, gan]))
    doc.metadata = {"note": "fuzz"}
    return doc


def base_labelme() -> dict[str, Any]:
    return {"version": "5.4.1", "flags": {}, "imagePath": "page.png", "imageData": None, "imageHeight": 40,
            "imageWidth": 48, "shapes": [{"label": "cat", "points": [[1, 1], [20, 2], [10, 15]],
                                          "group_id": None, "description": "", "shape_type": "polygon",
                                          "flags": {}, "mask": None}]}


def base_hints() -> dict[str, Any]:
    return {"version": 1, "image_size": [48, 40],
            "hints": [{"x": 12.5, "y": 30, "rgb": [255, 0, 0], "radius": 2}],
            "strokes": [{"points": [[1, 2], [5, 6]], "rgb": [0, 0, 255], "width": 4}], "palette": [[1, 2, 3]]}


def base_manifest() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2] / "models"
    for name in ("colorize", "polygon", "ganpaint"):
        p = root / name / "manifest.json"
        if p.is_file():
            return json.loads(p.read_text(encoding="utf-8"))
    return {"name": "x", "task": "colorize", "version": "1", "files": []}


# ------------------------------------------------------------------------------------------ mutations
def flip_bytes(data: bytes, rng: np.random.Generator, n: int | None = None) -> bytes:
    b = bytearray(data)
    for _ in range(n or int(rng.integers(1, 20))):
        i = int(rng.integers(0, len(b)))
        b[i] = int(rng.integers(0, 256))
    return bytes(b)


def mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    k = int(rng.integers(0, 4))
    if k == 0:
        return flip_bytes(data, rng)
    if k == 1:
        return data[: int(rng.integers(0, len(data)))]
    if k == 2:
        i = int(rng.integers(0, len(data)))
        return data[:i] + rng.integers(0, 256, int(rng.integers(1, 200)), np.uint8).tobytes() + data[i:]
    i, j = sorted(int(v) for v in rng.integers(0, len(data), 2))
    return data[:j] + data[i:j] + data[j:]  # a duplicated stretch


def huge_png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    chunks = _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def mutate_json(value: Any, rng: np.random.Generator) -> Any:
    """`value` with one randomly chosen leaf (or container) replaced by a hostile value."""
    paths: list[tuple[Any, Any]] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k in list(v):
                paths.append((v, k))
                walk(v[k])
        elif isinstance(v, list):
            for i in range(len(v)):
                paths.append((v, i))
                walk(v[i])

    value = json.loads(json.dumps(value))
    walk(value)
    if not paths:
        return HOSTILE_JSON[int(rng.integers(0, len(HOSTILE_JSON)))]
    container, key = paths[int(rng.integers(0, len(paths)))]
    r = int(rng.integers(0, 10))
    if r == 0:
        container[key] = f"__DEEP{int(rng.integers(100, 5000))}__"  # expanded as text by dumps_json
    elif r == 1 and isinstance(container, dict):
        del container[key]
    else:
        container[key] = HOSTILE_JSON[int(rng.integers(0, len(HOSTILE_JSON)))]
    return value


def dumps_json(value: Any) -> bytes:
    import re

    text = json.dumps(value, allow_nan=True)
    text = re.sub(r'"__DEEP(\d+)__"', lambda m: "[" * int(m.group(1)) + "1" + "]" * int(m.group(1)), text)
    return text.encode("utf-8")


def npz_declaring(shape: tuple[int, ...], dtype: str = "|u1") -> bytes:
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": dtype, "fortran_order": False, "shape": shape})
    npy.write(b"\0" * 64)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("masks.npy", npy.getvalue())
    return out.getvalue()


def rezip(ora: bytes, change: dict[str, bytes | None]) -> bytes:
    """The archive with some entries replaced (None: removed)."""
    src = zipfile.ZipFile(io.BytesIO(ora))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is None:
                    continue
            else:
                data = src.read(info)
            z.writestr(info, data)
        for name, data in change.items():
            if data is not None and name not in src.namelist():
                z.writestr(name, data)
    return out.getvalue()


def mutate_stack_xml(xml: str, rng: np.random.Generator) -> str:
    import re

    attrs = [m for m in re.finditer(r'([\w:-]+)="([^"]*)"', xml)]
    m = attrs[int(rng.integers(0, len(attrs)))]
    value = HOSTILE_ATTRS[int(rng.integers(0, len(HOSTILE_ATTRS)))]
    return xml[: m.start(2)] + value.replace('"', "") + xml[m.end(2):]


# ------------------------------------------------------------------------------------------ the corpus
def make_corpus(folder: Path, seed: int = 0) -> int:
    from paintgan.io.ora import ora_bytes

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n = 0

    def put(name: str, data: bytes) -> None:
        nonlocal n
        (folder / f"{n:04d}-{name}").write_bytes(data)
        n += 1

    images = base_images(rng)
    for i in range(150):
        ext = list(images)[i % len(images)]
        put(f"img{ext}", mutate_bytes(images[ext], rng))
    for w, h in ((100000, 100000), (1, 10**9), (0, 5), (2**31 - 1, 2**31 - 1), (70000, 70000)):
        put("huge.png", huge_png(w, h))
    ora = ora_bytes(base_document())
    names = zipfile.ZipFile(io.BytesIO(ora)).namelist()
    xml = zipfile.ZipFile(io.BytesIO(ora)).read("stack.xml").decode()
    blobs = [nm for nm in names if nm.startswith("paintgan/") and nm.endswith(".json")]
    for _ in range(40):
        put("bytes.ora", mutate_bytes(ora, rng))
    for _ in range(130):
        put("attr.ora", rezip(ora, {"stack.xml": mutate_stack_xml(xml, rng).encode()}))
    for _ in range(90):
        name = blobs[int(rng.integers(0, len(blobs)))]
        body = json.loads(zipfile.ZipFile(io.BytesIO(ora)).read(name))
        put("json.ora", rezip(ora, {name: dumps_json(mutate_json(body, rng))}))
    masks = next(nm for nm in names if nm.endswith("masks.npz"))
    for shape in ((300, 4096, 4096), (2, 16, 16, 16), (10**6, 16, 16), (2, 16, 17), (0, 16, 16), (1,)):
        put("npz.ora", rezip(ora, {masks: npz_declaring(shape)}))
    put("npz-dtype.ora", rezip(ora, {masks: npz_declaring((2, 16, 16), "<f8")}))
    for _ in range(20):
        good = zipfile.ZipFile(io.BytesIO(ora)).read(masks)
        put("npz-bytes.ora", rezip(ora, {masks: mutate_bytes(good, rng)}))
    for _ in range(20):
        drop = names[int(rng.integers(0, len(names)))]
        put("drop.ora", rezip(ora, {drop: None}))
    hints = base_hints()
    for _ in range(60):
        put("page.hints.json", dumps_json(mutate_json(hints, rng)))
    for _ in range(10):
        put("page.hints.json", mutate_bytes(dumps_json(hints), rng))
    labelme = base_labelme()
    for _ in range(50):
        put("page.labelme.json", dumps_json(mutate_json(labelme, rng)))
    manifest = base_manifest()
    for _ in range(40):
        put("manifest.json", dumps_json(mutate_json(manifest, rng)))
    return n


# ------------------------------------------------------------------------------------------ the runner
def read_case(path: Path, scratch: Path) -> None:
    name = path.name
    if name.endswith(".ora"):
        from paintgan.io.ora import load_ora

        load_ora(path)
    elif name.endswith(".hints.json"):
        from paintgan.io.hints import load_hints

        load_hints(path)
    elif name.endswith(".labelme.json"):
        from paintgan.io.labelme import read_labelme

        read_labelme(path)
    elif name.endswith("manifest.json"):
        from paintgan.inference.manifest import load_manifest

        model = scratch / "model"
        model.mkdir(exist_ok=True)
        (model / "manifest.json").write_bytes(path.read_bytes())
        load_manifest(model)
    else:
        from paintgan.io.images import load_image

        load_image(path)


class Hang(BaseException):
    pass


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux: VmHWM of /proc/self/status, which starts afresh at exec
    (getrusage's ru_maxrss keeps the parent's peak from before the exec: a big pytest process made every
    case look like 3 GB); elsewhere ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / (1 << 20)


def run_corpus(folder: Path, max_mb: int, alarm_s: int) -> dict[str, Any]:
    import resource
    import signal
    import tempfile

    from paintgan.errors import PaintGANError

    resource.setrlimit(resource.RLIMIT_AS, (max_mb << 20, max_mb << 20))

    def on_alarm(*_a: object) -> None:
        raise Hang()

    signal.signal(signal.SIGALRM, on_alarm)
    counts = {"cases": 0, "ok": 0, "paintgan_error": 0, "unexpected": 0, "hangs": 0}
    unexpected: dict[str, str] = {}
    peak_mb, peak_case = 0.0, ""
    slowest_s, slowest_case = 0.0, ""
    base_rss = peak_rss_mb()
    with tempfile.TemporaryDirectory() as scratch:
        for path in sorted(folder.iterdir()):
            counts["cases"] += 1
            before = peak_rss_mb()
            t = time.perf_counter()
            signal.alarm(alarm_s)
            try:
                read_case(path, Path(scratch))
                counts["ok"] += 1
            except PaintGANError as exc:
                counts["paintgan_error"] += 1
                text = str(exc)
                if not text or "\n" in text:
                    unexpected.setdefault("message not one line", f"{path.name}: {text[:200]!r}")
            except Hang:
                counts["hangs"] += 1
                unexpected.setdefault("hang", path.name)
            except BaseException as exc:
                counts["unexpected"] += 1
                first = str(exc).splitlines()[0][:200] if str(exc) else ""
                unexpected.setdefault(type(exc).__name__, f"{path.name}: {first}")
            finally:
                signal.alarm(0)
            dt = time.perf_counter() - t
            if dt > slowest_s:
                slowest_s, slowest_case = dt, path.name
            after = peak_rss_mb()
            if after > before and after > peak_mb:
                peak_mb, peak_case = after, path.name
    return {**counts, "unexpected_types": unexpected, "peak_rss_mb": round(max(peak_mb, base_rss), 1),
            "peak_case": peak_case or "(start-up)", "start_rss_mb": round(base_rss, 1),
            "slowest_s": round(slowest_s, 3), "slowest_case": slowest_case, "max_mb": max_mb}


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("make", "run"))
    ap.add_argument("folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-mb", type=int, default=3072)
    ap.add_argument("--alarm-s", type=int, default=20)
    args = ap.parse_args(argv)
    if args.what == "make":
        print(json.dumps({"cases": make_corpus(Path(args.folder), args.seed)}))
        return 0
    t = time.perf_counter()
    result = run_corpus(Path(args.folder), args.max_mb, args.alarm_s)
    result["seconds"] = round(time.perf_counter() - t, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
