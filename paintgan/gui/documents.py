"""The documents open in the main window: the shown one and those kept open in the background.

The main window shows one `DocumentSession` at a time. Opening a GANPaint scene, an annotation image or
sending a picture to another document keeps the previously shown one open "in the background"; the
Window menu lists them all, File ▸ Close drops the shown one, and quitting asks about every unsaved one.
Autosave and crash recovery walk `all()`. Owned by the main window; modes (GANPaint, annotation) use it
instead of keeping lists of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from paintgan.core.ganpaint_layer import target_layer
from paintgan.gui import dialogs
from paintgan.gui.session import DocumentSession

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow


def session_label(session: DocumentSession) -> str:
    """How the Window menu and the dialogs name a document."""
    if session.path:
        return session.display_name
    layer = target_layer(session.doc)
    if layer is not None:
        return f"GANPaint scene (seed {layer.seed})"
    d = session.doc
    return f"Untitled ({d.width}×{d.height})"


class OpenDocuments(QObject):
    changed = Signal()  # a document was opened, shown, or closed

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.background: list[DocumentSession] = []

    def all(self) -> list[DocumentSession]:
        """The shown document first, then the background ones (most recently shown last)."""
        return [self.window.session, *self.background]

    def keeps(self, session: DocumentSession) -> bool:
        """Whether the main window must keep `session` alive when it stops showing it."""
        return session in self.background

    def shown(self, session: DocumentSession) -> None:
        """The main window now shows `session` (called by `MainWindow.set_session`)."""
        if session in self.background:
            self.background.remove(session)
        self.changed.emit()

    def switch_to(self, session: DocumentSession) -> None:
        """Show `session`, keeping the shown one open in the background."""
        current = self.window.session
        if session is current:
            return
        if current not in self.background:
            self.background.append(current)
        self.window.set_session(session)

    def fill_window_menu(self, menu: QMenu) -> None:
        menu.clear()
        for s in self.all():
            act = QAction(session_label(s) + (" *" if s.modified else ""), menu, checkable=True)
            act.setChecked(s is self.window.session)
            act.triggered.connect(lambda _c=False, target=s: self.switch_to(target))
            menu.addAction(act)

    def close_current(self, new_size: tuple[int, int]) -> bool:
        """File ▸ Close: drop the shown document (asking to save) and show another open one, or a new
        empty painting document of `new_size` when it was the last. False when the user cancelled."""
        if not self.window.maybe_save():
            return False
        nxt = self.background.pop() if self.background else DocumentSession.new(*new_size)
        self.window.set_session(nxt)
        return True

    def maybe_close_background(self) -> bool:
        """On quit: ask about unsaved background documents (shown one by one). False = cancel quitting."""
        for s in list(self.background):
            if s.modified:
                answer = dialogs.ask_save_changes(self.window, session_label(s))
                if answer == "cancel":
                    return False
                if answer == "save":
                    self.switch_to(s)
                    if not self.window.save():
                        return False
        return True
