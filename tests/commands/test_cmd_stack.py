"""CommandStack behaviour: coalescing, macros, clean flag, memory bound, set_index, listeners."""

from __future__ import annotations

import numpy as np
import pytest

from paintgan.commands import (
    AddLayerCommand,
    CallbackCommand,
    CommandStack,
    MacroCommand,
    PaintTransaction,
    RemoveLayerCommand,
    SetLayerPropertiesCommand,
)
from paintgan.commands.stack import Command, HistoryBudget, new_gesture
from paintgan.core import TILE, Document, RasterLayer


def _doc() -> tuple[Document, RasterLayer]:
    doc = Document.new(256, 256)
    layer = doc.active_layer
    assert isinstance(layer, RasterLayer)
    return doc, layer


def _stroke(layer: RasterLayer, x: int, y: int, value: int = 200, size: int = 10):
    tx = PaintTransaction(layer)
    tx.touch(layer.write(x, y, np.full((size, size, 4), value, np.uint8)))
    cmd = tx.commit()
    assert cmd is not None
    return cmd


def test_set_layer_properties_coalesce_into_one_entry(snap):
    doc, layer = _doc()
    stack = CommandStack()
    before = snap(doc)
    drag = new_gesture()
    for v in (0.9, 0.7, 0.5):  # a slider drag
        stack.push(SetLayerPropertiesCommand(doc, layer, opacity=v, gesture=drag))
    assert len(stack) == 1 and layer.opacity == 0.5
    stack.undo()
    assert layer.opacity == 1.0 and snap(doc) == before
    stack.redo()
    assert layer.opacity == 0.5


def test_a_new_gesture_and_other_properties_split_entries():
    doc, layer = _doc()
    stack = CommandStack()
    drag = new_gesture()
    stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.9, gesture=drag))
    stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.8, gesture=drag))
    drag = new_gesture()  # slider released and pressed again
    stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.7, gesture=drag))
    assert len(stack) == 2
    stack.push(SetLayerPropertiesCommand(doc, layer, name="renamed", gesture=drag))  # other property
    other = doc.root.children[0]
    stack.push(SetLayerPropertiesCommand(doc, other, opacity=0.3, gesture=drag))  # other layer: new entry
    assert len(stack) == 4
    stack.undo()
    stack.undo()
    assert layer.name == "Layer 1" and other.opacity == 1.0
    stack.undo()
    assert layer.opacity == 0.8
    stack.undo()
    assert layer.opacity == 1.0


def test_no_coalescing_after_undo_or_into_the_saved_state():
    doc, layer = _doc()
    stack = CommandStack()
    drag = new_gesture()
    stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.9, gesture=drag))
    stack.set_clean()  # saved: the next change must stay separately undoable
    stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.8, gesture=drag))
    assert len(stack) == 2
    stack.undo()
    assert stack.is_clean() and layer.opacity == 0.9
    stack.redo()
    stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.5, gesture=drag))  # after a redo: new entry
    assert len(stack) == 3


def test_macro_is_one_step(snap):
    doc, layer = _doc()
    stack = CommandStack()
    before = snap(doc)
    with stack.macro("Several"):
        stack.push(AddLayerCommand(doc, RasterLayer("x")))
        stack.push(_stroke(layer, 5, 5), done=True)
        stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.5))
    after = snap(doc)
    assert len(stack) == 1 and isinstance(stack.command(0), MacroCommand)
    assert stack.undo_text() == "Several"
    stack.undo()
    assert snap(doc) == before
    stack.redo()
    assert snap(doc) == after
    # a macro with one command records that command; an empty one records nothing
    with stack.macro("one"):
        stack.push(SetLayerPropertiesCommand(doc, layer, visible=False))
    assert isinstance(stack.command(1), SetLayerPropertiesCommand)
    with stack.macro("none"):
        pass
    assert len(stack) == 2


def test_macro_whose_body_raises_rolls_back(snap):
    doc, layer = _doc()
    stack = CommandStack()
    stack.push(SetLayerPropertiesCommand(doc, layer, name="kept"))
    before = snap(doc)
    with pytest.raises(RuntimeError, match="boom"), stack.macro("Broken"):
        stack.push(AddLayerCommand(doc, RasterLayer("x")))
        stack.push(_stroke(layer, 50, 50), done=True)
        stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.1))
        raise RuntimeError("boom")
    assert snap(doc) == before
    assert len(stack) == 1 and stack.can_undo()


def test_nested_macros():
    doc, layer = _doc()
    stack = CommandStack()
    with stack.macro("outer"):
        stack.push(SetLayerPropertiesCommand(doc, layer, opacity=0.5))
        assert not stack.can_undo()  # no undo in the middle of a macro
        with stack.macro("inner"):
            stack.push(SetLayerPropertiesCommand(doc, layer, name="a"))
            stack.push(SetLayerPropertiesCommand(doc, layer, visible=False))
    assert len(stack) == 1
    stack.undo()
    assert (layer.opacity, layer.name, layer.visible) == (1.0, "Layer 1", True)


