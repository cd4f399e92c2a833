"""Fidelity to Krita: `.ora` files written as Krita writes them, composited by us, against Krita's render.

The reference PNGs in `tests/io/krita_refs/` were rendered once by Krita 5.1.5 (Debian 12 package
`krita 1:5.1.5+dfsg-2+deb12u1`) from the files this module builds:

    apt-get install krita xvfb
    python tests/io/test_ora_krita_fidelity.py --make-refs     # writes the .ora files and runs, for each,
    xvfb-run -a krita --nosplash --export --export-filename modes.png modes.ora

`modes.ora` holds one isolated group per blend mode (a cell of 64×32: left half over an opaque backdrop,
right half over a semi-transparent one; the mode's layer at 80 % opacity, with varying alpha on the right).
Every channel pairs each of 32 source values with each of 32 backdrop values (0…255), so the whole range of
every formula is covered. `groups.ora` holds pass-through (`isolation="auto"`) and isolated groups over a
semi-transparent background. The targets (issue 19): mean |difference| ≤ 1 grey level and ≤ 1 % of
pixels off by more than 8, per mode and backdrop.

Known, documented divergences: `svg:xor` is not read by Krita (it renders that layer as Normal); we follow
the OpenRaster text (Porter-Duff xor) there, and the test checks Krita's Normal instead.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from paintgan.core import Document
from paintgan.core.blend import BLEND_MODES
from paintgan.io.images import decode_image, encode_png
from paintgan.io.ora import load_ora

REFS = Path(__file__).parent / "krita_refs"
CELL_W, CELL_H, COLS = 64, 32, 4
#: Modes Krita renders differently on purpose, and the mode Krita shows instead.
KRITA_SHOWS = {"xor": "normal"}


def _levels(n: int = 32) -> np.ndarray:
    return np.rint(np.linspace(0, 255, n)).astype(np.uint8)


def cell_pixels(semi: bool) -> tuple[np.ndarray, np.ndarray]:
    """(backdrop, source) straight RGBA8 of one 32×32 half cell."""
    v = _levels()
    xs, ys = np.meshgrid(v, v)  # xs varies along x, ys along y
    mix = ((xs.astype(np.int32) + ys.astype(np.int32)) // 2).astype(np.uint8)
    back = np.stack([xs, ys, mix, np.full_like(xs, 255)], axis=-1)
    src = np.stack([ys, xs, 255 - mix, np.full_like(xs, 255)], axis=-1)
    if semi:
        back[..., 3] = np.linspace(40, 255, 32).astype(np.uint8)[:, None]  # by row
        src[..., 3] = np.linspace(60, 255, 32).astype(np.uint8)[None, :]  # by column
    return back, src


def mode_list() -> list[str]:
    return list(BLEND_MODES)


def cell_origin(index: int) -> tuple[int, int]:
    return (index % COLS) * CELL_W, (index // COLS) * CELL_H


def modes_canvas() -> tuple[int, int]:
    rows = (len(mode_list()) + COLS - 1) // COLS
    return COLS * CELL_W, rows * CELL_H


def _layer_xml(name: str, src: str, x: int, y: int, op: str = "svg:src-over", opacity: str = "1") -> str:
    return (f'<layer name="{name}" opacity="{opacity}" visibility="visible" composite-op="{op}" '
            f'src="{src}" x="{x}" y="{y}"/>')


def _zip(stack: str, pngs: dict[str, np.ndarray], w: int, h: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"image/openraster")
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<image version="0.0.1" w="{w}" h="{h}" xres="72" '
               f'yres="72"><stack name="root" opacity="1" visibility="visible" composite-op="svg:src-over" '
               f'isolation="isolate">{stack}</stack></image>')
        z.writestr("stack.xml", xml)
        for name, px in pngs.items():
            z.writestr(name, encode_png(px))
    return buf.getvalue()


def modes_ora(ops: dict[str, str] | None = None) -> bytes:
    """One isolated group per mode, as Krita writes them (top first in stack.xml); `ops` replaces the
    composite-op of some modes."""
    w, h = modes_canvas()
    pngs: dict[str, np.ndarray] = {}
    groups = []
    for i, name in enumerate(mode_list()):
        x0, y0 = cell_origin(i)
        back = np.concatenate([cell_pixels(False)[0], cell_pixels(True)[0]], axis=1)
        src = np.concatenate([cell_pixels(False)[1], cell_pixels(True)[1]], axis=1)
        pngs[f"data/back{i}.png"], pngs[f"data/src{i}.png"] = back, src
        op = (ops or {}).get(name, BLEND_MODES[name].ora_op)
        groups.append(f'<stack name="{name}" opacity="1" visibility="visible" composite-op="svg:src-over" '
                      f'isolation="isolate">'
                      + _layer_xml(f"{name} layer", f"data/src{i}.png", x0, y0, op, "0.8")
                      + _layer_xml("backdrop", f"data/back{i}.png", x0, y0) + "</stack>")
    return _zip("".join(reversed(groups)), pngs, w, h)


GROUP_CASES = [  # (isolation, group opacity); each group holds a normal layer and a multiply layer
    ("auto", "1"), ("auto", "0.6"), ("isolate", "0.6"), ("auto", "0.8"),
]


def groups_ora() -> bytes:
    """A semi-transparent background, then pass-through and isolated groups side by side (64×64 each)."""
    n = len(GROUP_CASES)
    w, h = 64 * n, 64
    v = np.rint(np.linspace(0, 255, 64)).astype(np.uint8)
    xs, ys = np.meshgrid(np.tile(v, n), v)
    bg = np.stack([xs, ys, 255 - xs // 2, np.where(ys > 128, 255, 90 + ys).astype(np.uint8)], axis=-1)
    pngs = {"data/bg.png": bg}
    stacks = []
    for i, (isolation, opacity) in enumerate(GROUP_CASES):
        a = np.stack([ys[:, :64], 255 - xs[:, :64], xs[:, :64] // 2 + 60, np.full((64, 64), 200, np.uint8)],
                     axis=-1)
        b = np.stack([255 - ys[:, :64], xs[:, :64] // 3 + 100, ys[:, :64], np.full((64, 64), 230, np.uint8)],
                     axis=-1)
        pngs[f"data/a{i}.png"], pngs[f"data/b{i}.png"] = a, b
        stacks.append(f'<stack name="g{i}" opacity="{opacity}" visibility="visible" '
                      f'composite-op="svg:src-over" isolation="{isolation}">'
                      + _layer_xml("mul", f"data/b{i}.png", 64 * i, 0, "svg:multiply", "0.8")
                      + _layer_xml("paint", f"data/a{i}.png", 64 * i, 0, "svg:src-over", "0.7")
                      + "</stack>")
    return _zip("".join(reversed(stacks)) + _layer_xml("bg", "data/bg.png", 0, 0), pngs, w, h)


def _ours(data: bytes, tmp: Path, name: str) -> np.ndarray:
    path = tmp / name
    path.write_bytes(data)
    return load_ora(path).composite()


def _ref(name: str) -> np.ndarray:
    path = REFS / name
    if not path.exists():
        pytest.skip(f"{path} is missing (make it with --make-refs, see the docstring)")
    return decode_image(path.read_bytes(), name).pixels


def compare(ours: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    """Mean |difference| in grey levels over RGBA (colour weighted by alpha, so colour under transparent
    pixels does not count) and the fraction of pixels off by more than 8 levels."""
    o = ours.astype(np.float32)
    r = ref.astype(np.float32)
    o[..., :3] *= o[..., 3:4] / 255.0
    r[..., :3] *= r[..., 3:4] / 255.0
    diff = np.abs(o - r)
    return float(diff.mean()), float((diff.max(axis=-1) > 8).mean())


def mode_errors(ours: np.ndarray, ref: np.ndarray) -> dict[str, tuple[float, float, float, float]]:
    """Per mode: (mean, fraction > 8) over the opaque backdrop, then over the semi-transparent one."""
    out = {}
    for i, name in enumerate(mode_list()):
        x0, y0 = cell_origin(i)
        opaque = compare(ours[y0:y0 + CELL_H, x0:x0 + 32], ref[y0:y0 + CELL_H, x0:x0 + 32])
        semi = compare(ours[y0:y0 + CELL_H, x0 + 32:x0 + 64], ref[y0:y0 + CELL_H, x0 + 32:x0 + 64])
        out[name] = (*opaque, *semi)
    return out


def test_every_mode_matches_krita(tmp_path):
    ref = _ref("modes.png")
    ours = _ours(modes_ora(), tmp_path, "modes.ora")
    assert ours.shape == ref.shape
    errors = mode_errors(ours, ref)
    bad = {k: v for k, v in errors.items()
           if k not in KRITA_SHOWS and (v[0] > 1.0 or v[1] > 0.01 or v[2] > 1.0 or v[3] > 0.01)}
    assert not bad, f"modes off from Krita (mean, >8 opaque; mean, >8 semi): {bad}"


def test_svg_xor_differs_from_krita_as_documented(tmp_path):
    """Krita does not read svg:xor (its layer shows as Normal); we render the OpenRaster Porter-Duff xor."""
    ref = _ref("modes.png")
    i = mode_list().index("xor")
    x0, y0 = cell_origin(i)
    as_normal = _ours(modes_ora({"xor": "svg:src-over"}), tmp_path, "normal.ora")
    mean, _ = compare(as_normal[y0:y0 + CELL_H, x0:x0 + 64], ref[y0:y0 + CELL_H, x0:x0 + 64])
    assert mean <= 1.0


def test_groups_match_krita(tmp_path):
    ref = _ref("groups.png")
    ours = _ours(groups_ora(), tmp_path, "groups.ora")
    for i, case in enumerate(GROUP_CASES):
        mean, off = compare(ours[:, 64 * i:64 * i + 64], ref[:, 64 * i:64 * i + 64])
        assert mean <= 1.0 and off <= 0.01, (case, mean, off)


KRITA_STACK = """<?xml version="1.0" encoding="UTF-8"?>
<image version="0.0.1" w="8" h="8" xres="72" yres="72" xmlns:kr="http://krita.org/ns/test">
 <stack name="root" opacity="1" visibility="visible" composite-op="svg:src-over" isolation="isolate">
  {layers}
  <stack name="pass" opacity="0.498039" visibility="visible" composite-op="svg:src-over" isolation="auto"
         kr:label="3" collapsed="true">
   <layer name="in pass" opacity="0.8" visibility="visible" composite-op="krita:hard mix" src="data/p.png"
          x="0" y="0" selected="true"/>
  </stack>
  <stack name="iso" opacity="1" visibility="hidden" composite-op="svg:multiply" isolation="isolate">
   <layer name="in iso" opacity="1" visibility="visible" composite-op="svg:src-over" src="data/p.png"
          x="0" y="0"/>
  </stack>
 </stack>
