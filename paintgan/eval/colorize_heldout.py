"""Held-out colour pages for `python -m paintgan.eval colorize-reference`, from sources never used in
training.

    python -m paintgan.eval colorize-reference --build-heldout data/colorize_heldout --count 60

The colorizer trained on openclipart; these pages come from Debian game-art packages instead
(`apt-get install -y hedgewars-data tuxmath-data frozen-bubble-data fillets-ng-data caveexpress-data`):
coloured cartoon cut-outs (props, characters, plants, forts). Openclipart and the packages reserved for
the project's hidden held-out evaluation are never used. With those five packages 55 pages pass the
filters (52 hedgewars, GPL-2 / GFDL-1.3).

Selection (deterministic, no hand-picked list):

* PNG cut-outs with real transparency (>= 15 % transparent pixels: drops backgrounds, textures, skies,
  screenshots and photos), trimmed to their alpha and composited over white;
* at least `MIN_SIDE` px on each side after trimming, aspect ratio <= 2.5 (drops cloud strips, skylines),
  the drawing covering >= 25 % of its box (drops scattered bits);
* coloured: mean Lab chroma of the drawn pixels >= 14 and >= 25 % of them with chroma > 20 (drops gray
  sheep, mice, rocks, black silhouettes and masks), and no single colour on > 70 % of them (flat masks);
* one subject: the largest connected part holds >= 35 % of the drawn pixels (drops sprite sheets);
* cartoon-like: >= 35 % of the drawn pixels in flat areas (small Laplacian), and >= 3 line-enclosed regions
  in the line art the evaluation extracts;
* near-duplicates dropped (alpha IoU > 0.85 at 32×32, also mirrored: animation frames, colour variants);
* diverse: candidates are grouped by source folder and taken round-robin (folders in name order, files
  in SHA-1 order of their path) until `count`.

Each page is saved as `NNN.png` (RGB, long side at most `MAX_SIDE`, a white margin of 4 % around the
drawing); `sources.json` lists package, file, licence (from the package's DEP-5 copyright file) and size.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

PACKAGES = ("hedgewars-data", "tuxmath-data", "frozen-bubble-data", "fillets-ng-data", "caveexpress-data")
MIN_SIDE = 160
MAX_SIDE = 512
MARGIN = 0.04
MAX_ASPECT = 2.5


@dataclass
class Candidate:
    package: str
    path: str
    licence: str
    rgb: np.ndarray  # (H, W, 3) uint8, over white, with margin
    sig: np.ndarray  # (32, 32) bool alpha signature

    @property
    def group(self) -> str:
        return f"{self.package}:{Path(self.path).parent}"


def package_files(package: str) -> list[str]:
    """Installed PNG files of a Debian package (empty when it is not installed)."""
    try:
        out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    return sorted(f for f in out.splitlines() if f.lower().endswith(".png") and Path(f).is_file())


def copyright_stanzas(package: str) -> list[tuple[list[str], str]]:
    """(file patterns, licence name) of each `Files:` stanza of /usr/share/doc/PKG/copyright (DEP-5); for
    a free-form copyright file, one `*` stanza naming the GNU GPL version it states (else "see FILE")."""
    p = Path("/usr/share/doc") / package / "copyright"
    if not p.is_file():
        return []
    return parse_copyright(p.read_text(encoding="utf-8", errors="replace"), str(p))


def parse_copyright(text: str, name: str = "the copyright file") -> list[tuple[list[str], str]]:
    """`copyright_stanzas` of a copyright file's text."""
    if "Files:" not in text:
        m = re.search(r"GNU General Public License[^.]*?version (\d)", " ".join(text.split()))
        return [(["*"], f"GPL-{m.group(1)}" if m else f"see {name}")]
    out: list[tuple[list[str], str]] = []
    files: list[str] | None = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Files:"):
            files = line[len("Files:"):].split()
            j = i + 1
            while j < len(lines) and lines[j].startswith((" ", "\t")) and lines[j].strip():
                files += lines[j].split()
                j += 1
        elif line.startswith("License:") and files is not None:
            name = line[len("License:"):].strip()
            if not name and i + 1 < len(lines):
                name = lines[i + 1].strip()
            out.append((files, name or "unknown"))
            files = None
    return out


def licence_of(path: str, stanzas: list[tuple[list[str], str]]) -> str:
    """Licence of an installed file: the last stanza whose pattern matches (DEP-5: later wins). Patterns are
    source paths (`share/hedgewars/Data/Graphics/*`); the installed path matches a pattern when it ends with
    one of the pattern's tails of >= 2 components (`*/Data/Graphics/*`), or the pattern is `*`."""
    found = "unknown"
    for patterns, name in stanzas:
        for pat in patterns:
            parts = pat.strip("/").split("/")
            if parts == ["*"]:
                found = name
                break
            tails = ["/".join(parts[k:]) for k in range(len(parts) - 1)] or ["/".join(parts)]
            if any(fnmatch.fnmatchcase(path, "*/" + t) for t in tails):
                found = name
                break
    return found


