"""Undoable commands and the document's single history (after MyPaint's lib/command.py).

A `Command` knows how to `redo()` and `undo()` itself and how many bytes it holds. The `CommandStack`
keeps one linear history for the whole document: push (executing or recording an already-applied
command), undo/redo, jump to any index (the History panel), a clean marker for the title bar, macros
(several commands as one step), coalescing of consecutive commands with the same `merge_key` (a slider
drag is one entry) and a memory bound: past `limit_bytes` the oldest entries are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

DEFAULT_LIMIT_BYTES = 1 << 30


class Command:
    """Base class. Subclasses implement `redo` and `undo`; `text` names the step in the History."""

    text: str = "Edit"
    #: Consecutive commands with equal, non-None merge keys may coalesce through `merge()`.
    merge_key: Hashable | None = None

    def redo(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def merge(self, newer: Command) -> bool:
        """Absorb `newer` (already executed) into self. Return True when merged."""
        return False

    def nbytes(self) -> int:
        """Memory held by this command (tiles, pixel buffers); used by the stack's memory bound."""
        return 0


class MacroCommand(Command):
    """Several commands that undo and redo as one step."""

    def __init__(self, text: str, children: list[Command] | None = None) -> None:
        self.text = text
        self.children: list[Command] = list(children or [])

    def redo(self) -> None:
        for c in self.children:
            c.redo()

    def undo(self) -> None:
        for c in reversed(self.children):
            c.undo()

    def nbytes(self) -> int:
        return sum(c.nbytes() for c in self.children)


class CallbackCommand(Command):
    """A command from two closures, handy for small state changes."""

    def __init__(self, text: str, redo: Callable[[], None], undo: Callable[[], None]) -> None:
        self.text = text
        self._redo = redo
        self._undo = undo

    def redo(self) -> None:
        self._redo()

    def undo(self) -> None:
        self._undo()


StackListener = Callable[["CommandStack"], None]


class CommandStack:
    def __init__(self, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.limit_bytes = limit_bytes
        self._done: list[Command] = []
        self._undone: list[Command] = []  # top of redo is the last element
        self._clean_index: int | None = 0
        self._macros: list[MacroCommand] = []
        self._listeners: list[StackListener] = []
        self._bytes = 0
        self._merge_open = True
        self.dropped = 0  # entries dropped by the memory bound since creation

    # -- observing -------------------------------------------------------------------------------
    def subscribe(self, listener: StackListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener(self)

    # -- state -----------------------------------------------------------------------------------
    @property
    def index(self) -> int:
        """Number of applied entries (0 = the state at the bottom of the history)."""
        return len(self._done)

    def __len__(self) -> int:
        return len(self._done) + len(self._undone)

    def entries(self) -> Iterator[Command]:
        yield from self._done
        yield from reversed(self._undone)

    def command(self, i: int) -> Command:
        return list(self.entries())[i]

    def can_undo(self) -> bool:
        return bool(self._done) and not self._macros

    def can_redo(self) -> bool:
        return bool(self._undone) and not self._macros

    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def nbytes(self) -> int:
        return self._bytes

    # -- clean marker ----------------------------------------------------------------------------
    def set_clean(self) -> None:
        self._clean_index = len(self._done)
        self._changed()

    def is_clean(self) -> bool:
        return self._clean_index == len(self._done)

    # -- pushing ---------------------------------------------------------------------------------
    def push(self, cmd: Command, *, done: bool = False) -> Command:
        """Add `cmd` to the history, executing it unless `done` (e.g. a paint stroke applied live)."""
        if not done:
            cmd.redo()
        if self._macros:
            self._macros[-1].children.append(cmd)
            return cmd
        self._drop_redo()
        top = self._done[-1] if self._done else None
        if (top is not None and self._merge_open and cmd.merge_key is not None
                and top.merge_key == cmd.merge_key and self._clean_index != len(self._done)):
            before = top.nbytes()
            if top.merge(cmd):
                self._bytes += top.nbytes() - before
                self._changed()
                return top
        self._done.append(cmd)
        self._merge_open = True
        self._bytes += cmd.nbytes()
        self._enforce_limit()
        self._changed()
        return cmd

    def close_merge(self) -> None:
        """End coalescing: the next command starts a new entry even with the same merge key
        (call at slider release / pen-up)."""
        self._merge_open = False

    def _drop_redo(self) -> None:
        if self._undone:
            self._bytes -= sum(c.nbytes() for c in self._undone)
            if self._clean_index is not None and self._clean_index > len(self._done):
                self._clean_index = None
            self._undone.clear()

    def _enforce_limit(self) -> None:
        while self._bytes > self.limit_bytes and len(self._done) > 1:
            oldest = self._done.pop(0)
            self._bytes -= oldest.nbytes()
            self.dropped += 1
            if self._clean_index is not None:
                self._clean_index = self._clean_index - 1 if self._clean_index > 0 else None

    # -- macros ----------------------------------------------------------------------------------
    def begin_macro(self, text: str) -> None:
        self._macros.append(MacroCommand(text))

    def end_macro(self) -> None:
        macro = self._macros.pop()
        if not macro.children:
            return
        single = macro.children[0] if len(macro.children) == 1 else None
        self.push(single or macro, done=True)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """`with stack.macro("Merge"):` groups the commands pushed inside into one step.
        If the body raises, the commands already executed are undone and nothing is recorded."""
        self.begin_macro(text)
        try:
            yield
        except BaseException:
            macro = self._macros.pop()
            macro.undo()
            raise
        self.end_macro()

    # -- moving through history ------------------------------------------------------------------
    def undo(self) -> bool:
        if not self.can_undo():
            return False
        cmd = self._done.pop()
        cmd.undo()
        self._undone.append(cmd)
        self._merge_open = False
        self._changed()
        return True

    def redo(self) -> bool:
        if not self.can_redo():
            return False
        cmd = self._undone.pop()
        cmd.redo()
        self._done.append(cmd)
        self._merge_open = False
        self._changed()
        return True

    def set_index(self, index: int) -> None:
        """Undo or redo until `index` entries are applied (clicking an entry in the History)."""
        index = max(0, min(index, len(self)))
        while len(self._done) > index and self.can_undo():
            self.undo()
        while len(self._done) < index and self.can_redo():
            self.redo()

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._bytes = 0
        self._clean_index = 0
        self._changed()
