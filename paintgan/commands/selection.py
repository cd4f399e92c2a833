"""Selection commands: every change of `doc.selection` is one undoable step in the document's history.

The selection is immutable (`paintgan.core.selection.Selection`), so a command only keeps the old and the
new object; undo and redo swap them. What the history alone holds is the one not in the document.
"""

from __future__ import annotations

from paintgan.commands.stack import Command
from paintgan.core import selection as sel
from paintgan.core.document import Document
from paintgan.core.selection import Selection


class SetSelectionCommand(Command):
    """Replace the document's selection with `selection` (None deselects)."""

    def __init__(self, doc: Document, selection: Selection | None, text: str = "Select") -> None:
        self.doc = doc
        self.old = doc.selection
        self.new = selection
        self.text = text
        self._applied = False

    def redo(self) -> None:
        self.doc.set_selection(self.new)
        self._applied = True

    def undo(self) -> None:
        self.doc.set_selection(self.old)
        self._applied = False

    def changes_anything(self) -> bool:
        if self.old is None or self.new is None:
            return self.old is not self.new
        return not self.old.same_as(self.new)

    def nbytes(self) -> int:
        kept = self.old if self._applied else self.new
        return 0 if kept is None else kept.nbytes


def select_command(doc: Document, shape: Selection | None, mode: str, what: str) -> SetSelectionCommand:
    """The command for a selection tool's result `shape` combined with the current selection by `mode`
    (text like "Select rectangle" / "Subtract ellipse from selection")."""
    new = sel.combine(doc.selection, shape, mode)
    text = {"replace": f"Select {what}", "add": f"Add {what} to selection",
            "subtract": f"Subtract {what} from selection",
            "intersect": f"Intersect selection with {what}"}[mode]
    return SetSelectionCommand(doc, new, text)


def select_all_command(doc: Document) -> SetSelectionCommand:
    return SetSelectionCommand(doc, sel.select_all(doc.rect), "Select all")


def deselect_command(doc: Document) -> SetSelectionCommand:
    return SetSelectionCommand(doc, None, "Deselect")


def invert_command(doc: Document) -> SetSelectionCommand:
    return SetSelectionCommand(doc, sel.invert(doc.selection, doc.rect), "Invert selection")


def grow_command(doc: Document, radius: int) -> SetSelectionCommand:
    return SetSelectionCommand(doc, sel.grow(doc.selection, radius, doc.rect),
                               f"Grow selection by {radius} px")


def shrink_command(doc: Document, radius: int) -> SetSelectionCommand:
    return SetSelectionCommand(doc, sel.shrink(doc.selection, radius, doc.rect),
                               f"Shrink selection by {radius} px")


def feather_command(doc: Document, radius: float) -> SetSelectionCommand:
    return SetSelectionCommand(doc, sel.feather(doc.selection, radius, doc.rect),
                               f"Feather selection by {radius:g} px")