def _alpha_sig(a: np.ndarray) -> np.ndarray:
    return cv2.resize(a.astype(np.uint8) * 255, (32, 32), interpolation=cv2.INTER_AREA) > 127


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum()) / max(1, int((a | b).sum()))


def prepare_page(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """RGBA uint8 cut-out -> (RGB page over white with a margin, alpha signature), or None if unusable."""
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        return None
    a = rgba[..., 3] > 16
    if a.mean() > 0.85:  # not a cut-out (background, texture, screenshot)
        return None
    ys, xs = np.nonzero(a)
    if len(xs) == 0:
        return None
    rgba = rgba[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    a = a[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    h, w = a.shape
    if min(h, w) < MIN_SIDE or max(h, w) > MAX_ASPECT * min(h, w) or a.mean() < 0.25:  # sparse bits
        return None
    from paintgan.inference.colorize.pixels import as_rgb_u8

    rgb = as_rgb_u8(rgba)
    s = (MAX_SIDE * (1 - 2 * MARGIN)) / max(h, w)
    if s < 1:
        rgb = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        a = cv2.resize(a.astype(np.uint8), (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    chroma = np.hypot(lab[..., 1] - 128, lab[..., 2] - 128)[a]
    if chroma.mean() < 14 or (chroma > 20).mean() < 0.25:
        return None
    q = (rgb[a] // 16).astype(np.int32) @ np.array([256, 16, 1])
    if np.bincount(q).max() > 0.7 * len(q):  # one flat colour (map masks, solid shapes)
        return None
    n_cc, _labels, stats, _ = cv2.connectedComponentsWithStats(a.astype(np.uint8), connectivity=8)
    if n_cc < 2 or stats[1:, cv2.CC_STAT_AREA].max() < 0.35 * a.sum():  # sprite sheets, scattered bits
        return None
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    if (np.abs(cv2.Laplacian(g, cv2.CV_32F)) < 4)[a].mean() < 0.35:  # painterly / photographic
        return None
    m = max(2, round(MARGIN * max(rgb.shape[:2])))
    page = cv2.copyMakeBorder(rgb, m, m, m, m, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    from paintgan.inference.colorize.engine import prepare

    from .colorize import make_input

    labels = prepare(make_input(page, "lineart"), "lineart").regions()
    if int(labels.max()) < 3:
        return None
    return page, _alpha_sig(a)


def candidates(packages: Sequence[str] = PACKAGES) -> list[Candidate]:
    """Usable, de-duplicated pages from the installed `packages`."""
    out: list[Candidate] = []
    for pkg in packages:
        stanzas = copyright_stanzas(pkg)
        for f in package_files(pkg):
            im = cv2.imread(f, cv2.IMREAD_UNCHANGED)
            if im is None or im.dtype != np.uint8 or im.ndim != 3 or im.shape[2] != 4:
                continue
            got = prepare_page(cv2.cvtColor(im, cv2.COLOR_BGRA2RGBA))
            if got is None:
                continue
            page, sig = got
            if any(max(_iou(sig, c.sig), _iou(sig[:, ::-1], c.sig)) > 0.85 for c in out):
                continue
            out.append(Candidate(pkg, f, licence_of(f, stanzas), page, sig))
    return out


def select(cands: list[Candidate], count: int) -> list[Candidate]:
    """Round-robin over source folders (name order), files in SHA-1 order of their path."""
    groups: dict[str, list[Candidate]] = {}
    for c in cands:
        groups.setdefault(c.group, []).append(c)
    queues = [sorted(v, key=lambda c: hashlib.sha1(c.path.encode()).hexdigest())
              for _, v in sorted(groups.items())]
    out: list[Candidate] = []
    while len(out) < count and any(queues):
        for q in queues:
            if q and len(out) < count:
                out.append(q.pop(0))
    return out


def build(out_dir: str | Path, count: int = 60, packages: Sequence[str] = PACKAGES) -> dict[str, object]:
    """Write `count` pages (fewer if the packages hold fewer) and sources.json into `out_dir`."""
    from .colorize import EvalDataError

    if count < 1:
        raise EvalDataError(f"--count must be at least 1, got {count}")
    cands = candidates(packages)
    if not cands:
        raise EvalDataError("no held-out sources installed: apt-get install -y " + " ".join(packages))
    chosen = select(cands, count)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("[0-9][0-9][0-9].png"):
        old.unlink()
    pages = []
    for i, c in enumerate(chosen):
        name = f"{i:03d}.png"
        if not cv2.imwrite(str(out / name), cv2.cvtColor(c.rgb, cv2.COLOR_RGB2BGR)):
            raise EvalDataError(f"{out / name}: could not write the page")
        pages.append({"page": name, "package": c.package, "file": c.path, "licence": c.licence,
                      "size": [int(c.rgb.shape[1]), int(c.rgb.shape[0])]})
    meta: dict[str, object] = {
        "count": len(pages), "candidates": len(cands), "packages": list(packages),
        "selection": "cut-outs over white, coloured, cartoon-like, de-duplicated, round-robin over folders",
        "pages": pages,
    }
    (out / "sources.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta
