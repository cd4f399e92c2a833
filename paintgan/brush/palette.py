"""GIMP palettes (.gpl): read and write, Qt-free.

    GIMP Palette
    Name: Default
    Columns: 8
    # comments
      0   0   0	Black
    255 255 255	White

Malformed files raise `PaletteFormatError` (a `FormatError`, so the GUI and CLI show its one line).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from paintgan.errors import FormatError, SaveError

RGB = tuple[int, int, int]


class PaletteFormatError(FormatError):
    """A .gpl palette file is malformed."""


@dataclass
class Palette:
    name: str = "Untitled"
    colors: list[tuple[RGB, str]] = field(default_factory=list)
    columns: int = 0

    def rgb_list(self) -> list[RGB]:
        return [c for c, _ in self.colors]


def parse_gpl(text: str, source: str = "palette") -> Palette:
    lines = text.splitlines()
    if not lines or lines[0].strip().lstrip("\ufeff") != "GIMP Palette":
        raise PaletteFormatError(f"{source}: not a GIMP palette (first line must be 'GIMP Palette')")
    pal = Palette(name=Path(source).stem or "Untitled")
    for no, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("Name:"):
            pal.name = line[5:].strip() or pal.name
            continue
        if line.startswith("Columns:"):
            try:
                pal.columns = max(0, int(line[8:].strip()))
            except ValueError:
                raise PaletteFormatError(f"{source}, line {no}: invalid column count {line[8:].strip()!r}"
                                         ) from None
            continue
        parts = line.split(None, 3)
        if len(parts) < 3:
            raise PaletteFormatError(f"{source}, line {no}: expected 'R G B [name]', got {line[:40]!r}")
        try:
            rgb = tuple(int(p) for p in parts[:3])
        except ValueError:
            raise PaletteFormatError(f"{source}, line {no}: colour values must be integers, got {line[:40]!r}"
                                     ) from None
        if any(not 0 <= v <= 255 for v in rgb):
            raise PaletteFormatError(f"{source}, line {no}: colour values must be 0–255, got {line[:40]!r}")
        name = parts[3].strip() if len(parts) > 3 else ""
        pal.colors.append(((rgb[0], rgb[1], rgb[2]), name))
    return pal


def read_gpl(path: str | os.PathLike[str]) -> Palette:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise PaletteFormatError(f"cannot read palette {p.name}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_gpl(text, p.name)


def format_gpl(pal: Palette) -> str:
    out = ["GIMP Palette", f"Name: {pal.name}"]
    if pal.columns:
        out.append(f"Columns: {pal.columns}")
    out.append("#")
    for (r, g, b), name in pal.colors:
        out.append(f"{r:3d} {g:3d} {b:3d}\t{name or f'#{r:02x}{g:02x}{b:02x}'}")
    return "\n".join(out) + "\n"


def write_gpl(pal: Palette, path: str | os.PathLike[str]) -> None:
    """Write atomically (a temporary file renamed over the target)."""
    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        tmp.write_text(format_gpl(pal), encoding="utf-8")
        os.replace(tmp, p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SaveError(f"cannot write palette {p.name}: {exc.strerror or exc}") from None
