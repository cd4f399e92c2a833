"""Layer-tree commands: add, remove, move, duplicate, merge down, set properties."""

from __future__ import annotations

from typing import Any

from paintgan.commands.paint import PaintCommand
from paintgan.commands.stack import Command
from paintgan.commands.texts import layer_props_text
from paintgan.core.blend import blend, premul_f32_to_straight_u8
from paintgan.core.document import Document
from paintgan.core.geometry import Rect
from paintgan.core.layers import GroupLayer, Layer, RasterLayer


def _insert(doc: Document, layer: Layer, parent: GroupLayer, index: int) -> None:
    parent.insert(index, layer)
    doc.emit("structure", layer, layer.bounds())


def _remove(doc: Document, layer: Layer) -> tuple[GroupLayer, int]:
    parent = layer.parent
    if parent is None:
        raise ValueError(f"{layer!r} is not in the document")
    index = parent.remove(layer)
    if doc.active_layer is layer or (isinstance(layer, GroupLayer) and doc.active_layer in set(layer.walk())):
        siblings = parent.children
        doc.active_layer = siblings[min(index, len(siblings) - 1)] if siblings else (
            parent if parent is not doc.root else None)
    doc.emit("structure", layer, layer.bounds())
    return parent, index


class AddLayerCommand(Command):
    """Insert `layer` into `parent` at `index` (default: just above the active layer, or on top)."""

    def __init__(self, doc: Document, layer: Layer, parent: GroupLayer | None = None,
                 index: int | None = None, text: str | None = None) -> None:
        self.doc = doc
        self.layer = layer
        if parent is None:
            active = doc.active_layer
            if active is not None and active.parent is not None:
                parent, index = active.parent, active.index_in_parent() + 1 if index is None else index
            else:
                parent = doc.root
        self.parent = parent
        self.index = len(parent.children) if index is None else index
        self.text = text or f"Add layer “{layer.name}”"
        self._previous_active: Layer | None = None
        self._applied = False

    def redo(self) -> None:
        self._previous_active = self.doc.active_layer
        _insert(self.doc, self.layer, self.parent, self.index)
        self.doc.set_active(self.layer)
        self._applied = True

    def undo(self) -> None:
        _remove(self.doc, self.layer)
        self.doc.set_active(self._previous_active)
        self._applied = False

    def nbytes(self) -> int:
        # Applied, the document holds the layer; undone, only the history does.
        return 0 if self._applied else self.layer.nbytes()


class RemoveLayerCommand(Command):
    def __init__(self, doc: Document, layer: Layer) -> None:
        self.doc = doc
        self.layer = layer
        self.text = f"Delete layer “{layer.name}”"
        self._where: tuple[GroupLayer, int] | None = None
        self._applied = False

    def redo(self) -> None:
        self._was_active = self.doc.active_layer
        self._where = _remove(self.doc, self.layer)
        self._applied = True

    def undo(self) -> None:
        assert self._where is not None
        _insert(self.doc, self.layer, *self._where)
        self.doc.set_active(self._was_active)
        self._applied = False

    def nbytes(self) -> int:
        # Applied, only the history holds the removed layer; undone, the document holds it again.
        return self.layer.nbytes() if self._applied else 0


class MoveLayerCommand(Command):
    """Move `layer` to `new_parent` at `new_index` (index counted after removal from its old place)."""

    def __init__(self, doc: Document, layer: Layer, new_parent: GroupLayer, new_index: int) -> None:
        if isinstance(layer, GroupLayer) and new_parent._is_ancestor_or_self(layer):
            raise ValueError("cannot move a group into itself")
        self.doc = doc
        self.layer = layer
        self.new_parent = new_parent
        self.new_index = new_index
        assert layer.parent is not None
        self.old_parent = layer.parent
        self.old_index = layer.index_in_parent()
        self.text = f"Move layer “{layer.name}”"

    def _move(self, parent: GroupLayer, index: int) -> None:
        old_bounds = self.layer.bounds()
        assert self.layer.parent is not None
        self.layer.parent.remove(self.layer)
        parent.insert(min(index, len(parent.children)), self.layer)
        self.doc.emit("structure", self.layer, Rect.union_all([old_bounds, self.layer.bounds()]))

    def redo(self) -> None:
        self._move(self.new_parent, self.new_index)

    def undo(self) -> None:
        self._move(self.old_parent, self.old_index)


