"""GANPaint mode in the main window: the controller, the GAN brush, the GANPaint dock, opening a GANPaint
scene as its own document, and the documents kept open beside the shown one.

A GANPaint scene is a document whose size is the model's image size times an integer factor (512×512 for a
128² model) holding one GANPaint layer. Opening one keeps the painting document that was shown open in the
background (the main window's `OpenDocuments`), so "Send to layer" can put the scene's picture into it as a
new paint layer (one undo step in that document's history) or into a new painting document.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFileDialog

from paintgan.commands.ganpaint import CreateGanPaintDocument, ResetGanEdits, SendToLayer, SetGanSeed
from paintgan.core.ganpaint_layer import GanPaintLayer, ganpaint_layers, target_layer, upscale
from paintgan.errors import PaintGANError
from paintgan.gui import dialogs
from paintgan.gui.documents import session_label
from paintgan.gui.ganpaint.controller import GanPaintController
from paintgan.gui.ganpaint.panel import GanPaintPanel
from paintgan.gui.session import DocumentSession
from paintgan.gui.tools.base import ToolContext
from paintgan.gui.tools.gan_brush import GanBrushTool

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

HELP = ("Pick a concept in the GANPaint panel, then paint where it should appear (Draw) or vanish "
        "(Remove). Each stroke is one undo step. [ ] or the panel: brush size.")


def gan_icon() -> QIcon:
    pm = QPixmap(32, 32)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(120, 180, 235))
    p.drawRoundedRect(QRectF(3, 3, 26, 14), 3, 3)
    p.setBrush(QColor(80, 160, 70))
    p.drawRoundedRect(QRectF(3, 15, 26, 14), 3, 3)
    p.setBrush(QColor(40, 110, 40))
    p.drawEllipse(QPointF(12, 15), 6, 7)
    p.setPen(QPen(QColor(250, 250, 250), 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(17, 6, 10, 10), 0, 360 * 16)
    p.end()
    return QIcon(pm)


def is_ganpaint_session(session: DocumentSession) -> bool:
    return bool(ganpaint_layers(session.doc))


class GanPaintMode(QObject):
    def __init__(self, window: MainWindow, ctx: ToolContext) -> None:
        super().__init__(window)
        self.window = window
        self.controller = GanPaintController(window.session, bridge=window.inference, parent=window)
        self.tool = GanBrushTool(ctx, self.controller)
        self.panel: GanPaintPanel | None = None
        self.last_export: str | None = None

    # -- wiring (called by the main window) -----------------------------------------------------------
    def build_panel(self) -> GanPaintPanel:
        self.panel = GanPaintPanel(self.controller, self.tool, self.send_targets)
        self.panel.seed_picked.connect(self.pick_seed)
        self.panel.reset_requested.connect(self.reset)
        self.panel.export_requested.connect(self.export_dialog)
        self.panel.send_requested.connect(self.send_to_layer)
        self.panel.message.connect(self.window.show_message)
        self.controller.message.connect(self.window.show_message)
        self.tool.attach(self.window.canvas)
        return self.panel

    def finish(self) -> None:
        """After the docks, actions and tool options exist."""
        w = self.window
        dock = w.docks["ganpaint"]
        dock.visibilityChanged.connect(self._dock_visible)
        w.tool_options.set_help(self.tool.name, HELP)
        act = w.tool_actions.get(self.tool.name)
        if act is not None:
            act.setIcon(gan_icon())
        if "new_ganpaint" in w.actions_:
            w.actions_["new_ganpaint"].setIcon(gan_icon())
        if not is_ganpaint_session(w.session):
            dock.hide()

    def _dock_visible(self, on: bool) -> None:
        if on:
            self.activate()

    def activate(self) -> None:
        if self.panel is not None:
            self.panel.activate()

    def set_session(self, session: DocumentSession) -> None:
        self.controller.set_session(session)
        if self.panel is not None:
            self.panel.connect_session()
        if is_ganpaint_session(session):
            self.show_dock()

    def show_dock(self) -> None:
        dock = self.window.docks.get("ganpaint")
        if dock is not None:
            dock.show()
            dock.raise_()
        self.activate()

    # -- documents (kept by the main window's OpenDocuments) ----------------------------------------
    def send_targets(self) -> list[tuple[str, object]]:
        return [(session_label(s), s) for s in self.window.documents.all() if not is_ganpaint_session(s)]

    # -- scenes --------------------------------------------------------------------------------------
    def new_scene(self, seed: int = 0) -> GanPaintLayer | None:
        """Open a new GANPaint scene document (the shown document stays open in the background)."""
        model_status = self.controller.status
        if not model_status.checked or not model_status.usable:
            model_status.refresh()
        if self.panel is not None:
            self.panel.refresh_model()
        if not model_status.usable:
            dialogs.show_error(self.window, "GANPaint", model_status.error or "GANPaint unavailable")
            return None
        painter = model_status.painter()
        made = CreateGanPaintDocument(painter.image_size, model=painter.name, seed=seed)
        session = DocumentSession(made.doc)
        self.window.documents.switch_to(session)
        self.window.set_tool(self.tool.name)
        self.show_dock()
        return made.layer

    def layer(self) -> GanPaintLayer | None:
        return target_layer(self.window.session.doc)

    def pick_seed(self, seed: int) -> None:
        layer = self.layer()
        if layer is None:
            self.new_scene(seed)
            return
        if layer.seed == seed and not layer.strokes:
            return
        self.window.session.stack.push(SetGanSeed(layer, seed))

    def reset(self) -> None:
        layer = self.layer()
        if layer is not None and layer.strokes:
            self.window.session.stack.push(ResetGanEdits(layer))

    def current_image(self, size: str = "model") -> np.ndarray | None:
        """The scene's picture: "model" resolution (H, W, 3) or "document" size; rendered now if needed."""
        layer = self.layer()
        if layer is None:
            return None
        image = layer.image
        if image is None or layer.stale:
            image = layer.job(self.controller.status.painter(layer.model))[1]()[0]
        if size == "document":
            return upscale(image, layer.display_size())
        return image

    def export_png(self, path: str, size: str = "model") -> bool:
        """Write the scene as PNG: "model" = the generated image at model resolution (e.g. 128×128),
        "document" = the page size as shown (bicubic upscaling)."""
        from paintgan.io.atomic import atomic_write
        from paintgan.io.images import encode_image

        try:
            image = self.current_image(size)
            if image is None:
                self.window.show_message("No GANPaint scene to export")
                return False
            atomic_write(path, encode_image(image, Path(path).suffix.lower() or ".png"))
        except (PaintGANError, OSError, ValueError) as exc:
            dialogs.show_error(self.window, "Export", f"Cannot export {Path(path).name}: {exc}")
            return False
        self.last_export = path
        h, w = image.shape[:2]
        self.window.show_message(f"Exported {Path(path).name} ({w}×{h})")
        return True

    def export_dialog(self, size: str = "model") -> None:
        layer = self.layer()
        if layer is None:
            return
        base = Path(self.window.session.path or f"ganpaint-seed{layer.seed}").with_suffix(".png")
        path, _f = QFileDialog.getSaveFileName(self.window, "Export GANPaint PNG", str(base), "PNG (*.png)")
        if path:
            self.export_png(path, size)

    def send_to_layer(self, target: DocumentSession | None = None) -> DocumentSession | None:
        """Put the scene's picture (page size) into `target` (a painting document) as a new paint layer,
        or into a new painting document when None; one undo step there. Shows the target document."""
        layer = self.layer()
        if layer is None:
            self.window.show_message("No GANPaint scene to send")
            return None
        try:
            pixels = self.current_image("document")
        except PaintGANError as exc:
            dialogs.show_error(self.window, "GANPaint", str(exc))
            return None
        assert pixels is not None
        if target is None:
            h, w = pixels.shape[:2]
            target = DocumentSession.new(w, h)
        target.stack.push(SendToLayer(target.doc, pixels, f"GANPaint seed {layer.seed}"))
        self.window.documents.switch_to(target)
        self.window.show_message("Sent the GANPaint picture as a new layer (Window ▸ goes back to the scene)")
        return target
