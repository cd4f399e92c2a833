from __future__ import annotations

from pathlib import Path

import pytest

from paintgan.brush.palette import Palette, PaletteFormatError, format_gpl, parse_gpl, read_gpl, write_gpl
from paintgan.errors import FormatError


def test_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pal = Palette("Test", [((0, 0, 0), "Black"), ((255, 128, 1), "Orange juice")], columns=4)
    path = tmp_path / "t.gpl"
    write_gpl(pal, path)
    back = read_gpl(path)
    assert back.name == "Test" and back.columns == 4 and back.colors == pal.colors


def test_gimp_style_file_with_comments_and_no_names() -> None:
    text = "GIMP Palette\nName: X\n#\n# comment\n\n  1   2   3\n4 5 6\tSix  with spaces\n"
    pal = parse_gpl(text)
    assert pal.colors == [((1, 2, 3), ""), ((4, 5, 6), "Six  with spaces")]
    assert "GIMP Palette" in format_gpl(pal)


@pytest.mark.parametrize("text, words", [
    ("", "not a GIMP palette"),
    ("JASC-PAL\n", "not a GIMP palette"),
    ("GIMP Palette\n1 2\n", "line 2"),
    ("GIMP Palette\nName: a\n1 2 x\n", "integers"),
    ("GIMP Palette\n1 2 300 big\n", "0–255"),
    ("GIMP Palette\nColumns: many\n", "column"),
])
def test_malformed_files_have_one_line_errors(text: str, words: str) -> None:
    with pytest.raises(PaletteFormatError) as info:
        parse_gpl(text, "p.gpl")
    assert words in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, FormatError)


def test_missing_file_and_default_palette(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PaletteFormatError, match="cannot read"):
        read_gpl(tmp_path / "nope.gpl")
    default = read_gpl(Path(__file__).resolve().parents[2] / "resources" / "palettes" / "default.gpl")
    assert len(default.colors) >= 48 and default.columns == 12
