"""The main window: canvas in the middle, dockable panels, menus, toolbars, status bar.

It shows one `DocumentSession`; opening or creating a document swaps the session in every view.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QCursor
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMenu, QScrollArea, QWidget

from paintgan.errors import PaintGANError, one_line, user_message
from paintgan.gui import dialogs, layer_ops
from paintgan.gui import settings as st
from paintgan.gui.actions import build_actions, build_menus, build_tool_actions, build_toolbars
from paintgan.gui.annotate.mode import AnnotateMode
from paintgan.gui.autosave import keep_backup
from paintgan.gui.canvas import CanvasWidget
from paintgan.gui.colorize.controller import ColorizeController
from paintgan.gui.colorize.overlay import HintOverlay
from paintgan.gui.colors import ColorState
from paintgan.gui.documents import OpenDocuments
from paintgan.gui.editing import EditingMode
from paintgan.gui.ganpaint.mode import GanPaintMode
from paintgan.gui.help import install_help
from paintgan.gui.inference_bridge import InferenceBridge
from paintgan.gui.panels.colorize import ColorizePanel
from paintgan.gui.panels.history import HistoryPanel
from paintgan.gui.panels.layers import LayersPanel
from paintgan.gui.panels.palette import PalettePanel
from paintgan.gui.panels.tool_options import ToolOptionsPanel
from paintgan.gui.session import APP_HISTORY_BUDGET, DocumentSession
from paintgan.gui.status import StatusBar
from paintgan.gui.tools import BrushTool, FillTool, PickerTool, Tool, ToolContext
from paintgan.gui.tools.hint_eraser import HintEraserTool
from paintgan.gui.tools.hint_point import HintEnv, HintPointTool
from paintgan.gui.tools.hint_stroke import HintStrokeTool

DEFAULT_SIZE = (1920, 1080)


class MainWindow(QMainWindow):
    def __init__(self, session: DocumentSession | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or st.app_settings()
        APP_HISTORY_BUDGET.limit_bytes = st.history_limit_bytes(self.settings)
        self.session = session or DocumentSession.new(*DEFAULT_SIZE)
        self.colors = ColorState()
        self.documents = OpenDocuments(self)
        ctx = ToolContext(lambda: self.session, self.colors, self.show_message)
        self.tools: dict[str, Tool] = {t.name: t for t in (BrushTool(ctx), BrushTool(ctx, eraser=True),
                                                           PickerTool(ctx), FillTool(ctx))}
        self.canvas = CanvasWidget(self.session, self.colors, self)
        self.setCentralWidget(self.canvas)
        # colorization (issue #6): background jobs, hint overlay, hint tools
        # one inference bridge (two worker threads) shared by every model controller of the window
        self.inference = InferenceBridge(self)
        self.colorize = ColorizeController(self.session, bridge=self.inference, parent=self)
        self.hint_overlay = HintOverlay(self.session)
        self.hint_overlay.attach(self.canvas)
        env = HintEnv(self.hint_overlay, self.colorize, lambda: self.canvas.view.zoom)
        for tool in (HintPointTool(ctx, env), HintStrokeTool(ctx, env), HintEraserTool(ctx, env)):
            self.tools[tool.name] = tool
        # GANPaint mode (issue #8): scene documents, the GAN brush, the GANPaint dock
        self.ganpaint = GanPaintMode(self, ctx)
        self.tools[self.ganpaint.tool.name] = self.ganpaint.tool
        # annotation mode (issue #13): shape tools, overlay, dataset folders
        self.annotate = AnnotateMode(self, ctx)
        self.tools.update((tool.name, tool) for tool in self.annotate.tools)
        # editing tools (issue #17): selections, clipboard, canvas operations, gradient, transform
        self.editing = EditingMode(self, ctx)
        self.tools.update((tool.name, tool) for tool in self.editing.tools)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)

        self.tool_options = ToolOptionsPanel(list(self.tools.values()))
        self.palette_panel = PalettePanel(self.colors)
        self.layers_panel = LayersPanel(self.session)
        self.history_panel = HistoryPanel(self.session.stack)
        self.colorize_panel = ColorizePanel(self.colorize, self.hint_overlay, self.colors)
        self.docks: dict[str, QDockWidget] = {}
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self._add_dock("tool_options", "Tool Options", self.tool_options, left, scroll=True)
        self._add_dock("palette", "Palette", self.palette_panel, left, scroll=True)
        self._add_dock("layers", "Layers", self.layers_panel, right)
        self._add_dock("history", "History", self.history_panel, right)
        self._add_dock("colorize", "Colorize", self.colorize_panel, right, scroll=True)
        self._add_dock("ganpaint", "GANPaint", self.ganpaint.build_panel(), right, scroll=True)
        self.tabifyDockWidget(self.docks["colorize"], self.docks["ganpaint"])
        self.annotate.build_docks()
        self._hint_tool_help()
        self._hidden_docks: list[QDockWidget] = []

        self.recent_menu: QMenu | None = None
        self.window_menu: QMenu | None = None
        self.actions_ = build_actions(self)
        self.tool_actions = build_tool_actions(self)
        build_menus(self, self.actions_, self.tool_actions)
        build_toolbars(self, self.actions_, self.tool_actions)
        self.ganpaint.finish()
        self.annotate.finish()
        self.editing.finish()
        from paintgan.gui.colorize.references_panel import install_references  # issue 15

        self.references = install_references(self)
        from paintgan.gui.colorize.memory import install_chapter_memory  # chapter colour memory (issue 15)

        self.chapter_memory = install_chapter_memory(self)
        self.help_actions = install_help(self)  # Help ▸ Keyboard Shortcuts, About (issue #17)
        from paintgan.gui.flats_actions import install_flats  # Layer ▸ New Flats Layer, Merge… (issue #15)

        self.flats = install_flats(self)
        from paintgan.gui.recovery import install_autosave  # autosave of every open document (issue #16)

        self.autosave = install_autosave(self)

        self.canvas.cursor_moved.connect(self.status.show_cursor)
        self.canvas.view_changed.connect(self._view_changed)
        self.canvas.message.connect(self.show_message)
        self.layers_panel.message.connect(self.show_message)
        self.colorize.message.connect(self.show_message)
        self.colorize_panel.message.connect(self.show_message)
        self.colors.changed.connect(self._colors_changed)

        self._load_settings()
        # the last tool comes back only when it works on any paint layer: a GAN brush, hint or annotation
        # tool left from the last session fits no new document, so the app starts on the brush then
        saved = str(self.settings.value("tool", "brush") or "brush")
        general = {"brush", "eraser", "picker", "fill", *(t.name for t in self.editing.tools)}
        self.set_tool(saved if saved in general else "brush")
        self._connect_session()
        if not self.settings.contains("geometry"):
            self.resize(1280, 820)
        QTimer.singleShot(1500, self.status.probe_device)

    def _add_dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea,
                  scroll: bool = False) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")
        if scroll:  # a tall panel scrolls instead of squeezing the docks beside it (the layer list)
            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            area_widget.setWidget(widget)
            widget = area_widget
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    # -- session -----------------------------------------------------------------------------------
    def set_session(self, session: DocumentSession) -> None:
        old = self.session
        self.session = session
        self.canvas.set_session(session)
        self.layers_panel.set_session(session)
        self.history_panel.set_stack(session.stack)
        self.colorize.set_session(session)
        self.hint_overlay.set_session(session)
        self.colorize_panel.connect_session()
        self.ganpaint.set_session(session)
        self.annotate.set_session(session)
        self.editing.set_session(session)
        self._connect_session()
        self.documents.shown(session)
        if old is not session:
            self._disconnect_session(old)
            if not self.documents.keeps(old):  # documents open in the background stay alive
                old.close()
                old.deleteLater()

    def _connect_session(self) -> None:
        s = self.session
        s.modified_changed.connect(self.setWindowModified)
        s.path_changed.connect(self._path_changed)
        s.stack_changed.connect(self._update_undo_actions)
        self.setWindowModified(s.modified)
        self._update_title()
        self._update_undo_actions()

    def _disconnect_session(self, s: DocumentSession) -> None:
        pairs = ((s.modified_changed, self.setWindowModified), (s.path_changed, self._path_changed),
                 (s.stack_changed, self._update_undo_actions))
        for signal, slot in pairs:
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def _path_changed(self, _path: str) -> None:
        self._update_title()

    def _update_title(self) -> None:
        d = self.session.doc
        self.setWindowTitle(f"{self.session.display_name}[*] ({d.width}×{d.height}) — PaintGAN")

    def _update_undo_actions(self) -> None:
        stack = self.session.stack
        undo, redo = self.actions_["undo"], self.actions_["redo"]
        undo.setEnabled(stack.can_undo())
        redo.setEnabled(stack.can_redo())
        undo.setText(f"&Undo {stack.undo_text()}" if stack.can_undo() else "&Undo")
        redo.setText(f"&Redo {stack.redo_text()}" if stack.can_redo() else "&Redo")

    def show_message(self, text: str) -> None:
        self.status.showMessage(text, 5000)

    # -- tools and colours -------------------------------------------------------------------------
    @property
    def tool(self) -> Tool:
        assert self.canvas.tool is not None
        return self.canvas.tool

    def set_tool(self, name: str) -> None:
        tool = self.tools.get(name) or self.tools["brush"]
        self.canvas.set_tool(tool)
        self.tool_options.show_tool(tool)
        self.tool_actions[tool.name].setChecked(True)

    def swap_colors(self) -> None:
        self.colors.swap()

    def default_colors(self) -> None:
        self.colors.reset()

    def _resize_brush(self, factor: float) -> None:
        if isinstance(self.tool, BrushTool):
            self.tool.grow(factor)
            self.show_message(f"{self.tool.label} size {self.tool.settings.size:.0f} px")
        elif hasattr(self.tool, "grow"):  # hint tools
            self.tool.grow(factor)

    def size_up(self) -> None:
        self._resize_brush(1.25)

    def size_down(self) -> None:
        self._resize_brush(0.8)

    def _colors_changed(self) -> None:
        self.settings.setValue("colors/fg", list(self.colors.fg))
        self.settings.setValue("colors/bg", list(self.colors.bg))

    # -- files -------------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded or unmodified)."""
        if not self.session.modified:
            return True
        answer = dialogs.ask_save_changes(self, self.session.display_name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_document(self) -> None:
        dlg = dialogs.NewDocumentDialog(self, *self._last_new_size())
        if dlg.exec() != dlg.DialogCode.Accepted:
            return
        w, h, bg = dlg.values(self.colors.bg)
        self.settings.setValue("new/size", [w, h])
        if self.maybe_save():
            self.set_session(DocumentSession.new(w, h, bg))

    def _last_new_size(self) -> tuple[int, int]:
        v = self.settings.value("new/size")
        try:
            return int(v[0]), int(v[1])  # type: ignore[index]
        except (TypeError, ValueError, IndexError):
            return DEFAULT_SIZE

    def open_dialog(self) -> None:
        start = os.path.dirname(st.recent_files(self.settings)[0]) if st.recent_files(self.settings) else ""
        path = dialogs.choose_open_file(self, start)
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> bool:
        if os.path.isdir(path):  # `paintgan FOLDER`: annotation dataset mode
            return self.annotate.open_folder(path)
        if not self.maybe_save():
            return False
        try:
            from paintgan.io.documents import open_document

            notes: list[str] = []
            doc = open_document(path, notes)
        except PaintGANError as exc:
            dialogs.show_error(self, "Open", str(exc))
            return False
        except ImportError:
            dialogs.show_error(self, "Open", "Opening files is not available in this build")
            return False
        except MemoryError:
            dialogs.show_error(self, "Open", f"Cannot open {Path(path).name}: not enough memory")
            return False
        except Exception as exc:  # never crash on a bad file; never an empty message
            dialogs.show_error(self, "Open", user_message(exc, f"Cannot open {Path(path).name}"))
            return False
        self.set_session(DocumentSession(doc, path))
        st.add_recent_file(self.settings, str(Path(path).resolve()))
        if notes:
            self.show_message("; ".join(notes))
        return True

    def fill_recent_menu(self) -> None:
        assert self.recent_menu is not None
        self.recent_menu.clear()
        files = st.recent_files(self.settings)
        for f in files:
            act = QAction(Path(f).name, self.recent_menu)
            act.setToolTip(f)
            act.triggered.connect(lambda _c=False, p=f: self.open_file(p))
            self.recent_menu.addAction(act)
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def save(self) -> bool:
        if self.annotate.handles_save():  # a dataset image: its LabelMe file
            return self.annotate.save()
        path = self.session.path
        many_layers = sum(1 for _ in self.session.doc.layers()) > 1
        if not path or (not path.lower().endswith(".ora") and many_layers):
            return self.save_as()
        return self.save_to(path)

    def save_as(self) -> bool:
        base = Path(self.session.path).with_suffix(".ora") if self.session.path else Path("untitled.ora")
        path = dialogs.choose_save_file(self, str(base))
        return bool(path) and self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            from paintgan.io.documents import save_document

            backup = ".bak" if keep_backup(self.settings) else None  # the previous version as NAME.bak
            save_document(self.session.doc, path, backup_suffix=backup)
        except PaintGANError as exc:
            dialogs.show_error(self, "Save", str(exc))
            return False
        except Exception as exc:
            dialogs.show_error(self, "Save", user_message(exc, f"Cannot save to {path}")
                               if not isinstance(exc, OSError) else f"Cannot save to {path}: {one_line(exc)}")
            return False
        self.session.mark_saved(path)
        st.add_recent_file(self.settings, str(Path(path).resolve()))
        self.show_message(f"Saved {Path(path).name}")
        return True

    def recover_documents(self) -> None:
        """File ▸ Recover Autosaved Documents…: what a crashed run left (also offered at start-up)."""
        from paintgan.gui.recovery import recover_documents

        recover_documents(self, self.autosave)

    def export_png(self) -> bool:
        base = Path(self.session.path or "untitled").with_suffix(".png")
        path = dialogs.choose_save_file(self, str(base), export=True)
        if not path:
            return False
        try:
            from paintgan.io.images import export_flat

            export_flat(self.session.doc, path)
        except PaintGANError as exc:
            dialogs.show_error(self, "Export", str(exc))
            return False
        self.show_message(f"Exported {Path(path).name}")
        return True

    # -- edit / view -------------------------------------------------------------------------------
    def undo(self) -> None:
        tool = self.canvas.tool
        if tool is not None and tool.active:
            if getattr(tool, "undo_cancels", False):  # Ctrl+Z during a transform puts the pixels back
                tool.cancel()
            return
        self._move_in_history(self.session.stack.undo, "Undo")

    def redo(self) -> None:
        if self.canvas.tool is not None and self.canvas.tool.active:
            return
        self._move_in_history(self.session.stack.redo, "Redo")

    def _move_in_history(self, step: Callable[[], bool], what: str) -> None:
        """Run one undo/redo step; a step that fails keeps its history entry and is reported, not raised."""
        try:
            step()
        except Exception as exc:
            reason = (f"{what} failed: {one_line(exc)}" if isinstance(exc, PaintGANError)
                      else user_message(exc, f"{what} failed"))
            dialogs.show_error(self, what, f"{reason}. The step is still in the history.")

    def show_history(self) -> None:
        dock = self.docks["history"]
        dock.show()
        dock.raise_()

    def zoom_in(self) -> None:
        self.canvas.zoom_step(1)

    def zoom_out(self) -> None:
        self.canvas.zoom_step(-1)

    def zoom_fit(self) -> None:
        self.canvas.fit()

    def zoom_100(self) -> None:
        self.canvas.actual_pixels()

    def rotate_left(self) -> None:
        self.canvas.rotate_by(-15)

    def rotate_right(self) -> None:
        self.canvas.rotate_by(15)

    def rotate_reset(self) -> None:
        self.canvas.reset_rotation()
        self.actions_["mirror"].setChecked(False)

    def toggle_mirror(self) -> None:
        self.canvas.set_mirror(self.actions_["mirror"].isChecked())

    def toggle_panels(self) -> None:
        if self._hidden_docks:
            for dock in self._hidden_docks:
                dock.show()
            self._hidden_docks = []
        else:
            self._hidden_docks = [d for d in self.docks.values() if d.isVisible()]
            for dock in self._hidden_docks:
                dock.hide()

    def _view_changed(self) -> None:
        v = self.canvas.view
        self.status.show_view(v.zoom, v.angle, v.mirror)

    # -- layers ------------------------------------------------------------------------------------
    def _layer_op(self, op: object) -> None:
        err = op(self.session)  # type: ignore[operator]
        if err:
            self.show_message(err)

    def layer_new(self) -> None:
        layer_ops.add_layer(self.session)

    def layer_group(self) -> None:
        layer_ops.add_group(self.session)

    def layer_duplicate(self) -> None:
        self._layer_op(layer_ops.duplicate_layer)

    def layer_delete(self) -> None:
        self._layer_op(layer_ops.delete_layer)

    def layer_merge_down(self) -> None:
        self._layer_op(layer_ops.merge_down)

    def layer_properties(self) -> None:
        layer = self.session.doc.active_layer
        if layer is None:
            return
        dlg = dialogs.LayerPropertiesDialog(layer, self)
        if dlg.exec() == dlg.DialogCode.Accepted:
            layer_ops.set_props(self.session, layer, **dlg.props())

    # -- settings and closing ----------------------------------------------------------------------
    def _load_settings(self) -> None:
        s = self.settings
        geometry = s.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("window_state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        for key in ("fg", "bg"):
            v = s.value(f"colors/{key}")
            try:
                rgb = (int(v[0]), int(v[1]), int(v[2]))  # type: ignore[index]
            except (TypeError, ValueError, IndexError):
                continue
            (self.colors.set_fg if key == "fg" else self.colors.set_bg)(rgb)
        for name, tool in self.tools.items():
            values = st.get_json(s, f"tools/{name}", None)
            if isinstance(values, dict) and hasattr(tool, "load_settings"):
                tool.load_settings(values)
        recent = st.get_json(s, "colors/recent", [])
        if isinstance(recent, list):
            self.colors.recent = [tuple(c)[:3] for c in recent if isinstance(c, list) and len(c) == 3]
            self.colors.recent_changed.emit()
        pal = s.value("palette/path")
        if pal and os.path.exists(str(pal)):
            self.palette_panel.load_palette(str(pal))

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("geometry", self.saveGeometry())
        s.setValue("window_state", self.saveState())
        s.setValue("tool", self.tool.name)
        for name, tool in self.tools.items():
            if hasattr(tool, "settings_dict"):
                st.set_json(s, f"tools/{name}", tool.settings_dict())
        st.set_json(s, "colors/recent", [list(c) for c in self.colors.recent])
        if self.palette_panel.palette_path:
            s.setValue("palette/path", self.palette_panel.palette_path)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.canvas.tool is not None:
            self.canvas.tool.cancel()
        self.annotate.shutdown()  # pending annotation saves are written first
        if not self.maybe_save() or not self.documents.maybe_close_background():
            event.ignore()
            return
        self.save_settings()
        self.colorize.shutdown()
        self.ganpaint.controller.shutdown()
        self.autosave.shutdown()  # everything was saved or discarded: the recovery files go
        event.accept()

    # -- colorization ------------------------------------------------------------------------------
    def _hint_tool_help(self) -> None:
        texts = {
            "hint_point": "Click: add a colour hint (foreground colour). Drag a hint to move it; "
                          "right-click or Delete removes it. [ ] or Shift+wheel: size. "
                          "Alt+click: pick from the colours.",
            "hint_stroke": "Paint a colour stroke hint with the foreground colour. "
                           "[ ] or Shift+wheel: width.",
            "hint_eraser": "Drag over hints to delete them (one undo step per drag).",
        }
        for name, text in texts.items():
            self.tool_options.set_help(name, text)

    def colorize_layer(self) -> None:
        from paintgan.gui.colorize.setup import run_colorize_dialog

        if run_colorize_dialog(self, self.session, self.colorize.models.refresh()) is not None:
            self.docks["colorize"].show()
            self.docks["colorize"].raise_()
            self.set_tool("hint_point")

    def open_page_to_colorize(self) -> None:
        path = dialogs.choose_open_file(self, "")
        if path and self.open_file(path):
            self.colorize_layer()

    def toggle_hints(self) -> None:
        self.colorize_panel.show_hints.setChecked(self.actions_["show_hints"].isChecked())

    # -- GANPaint ----------------------------------------------------------------------------------
    def new_ganpaint_scene(self) -> None:
        self.ganpaint.new_scene()

    def ganpaint_send_to_layer(self) -> None:
        panel = self.ganpaint.panel
        if panel is not None and self.ganpaint.layer() is not None:
            panel.send_menu.exec(QCursor.pos())
        else:
            self.show_message("No GANPaint scene: use File ▸ New GANPaint Scene… first")

    def close_document(self) -> None:
        if self.canvas.tool is not None and self.canvas.tool.active:
            return
        self.documents.close_current(self._last_new_size())

    def fill_window_menu(self) -> None:
        assert self.window_menu is not None
        self.documents.fill_window_menu(self.window_menu)
