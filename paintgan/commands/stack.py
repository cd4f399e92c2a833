"""Undoable commands and the document's single history (after MyPaint's lib/command.py).

A `Command` knows how to `redo()` and `undo()` itself and how many bytes the history alone keeps alive
through it. The `CommandStack` keeps one linear history for the whole document: push (executing or
recording an already-applied command), undo/redo, jump to any index (the History panel), a clean marker
for the title bar, macros (several commands as one step), coalescing and a memory bound.

Coalescing: a command's `merge_key` names what it changes *and the gesture it belongs to* (see
`new_gesture()`): the commands of one slider drag or one hint drag carry the same gesture id and merge
into one entry; the next drag gets a new id, so nobody has to remember to "close" a merge.

Memory: each entry's size is recorded when it is pushed, merged, undone or redone (`Command.nbytes()` is
asked then, when it describes what the history alone holds), and exactly that recorded number is
subtracted when the entry leaves. Every stack draws on a `HistoryBudget`; one budget can be shared by all
the open documents of the app, and past its limit the oldest entries of any of its histories are dropped.

Failures: when a command's `undo()`/`redo()` raises, its entry stays where it was (nothing is popped
before the call succeeds) and the error propagates, so the caller can report it and try again.
"""

from __future__ import annotations

import itertools
import os
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager

DEFAULT_LIMIT_BYTES = 1 << 30


