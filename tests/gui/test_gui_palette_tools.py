from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from paintgan.brush.palette import Palette, read_gpl

from .helpers import click, drag, key


def test_swatch_click_sets_brush_color(window) -> None:  # type: ignore[no-untyped-def]
    grid = window.palette_panel.swatches
    grid.resize(200, 200)
    index = next(i for i, (rgb, _n) in enumerate(grid.colors) if rgb != (0, 0, 0) and len(set(rgb)) > 1)
    rgb = grid.colors[index][0]
    QTest.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(index).center())
    assert window.colors.fg == rgb
    drag(window, [(60, 60), (120, 60)])
    assert tuple(window.session.doc.composite()[60, 90, :3]) == rgb
    assert window.colors.recent[0] == rgb
    QTest.mouseClick(grid, Qt.MouseButton.RightButton, pos=grid.cell_rect(0).center())
    assert window.colors.bg == grid.colors[0][0]


def test_hex_entry_sv_square_and_swap(window) -> None:  # type: ignore[no-untyped-def]
    panel = window.palette_panel
    panel.hex_edit.setText("#3366cc")
    QTest.keyClick(panel.hex_edit, Qt.Key.Key_Return)
    assert window.colors.fg == (0x33, 0x66, 0xCC)
    QTest.mouseClick(panel.sv, Qt.MouseButton.LeftButton, pos=QPoint(1, 1))
    assert min(window.colors.fg) >= 250  # top-left of the square: (almost) no saturation, full value
    window.colors.set_fg((10, 20, 30))
    window.canvas.setFocus()
    key(window, Qt.Key.Key_X)
    assert window.colors.fg == (255, 255, 255) and window.colors.bg == (10, 20, 30)


def test_palette_save_and_load(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    panel = window.palette_panel
    panel.set_palette(Palette("Mine", [((1, 2, 3), "a"), ((250, 128, 0), "orange")]))
    panel.add_current()
    path = tmp_path / "mine.gpl"
    from paintgan.brush.palette import write_gpl

    write_gpl(panel.palette_data, path)
    assert read_gpl(path).rgb_list() == [(1, 2, 3), (250, 128, 0), window.colors.fg]
    bad = tmp_path / "bad.gpl"
    bad.write_text("GIMP Palette\n1 2\n")
    assert not panel.load_palette(str(bad))
    assert panel.load_palette(str(path))
    assert panel.swatches.colors[1][0] == (250, 128, 0)


def test_picker_tool_and_alt_click(window) -> None:  # type: ignore[no-untyped-def]
    window.colors.set_fg((10, 200, 30))
    drag(window, [(100, 100), (140, 100)])
    window.colors.set_fg((0, 0, 0))
    key(window, Qt.Key.Key_I)
    assert window.tool.name == "picker"
    click(window, 120, 100)
    assert window.colors.fg == (10, 200, 30)
    key(window, Qt.Key.Key_B)
    click(window, 10, 10, mods=Qt.KeyboardModifier.AltModifier)  # Alt+click on white background
    assert window.colors.fg == (255, 255, 255)
    assert len(window.session.stack) == 1  # picking paints nothing


def test_fill_with_gap_closing_on_a_ring(window) -> None:  # type: ignore[no-untyped-def]
    import math

    doc = window.session.doc
    window.tools["brush"].update_settings(size=4, hardness=1.0)
    window.colors.set_fg((0, 0, 0))
    # a ring of radius 60 around (160, 120) with a gap of about 8 px on the right
    pts = [(160 + 60 * math.cos(a / 100 * 2 * math.pi), 120 + 60 * math.sin(a / 100 * 2 * math.pi))
           for a in range(2, 99)]
    drag(window, pts)
    key(window, Qt.Key.Key_G)
    fill = window.tools["fill"]
    fill.update_settings(tolerance=40, gap=0)
    window.colors.set_fg((255, 0, 0))
    click(window, 160, 120)
    leaked = doc.composite()
    assert tuple(leaked[5, 5, :3]) == (255, 0, 0)  # no gap closing: the fill escapes through the gap
    key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    fill.update_settings(gap=6)
    click(window, 160, 120)
    img = doc.composite()
    assert tuple(img[120, 160, :3]) == (255, 0, 0)
    assert tuple(img[120, 210, :3]) == (255, 0, 0)  # reaches the line
    assert tuple(img[5, 5, :3]) == (255, 255, 255)  # but stays inside
    assert tuple(img[120, 240, :3]) == (255, 255, 255)  # not even just outside the gap
    assert np.count_nonzero((img[..., 0] == 255) & (img[..., 1] == 0)) > 0.8 * math.pi * 57 ** 2
    assert len(window.session.stack) == 2  # ring + one fill step
