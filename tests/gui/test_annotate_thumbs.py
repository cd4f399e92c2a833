"""Dataset file list thumbnails (issue #13): decoded on a worker thread only for the rows the view paints,
never on the GUI thread, cached; a broken image gets none and breaks nothing. Plus the reduced-size
reader behind them."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from paintgan.errors import ImageReadError, ImageTooLargeError
from paintgan.gui.annotate.file_list import FileListPanel
from paintgan.gui.main_window import MainWindow
from paintgan.io.dataset import DatasetFolder
from paintgan.io.images import load_thumbnail

N = 120
DECO = Qt.ItemDataRole.DecorationRole


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    """N images (a JPEG every third, 800×600 so the reduced decode is used) and one broken PNG at row 1."""
    d = tmp_path / "many"
    d.mkdir()
    rng = np.random.default_rng(0)
    for i in range(N):
        img = np.full((600, 800, 3), rng.integers(0, 255, 3), np.uint8)
        cv2.circle(img, (400, 300), 200, (20, 20, 200), -1)
        cv2.imwrite(str(d / f"img{i:03d}.{'jpg' if i % 3 == 0 else 'png'}"), img)
    (d / "img000b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    return d


def test_load_thumbnail_reduced_and_checked(tmp_path: Path) -> None:
    img = np.zeros((900, 1200, 3), np.uint8)
    img[:, :600] = (0, 0, 255)  # BGR red left half
    cv2.imwrite(str(tmp_path / "a.jpg"), img)
    cv2.imwrite(str(tmp_path / "a.png"), img)
    for name in ("a.jpg", "a.png"):
        t = load_thumbnail(tmp_path / name, 64)
        assert t.shape == (48, 64, 4) and t.dtype == np.uint8
        assert t[24, 5, 0] > 200 and t[24, 5, 2] < 50 and t[24, 60, 0] < 50  # RGB order, left half red
        assert (t[..., 3] == 255).all()
    small = load_thumbnail(tmp_path / "a.png", 2000)  # never enlarged
    assert small.shape == (900, 1200, 4)
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    with pytest.raises(ImageReadError):
        load_thumbnail(tmp_path / "bad.jpg", 48)
    with pytest.raises(ImageTooLargeError):
        load_thumbnail(tmp_path / "a.jpg", 48, max_pixels=1000)


def test_visible_rows_get_thumbnails_without_blocking(qtbot, big_folder: Path) -> None:  # type: ignore[no-untyped-def]
    panel = FileListPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 420)
    ds = DatasetFolder(big_folder)
    assert len(ds) == N + 1
    panel.set_dataset(ds)
    model = panel.model
    panel.show()
    qtbot.waitExposed(panel)

    # asking for a thumbnail never decodes on the GUI thread: a miss returns None at once
    t0 = time.perf_counter()
    first = [model.data(model.index(r, 0), DECO) for r in range(8)]
    assert (time.perf_counter() - t0) < 0.05
    assert all(x is None for x in first)

    top = panel.table.rowAt(0)
    bottom = panel.table.rowAt(panel.table.viewport().height() - 1)
    assert top == 0 and 3 <= bottom < 40
    visible = [r for r in range(top, bottom + 1) if ds.name(model.rows[r]) != "img000b.png"]

    def shown() -> bool:
        return all(isinstance(model.data(model.index(r, 0), DECO), QImage) for r in visible)

    qtbot.waitUntil(shown, timeout=15000)
    thumb = model.data(model.index(visible[0], 0), DECO)
    assert max(thumb.width(), thumb.height()) == panel.thumbs.size
    # the broken image: no thumbnail, marked failed, its row still says why
    broken = model.row_of(ds.images.index(big_folder / "img000b.png"))
    assert broken is not None and broken <= bottom
    qtbot.waitUntil(lambda: panel.thumbs.failed(model.rows[broken]), timeout=15000)
    assert model.data(model.index(broken, 0), DECO) is None
    # only the rows on screen were decoded (plus a few the view prepared), not the whole folder
    assert panel.thumbs.decoded_count < N // 2

    # scrolling to the end decodes the rows shown there
    panel.table.scrollToBottom()
    last = model.rowCount() - 1
    qtbot.waitUntil(lambda: isinstance(model.data(model.index(last, 0), DECO), QImage), timeout=15000)

    # the toggle hides them (no decoration asked) and brings them back from the cache
    panel.show_thumbs.setChecked(False)
    assert model.data(model.index(last, 0), DECO) is None
    panel.show_thumbs.setChecked(True)
    assert isinstance(model.data(model.index(last, 0), DECO), QImage)

    # another folder: nothing of the old one is kept
    panel.set_dataset(DatasetFolder(big_folder))
    assert panel.thumbs.get(0) is None
    panel.thumbs.shutdown()


def test_dataset_dock_shows_thumbnails(window: MainWindow, big_folder: Path,
                                       qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.annotate.open_folder(str(big_folder))
    files = window.annotate.files
    assert files is not None
    model = files.model
    qtbot.waitUntil(lambda: isinstance(model.data(model.index(0, 0), DECO), QImage), timeout=15000)


def test_model_loaded_and_warmed_when_a_folder_opens(window: MainWindow, big_folder: Path,
                                                     qtbot) -> None:  # type: ignore[no-untyped-def]
    """Nothing per image can be precomputed (the model sees only a box's crop), so opening a folder loads
    the session and runs one dummy box in the background instead; the first real box is then not slow."""
    assist = window.annotate.assist
    assert not assist.warmed
    assert window.annotate.open_folder(str(big_folder))
    qtbot.waitUntil(lambda: assist.warmed, timeout=15000)
    assert assist.error is None
    rgb = window.annotate.controller.image()
    assert rgb is not None
    poly = assist.box(rgb, (180.0, 80.0, 620.0, 520.0))  # the disc drawn in every image
    assert poly is not None and len(poly) >= 3
