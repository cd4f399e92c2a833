"""Autosave and crash recovery in the window: strokes painted with the real brush reach the recovery folder
in the background, a save removes them, a crashed run's documents are offered back and restored as unsaved
documents, background documents are covered too, and a clean exit leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from snapshots import doc_state

from paintgan.errors import OraFormatError
from paintgan.gui.autosave import AutosaveManager, autosave_seconds
from paintgan.gui.main_window import MainWindow
from paintgan.gui.recovery import RecoveryDialog, offer_recovery, recovery_root
from paintgan.gui.session import DocumentSession
from paintgan.io.ora import load_ora
from paintgan.io.recovery import RecoveryStore

from .helpers import drag


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINTGAN_AUTOSAVE_SECONDS", "0.3")


def _autosaves(window: MainWindow) -> list[Path]:
    folder = window.autosave.store.folder
    return sorted(folder.glob("*.ora")) if folder is not None else []


def _wait_written(qtbot, manager: AutosaveManager, n: int = 1) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        with qtbot.waitSignal(manager.written, timeout=10000):
            pass
    manager.wait_idle()


def test_interval_setting_and_environment(monkeypatch, window) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PAINTGAN_AUTOSAVE_SECONDS", raising=False)
    assert autosave_seconds(window.settings) == 60.0
    window.settings.setValue("autosave/seconds", 120)
    assert autosave_seconds(window.settings) == 120.0
    monkeypatch.setenv("PAINTGAN_AUTOSAVE_SECONDS", "2.5")
    assert autosave_seconds(window.settings) == 2.5


def test_strokes_are_autosaved_and_a_save_removes_them(fast, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(320, 240))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.canvas.actual_pixels()
    w.canvas.view.cx, w.canvas.view.cy = 160, 120
    assert w.autosave.interval_s == pytest.approx(0.3)
    drag(w, [(30, 30), (250, 200)])
    _wait_written(qtbot, w.autosave)
    [ora] = _autosaves(w)
    assert ora.parent.parent == recovery_root()
    assert doc_state(load_ora(ora)) == doc_state(w.session.doc)
    assert w.autosave.gui_ms and max(w.autosave.gui_ms) < 50
    # a second stroke: the autosave follows
    drag(w, [(250, 30), (30, 200)])
    _wait_written(qtbot, w.autosave)
    assert doc_state(load_ora(ora)) == doc_state(w.session.doc)
    # saving removes it, and keeps the previous version as .bak on the next save
    target = tmp_path / "page.ora"
    assert w.save_to(str(target))
    w.autosave.wait_idle()
    assert _autosaves(w) == []
    drag(w, [(10, 100), (300, 100)])
    assert w.save_to(str(target))
    assert target.with_name("page.ora.bak").exists()
    w.autosave.tick()
    w.autosave.wait_idle()
    assert _autosaves(w) == []
    folder = w.autosave.store.folder
    w.session.stack.set_clean()
    w.close()
    assert folder is None or not folder.exists()  # a clean exit leaves nothing


def test_background_documents_are_autosaved_too(fast, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(200, 150))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.canvas.actual_pixels()
    w.canvas.view.cx, w.canvas.view.cy = 100, 75
    drag(w, [(20, 20), (180, 120)])
    first = w.session
    w.documents.switch_to(DocumentSession.new(120, 90))  # the first one goes to the background
    w.canvas.view.cx, w.canvas.view.cy = 60, 45
    drag(w, [(10, 10), (100, 80)])
    qtbot.waitUntil(lambda: len(_autosaves(w)) == 2, timeout=10000)
    w.autosave.wait_idle()
    sizes = sorted((d.width, d.height) for d in (load_ora(p) for p in _autosaves(w)))
    assert sizes == [(120, 90), (200, 150)]
    assert first in w.documents.all()
    for s in w.documents.all():
        s.stack.set_clean()
    w.close()


def _crashed_run(root: Path, title: str, path: str | None) -> None:
    """A run that autosaved a document and was killed before it could clean up."""
    code = ("import sys, os, numpy as np\n"
            "from paintgan.core.document import Document\n"
            "from paintgan.core.layers import RasterLayer\n"
            "from paintgan.io.recovery import RecoveryStore\n"
            "d = Document.new(96, 64)\n"
            "d.root.insert(2, RasterLayer.from_pixels('ink', np.full((10, 20, 4), 200, np.uint8), 5, 6))\n"
            "meta = {'title': sys.argv[2], 'path': sys.argv[3] or None}\n"
            "RecoveryStore(sys.argv[1]).write('doc1', d, meta)\n"
            "os._exit(9)\n")
    subprocess.run([sys.executable, "-c", code, str(root), title, path or ""], timeout=60, check=False)


def test_a_crashed_runs_documents_are_offered_and_restored(window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _crashed_run(recovery_root(), "page.ora", str(tmp_path / "page.ora"))
    _crashed_run(recovery_root(), "Untitled", None)
    seen: list[list[str]] = []

    def restore_all(entries, _parent):  # type: ignore[no-untyped-def]
        seen.append([e.title for e in entries])
        return "restore", entries

    restored = offer_recovery(window, window.autosave, restore_all)
    assert sorted(seen[0]) == ["Untitled", "page.ora"] and len(restored) == 2
    assert all(s.modified for s in restored)
    assert {s.path for s in restored} == {str(tmp_path / "page.ora"), None}
    assert window.session is restored[-1] and set(restored) <= set(window.documents.all())
    assert restored[0].doc.width == 96 and restored[0].doc.root.children[-1].name == "ink"
    # they stay recoverable (moved into this run's folder) until saved
    window.autosave.wait_idle()
    assert len(_autosaves(window)) == 2
    assert RecoveryStore(recovery_root()).orphans() == []
    window.documents.switch_to(restored[0])
    assert window.save_to(str(tmp_path / "saved.ora"))
    window.autosave.wait_idle()
    assert len(_autosaves(window)) == 1
    for s in window.documents.all():
        s.stack.set_clean()


def test_later_keeps_them_and_discard_deletes_them(window) -> None:  # type: ignore[no-untyped-def]
    _crashed_run(recovery_root(), "a.ora", None)
    assert offer_recovery(window, window.autosave, lambda e, p: ("later", [])) == []
    assert len(RecoveryStore(recovery_root()).orphans()) == 1
    assert offer_recovery(window, window.autosave, lambda e, p: ("discard", [])) == []
    assert RecoveryStore(recovery_root()).orphans() == []
    assert offer_recovery(window, window.autosave, lambda e, p: ("restore", e)) == []  # nothing left


def test_the_dialog_lists_the_documents_and_returns_the_choice(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "rec"
    _crashed_run(root, "one.ora", "/somewhere/one.ora")
    _crashed_run(root, "two", None)
    entries = RecoveryStore(root).orphans()
    dlg = RecoveryDialog(entries)
    qtbot.addWidget(dlg)
    assert dlg.list.count() == 2
    texts = [dlg.list.item(i).text() for i in range(2)]
    assert any("one.ora" in t and "/somewhere/one.ora" in t and "autosaved" in t for t in texts)
    dlg.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(dlg.restore_button, Qt.MouseButton.LeftButton)
    assert dlg.choice == "restore" and dlg.selected() == [entries[1]]
    dlg2 = RecoveryDialog(entries)
    qtbot.addWidget(dlg2)
    qtbot.mouseClick(dlg2.discard_button, Qt.MouseButton.LeftButton)
    assert dlg2.choice == "discard"


def test_no_autosave_during_a_stroke(fast, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(DocumentSession.new(200, 150))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    drag(w, [(20, 20), (100, 100)])
    w.autosave.busy = lambda: True  # a pen is down
    n = len(w.autosave.gui_ms)
    qtbot.wait(900)
    assert len(w.autosave.gui_ms) == n
    w.autosave.busy = lambda: False
    qtbot.waitUntil(lambda: len(w.autosave.gui_ms) > n, timeout=15000)
    w.autosave.wait_idle()
    px = np.asarray(load_ora(_autosaves(w)[0]).composite())
    assert px.shape == (150, 200, 4)
    w.session.stack.set_clean()
    w.close()


_INTERNAL = "Cannot open page.ora (an internal error; the details are in the log)"
_CV2_TEXT = "OpenCV(4.9.0) resize.cpp:4152: error: (-215:Assertion failed) !ssize.empty()"


@pytest.mark.parametrize(("error", "expected"), [
    (MemoryError(), "Cannot open page.ora: not enough memory"), (KeyError(), _INTERNAL),
    (OverflowError("x"), _INTERNAL), (RuntimeError(_CV2_TEXT), _INTERNAL),
    (OraFormatError("page.ora: stack.xml is missing"), "page.ora: stack.xml is missing")])
def test_open_errors_are_plain_words_never_empty(window, monkeypatch, no_modal_boxes, caplog, error,  # type: ignore[no-untyped-def]
                                                 expected) -> None:
    """Our errors keep their one line; library text (an OpenCV assertion...) goes to the log only."""
    import paintgan.io.documents as documents

    def fail(*_a, **_k):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr(documents, "open_document", fail)
    assert not window.open_file("/somewhere/page.ora")
    _title, text = no_modal_boxes[-1]
    assert text == expected
    if error.args and error.args[0] == _CV2_TEXT:
        assert _CV2_TEXT in caplog.text


def test_start_up_cleans_stale_temp_files_of_killed_saves(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import time

    from paintgan.gui import settings as st
    from paintgan.io.atomic import temp_name

    folder = tmp_path / "pages"
    folder.mkdir()
    stale, fresh = folder / temp_name("page.ora"), folder / temp_name("page.ora")
    for p in (stale, fresh):
        p.write_bytes(b"half a save")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    st.add_recent_file(st.app_settings(), str(folder / "page.ora"))
    w = MainWindow(DocumentSession.new(64, 64))
    qtbot.addWidget(w)
    w.autosave.wait_idle()
    assert not stale.exists() and fresh.exists()  # only ours, only old ones
    w.close()


def test_recover_from_the_file_menu(window) -> None:  # type: ignore[no-untyped-def]
    from paintgan.gui.recovery import recover_documents

    messages: list[str] = []
    window.status.messageChanged.connect(lambda m: messages.append(m) if m else None)
    assert recover_documents(window, window.autosave) == []
    assert any("No autosaved documents" in m for m in messages)
    _crashed_run(recovery_root(), "later.ora", None)
    restored = recover_documents(window, window.autosave, lambda e, _p: ("restore", e))
    assert [s.doc.width for s in restored] == [96]
    assert "recover" in window.actions_ and window.actions_["recover"].text().startswith("&Recover")
    for s in window.documents.all():
        s.mark_saved(s.path or "x.ora")
