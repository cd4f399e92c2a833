"""Crash recovery in the window: set up autosave, and after a crash offer the autosaved documents back.

`install_autosave(window)` creates the window's `AutosaveManager` (recovery folder `<data dir>/recovery`,
see `paintgan.inference.paths.user_data_dir`, which honours `$PAINTGAN_DATA_DIR`) and cleans the stale
temporary files of killed saves in the recovery folder and the folders of the recent files.

`offer_recovery(window)` runs at start-up: when an earlier run left autosaves behind, a dialog lists them
(title, original file, size, when) with Restore / Discard / Later. Restored documents open as unsaved
(the window asks to save them) and their recovery files stay until they are saved or discarded; "Later"
keeps everything for the next start.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paintgan.errors import PaintGANError
from paintgan.gui import dialogs
from paintgan.gui import settings as st
from paintgan.gui.autosave import AutosaveManager, autosave_enabled, autosave_seconds, idle_seconds
from paintgan.gui.session import DocumentSession
from paintgan.io.atomic import clean_stale_temps_in
from paintgan.io.recovery import RecoveryEntry, RecoveryStore

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

RECOVERY_DIRNAME = "recovery"
Chooser = Callable[[list[RecoveryEntry], QWidget], tuple[str, list[RecoveryEntry]]]


def recovery_root() -> Path:
    from paintgan.inference.paths import user_data_dir

    return user_data_dir() / RECOVERY_DIRNAME


def install_autosave(window: MainWindow) -> AutosaveManager:
    """The window's autosave: all its open documents, paused during a gesture."""
    s = window.settings
    store = RecoveryStore(recovery_root())

    def sessions() -> list[DocumentSession]:
        return list(window.documents.all()) if autosave_enabled(s) else []

    def busy() -> bool:
        tool = window.canvas.tool
        return tool is not None and bool(tool.active)

    manager = AutosaveManager(sessions, store, interval_s=autosave_seconds(s), idle_s=idle_seconds(s),
                              busy=busy, parent=window)
    manager.failed.connect(window.show_message)
    folders = [store.root, *(Path(f).parent for f in st.recent_files(s))]
    manager._executor.submit(clean_stale_temps_in, folders)  # off the GUI thread: folders may be slow
    return manager


class RecoveryDialog(QDialog):
    """Lists the autosaved documents; `choice` is "restore", "discard" or "later" after it closes."""

    def __init__(self, entries: list[RecoveryEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover Documents")
        self.entries = entries
        self.choice = "later"
        layout = QVBoxLayout(self)
        n = len(entries)
        text = QLabel(f"PaintGAN did not close properly last time. {n} document{'s' if n != 1 else ''} "
                      "with unsaved changes {} autosaved. Restore the ones you want; they open as "
                      "unsaved documents.".format("was" if n == 1 else "were"))
        text.setWordWrap(True)
        layout.addWidget(text)
        self.list = QListWidget()
        for e in entries:
            item = QListWidgetItem(e.describe())
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(str(e.ora))
            self.list.addItem(item)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore")
        self.discard_button = QPushButton("Discard All")
        self.later_button = QPushButton("Decide Later")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.clicked.connect(lambda: self._done("restore"))
        self.discard_button.clicked.connect(lambda: self._done("discard"))
        self.later_button.clicked.connect(lambda: self._done("later"))
        layout.addWidget(buttons)
        self.restore_button.setDefault(True)

    def _done(self, choice: str) -> None:
        self.choice = choice
        self.accept() if choice != "later" else self.reject()

    def selected(self) -> list[RecoveryEntry]:
        return [e for i, e in enumerate(self.entries)
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


def ask_recovery(entries: list[RecoveryEntry], parent: QWidget) -> tuple[str, list[RecoveryEntry]]:
    dlg = RecoveryDialog(entries, parent)
    dlg.exec()
    return dlg.choice, dlg.selected()


def offer_recovery(window: MainWindow, manager: AutosaveManager, chooser: Chooser = ask_recovery
                   ) -> list[DocumentSession]:
    """Offer the documents a crashed run left (see the module docstring); returns the restored sessions."""
    store = manager.store
    try:
        entries = store.orphans()
        if not entries:
            return []
        choice, selected = chooser(entries, window)
        if choice == "discard":
            for e in entries:
                store.discard(e)
            return []
        if choice != "restore":
            return []
        return [s for s in (_restore(window, manager, e) for e in selected) if s is not None]
    finally:
        store.release_claims()  # what was not restored or discarded stays for the next start


def recover_documents(window: MainWindow, manager: AutosaveManager, chooser: Chooser = ask_recovery
                      ) -> list[DocumentSession]:
    """The menu command: `offer_recovery`, or a message when there is nothing to recover."""
    if not manager.store.orphans():
        manager.store.release_claims()
        window.show_message("No autosaved documents to recover: every earlier run ended cleanly")
        return []
    return offer_recovery(window, manager, chooser)


def _restore(window: MainWindow, manager: AutosaveManager, entry: RecoveryEntry) -> DocumentSession | None:
    from paintgan.io.ora import load_ora

    try:
        doc = load_ora(entry.ora)
    except PaintGANError as exc:
        dialogs.show_error(window, "Recover", f"Cannot restore {entry.title}: {exc}")
        return None
    except MemoryError:
        dialogs.show_error(window, "Recover", f"Cannot restore {entry.title}: not enough memory")
        return None
    session = DocumentSession(doc, entry.original_path)
    session.mark_recovered()
    manager.adopt(session, entry)
    current = window.session
    if not current.modified and not current.path and not window.documents.keeps(current):
        window.set_session(session)  # replaces the empty start-up document
    else:
        window.documents.switch_to(session)  # the shown document stays open in the background
    with contextlib.suppress(Exception):
        window.show_message(f"Restored {entry.title}")
    return session
