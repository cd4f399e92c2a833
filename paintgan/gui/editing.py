"""The everyday editing tools of the painting side (issue 17): selection tools and the Select menu,
clipboard, canvas/image operations, gradient, shapes and transform; wired into the main window in two
steps like the other modes (`EditingMode(window, ctx)` adds its tools before the tool options and tool
actions are built, `finish()` adds its actions and menus once the window's menus exist).

Every action pushes commands on the shown session's history; the engines are Qt-free (core.selection,
brush.select, ...). Where the annotation mode owns the same keys (Ctrl+C / Ctrl+V / Ctrl+A act on
shapes), the action goes to the annotation mode while an annotation tool is in use or a dataset image
is shown, and to the pixels otherwise — one shortcut, no ambiguity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QPainter
from PySide6.QtWidgets import QInputDialog, QMenu

from paintgan.brush import image_ops
from paintgan.commands import selection as selcmd
from paintgan.commands.clipboard import fill_selected
from paintgan.commands.layers import AddLayerCommand
from paintgan.commands.stack import Command
from paintgan.core.layers import RasterLayer
from paintgan.errors import PaintGANError
from paintgan.gui import dialogs
from paintgan.gui.clipboard import ClipboardOps
from paintgan.gui.edit_icons import edit_icon
from paintgan.gui.image_dialogs import CanvasSizeDialog, ScaleImageDialog
from paintgan.gui.selection_overlay import SelectionOverlay
from paintgan.gui.tool_availability import ToolAvailability
from paintgan.gui.tools.base import Tool, ToolContext
from paintgan.gui.tools.gradient import GradientTool
from paintgan.gui.tools.select_base import SelectionTool
from paintgan.gui.tools.select_lasso import LassoSelectTool, PolygonSelectTool
from paintgan.gui.tools.select_shape import EllipseSelectTool, RectSelectTool
from paintgan.gui.tools.select_wand import WandSelectTool
from paintgan.gui.tools.shape import ShapeTool
from paintgan.gui.tools.transform import FloatingTool, MoveTool, TransformTool

if TYPE_CHECKING:
    from paintgan.gui.canvas import CanvasWidget
    from paintgan.gui.main_window import MainWindow

# key: (text, shortcuts, method name on EditingMode)
ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "cut": ("Cu&t", ("Ctrl+X",), "cut"),
    "copy": ("&Copy", ("Ctrl+C",), "copy"),
    "copy_merged": ("Copy &Merged", ("Ctrl+Shift+C",), "copy_merged"),
    "paste": ("&Paste as New Layer", ("Ctrl+V",), "paste"),
    "paste_new": ("Paste into New &Document", ("Ctrl+Alt+V",), "paste_new_document"),
    "clear": ("Cl&ear Selected Pixels", (), "clear"),
    "fill_fg": ("&Fill Selection with Foreground", ("Shift+Backspace",), "fill_fg"),
    "crop": ("&Crop to Selection", (), "crop_to_selection"),
    "canvas_size": ("Canvas &Size…", ("Ctrl+Alt+C",), "canvas_size"),
    "scale_image": ("Sc&ale Image…", ("Ctrl+Alt+I",), "scale_image"),
    "rotate_cw": ("Rotate Image 90° &Clockwise", (), "rotate_cw"),
    "rotate_ccw": ("Rotate Image 90° Counter-Clock&wise", (), "rotate_ccw"),
    "rotate_180": ("Rotate Image &180°", (), "rotate_180"),
    "flip_h": ("Flip Image &Horizontally", (), "flip_h"),
    "flip_v": ("Flip Image &Vertically", (), "flip_v"),
    "open_layer": ("Open as &Layer…", ("Ctrl+Alt+O",), "open_as_layer"),
    "select_all": ("Select &All", ("Ctrl+A",), "select_all"),
    "deselect": ("&Deselect", ("Ctrl+Shift+A",), "deselect"),
    "invert": ("&Invert Selection", ("Ctrl+I",), "invert"),
    "grow": ("&Grow Selection…", (), "grow"),
    "shrink": ("S&hrink Selection…", (), "shrink"),
    "feather": ("&Feather Selection…", ("Shift+F6",), "feather"),
}
IMAGE_MENU = ["crop", "canvas_size", "scale_image", None, "rotate_cw", "rotate_ccw", "rotate_180", None,
              "flip_h", "flip_v"]
EDIT_MENU = ["cut", "copy", "copy_merged", "paste", "paste_new", None, "clear", "fill_fg"]
SELECT_MENU = ["select_all", "deselect", "invert", None, "grow", "shrink", "feather", None, "@tools"]
#: annotation-mode actions whose keys these actions take over (and hand back in annotation context)
SHARED_KEYS = {"select_all": "select_all", "copy": "copy_shapes", "paste": "paste_shapes"}


class EditingMode(QObject):
    def __init__(self, window: MainWindow, ctx: ToolContext) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx

        def canvas_zoom() -> float:
            return window.canvas.view.zoom

        self.select_tools: list[SelectionTool] = [
            RectSelectTool(ctx), EllipseSelectTool(ctx), LassoSelectTool(ctx),
            PolygonSelectTool(ctx, zoom=canvas_zoom, cursor=lambda: window.canvas.cursor_doc_pos()),
            WandSelectTool(ctx)]
        brush = window.tools["brush"]
        self.floating_tools: list[FloatingTool] = [MoveTool(ctx, view=lambda: window.canvas.view),
                                                   TransformTool(ctx, view=lambda: window.canvas.view)]
        self.tools: list[Tool] = [*self.select_tools, GradientTool(ctx),
                                  ShapeTool(ctx, brush=lambda: brush.settings),  # type: ignore[attr-defined]
                                  *self.floating_tools]
        self.actions: dict[str, QAction] = {}
        self.overlay: SelectionOverlay | None = None
        self.availability: ToolAvailability | None = None
        self.clipboard = ClipboardOps(window, ctx)

    # -- wiring --------------------------------------------------------------------------------------
    def finish(self) -> None:
        w = self.window
        for tool in self.tools:
            icon = edit_icon(tool.name)
            if icon is not None and tool.name in w.tool_actions:
                w.tool_actions[tool.name].setIcon(icon)
        transform = next(t for t in self.floating_tools if isinstance(t, TransformTool))
        # Ctrl+T shows the handles at once (as in Krita), not at the first click
        w.tool_actions[transform.name].triggered.connect(lambda _c=False: self._start_transform(transform))
        w.canvas.overlays.append(self._paint_floating)  # transform preview under the marching ants
        self.overlay = SelectionOverlay(w.canvas)
        self.availability = ToolAvailability(w)  # hint tools need a colorize layer, the GAN brush a scene
        self.availability.follow(w.session)
        for tool in self.tools:
            sig = getattr(tool, "preview_changed", None)
            if sig is not None:
                sig.connect(w.canvas.update)
        for key, (text, keys, method) in ACTIONS.items():
            act = QAction(text, w)
            if keys:
                act.setShortcuts([QKeySequence(k) for k in keys])
                act.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys[0]})")
            callback = getattr(self, method)
            act.triggered.connect(lambda _c=False, cb=callback: self._run(cb))
            w.addAction(act)
            self.actions[key] = act
        for mine, theirs in SHARED_KEYS.items():
            other = w.annotate.actions.get(theirs)
            if other is not None:  # the same keys: ours decides where they go (see the module doc)
                other.setShortcuts([])
                other.setText(other.text() + "\t(" + self.actions[mine].shortcut().toString() + ")")
        menu = QMenu("&Select", w)
        for key in SELECT_MENU:
            if key is None:
                menu.addSeparator()
            elif key == "@tools":
                for tool in self.select_tools:
                    menu.addAction(w.tool_actions[tool.name])
            else:
                menu.addAction(self.actions[key])
        self._insert_menu(menu, before="&Layer")
        image = QMenu("&Image", w)
        for key in IMAGE_MENU:
            image.addSeparator() if key is None else image.addAction(self.actions[key])
        self._insert_menu(image, before="&Select")
        file_menu = w.menuBar().actions()[0].menu()
        if file_menu is not None and "open_page" in w.actions_:
            file_menu.insertAction(w.actions_["open_page"], self.actions["open_layer"])
        edit = next((a.menu() for a in w.menuBar().actions() if a.text() == "&Edit"), None)
        if edit is not None:
            anchor = next((a for a in edit.actions() if a.isSeparator()), None)
            first = edit.insertSeparator(anchor) if anchor is not None else edit.addSeparator()
            for key in EDIT_MENU:
                if key is None:
                    edit.insertSeparator(first)
                else:
                    edit.insertAction(first, self.actions[key])

    def _start_transform(self, tool: TransformTool) -> None:
        if self.window.canvas.tool is tool and not tool.active and tool.lift():
            self.window.canvas.update()

    def _paint_floating(self, p: QPainter, canvas: CanvasWidget) -> None:
        """Live previews drawn over the page: the floating pixels of a move/transform, the gradient."""
        tool = canvas.tool
        if tool is not None and tool.active and tool in self.tools and hasattr(tool, "paint_preview"):
            tool.paint_preview(p, canvas.view.qtransform())

    def _insert_menu(self, menu: QMenu, before: str) -> None:
        bar = self.window.menuBar()
        anchor = next((a for a in bar.actions() if a.text() == before), None)
        bar.insertMenu(anchor, menu) if anchor is not None else bar.addMenu(menu)

    def set_session(self, session: object) -> None:
        if self.overlay is not None:
            self.overlay.follow(self.window.session)
        if self.availability is not None:
            self.availability.follow(self.window.session)

    def _run(self, callback: Callable[[], object]) -> None:
        tool = self.window.canvas.tool
        if tool is not None and tool.active:  # never in the middle of a stroke or a drag
            tool.cancel()
        callback()

    def annotation_context(self) -> bool:
        w = self.window
        return w.annotate.in_dataset() or w.tool.name.startswith("annot_")

    # -- Select menu ---------------------------------------------------------------------------------
    def _push(self, cmd: selcmd.SetSelectionCommand) -> None:
        if cmd.changes_anything():
            self.window.session.stack.push(cmd)

    def select_all(self) -> None:
        if self.annotation_context():
            self.window.annotate.select_all()
            return
        self._push(selcmd.select_all_command(self.window.session.doc))

    def deselect(self) -> None:
        self._push(selcmd.deselect_command(self.window.session.doc))

    def invert(self) -> None:
        self._push(selcmd.invert_command(self.window.session.doc))

    def _ask_radius(self, title: str, default: int) -> int | None:
        doc = self.window.session.doc
        if doc.selection is None:
            self.window.show_message("Nothing is selected")
            return None
        value, ok = QInputDialog.getInt(self.window, title, "Radius (px):", default, 1, 500)
        return int(value) if ok else None

    def grow(self, radius: int | None = None) -> None:
        radius = radius or self._ask_radius("Grow Selection", 4)
        if radius:
            self._push(selcmd.grow_command(self.window.session.doc, radius))

    def shrink(self, radius: int | None = None) -> None:
        radius = radius or self._ask_radius("Shrink Selection", 4)
        if radius:
            self._push(selcmd.shrink_command(self.window.session.doc, radius))

    def feather(self, radius: int | None = None) -> None:
        radius = radius or self._ask_radius("Feather Selection", 5)
        if radius:
            self._push(selcmd.feather_command(self.window.session.doc, radius))

    # -- Edit menu: clipboard ------------------------------------------------------------------------
    def cut(self) -> None:
        self.clipboard.cut()

    def copy(self) -> None:
        if self.annotation_context():
            self.window.annotate.copy_shapes()
            return
        self.clipboard.copy()

    def copy_merged(self) -> None:
        self.clipboard.copy_merged()

    def paste(self) -> None:
        if self.annotation_context():
            self.window.annotate.paste_shapes()
            return
        self.clipboard.paste()

    def paste_new_document(self) -> None:
        self.clipboard.paste_new_document()

    def clear(self) -> None:
        self.clipboard.clear()

    def fill_fg(self) -> None:
        from paintgan.gui.tools.base import paintable_layer

        layer = paintable_layer(self.ctx)
        if layer is None:
            return
        session = self.window.session
        cmd = fill_selected(session.doc, layer, self.window.colors.fg, "Fill selection")
        if cmd is not None:
            session.stack.push(cmd, done=True)

    # -- Image menu ----------------------------------------------------------------------------------
    def _push_image_op(self, cmd: Command | None, what: str) -> None:
        if cmd is None:
            return
        session = self.window.session
        left = image_ops.skipped(session.doc) if what in ("scale", "rotate", "flip") else []
        session.stack.push(cmd)
        if left:
            self.window.show_message(f"Not resampled (not paint layers): {', '.join(left)}")

    def crop_to_selection(self) -> None:
        cmd = image_ops.crop_to_selection(self.window.session.doc)
        if cmd is None:
            self.window.show_message("Crop to Selection: select an area first")
        self._push_image_op(cmd, "crop")

    def canvas_size(self, size: tuple[int, int, tuple[float, float]] | None = None) -> None:
        doc = self.window.session.doc
        if size is None:
            dlg = CanvasSizeDialog(doc.width, doc.height, self.window)
            if dlg.exec() != dlg.DialogCode.Accepted:
                return
            size = dlg.values()
        w, h, anchor = size
        if (w, h) != (doc.width, doc.height):
            self._push_image_op(image_ops.resize_canvas(doc, w, h, anchor), "resize")

    def scale_image(self, size: tuple[int, int, str] | None = None) -> None:
        doc = self.window.session.doc
        if size is None:
            dlg = ScaleImageDialog(doc.width, doc.height, self.window)
            if dlg.exec() != dlg.DialogCode.Accepted:
                return
            size = dlg.values()
        w, h, method = size
        if (w, h) != (doc.width, doc.height):
            self._push_image_op(image_ops.scale_image(doc, w, h, method), "scale")
            self.window.canvas.fit()

    def _rotate(self, k: int) -> None:
        self._push_image_op(image_ops.rotate_image(self.window.session.doc, k), "rotate")
        if k % 2:
            self.window.canvas.fit()

    def rotate_cw(self) -> None:
        self._rotate(1)

    def rotate_ccw(self) -> None:
        self._rotate(3)

    def rotate_180(self) -> None:
        self._rotate(2)

    def flip_h(self) -> None:
        self._push_image_op(image_ops.flip_image(self.window.session.doc, True), "flip")

    def flip_v(self) -> None:
        self._push_image_op(image_ops.flip_image(self.window.session.doc, False), "flip")

    def open_as_layer(self, path: str | None = None) -> RasterLayer | None:
        path = path or dialogs.choose_open_file(self.window, "")
        if not path:
            return None
        from pathlib import Path

        from paintgan.io.images import load_image

        try:
            img = load_image(path)
        except PaintGANError as exc:
            dialogs.show_error(self.window, "Open as Layer", str(exc))
            return None
        session = self.window.session
        layer = RasterLayer.from_pixels(Path(path).stem or "Image", img.pixels)
        session.stack.push(AddLayerCommand(session.doc, layer, text=f"Open “{Path(path).name}” as layer"))
        if img.notes:
            self.window.show_message("; ".join(img.notes))
        return layer