def test_clean_flag():
    _, layer = _doc()
    stack = CommandStack()
    assert stack.is_clean()
    stack.push(_stroke(layer, 0, 0), done=True)
    assert not stack.is_clean()
    stack.set_clean()
    stack.push(_stroke(layer, 20, 0), done=True)
    assert not stack.is_clean()
    stack.undo()
    assert stack.is_clean()
    stack.undo()
    assert not stack.is_clean()
    stack.redo()
    assert stack.is_clean()
    # branching off below the saved state makes it unreachable
    stack.undo()
    stack.push(_stroke(layer, 40, 0), done=True)
    for _ in range(3):
        assert not stack.is_clean()
        stack.undo()


def test_memory_bound_drops_the_oldest_entries(snap):
    doc, _ = _doc()
    layer = doc.root.children[0]  # the opaque background: every tile exists
    assert isinstance(layer, RasterLayer)
    one = 2 * TILE * TILE * 4  # a stroke inside one existing tile: old + new tile
    stack = CommandStack(limit_bytes=3 * one)
    states = []
    for i in range(6):
        stack.push(_stroke(layer, 64 * (i % 4) + 3, 64 * (i // 4) + 3), done=True)
        assert stack.command(len(stack) - 1).nbytes() == one
        states.append(snap(doc))
    assert len(stack) == 3 and stack.dropped == 3
    assert stack.nbytes == 3 * one
    while stack.undo():
        pass
    assert stack.index == 0
    assert snap(doc) == states[2]  # the floor is the state after the last dropped entry
    # a single entry larger than the limit is still kept (the newest is never dropped)
    stack.limit_bytes = 1
    stack.push(_stroke(layer, 0, 100, size=200), done=True)
    assert len(stack) == 1 and stack.can_undo()


def test_memory_accounting_follows_redo_drops():
    _, layer = _doc()
    stack = CommandStack()
    cmds = [stack.push(_stroke(layer, 70 * i, 3), done=True) for i in range(3)]
    assert stack.nbytes == sum(c.nbytes() for c in cmds)
    stack.undo()
    stack.undo()
    stack.push(_stroke(layer, 100, 100), done=True)  # drops the two redo entries
    assert len(stack) == 2
    assert stack.nbytes == sum(c.nbytes() for c in stack.entries())


def test_set_index_and_listeners(snap):
    doc, layer = _doc()
    stack = CommandStack()
    calls = []
    unsubscribe = stack.subscribe(lambda s: calls.append(s.index))
    states = [snap(doc)]
    for i in range(5):
        stack.push(_stroke(layer, 30 * i, 30 * i, value=40 * i + 10), done=True)
        states.append(snap(doc))
    assert calls == [1, 2, 3, 4, 5]
    stack.set_index(2)
    assert stack.index == 2 and snap(doc) == states[2]
    assert stack.redo_text() == "Brush stroke" and stack.can_redo()
    stack.set_index(4)
    assert snap(doc) == states[4]
    stack.set_index(-3)
    assert stack.index == 0 and snap(doc) == states[0] and not stack.undo()
    stack.set_index(100)
    assert stack.index == 5 and snap(doc) == states[5] and not stack.redo()
    unsubscribe()
    n = len(calls)
    stack.undo()
    assert len(calls) == n
    stack.clear()
    assert len(stack) == 0 and stack.nbytes == 0 and stack.is_clean()


def test_callback_command():
    box = {"v": 0}
    stack = CommandStack()
    stack.push(CallbackCommand("inc", lambda: box.update(v=box["v"] + 1), lambda: box.update(v=box["v"] - 1)))
    assert box["v"] == 1
    stack.undo()
    assert box["v"] == 0


# -- memory accounting: what was recorded at push is what leaves -----------------------------------------

def test_dropping_an_add_layer_entry_keeps_the_strokes_bytes():
    """Add a layer, paint on it, let the add entry drop: the stroke's bytes are still counted (the old
    accounting asked the add command for the layer's size at drop time and read 0 here)."""
    doc, _ = _doc()
    stack = CommandStack()
    layer = RasterLayer("painted")
    stack.push(AddLayerCommand(doc, layer))
    assert stack.nbytes == 0  # an applied add holds nothing that the document does not hold
    stroke = stack.push(_stroke(layer, 0, 0, size=320), done=True)
    assert stroke.nbytes() > 0
    assert stack.nbytes == stroke.nbytes()
    second = _stroke(layer, 0, 0, value=100, size=320)  # old and new tiles: twice the first's bytes
    second.undo()
    stack.limit_bytes = stroke.nbytes() + second.nbytes() - 1  # pushing it drops the add, then the first
    stack.push(second)
    assert stack.dropped == 2 and list(stack.entries()) == [second]
    assert stack.nbytes == second.nbytes() == sum(c.nbytes() for c in stack.entries())


def test_undone_add_and_applied_remove_count_the_layer():
    doc, _layer = _doc()
    stack = CommandStack()
    extra = RasterLayer.from_pixels("x", np.full((64, 64, 4), 9, np.uint8))
    stack.push(AddLayerCommand(doc, extra))
    stack.undo()  # only the history holds the layer now
    assert stack.nbytes == extra.nbytes() > 0
    stack.redo()
    assert stack.nbytes == 0
    stack.push(RemoveLayerCommand(doc, extra))
    assert stack.nbytes == extra.nbytes()
    stack.undo()
    assert stack.nbytes == 0


class Growing(Command):
    """A command whose reported size changes after it was pushed."""

    def __init__(self) -> None:
        self.size = 100

    def redo(self) -> None:
        pass

    def undo(self) -> None:
        pass

    def nbytes(self) -> int:
        return self.size


def test_sizes_that_change_after_push_do_not_drift():
    stack = CommandStack()
    a = stack.push(Growing())
    stack.push(Growing())
    assert stack.nbytes == 200
    a.size = 5000  # e.g. a layer grew while the document held it
    stack.limit_bytes = 150
    stack.push(Growing())  # drops `a`: subtract what was recorded for it (100), not its size now
    assert stack.dropped >= 1 and stack.nbytes >= 0
    assert stack.nbytes == 100 * len(stack)


class Failing(Command):
    text = "Fragile"

    def __init__(self) -> None:
        self.fail = False
        self.value = 0

    def redo(self) -> None:
        if self.fail:
            raise RuntimeError("redo failed")
        self.value = 1

    def undo(self) -> None:
        if self.fail:
            raise RuntimeError("undo failed")
        self.value = 0


def test_a_command_that_raises_keeps_its_entry():
    stack = CommandStack()
    cmd = stack.push(Failing())
    cmd.fail = True
    with pytest.raises(RuntimeError):
        stack.undo()
    assert len(stack) == 1 and stack.index == 1 and stack.can_undo() and stack.undo_text() == "Fragile"
    cmd.fail = False
    assert stack.undo() and cmd.value == 0
    cmd.fail = True
    with pytest.raises(RuntimeError):
        stack.redo()
    assert stack.index == 0 and stack.can_redo()
    cmd.fail = False
    assert stack.redo() and cmd.value == 1


def test_bound_holds_with_mixed_layer_and_stroke_commands():
    doc, _base = _doc()
    rng = np.random.default_rng(3)
    stack = CommandStack(limit_bytes=6 * TILE * TILE * 4 * 2)
    for i in range(60):
        layers = [x for x in doc.layers() if isinstance(x, RasterLayer)]
        r = rng.integers(0, 5)
        if r == 0:
            stack.push(AddLayerCommand(doc, RasterLayer(f"L{i}")))
        elif r == 1 and len(layers) > 1:
            stack.push(RemoveLayerCommand(doc, layers[-1]))
        elif r == 2 and stack.can_undo():
            stack.undo()
        else:
            target = layers[int(rng.integers(0, len(layers)))]
            x, y = (int(v) for v in rng.integers(0, 200, 2))
            stack.push(_stroke(target, x, y, size=40), done=True)
        assert stack.nbytes == sum(c.nbytes() for c in stack.entries())
        assert stack.nbytes <= stack.limit_bytes or stack.index <= 1


def test_one_budget_shared_by_several_documents_drops_the_oldest_anywhere():
    budget = HistoryBudget()
    (_doc_a, a), (_doc_b, b) = _doc(), _doc()
    stack_a, stack_b = CommandStack(budget=budget), CommandStack(budget=budget)
    first = stack_a.push(_stroke(a, 3, 3), done=True)
    budget.limit_bytes = 3 * first.nbytes()  # room for three of these strokes
    stack_a.push(_stroke(a, 70, 3), done=True)
    stack_b.push(_stroke(b, 3, 3), done=True)
    assert stack_a.dropped == stack_b.dropped == 0
    stack_b.push(_stroke(b, 70, 3), done=True)  # over budget: the oldest entry of all is document A's first
    assert stack_a.dropped == 1 and stack_b.dropped == 0
    assert budget.nbytes == stack_a.nbytes + stack_b.nbytes <= budget.limit_bytes
    with pytest.raises(ValueError):
        CommandStack(limit_bytes=10, budget=budget)


def test_gesture_ids_are_fresh():
    a, b = new_gesture(), new_gesture()
    assert a != b
