"""The chapter colour memory on disk: region colours a colourist applied on earlier pages, with the
features of their regions, so later pages of the same chapter can be offered the same colours.

Where: a `.paintgan/` folder beside the pages (`memory_folder(page)`), holding

    colour-memory.json              the index (this documented JSON, below)
    colour-memory-<sha16>.npz       the feature arrays it names (content-addressed, uncompressed)

`colour-memory.json` (format version 1)::

    {"format": "paintgan-colour-memory", "version": 1,
     "feature_version": "<matcher feature layout, e.g. 'region-v1'>",
     "created": "2026-11-26T02:30:00Z", "updated": "2026-11-26T02:41:10Z", "generation": 7,
     "arrays": {"file": "colour-memory-0123456789abcdef.npz", "sha256": "<64 hex>", "key": "features",
                "rows": 2, "dims": 40},
     "entries": [{"row": 0, "rgb": [231, 76, 60], "source": "page01.png", "weight": 3,
                  "added": "2026-11-26T02:30:00Z", "seen": "2026-11-26T02:41:10Z"}, ...]}

The `.npz` holds one float32 array `features` of shape (rows, dims); entry `row` is its feature vector.
`weight` counts how often that colour was applied to a region like this one (near-duplicates merge:
same colour within ΔE 3 and nearly the same features); `seen` is when it was last applied. At most
`COLOUR_MEMORY_ENTRIES` entries (a named limit): when full, the least used, then oldest, are evicted.

Consistency: a save writes the arrays first, under a name made from their sha256, then the JSON naming
that file and its sha256 (both with `atomic_write`), then removes the arrays no index names. A save
killed halfway leaves the previous index and its arrays intact; a load checks the sha256.

Broken memory (malformed or oversized JSON, missing or corrupt arrays, a sha256 or row count that does
not match, another `feature_version`) is never fatal: `load_memory` returns an empty memory whose
`warning` is one line saying why, and the next `save_memory` keeps the broken files as `*.broken`
instead of overwriting them silently.

Qt-free and model-free (`io` must not import `inference`): features are opaque float vectors here; the
feature version is passed in by the matcher (`paintgan.inference.colorize.chapter_memory`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import stat
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paintgan import limits
from paintgan.errors import PaintGANError, SaveError
from paintgan.io.atomic import atomic_write, os_error_reason
from paintgan.io.bounded import ReadRefused, read_bounded
from paintgan.io.jsonfile import read_json_object

FOLDER = ".paintgan"
INDEX_NAME = "colour-memory.json"
FORMAT = "paintgan-colour-memory"
VERSION = 1
ARRAY_KEY = "features"
BROKEN_SUFFIX = ".broken"
MERGE_DELTA_E = 3.0  # CIE76 ΔE below which two remembered colours are "the same colour"
MERGE_FEATURE_DISTANCE = 0.08  # distance of unit-length feature vectors below which regions are alike
MAX_SOURCE_CHARS = 255
_ARRAYS_RE = re.compile(r"^colour-memory-[0-9a-f]{16}\.npz$")
_ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

RGB = tuple[int, int, int]


class ColourMemoryError(PaintGANError):
    """A colour memory file is broken or too large (the message names the file and the field)."""


def memory_folder(page: str | os.PathLike[str]) -> Path:
    """The `.paintgan/` folder that holds the chapter memory of the page file `page`."""
    return Path(page).absolute().parent / FOLDER


def now_iso(t: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if t is None else t))


@dataclass
class MemoryEntry:
    rgb: RGB
    source: str  # the page the colour was applied on (file name)
    weight: int = 1
    added: str = field(default_factory=now_iso)
    seen: str = field(default_factory=now_iso)


@dataclass
class ColourMemory:
    """Entries and their features (row i of `features` belongs to `entries[i]`)."""

    feature_version: str
    entries: list[MemoryEntry] = field(default_factory=list)
    features: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    generation: int = 0
    #: why the memory on disk was ignored (one line), None when it loaded or there was none
    warning: str | None = None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def dims(self) -> int:
        return int(self.features.shape[1]) if self.features.ndim == 2 else 0

    def colors(self) -> np.ndarray:
        """(N, 3) uint8 colours, row i = entry i."""
        return np.array([e.rgb for e in self.entries], np.uint8).reshape(-1, 3)

    def clear(self) -> None:
        self.entries = []
        self.features = np.zeros((0, self.dims), np.float32)

    # -- adding ------------------------------------------------------------------------------------
    def add(self, features: np.ndarray, colors: np.ndarray, source: str, *,
            max_entries: int | None = None, now: float | None = None,
            merge_delta_e: float = MERGE_DELTA_E,
            merge_distance: float = MERGE_FEATURE_DISTANCE,
            feature_weights: np.ndarray | None = None) -> tuple[int, int, int]:
        """Remember regions: `features` (R, F) float, `colors` (R, 3) uint8, applied on page `source`.
        A record with the colour (ΔE ≤ `merge_delta_e`) and features of an entry (distance ≤
        `merge_distance`: Euclidean after multiplying by `feature_weights` (F,), which the matcher that
        knows the layout gives; without them, of the unit-length vectors) merges into it (weight + 1,
        features averaged by weight);
        others become new entries. Past `max_entries` (default: the COLOUR_MEMORY_ENTRIES limit) the
        entries of lowest weight, then oldest `seen`, are evicted. Returns (added, merged, evicted)."""
        feats = np.asarray(features, np.float32)
        cols = np.asarray(colors)
        if feats.ndim != 2 or cols.shape != (feats.shape[0], 3):
            raise ValueError(f"features (R, F) and colours (R, 3) expected, got {feats.shape} and "
                             f"{cols.shape}")
        if not np.isfinite(feats).all():
            raise ValueError("features must be finite")
        if len(self.entries) and feats.shape[0] and feats.shape[1] != self.dims:
            raise ValueError(f"features have {feats.shape[1]} values, the memory holds {self.dims}")
        limits.check("COLOUR_MEMORY_FEATURES", feats.shape[1], "colour memory", "feature length")
        cap = int(limits.limit("COLOUR_MEMORY_ENTRIES") if max_entries is None else max_entries)
        stamp = now_iso(now)
        source = str(source)[:MAX_SOURCE_CHARS]
        n0 = len(self.entries)
        # grow into preallocated arrays; merged rows update in place
        base = self.features if n0 else np.zeros((0, feats.shape[1]), np.float32)
        allf = np.concatenate([base, feats]).astype(np.float32, copy=True)
        if feature_weights is not None:
            fw = np.asarray(feature_weights, np.float32).reshape(-1)
            if fw.shape != (allf.shape[1],):
                raise ValueError(f"{fw.size} feature weights for {allf.shape[1]} features")

            def norm(a: np.ndarray) -> np.ndarray:
                return (a * fw).astype(np.float32)
        else:
            norm = _unit_rows
        unit = norm(allf)
        labs = np.concatenate([_lab(self.colors()), _lab(cols.astype(np.uint8))])
        weights = np.array([e.weight for e in self.entries] + [0] * len(feats), np.float64)
        keep = np.ones(len(allf), bool)
        keep[n0:] = False
        entries = list(self.entries)
        by_row: dict[int, MemoryEntry] = dict(enumerate(entries))
        added = merged = 0
        R = feats.shape[0]
        # the entries each record is near, against the existing entries at once (one (R, n0) matrix)
        pre = np.full(R, -1, np.int64)
        if n0 and R:
            de = np.linalg.norm(labs[n0:, None, :] - labs[None, :n0, :], axis=2)
            a, b = unit[n0:], unit[:n0]
            fd2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
            fd = np.sqrt(np.maximum(fd2, 0.0))
            fd[(de > merge_delta_e) | (fd > merge_distance)] = np.inf
            best = fd.argmin(axis=1)
            pre = np.where(np.isfinite(fd[np.arange(R), best]), best, -1)
        for i in range(R):
            r = n0 + i
            j = int(pre[i])
            if j < 0:  # not near an old entry: near one added from this batch?
                live = n0 + np.flatnonzero(keep[n0:r])
                if live.size:
                    de1 = np.linalg.norm(labs[live] - labs[r], axis=1)
                    fd1 = np.linalg.norm(unit[live] - unit[r], axis=1)
                    ok = (de1 <= merge_delta_e) & (fd1 <= merge_distance)
                    if ok.any():
                        j = int(live[np.flatnonzero(ok)[np.argmin(fd1[ok])]])
            if j >= 0:
                w = weights[j]
                allf[j] = (allf[j] * w + allf[r]) / (w + 1.0)
                unit[j] = norm(allf[j:j + 1])[0]
                weights[j] = w + 1.0
                by_row[j].weight += 1
                by_row[j].seen = stamp
                merged += 1
                continue
            keep[r] = True
            weights[r] = 1.0
            c = cols[i]
            by_row[r] = MemoryEntry((int(c[0]), int(c[1]), int(c[2])), source, 1, stamp, stamp)
            entries.append(by_row[r])
            added += 1
        # entries list grew in step with the kept new rows: rebuild the arrays in that order
        rows = np.concatenate([np.arange(n0), n0 + np.flatnonzero(keep[n0:])])
        self.features = np.ascontiguousarray(allf[rows])
        self.entries = entries
        evicted = self.evict(cap)
        self.updated = stamp
        return added, merged, evicted

    def evict(self, max_entries: int) -> int:
        """Keep at most `max_entries`: drop the lowest weight first, the oldest `seen` among equals."""
        extra = len(self.entries) - max(0, int(max_entries))
        if extra <= 0:
            return 0
        es = self.entries
        order = sorted(range(len(es)), key=lambda i: (es[i].weight, es[i].seen, i))
        drop = set(order[:extra])
        keep = [i for i in range(len(self.entries)) if i not in drop]
        self.entries = [self.entries[i] for i in keep]
        self.features = np.ascontiguousarray(self.features[keep])
        return extra

    # -- JSON --------------------------------------------------------------------------------------
    def index(self, arrays_file: str, sha256: str) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "feature_version": self.feature_version,
            "created": self.created, "updated": self.updated, "generation": self.generation,
            "arrays": {"file": arrays_file, "sha256": sha256, "key": ARRAY_KEY, "rows": len(self.entries),
                       "dims": self.dims},
            "entries": [{"row": i, "rgb": list(e.rgb), "source": e.source, "weight": e.weight,
                         "added": e.added, "seen": e.seen} for i, e in enumerate(self.entries)],
        }


def _unit_rows(a: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(a, axis=1, keepdims=True)
    return (a / np.maximum(n, 1e-12)).astype(np.float32)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 sRGB -> (N, 3) float32 CIELAB (L 0–100)."""
    import cv2

    if len(rgb) == 0:
        return np.zeros((0, 3), np.float32)
    f = (np.asarray(rgb, np.float32) / 255.0).reshape(-1, 1, 3)
    return cv2.cvtColor(f, cv2.COLOR_RGB2Lab).reshape(-1, 3)


