"""Colorization in the app with a tiny ONNX model (same input/output names as the real network) on
$PAINTGAN_MODEL_PATH, and the Qt inference bridge."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from user_dirs import isolated_user_dirs

from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.main_window import MainWindow
from tests.gui.colorize_models import colorize_helpers
from tests.gui.helpers import click
from tests.gui.test_colorize_flat import RED, RINGS, colorize_window


@pytest.fixture(scope="module")
def _models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    colorize_helpers().make_colorize_model(root)
    return root


@pytest.fixture(autouse=True)
def tiny_model(_models: Path, tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with isolated_user_dirs(tmp_path_factory.mktemp("user"), monkeypatch, model_path=_models):
        yield _models


def test_neural_result_and_suggestions(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.colorize_panel
    panel.refresh_models()
    assert window.colorize.models.usable
    assert panel.mode.model().item(0).isEnabled()  # type: ignore[attr-defined]
    assert panel.model.count() >= 1 and not panel.reason.isVisible()
    layer = colorize_window(window, mode="neural")
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(layer), timeout=20000)
    assert layer.result is not None and layer.result.shape == (240, 320, 4)
    assert not layer.stale
    assert tuple(layer.result[120, 80][:3]) == RED  # the exact hint colour is imposed under the hint
    # suggestions for the clicked point arrive as swatches; one click recolours the selected hint
    qtbot.waitUntil(lambda: len(panel.suggest_grid.colors) > 0, timeout=10000)
    rgb = panel.suggest_grid.colors[0][0]
    panel.use_color(rgb)
    assert layer.hints.points[0].rgb == tuple(rgb)
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(layer), timeout=20000)
    window.undo()  # recolour undone: the earlier result comes back (from the cache, at once)
    assert layer.hints.points[0].rgb == RED
    qtbot.waitUntil(lambda: window.colorize.is_exact(layer), timeout=20000)
    assert tuple(layer.result[120, 80][:3]) == RED


def test_gray_mode_shows_gamut(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    layer = colorize_window(window, mode="neural")
    window.colorize_panel._set(input_kind="gray")
    assert layer.input_kind == "gray"
    click(window, *RINGS[0])
    qtbot.waitUntil(lambda: window.colorize_panel.gamut.isVisible(), timeout=15000)
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(layer), timeout=20000)


def test_bridge_delivers_on_gui_thread_and_drops_stale(qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = InferenceBridge(workers=1)
    got: list[tuple[int, object, bool]] = []
    bridge.result_ready.connect(lambda r: got.append((r.generation, r.value,
                                                      threading.current_thread() is threading.main_thread())))
    gate = threading.Event()

    def slow(v: int) -> int:
        gate.wait(5)
        return v

    bridge.request("ch", slow, 1, generation=1)
    time.sleep(0.05)  # generation 1 is running
    bridge.request("ch", slow, 2, generation=2)
    bridge.request("ch", slow, 3, generation=3)  # supersedes 2 while pending
    gate.set()
    qtbot.waitUntil(lambda: any(g == 3 for g, _v, _m in got), timeout=15000)
    QApplication.processEvents()
    assert got == [(3, 3, True)]  # 1 finished late (dropped), 2 never ran
    bridge.request("other", lambda: 1 / 0)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=15000)
    bridge.shutdown()
    assert bridge.request("ch", slow, 4, generation=4) is None


def test_flat_regions_checkbox_is_an_undoable_setting(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    panel = window.colorize_panel
    panel.refresh_models()
    layer = colorize_window(window, mode="neural")
    window.colors.set_fg(RED)
    click(window, *RINGS[0])
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(layer), timeout=20000)
    assert panel.flats.isEnabled() and panel.flats.isChecked()
    ring = layer.result[95:145, 55:105, :3].reshape(-1, 3)  # inside the clicked ring, off its lines
    ring = ring[ring.min(1) > 40]
    assert len(np.unique(ring, axis=0)) <= 3  # one flat colour (+ the exact-hint disc)
    flat_result = layer.result.copy()
    panel.flats.click()  # real checkbox: one undoable settings step
    assert not layer.flat_regions
    qtbot.waitUntil(lambda: not window.colorize.busy and window.colorize.is_exact(layer), timeout=20000)
    assert not np.array_equal(layer.result, flat_result)
    window.undo()
    assert layer.flat_regions
    qtbot.waitUntil(panel.flats.isChecked, timeout=15000)  # the panel follows the document
    qtbot.waitUntil(lambda: window.colorize.is_exact(layer), timeout=20000)
    assert np.array_equal(layer.result, flat_result)  # the earlier result comes back
