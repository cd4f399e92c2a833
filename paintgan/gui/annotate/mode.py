"""Annotation mode in the main window: the annotation tools, the shape overlay, the Dataset / Labels /
Shapes docks, the Annotate menu, and dataset folders (File ▸ Open Folder for Annotation…, Ctrl+Shift+O).

The tools also work on an ordinary document (the first shape adds an annotation layer, undoably); in a
dataset folder each image is its own document, saved as LabelMe JSON after every edit. D / A and
PageDown / PageUp move to the next / previous image while a dataset image is shown (D is "default
colours" otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QSizePolicy

from paintgan.commands.annotations import AddShapes, SimplifyShapes
from paintgan.core.annotations import Shape
from paintgan.core.document import Change
from paintgan.gui.annotate import label_dialog
from paintgan.gui.annotate.assist import ModelAssist
from paintgan.gui.annotate.dataset import DatasetController
from paintgan.gui.annotate.file_list import FileListPanel
from paintgan.gui.annotate.overlay import AnnotationOverlay
from paintgan.gui.annotate.panels import LabelListPanel, ShapeListPanel
from paintgan.gui.annotate.tool_base import AnnotEnv, AnnotTool
from paintgan.gui.annotate.tools_create import (
    BoxPolygonTool,
    ClickCorrectTool,
    ExtremeTool,
    PointTool,
    PolygonTool,
    RectangleTool,
)
from paintgan.gui.annotate.tools_edit import SelectTool
from paintgan.gui.session import DocumentSession
from paintgan.gui.tools.base import ToolContext

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

HELP = {
    "annot_select": "Click a shape to select it (Shift/Ctrl: several), drag to move. Drag a vertex of a "
                    "selected shape (the model refines its neighbours), press on an edge to insert a vertex, "
                    "right-click a vertex to delete it. Double-click or F2: label. Delete: remove selected.",
    "annot_box": "Drag a box around an object: the model draws its polygon. Shift+click adds a positive, "
                 "Ctrl+click a negative corrective click to the selected polygon.",
    "annot_extreme": "Click the leftmost, topmost, rightmost and bottommost points of the object.",
    "annot_clicks": "Click where the selected polygon misses the object (positive); Shift/Ctrl/right-click "
                    "where it covers background (negative). The model re-predicts.",
    "annot_polygon": "Click the vertices; click the first one or press Enter to close. Backspace: undo a "
                     "vertex, Esc: cancel.",
    "annot_rect": "Drag a rectangle.",
    "annot_point": "Click to place a point.",
}
# key: (text, shortcuts, method)
ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "open_folder": ("Open &Folder for Annotation…", ("Ctrl+Shift+O",), "open_folder_dialog"),
    "output_folder": ("Save LabelMe Files &To Folder…", (), "output_folder_dialog"),
    "next_image": ("&Next Image", ("D", "PgDown"), "next_image"),
    "prev_image": ("&Previous Image", ("A", "PgUp"), "prev_image"),
    "copy_shapes": ("&Copy Shapes", ("Ctrl+C",), "copy_shapes"),
    "paste_shapes": ("&Paste Shapes", ("Ctrl+V",), "paste_shapes"),
    "copy_previous": ("Copy &Previous Image's Shapes", ("Ctrl+Shift+V",), "copy_previous"),
    "select_all": ("Select &All Shapes", ("Ctrl+A",), "select_all"),
    "edit_label": ("Edit &Label…", ("F2",), "edit_label"),
    "simplify": ("&Simplify Polygons", ("Ctrl+Shift+M",), "simplify"),
    "refine_drag": ("&Model Refines Dragged Vertices", (), "toggle_refine"),
    "ask_label": ("Ask a Label for Each New &Shape", (), "toggle_ask_label"),
    "export_coco": ("Export &COCO…", (), "export_coco"),
    "export_yolo": ("Export &YOLO…", (), "export_yolo"),
}
MENU = ["open_folder", "output_folder", None, "prev_image", "next_image", None, "copy_shapes", "paste_shapes",
        "copy_previous", "select_all", "edit_label", "simplify", None, "refine_drag", "ask_label", None,
        "export_coco", "export_yolo"]
LABEL_SCAN_LIMIT = 2000  # up to this many images, opening a folder reads every LabelMe file's labels
DATASET_ONLY = ("output_folder", "next_image", "prev_image", "copy_previous", "export_coco", "export_yolo")


class AnnotateMode(QObject):
    def __init__(self, window: MainWindow, ctx: ToolContext) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.overlay = AnnotationOverlay(window.session, self)
        self.assist = ModelAssist()
        self.controller = DatasetController(window, order=self._order)
        self.env = AnnotEnv(self.overlay, self.assist, self.image, self.ask_label,
                            lambda: self.window.canvas.view.zoom, lambda: self.refine_on_drag)
        self.tools: list[AnnotTool] = [cls(ctx, self.env) for cls in (
            SelectTool, BoxPolygonTool, ExtremeTool, ClickCorrectTool, PolygonTool, RectangleTool, PointTool)]
        self.refine_on_drag = True
        self.ask_each_shape = True
        self.clipboard: list[Shape] = []
        self.actions: dict[str, QAction] = {}
        self.files: FileListPanel | None = None
        self.labels: LabelListPanel | None = None
        self.shapes: ShapeListPanel | None = None
        self._doc_image: tuple[int, np.ndarray] | None = None  # flattened ordinary document (by doc id)
        self._unsubscribe: Callable[[], None] | None = None
        self.controller.message.connect(window.show_message)
        self.controller.shown.connect(self._image_shown)
        self.controller.opened.connect(self._folder_opened)

    # -- wiring (called by the main window) ------------------------------------------------------
    def build_docks(self) -> None:
        w = self.window
        self.files = FileListPanel(self.controller.failed.get)
        self.files.activated.connect(self.controller.show)
        self.files.prev_requested.connect(self.prev_image)
        self.files.next_requested.connect(self.next_image)
        self.labels = LabelListPanel(self.overlay, self._push)
        self.labels.label_picked.connect(self._label_picked)
        self.shapes = ShapeListPanel(self.overlay)
        self.shapes.centre_requested.connect(self.centre_on)
        self.shapes.edit_requested.connect(self._edit_ids)
        self.controller.status_changed.connect(self.files.model.refresh)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        w._add_dock("dataset", "Dataset", self.files, left)
        w._add_dock("labels", "Labels", self.labels, right)
        w._add_dock("shapes", "Shapes", self.shapes, right)

    def finish(self) -> None:
        """After the docks, actions, menus and tool options exist."""
        w = self.window
        self.overlay.attach(w.canvas)
        self.overlay.preview = self._paint_preview
        w.canvas.installEventFilter(self)
        for tool in self.tools:
            w.tool_options.set_help(tool.name, HELP.get(tool.name, tool.label))
            page = w.tool_options._pages.get(tool.name)
            if page is not None:  # long help must not widen the Tool Options dock
                page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for key, (text, keys, method) in ACTIONS.items():
            act = QAction(text, w)
            if keys:
                act.setShortcuts([QKeySequence(k) for k in keys])
            callback = getattr(self, method)
            act.triggered.connect(lambda _c=False, cb=callback: cb())
            w.addAction(act)
            self.actions[key] = act
        for key in ("refine_drag", "ask_label"):
            self.actions[key].setCheckable(True)
            self.actions[key].setChecked(True)
        self.actions["ask_label"].setToolTip("Off: new shapes get the last label (or the one clicked in the "
                                             "Labels panel) without a dialog")
        menu = QMenu("&Annotate", w)
        for key in MENU:
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(self.actions[key])
        bar = w.menuBar()
        window_menu = next((a for a in bar.actions() if a.text() == "&Window"), None)
        bar.insertMenu(window_menu, menu) if window_menu is not None else bar.addMenu(menu)
        file_menu = bar.actions()[0].menu()
        if file_menu is not None and "open_page" in w.actions_:
            file_menu.insertAction(w.actions_["open_page"], self.actions["open_folder"])
        for key in ("dataset", "labels", "shapes"):  # shown when a folder opens (or from View ▸ Panels)
            w.docks[key].hide()
        self._update_mode()

    def set_session(self, session: DocumentSession) -> None:
        self.overlay.set_session(session)
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = session.doc.subscribe(self._doc_changed)
        self._doc_image = None
        self._update_mode()

    def _doc_changed(self, change: Change) -> None:
        if change.kind not in ("shapes", "active", "meta"):
            self._doc_image = None
            backdrop = self.controller.backdrop
            if backdrop is not None and self.in_dataset() and not backdrop.stale:
                # the photo's pyramid no longer shows the page (painted on, layer hidden, image rotated…):
                # the canvas draws its tiles again
                backdrop.stale = True
                if self.controller.item is not None:
                    self.controller.item.levels = []  # also when this image is shown again
                self.window.canvas.backdrop = None
                self.window.canvas.update()

    def in_dataset(self) -> bool:
        return self.controller.is_dataset_session(self.window.session)

    def _update_mode(self) -> None:
        on = self.in_dataset()
        canvas = self.window.canvas
        backdrop = self.controller.backdrop
        canvas.backdrop = backdrop.paint if on and backdrop is not None and not backdrop.stale else None
        for key in DATASET_ONLY:
            if key in self.actions:
                self.actions[key].setEnabled(on)
        default_colors = getattr(self.window, "actions_", {}).get("default_colors")
        if default_colors is not None:
            default_colors.setEnabled(not on)  # D is "next image" in dataset mode

    # -- the image the model sees ----------------------------------------------------------------
    def image(self) -> np.ndarray | None:
        img = self.controller.image()
        if img is not None:
            return img
        doc = self.window.session.doc
        if self._doc_image is None or self._doc_image[0] != id(doc):
            self._doc_image = (id(doc), doc.flatten_rgb())
        return self._doc_image[1]

    # -- canvas events: modifiers, hover, double-click ----------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease,
                    QEvent.Type.MouseButtonDblClick) and isinstance(event, QMouseEvent):
            self.env.modifiers = event.modifiers()
            tool = self.window.canvas.tool
            x, y = self.window.canvas.view.doc_point(event.position())
            if kind == QEvent.Type.MouseMove and not event.buttons():
                self.env.hover = (x, y)
                if isinstance(tool, AnnotTool):
                    hover = getattr(tool, "hover", None)
                    if hover is not None:
                        hover(x, y)
                    if tool.active:
                        self.overlay._repaint()
            elif kind == QEvent.Type.MouseButtonDblClick and isinstance(tool, AnnotTool):
                handler = getattr(tool, "double_click", None)
                if handler is not None and event.button() == Qt.MouseButton.LeftButton:
                    return bool(handler(x, y))
        return False

    def _paint_preview(self, p: object, canvas: object) -> None:
        tool = self.window.canvas.tool
        if isinstance(tool, AnnotTool):
            tool.paint_preview(p, canvas)  # type: ignore[arg-type]

    # -- labels ----------------------------------------------------------------------------------
    def ask_label(self, default: str) -> tuple[str, int | None, str] | None:
        if default and not self.ask_each_shape:
            return default, None, ""
        labels = self.labels.labels() if self.labels is not None else []
        return label_dialog.ask_label(self.window, labels, default or (labels[0] if labels else ""))

    def _push(self, cmd: object) -> None:
        self.window.session.stack.push(cmd)  # type: ignore[arg-type]

    def _edit_ids(self, ids: list[str]) -> None:
        self.tools[0].edit_label(ids)  # type: ignore[attr-defined]

    def edit_label(self) -> None:
        self._edit_ids(list(self.overlay.selection.ids))

    # -- dataset ---------------------------------------------------------------------------------
    def _order(self) -> list[int]:
        if self.files is not None and self.files.model.dataset is self.controller.dataset:
            return self.files.model.rows
        ds = self.controller.dataset
        return list(range(len(ds))) if ds is not None else []

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open Folder for Annotation")
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | Path, output_dir: str | Path | None = None) -> bool:
        self.assist.warm_up()  # load the model in the background while the first image decodes
        return self.controller.open(folder, output_dir)

    def output_folder_dialog(self) -> None:
        """Keep the LabelMe files in another folder than the images (reopens the dataset there)."""
        ds = self.controller.dataset
        if ds is None:
            return
        out = QFileDialog.getExistingDirectory(self.window, "Save LabelMe Files To Folder",
                                               str(ds.output_dir or ds.folder))
        if out:
            self.open_folder(ds.folder, None if Path(out) == Path(ds.folder) else out)

    def _folder_opened(self) -> None:
        ds = self.controller.dataset
        if self.files is not None:
            self.files.set_dataset(ds)
        if self.labels is not None and len(ds) <= LABEL_SCAN_LIMIT:  # bigger folders: as images are seen
            self.labels.add_known(list(ds.labels()))
        for key in ("dataset", "labels", "shapes"):
            dock = self.window.docks.get(key)
            if dock is not None:
                dock.show()
        for key in ("palette", "colorize", "ganpaint"):  # painting panels make room (View ▸ Panels)
            dock = self.window.docks.get(key)
            if dock is not None:
                dock.hide()
        if self.window.canvas.tool not in self.tools:
            self.window.set_tool("annot_box")

    def _image_shown(self, i: int) -> None:
        self._update_mode()
        ds = self.controller.dataset
        if self.files is not None:
            self.files.select(i)
            if self.labels is not None:
                self.labels.refresh()
                self.files.set_labels(self.labels.labels())
        self.window.setWindowTitle(f"{ds.name(i)}[*] ({i + 1}/{len(ds)}) — PaintGAN")

    def next_image(self) -> None:
        if self.in_dataset():
            self.controller.step(1)

    def prev_image(self) -> None:
        if self.in_dataset():
            self.controller.step(-1)

    def handles_save(self) -> bool:
        return self.in_dataset()

    def save(self) -> bool:
        return self.controller.flush()

    def shutdown(self) -> None:
        self.controller.shutdown()
        if self.files is not None:
            self.files.thumbs.shutdown()

    # -- shapes ----------------------------------------------------------------------------------
    def copy_shapes(self) -> None:
        self.clipboard = self.overlay.selected_shapes()
        self.window.show_message(f"Copied {len(self.clipboard)} shape(s)")

    def _add(self, shapes: list[Shape] | tuple[Shape, ...], text: str) -> None:
        doc = self.window.session.doc
        clipped = [c for c in (s.clipped(doc.width, doc.height) for s in shapes) if c is not None]
        if not clipped:
            self.window.show_message("Nothing to paste")
            return
        tool = self.tools[0]
        layer = tool.layer(create=True)
        assert layer is not None
        cmd = tool.push(lambda: AddShapes(layer, clipped, text=text))
        if cmd is not None:
            self.overlay.selection.set([s.id for s in cmd.shapes])  # type: ignore[attr-defined]

    def paste_shapes(self) -> None:
        self._add(self.clipboard, f"Paste {len(self.clipboard)} shape(s)")

    def copy_previous(self) -> None:
        shapes = self.controller.read_previous_shapes()
        if not shapes:
            self.window.show_message("The previous image has no shapes")
            return
        self._add(list(shapes), "Copy the previous image's shapes")

    def select_all(self) -> None:
        layer = self.overlay.layer()
        if layer is not None:
            self.overlay.selection.set([s.id for s in layer.shapes if s.label not in layer.hidden_labels])

    def simplify(self) -> None:
        layer = self.overlay.layer()
        if layer is None:
            return
        ids = list(self.overlay.selection.ids) or [s.id for s in layer.shapes if s.shape_type == "polygon"]
        if not ids:
            self.window.show_message("No polygons to simplify")
            return
        cmd = self.tools[0].push(lambda: SimplifyShapes(layer, ids))
        if cmd is not None:
            self.window.show_message(f"Simplified: {cmd.removed_points} points fewer (IoU ≥ 0.98)")  # type: ignore[attr-defined]

    def toggle_ask_label(self) -> None:
        self.ask_each_shape = self.actions["ask_label"].isChecked()

    def _label_picked(self, label: str) -> None:
        self.env.last_label = label
        self.window.show_message(f"New shapes: “{label}”")

    def toggle_refine(self) -> None:
        self.refine_on_drag = self.actions["refine_drag"].isChecked()

    def centre_on(self, shape: Shape) -> None:
        x0, y0, x1, y1 = shape.bbox()
        canvas = self.window.canvas
        canvas.view.cx, canvas.view.cy = (x0 + x1) / 2, (y0 + y1) / 2
        canvas.set_zoom(canvas.view.zoom)

    # -- export ----------------------------------------------------------------------------------
    def export_coco(self) -> None:
        from paintgan.gui.annotate.export import export_dialog

        export_dialog(self, "coco")

    def export_yolo(self) -> None:
        from paintgan.gui.annotate.export import export_dialog

        export_dialog(self, "yolo")