# -- reading -------------------------------------------------------------------------------------------
def load_memory(folder: str | os.PathLike[str], feature_version: str) -> ColourMemory:
    """The memory in `folder` (a `.paintgan/` folder). Never raises for a missing or broken memory: an
    absent one is empty without a warning; a broken one is empty with `warning` saying why."""
    folder = Path(folder)
    try:
        return read_memory(folder, feature_version)
    except FileNotFoundError:
        return ColourMemory(feature_version)
    except PaintGANError as exc:
        mem = ColourMemory(feature_version)
        mem.warning = f"chapter colour memory ignored: {exc}"
        return mem


def read_memory(folder: Path, feature_version: str) -> ColourMemory:
    """The memory in `folder`; FileNotFoundError when it has none, ColourMemoryError when it is broken."""
    index_path = folder / INDEX_NAME
    try:
        st = index_path.lstat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ColourMemoryError(f"cannot read {index_path} ({os_error_reason(exc)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ColourMemoryError(f"{index_path} is not a regular file")
    max_bytes = int(limits.limit("COLOUR_MEMORY_BYTES"))

    def fail(message: str, _kind: str) -> BaseException:
        return ColourMemoryError(f"{index_path.name}: {message} ({folder})")

    body = read_json_object(index_path, what="colour memory", fail=fail, max_bytes=max_bytes, allow_nan=False)
    where = f"{index_path.name} ({folder})"

    def bad(field_: str, want: str) -> ColourMemoryError:
        return ColourMemoryError(f"{where}: {field_}: {want}")

    if body.get("format") != FORMAT:
        raise bad("format", f"expected \"{FORMAT}\"")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise bad("version", "expected an integer")
    if version > VERSION:
        raise bad("version", f"{version} is newer than this PaintGAN reads ({VERSION})")
    if version < 1:
        raise bad("version", f"unknown version {version}")
    fv = body.get("feature_version")
    if not isinstance(fv, str):
        raise bad("feature_version", "expected a string")
    if fv != feature_version:
        raise ColourMemoryError(f"{where}: made with region features \"{fv}\", this PaintGAN uses "
                                f"\"{feature_version}\"")
    created, updated = _iso(body, "created", bad), _iso(body, "updated", bad)
    generation = _int(body.get("generation"), "generation", bad, 0, 2**53)
    arrays = body.get("arrays")
    if not isinstance(arrays, dict):
        raise bad("arrays", "expected an object")
    name = arrays.get("file")
    if not isinstance(name, str) or not _ARRAYS_RE.match(name):
        raise bad("arrays.file", "expected a name like colour-memory-<16 hex>.npz")
    sha = arrays.get("sha256")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise bad("arrays.sha256", "expected 64 lower-case hex digits")
    if arrays.get("key", ARRAY_KEY) != ARRAY_KEY:
        raise bad("arrays.key", f"expected \"{ARRAY_KEY}\"")
    rows = _int(arrays.get("rows"), "arrays.rows", bad, 0, 2**31)
    limits.check("COLOUR_MEMORY_ENTRIES", rows, where, "entries")
    dims = _int(arrays.get("dims"), "arrays.dims", bad, 0, 2**31)
    limits.check("COLOUR_MEMORY_FEATURES", dims, where, "feature length")
    raw = body.get("entries")
    if not isinstance(raw, list):
        raise bad("entries", "expected a list")
    if len(raw) != rows:
        raise bad("entries", f"{len(raw)} entries but arrays.rows is {rows}")
    entries: list[MemoryEntry | None] = [None] * rows
    for i, item in enumerate(raw):
        f = f"entries[{i}]"
        if not isinstance(item, dict):
            raise bad(f, "expected an object")
        row = _int(item.get("row"), f"{f}.row", bad, 0, rows - 1)
        if entries[row] is not None:
            raise bad(f"{f}.row", f"row {row} is used twice")
        rgb = item.get("rgb")
        if (not isinstance(rgb, list) or len(rgb) != 3
                or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in rgb)):
            raise bad(f"{f}.rgb", "expected 3 integers 0–255")
        src = item.get("source", "")
        if not isinstance(src, str) or len(src) > MAX_SOURCE_CHARS:
            raise bad(f"{f}.source", f"expected a file name of at most {MAX_SOURCE_CHARS} characters")
        weight = _int(item.get("weight", 1), f"{f}.weight", bad, 1, 2**31)
        entries[row] = MemoryEntry((rgb[0], rgb[1], rgb[2]), src, weight, _iso(item, "added", bad, f),
                                   _iso(item, "seen", bad, f))
    feats = _read_arrays(folder / name, sha, rows, dims, max_bytes)
    mem = ColourMemory(fv, [e for e in entries if e is not None], feats, created, updated, generation)
    return mem