def default_history_limit() -> int:
    """The app's default undo budget: a quarter of physical memory, between 256 MiB and 4 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return DEFAULT_LIMIT_BYTES
    return int(min(max(total // 4, 256 << 20), 4 << 30))

_gesture_ids = itertools.count(1)
_push_order = itertools.count()


def new_gesture() -> int:
    """A fresh gesture id: call at mouse press / slider press and pass it to every command of that
    gesture; commands with equal merge keys (gesture included) coalesce into one history entry."""
    return next(_gesture_ids)


class Command:
    """Base class. Subclasses implement `redo` and `undo`; `text` names the step in the History."""

    text: str = "Edit"
    #: Consecutive commands with equal, non-None merge keys may coalesce through `merge()`. Include the
    #: gesture id in the key (None = never coalesce).
    merge_key: Hashable | None = None

    def redo(self) -> None:
        raise NotImplementedError

    def undo(self) -> None:
        raise NotImplementedError

    def merge(self, newer: Command) -> bool:
        """Absorb `newer` (already executed) into self. Return True when merged."""
        return False

    def nbytes(self) -> int:
        """Memory that only the history keeps alive through this command (old tiles, removed layers) in its
        current state (applied or undone); asked by the stack at push, merge, undo and redo."""
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


class HistoryBudget:
    """A memory limit shared by several histories (the app's open documents). When the recorded bytes of
    all its stacks exceed `limit_bytes`, the oldest entries (in push order, across stacks) are dropped;
    each stack keeps at least its newest applied entry."""

    def __init__(self, limit_bytes: int = DEFAULT_LIMIT_BYTES) -> None:
        self.limit_bytes = int(limit_bytes)
        self._stacks: weakref.WeakSet[CommandStack] = weakref.WeakSet()

    def attach(self, stack: CommandStack) -> None:
        self._stacks.add(stack)

    def detach(self, stack: CommandStack) -> None:
        self._stacks.discard(stack)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self._stacks)

    def enforce(self) -> None:
        total = self.nbytes
        while total > self.limit_bytes:
            candidates = [s for s in self._stacks if s._can_drop_oldest()]
            if not candidates:
                return
            oldest = min(candidates, key=lambda s: s._oldest_order())
            total -= oldest._drop_oldest()


StackListener = Callable[["CommandStack"], None]


class CommandStack:
    def __init__(self, limit_bytes: int | None = None, *, budget: HistoryBudget | None = None) -> None:
        if budget is None:
            budget = HistoryBudget(DEFAULT_LIMIT_BYTES if limit_bytes is None else limit_bytes)
        elif limit_bytes is not None:
            raise ValueError("give either limit_bytes or a shared budget, not both")
        self.budget = budget
        self._done: list[Command] = []
        self._undone: list[Command] = []  # top of redo is the last element
        self._size: dict[int, int] = {}  # id(entry) -> bytes recorded for it
        self._order: dict[int, int] = {}  # id(entry) -> push order (for the shared budget)
        self._clean_index: int | None = 0
        self._macros: list[MacroCommand] = []
        self._listeners: list[StackListener] = []
        self._bytes = 0
        self._merge_open = True
        self.dropped = 0  # entries dropped by the memory bound since creation
        budget.attach(self)

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
        """Bytes recorded for the entries this history holds."""
        return self._bytes

    @property
    def limit_bytes(self) -> int:
        return self.budget.limit_bytes

    @limit_bytes.setter
    def limit_bytes(self, value: int) -> None:
        self.budget.limit_bytes = int(value)

    # -- size bookkeeping ------------------------------------------------------------------------
    def _record(self, cmd: Command) -> None:
        """(Re)record `cmd`'s size as it is now."""
        new = max(0, int(cmd.nbytes()))
        self._bytes += new - self._size.get(id(cmd), 0)
        self._size[id(cmd)] = new

    def _forget(self, cmd: Command) -> None:
        self._bytes -= self._size.pop(id(cmd), 0)
        self._order.pop(id(cmd), None)

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
                and top.merge_key == cmd.merge_key and self._clean_index != len(self._done)
                and top.merge(cmd)):
            self._record(top)
            self.budget.enforce()
            self._changed()
            return top
        self._done.append(cmd)
        self._order[id(cmd)] = next(_push_order)
        self._merge_open = True
        self._record(cmd)
        self.budget.enforce()
        self._changed()
        return cmd

    def close_merge(self) -> None:
        """End coalescing now. Rarely needed: commands built with a fresh `new_gesture()` id never merge
        with the previous gesture's commands anyway."""
        self._merge_open = False

    def _drop_redo(self) -> None:
        if self._undone:
            for c in self._undone:
                self._forget(c)
            if self._clean_index is not None and self._clean_index > len(self._done):
                self._clean_index = None
            self._undone.clear()

    # -- the memory bound (driven by the budget) -------------------------------------------------
    def _can_drop_oldest(self) -> bool:
        return len(self._done) > 1 and not self._macros

    def _oldest_order(self) -> int:
        return self._order.get(id(self._done[0]), -1)

    def _drop_oldest(self) -> int:
        oldest = self._done.pop(0)
        freed = self._size.get(id(oldest), 0)
        self._forget(oldest)
        self.dropped += 1
        if self._clean_index is not None:
            self._clean_index = self._clean_index - 1 if self._clean_index > 0 else None
        return freed

    def _enforce_limit(self) -> None:
        self.budget.enforce()

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
        """Undo the newest applied entry. If its `undo()` raises, the entry stays applied (the history is
        unchanged) and the error propagates for the caller to report."""
        if not self.can_undo():
            return False
        cmd = self._done[-1]
        cmd.undo()
        self._done.pop()
        self._undone.append(cmd)
        self._merge_open = False
        self._record(cmd)
        self.budget.enforce()
        self._changed()
        return True

    def redo(self) -> bool:
        """Redo the next undone entry; if its `redo()` raises, it stays undone and the error propagates."""
        if not self.can_redo():
            return False
        cmd = self._undone[-1]
        cmd.redo()
        self._undone.pop()
        self._done.append(cmd)
        self._merge_open = False
        self._record(cmd)
        self.budget.enforce()
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
        self._size.clear()
        self._order.clear()
        self._bytes = 0
        self._clean_index = 0
        self._changed()

    def close(self) -> None:
        """Stop drawing on the shared budget (the document was closed)."""
        self.clear()
        self.budget.detach(self)
