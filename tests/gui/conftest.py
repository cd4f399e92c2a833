"""GUI test fixtures: offscreen Qt, settings isolated in a temporary folder, no blocking message boxes,
a shown main window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PAINTGAN_NO_DEVICE_PROBE"] = "1"

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from paintgan.gui.main_window import MainWindow
from paintgan.gui.session import DocumentSession


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    path = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))
    yield


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """User data (autosave's recovery folder) and cache in a temporary folder, never the real home."""
    from paintgan.inference import paths

    base = tmp_path_factory.mktemp("userdirs")
    with paths.override_user_dirs(base / "data", base / "cache"):
        yield


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes never block a test; their (title, text) are recorded."""
    shown: list[tuple[str, str]] = []

    def record(kind: str, answer: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def box(parent: QWidget, title: str, text: str, *a: object, **kw: object
                ) -> QMessageBox.StandardButton:
            shown.append((title, text))
            return answer
        return box

    monkeypatch.setattr(QMessageBox, "critical", record("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "warning", record("warning", QMessageBox.StandardButton.Discard))
    monkeypatch.setattr(QMessageBox, "information", record("information", QMessageBox.StandardButton.Ok))
    return shown


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(320, 240))
    qtbot.addWidget(w)
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.canvas.setFocus()
    w.canvas.actual_pixels()
    w.canvas.view.cx, w.canvas.view.cy = 160, 120  # document centred, zoom 100 %
    QApplication.processEvents()
    yield w
    w.session.stack.set_clean()  # closing must not ask


@pytest.fixture(scope="session", autouse=True)
def empty_clipboard_at_exit(qapp: QApplication) -> Iterator[None]:
    """Leave the clipboard empty: Qt's offscreen platform crashes at interpreter exit (SIGSEGV after
    every test passed) when the clipboard still owns an image."""
    yield
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()
    qapp.processEvents()
