"""A document session: the document, its history, its file path and whether it has unsaved changes.

The main window shows one session; later features (colorize layer, annotations, GANPaint mode) work on
`session.doc` through `session.stack` and observe `changed` / `modified_changed`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from paintgan.commands.stack import CommandStack, HistoryBudget, default_history_limit
from paintgan.core.document import Change, Document

#: One undo-memory budget for the whole app, shared by every open document (the main window sets its
#: limit from the "history/limit_mb" setting; the default is a quarter of the machine's memory).
APP_HISTORY_BUDGET = HistoryBudget(default_history_limit())


class DocumentSession(QObject):
    modified_changed = Signal(bool)
    path_changed = Signal(str)
    stack_changed = Signal()
    document_changed = Signal(object)  # a core Change

    def __init__(self, doc: Document, path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.stack = CommandStack(budget=APP_HISTORY_BUDGET)
        self.path: str | None = path
        self._modified = False
        self._recovered = False  # restored from an autosave: unsaved until saved, whatever the history says
        self._unsubscribe = [doc.subscribe(self._on_doc_change), self.stack.subscribe(self._on_stack)]

    @classmethod
    def new(cls, width: int, height: int, background: tuple[int, int, int, int] | None = (255, 255, 255, 255)
            ) -> DocumentSession:
        return cls(Document.new(width, height, background))

    # -- state -------------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return self._modified

    @property
    def display_name(self) -> str:
        return Path(self.path).name if self.path else "Untitled"

    def set_path(self, path: str | None) -> None:
        self.path = path
        self.path_changed.emit(path or "")

    def mark_saved(self, path: str) -> None:
        self._recovered = False
        self.set_path(path)
        self.stack.set_clean()

    def mark_recovered(self) -> None:
        """This document was restored from an autosave: it counts as modified until it is saved."""
        self._recovered = True
        self._on_stack(self.stack)

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self.stack.budget.detach(self.stack)  # a closed document no longer counts against the budget

    # -- observers ---------------------------------------------------------------------------------
    def _on_doc_change(self, change: Change) -> None:
        self.document_changed.emit(change)

    def _on_stack(self, _stack: CommandStack) -> None:
        modified = self._recovered or not self.stack.is_clean()
        if modified != self._modified:
            self._modified = modified
            self.modified_changed.emit(modified)
        self.stack_changed.emit()


class SessionObserver:
    """Mixin for the widgets and controllers that follow the shown session's document (canvas, layers
    panel, model controllers): the `session` property and `observe(session)`, which moves the
    `_on_change(change)` connection from the previous session to the new one."""

    _session: DocumentSession | None = None

    @property
    def session(self) -> DocumentSession:
        assert self._session is not None
        return self._session

    def observe(self, session: DocumentSession) -> None:
        old = self._session
        if old is not None:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone or never connected
                old.document_changed.disconnect(self._on_change)
        self._session = session
        session.document_changed.connect(self._on_change)

    def _on_change(self, change: Change) -> None:
        raise NotImplementedError
