"""Tools that do not apply to the shown document are disabled (issue 17): the colour-hint tools need a
colorize layer, the GAN brush a GANPaint layer. When the current tool stops applying (another document
is shown, its layer was deleted) the window switches to the brush instead of leaving a tool whose drags
only write a status message. Painting, selection and editing tools always apply (they say in the status
bar when the active layer cannot be painted); the annotation tools are the annotation mode's business."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from paintgan.core import ganpaint_layer
from paintgan.core.document import Change, Document
from paintgan.gui.colorize.controller import target_layer as colorize_target
from paintgan.gui.session import DocumentSession, SessionObserver

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

#: tool name -> whether it applies to a document
RULES: dict[str, Callable[[Document], bool]] = {
    "hint_point": lambda doc: colorize_target(doc) is not None,
    "hint_stroke": lambda doc: colorize_target(doc) is not None,
    "hint_eraser": lambda doc: colorize_target(doc) is not None,
    "gan_brush": lambda doc: ganpaint_layer.target_layer(doc) is not None,
}


class ToolAvailability(SessionObserver, QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def follow(self, session: DocumentSession) -> None:
        self.observe(session)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        if change.kind == "structure":
            self.refresh()

    def applies(self, name: str) -> bool:
        rule = RULES.get(name)
        return True if rule is None else bool(rule(self.window.session.doc))

    def refresh(self) -> None:
        w = self.window
        for name, act in w.tool_actions.items():
            if name in RULES:
                act.setEnabled(self.applies(name))
        current = w.canvas.tool
        if current is not None and current.name in RULES and not self.applies(current.name) \
                and not current.active:
            w.set_tool("brush")