</image>"""
#: every op Krita writes for the modes it has, plus ops we cannot render (kept, shown as Normal)
FOREIGN_OPS = ["krita:dissolve", "krita:greater", "krita:behind", "svg:clear", "krita:copy_red",
               "krita:penumbra a", "krita:modulo"]


def _krita_file() -> bytes:
    ops = [m.ora_op for m in BLEND_MODES.values()] + FOREIGN_OPS
    layers = "".join(f'<layer name="l{i}" opacity="{(i * 7 % 256) / 255.0:.6g}" visibility="visible" '
                     f'composite-op="{op}" src="data/p.png" x="{i % 5}" y="0" alpha-inherit="{i % 2}" '
                     f'kr:uuid="{{{i:08d}}}"/>' for i, op in enumerate(ops))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", b"image/openraster")
        z.writestr("stack.xml", KRITA_STACK.format(layers=layers))
        z.writestr("data/p.png", encode_png(np.full((4, 4, 4), (200, 100, 50, 180), np.uint8)))
    return buf.getvalue()


def _elements(data: bytes) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ET.fromstring(z.read("stack.xml"))
    return [dict(el.attrib) for el in root.iter() if el.tag in ("stack", "layer")][1:]  # not the root stack


def test_resaving_a_krita_file_keeps_every_op_isolation_and_unknown_attribute(tmp_path):
    from paintgan.io.ora import approximated_modes, ora_bytes

    path = tmp_path / "krita.ora"
    path.write_bytes(_krita_file())
    notes: list[str] = []
    doc = load_ora(path, notes=notes)
    assert approximated_modes(doc) == sorted(FOREIGN_OPS)
    assert len(notes) == 1 and all(op in notes[0] for op in FOREIGN_OPS)  # the user is told once
    again = ora_bytes(doc)
    before, after = _elements(path.read_bytes()), _elements(again)
    assert len(before) == len(after)
    for b, a in zip(before, after, strict=True):
        for key, value in b.items():
            if key in ("src",):
                continue
            assert a.get(key) == value, (b["name"], key, value, a.get(key))
    # and a second round trip changes nothing more
    assert _elements(ora_bytes(load_ora_bytes(again, tmp_path))) == after


def load_ora_bytes(data: bytes, tmp: Path) -> Document:
    p = tmp / "again.ora"
    p.write_bytes(data)
    return load_ora(p)


def make_refs() -> None:
    """Write the .ora files and render them with Krita into REFS (needs krita and xvfb-run)."""
    REFS.mkdir(parents=True, exist_ok=True)
    for name, data in (("modes", modes_ora()), ("groups", groups_ora())):
        ora = REFS / f"{name}.ora"
        ora.write_bytes(data)
        subprocess.run(["xvfb-run", "-a", "krita", "--nosplash", "--export", "--export-filename",
                        str(REFS / f"{name}.png"), str(ora)], check=True, capture_output=True, timeout=600)
        ora.unlink()


if __name__ == "__main__":
    if "--make-refs" in sys.argv:
        make_refs()
    elif "--report" in sys.argv:
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            errs = mode_errors(_ours(modes_ora(), Path(d), "m.ora"), _ref("modes.png"))
        for k, (m1, f1, m2, f2) in errs.items():
            print(f"{k:24s} opaque mean {m1:5.2f} >8 {f1:6.2%}   semi mean {m2:5.2f} >8 {f2:6.2%}")