def _int(v: Any, field_: str, bad: Any, lo: int, hi: int) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise bad(field_, f"expected an integer {lo}–{hi}")
    return int(v)


def _iso(d: dict[str, Any], key: str, bad: Any, prefix: str = "") -> str:
    v = d.get(key)
    if not isinstance(v, str) or not _ISO_RE.match(v):
        raise bad(f"{prefix}.{key}" if prefix else key, "expected a UTC time like 2026-11-26T02:30:00Z")
    return v


def _read_arrays(path: Path, sha: str, rows: int, dims: int, max_bytes: int) -> np.ndarray:
    """The (rows, dims) float32 features in `path`, checked against the index before allocating."""
    where = f"{path.name} ({path.parent})"
    try:
        data = read_bounded(path, max_bytes, follow_symlinks=False)
    except ReadRefused as r:
        reason = {
            "not-regular": "not a regular file",
            "too-large": f"larger than the limit COLOUR_MEMORY_BYTES ({max_bytes:,} bytes)",
            "missing": "missing (the index names it)",
        }.get(r.kind, f"cannot read ({r.detail})")
        raise ColourMemoryError(f"{where}: {reason}") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise ColourMemoryError(f"{where}: its sha256 does not match the index (written by an interrupted "
                                "save or changed by hand)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if [i.filename for i in infos] != [f"{ARRAY_KEY}.npy"]:
                raise ColourMemoryError(f"{where}: expected exactly one array \"{ARRAY_KEY}\"")
            if infos[0].file_size > max_bytes:
                raise ColourMemoryError(f"{where}: {ARRAY_KEY} is larger than the limit COLOUR_MEMORY_BYTES")
            with zf.open(infos[0]) as f:  # the header first: shape and dtype before any allocation
                major, _minor = np.lib.format.read_magic(f)
                reader = {1: np.lib.format.read_array_header_1_0, 2: np.lib.format.read_array_header_2_0}
                if major not in reader:
                    raise ColourMemoryError(f"{where}: unsupported .npy version {major}")
                shape, fortran, dtype = reader[major](f)
            if dtype != np.dtype("<f4") or fortran or tuple(shape) != (rows, dims):
                raise ColourMemoryError(f"{where}: {ARRAY_KEY} is {dtype} {tuple(shape)}, the index says "
                                        f"float32 ({rows}, {dims})")
            with zf.open(infos[0]) as f:
                arr = np.load(f, allow_pickle=False)
    except ColourMemoryError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise ColourMemoryError(f"{where}: corrupt ({type(exc).__name__}: {detail})") from None
    arr = np.ascontiguousarray(arr, np.float32).reshape(rows, dims)
    if not np.isfinite(arr).all():
        raise ColourMemoryError(f"{where}: {ARRAY_KEY} holds NaN or infinite values")
    return arr


# -- writing -------------------------------------------------------------------------------------------
def _npz_bytes(features: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{ARRAY_KEY: np.ascontiguousarray(features, np.float32)})
    return buf.getvalue()


def save_memory(memory: ColourMemory, folder: str | os.PathLike[str]) -> Path:
    """Write `memory` into `folder` (created if needed): arrays, then the index naming them, then remove
    arrays no index names. A memory loaded with a `warning` (the files on disk were broken) first keeps
    those files as `*.broken`. Raises `SaveError` (nothing on disk changed for the index) on failure.
    Returns the index path."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"Cannot save the colour memory in {folder}: {os_error_reason(exc)}") from None
    if not folder.is_dir():
        raise SaveError(f"Cannot save the colour memory in {folder}: not a folder")
    if memory.warning is not None:
        keep_broken(folder)
        memory.warning = None
    feats = memory.features if memory.dims or len(memory) else np.zeros((0, 0), np.float32)
    data = _npz_bytes(feats)
    sha = hashlib.sha256(data).hexdigest()
    name = f"colour-memory-{sha[:16]}.npz"
    atomic_write(folder / name, data)
    memory.generation += 1

    text = json.dumps(memory.index(name, sha), indent=1, ensure_ascii=False) + "\n"
    index_path = folder / INDEX_NAME
    atomic_write(index_path, text.encode("utf-8"))
    for other in _array_files(folder):
        if other.name != name:
            with contextlib.suppress(OSError):
                other.unlink()
    return index_path


def keep_broken(folder: Path) -> list[Path]:
    """Move the memory files in `folder` aside as `*.broken` (replacing older `.broken` copies)."""
    moved: list[Path] = []
    for p in [folder / INDEX_NAME, *_array_files(folder)]:
        try:
            if p.is_file() and not p.is_symlink():
                dst = p.with_name(p.name + BROKEN_SUFFIX)
                os.replace(p, dst)
                moved.append(dst)
        except OSError:
            continue
    return moved


def _array_files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if _ARRAYS_RE.match(p.name)]
    except OSError:
        return []


__all__ = [
    "FOLDER", "INDEX_NAME", "ColourMemory", "ColourMemoryError", "MemoryEntry", "keep_broken",
    "load_memory", "memory_folder", "read_memory", "save_memory",
]
