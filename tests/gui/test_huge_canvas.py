"""A tiny file declaring a huge canvas must not cost canvas-sized display memory (issue 16): display tiles
nothing covers share one read-only transparent block and are composited afresh once something is drawn."""

from __future__ import annotations

import zipfile

import numpy as np

from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import RasterLayer
from paintgan.gui.tile_cache import TileCache


def _rss_mb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 >> 20


def test_tiny_ora_declaring_20000_squared_canvas_opens_in_small_memory(window, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "huge.ora"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "image/openraster", compress_type=zipfile.ZIP_STORED)
        z.writestr("stack.xml", '<?xml version="1.0"?><image w="20000" h="20000"><stack></stack></image>')
    assert path.stat().st_size < 600
    before = _rss_mb()
    assert window.open_file(str(path))
    window.canvas.fit()
    window.canvas.repaint()  # paints every tile of the fitted 20000² page
    qtbot.wait(50)
    cache = window.canvas.cache
    assert (window.session.doc.width, window.session.doc.height) == (20000, 20000)
    assert cache.nbytes() == 0  # 6,241 display tiles, none owning pixels (was 1.6 GB)
    assert _rss_mb() - before < 300  # generous: measured +23 MB (975 MB before the fix)


def test_empty_tile_is_composited_once_something_is_drawn_into_it() -> None:
    doc = Document(600, 400)
    cache = TileCache(doc)
    tile = cache.tile((1, 1))
    assert tile is not None and tile.empty and not tile.pixels.any() and cache.nbytes() == 0
    assert tile.pixels.shape == (144, 256, 4) and cache.pixel_premul(300, 300) == (0, 0, 0, 0)
    pixels = np.zeros((400, 600, 4), np.uint8)
    pixels[300, 300] = (200, 20, 30, 255)
    doc.root.insert(0, RasterLayer.from_pixels("Ink", pixels))
    cache.invalidate(Rect(300, 300, 1, 1))
    tile = cache.tile((1, 1))
    assert tile is not None and not tile.empty and tile.pixels.flags.writeable
    assert cache.pixel_premul(300, 300) == (200, 20, 30, 255)
    assert cache.nbytes() == 256 * 144 * 4