class DuplicateLayerCommand(AddLayerCommand):
    def __init__(self, doc: Document, layer: Layer) -> None:
        assert layer.parent is not None
        super().__init__(doc, layer.copy(), layer.parent, layer.index_in_parent() + 1,
                         text=f"Duplicate layer “{layer.name}”")
        self.source = layer


class SetLayerPropertiesCommand(Command):
    """Change common properties (name, visible, opacity, blend_mode, locked). Consecutive changes of the
    same properties of the same layer within one gesture (`new_gesture()`) coalesce, so an opacity slider
    drag is one history entry; without a gesture every change is its own entry."""

    def __init__(self, doc: Document, layer: Layer, *, gesture: int | None = None, **props: Any) -> None:
        self.doc = doc
        self.layer = layer
        self.new = dict(props)
        self.old = {k: getattr(layer, k) for k in props}
        self.merge_key = None if gesture is None else ("layer-props", layer.id, tuple(sorted(props)), gesture)
        self._layer_name = layer.name

    @property  # type: ignore[override]
    def text(self) -> str:  # words, from the values set (a coalesced drag names its final value)
        return layer_props_text(self._layer_name, self.new)

    def redo(self) -> None:
        self.layer.set_props(**self.new)

    def undo(self) -> None:
        self.layer.set_props(**self.old)

    def merge(self, newer: Command) -> bool:
        if not isinstance(newer, SetLayerPropertiesCommand) or newer.layer is not self.layer:
            return False
        self.new = dict(newer.new)
        return True


class MergeDownCommand(Command):
    """Merge `layer` into the raster layer just below it, respecting its opacity and blend mode."""

    def __init__(self, doc: Document, layer: Layer) -> None:
        parent = layer.parent
        if parent is None:
            raise ValueError("layer is not in the document")
        if not getattr(layer, "mergeable", True):
            raise ValueError(f"“{layer.name}” holds shapes, not pixels; it cannot be merged down")
        index = layer.index_in_parent()
        if index == 0:
            raise ValueError(f"there is no layer below “{layer.name}” to merge into")
        below = parent.children[index - 1]
        if not isinstance(below, RasterLayer):
            raise ValueError(f"“{below.name}” is not a paint layer; cannot merge into it")
        self.doc = doc
        self.layer = layer
        self.below = below
        self.text = f"Merge “{layer.name}” down"
        self._paint: PaintCommand | None = None
        self._where: tuple[GroupLayer, int] | None = None
        self._applied = False

    def _merged_paint(self) -> PaintCommand | None:
        from paintgan.commands.paint import PaintTransaction

        rect = Rect.union_all([self.layer.bounds(), self.below.bounds()])
        if rect is None:
            return None
        tx = PaintTransaction(self.below, self.text)
        upper = self.layer.render(rect) if self.layer.visible else None
        if upper is not None:
            base = self.below.render(rect)
            if self.layer.opacity < 1.0:
                upper *= self.layer.opacity
            merged = upper if base is None else blend(self.layer.blend_mode, upper, base)
            local = self.below.to_local(rect)
            self.below.surface.write(local.x, local.y, premul_f32_to_straight_u8(merged))
        return tx.commit()

    def redo(self) -> None:
        if self._paint is None:
            self._paint = self._merged_paint()
            if self._paint is not None:
                self._paint.undo()
        if self._paint is not None:
            self._paint.redo()
        self._previous_active = self.doc.active_layer
        self._where = _remove(self.doc, self.layer)
        self.doc.set_active(self.below)
        self._applied = True

    def undo(self) -> None:
        assert self._where is not None
        _insert(self.doc, self.layer, *self._where)
        if self._paint is not None:
            self._paint.undo()
        self.doc.set_active(self._previous_active)
        self._applied = False

    def nbytes(self) -> int:
        held = self.layer.nbytes() if self._applied else 0  # the merged-away layer, while only we hold it
        return (self._paint.nbytes() if self._paint else 0) + held


class SetActiveLayerCommand(Command):
    """Not normally recorded (selection is not history); provided for scripted macros."""

    def __init__(self, doc: Document, layer: Layer | None) -> None:
        self.doc, self.layer, self.previous = doc, layer, doc.active_layer
        self.text = "Select layer"

    def redo(self) -> None:
        self.doc.set_active(self.layer)

    def undo(self) -> None:
        self.doc.set_active(self.previous)
