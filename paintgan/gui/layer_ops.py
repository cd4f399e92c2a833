"""Layer operations used by the Layer menu and the Layers panel; every change is a command on the stack."""

from __future__ import annotations

from paintgan.commands.layers import (
    AddLayerCommand,
    DuplicateLayerCommand,
    MergeDownCommand,
    MoveLayerCommand,
    RemoveLayerCommand,
    SetLayerPropertiesCommand,
)
from paintgan.core.layers import GroupLayer, Layer, RasterLayer
from paintgan.gui.session import DocumentSession


def _unique_name(session: DocumentSession, base: str) -> str:
    names = {layer.name for layer in session.doc.layers()}
    n = 1
    while f"{base} {n}" in names:
        n += 1
    return f"{base} {n}"


def add_layer(session: DocumentSession) -> Layer:
    layer = RasterLayer(_unique_name(session, "Layer"))
    session.stack.push(AddLayerCommand(session.doc, layer))
    return layer


def add_group(session: DocumentSession) -> Layer:
    group = GroupLayer(_unique_name(session, "Group"))
    session.stack.push(AddLayerCommand(session.doc, group))
    return group


def duplicate_layer(session: DocumentSession) -> str | None:
    layer = session.doc.active_layer
    if layer is None:
        return "No layer selected"
    session.stack.push(DuplicateLayerCommand(session.doc, layer))
    return None


def delete_layer(session: DocumentSession) -> str | None:
    layer = session.doc.active_layer
    if layer is None:
        return "No layer selected"
    session.stack.push(RemoveLayerCommand(session.doc, layer))
    return None


def merge_down(session: DocumentSession) -> str | None:
    layer = session.doc.active_layer
    if layer is None:
        return "No layer selected"
    try:
        cmd = MergeDownCommand(session.doc, layer)
    except ValueError as exc:
        return str(exc)
    session.stack.push(cmd)
    return None


def move_layer(session: DocumentSession, layer: Layer, parent: GroupLayer, index: int) -> str | None:
    """Move to `index` in `parent`, counted after removal from the old place."""
    if layer.parent is parent and layer.index_in_parent() == index:
        return None
    try:
        cmd = MoveLayerCommand(session.doc, layer, parent, index)
    except ValueError as exc:
        return str(exc)
    session.stack.push(cmd)
    return None


def raise_layer(session: DocumentSession, delta: int) -> str | None:
    """Move the active layer `delta` places up (+) or down (−) among its siblings."""
    layer = session.doc.active_layer
    if layer is None or layer.parent is None:
        return "No layer selected"
    parent = layer.parent
    index = layer.index_in_parent() + delta
    if not 0 <= index < len(parent.children):
        return None
    return move_layer(session, layer, parent, index)


def set_props(session: DocumentSession, layer: Layer, *, gesture: int | None = None, **props: object) -> None:
    """Change layer properties; changes within one `gesture` (a slider drag) are one history entry."""
    changed = {k: v for k, v in props.items() if getattr(layer, k) != v}
    if changed:
        session.stack.push(SetLayerPropertiesCommand(session.doc, layer, gesture=gesture, **changed))
