"""Colorize panel: the target colorize layer's settings (input kind, mode, model, gap radius, working size),
Apply, hints JSON import/export, the global palette (.gpl or k-means of a reference image), the model's
suggested colours at the selected hint (plus the ab gamut at its lightness in gray mode) and recent colours.
Every change goes through a command; the panel only mirrors the layer."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paintgan.commands.hints import ApplyColorizeResult, RecolorHint, SetColorizeSettings, SetHints
from paintgan.commands.stack import new_gesture
from paintgan.core.colorize_layer import ColorizeLayer
from paintgan.errors import PaintGANError
from paintgan.gui.colorize.controller import ColorizeController
from paintgan.gui.colorize.overlay import HintOverlay
from paintgan.gui.colors import RGB, ColorState
from paintgan.gui.panels.color_widgets import SwatchGrid

WORKING_SIZES = (256, 384, 512, 768)
GAMUT_PX = 128


def kmeans_palette(image: np.ndarray, k: int = 8, sample: int = 20000, seed: int = 0) -> list[RGB]:
    """`k` representative colours of an RGB(A) uint8 image: k-means in Lab (cv2.kmeans), biggest first."""
    import cv2

    from paintgan.inference.colorize.pixels import as_rgb_u8

    rgb = as_rgb_u8(image).reshape(-1, 3)
    rng = np.random.default_rng(seed)
    if len(rgb) > sample:
        rgb = rgb[rng.choice(len(rgb), sample, replace=False)]
    lab = cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab).reshape(-1, 3)
    k = max(1, min(k, len(lab)))
    cv2.setRNGSeed(seed)
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    _c, labels, centers = cv2.kmeans(lab, k, None, crit, 3, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    counts = np.bincount(labels.ravel(), minlength=k)
    out_rgb = cv2.cvtColor(centers.reshape(-1, 1, 3).astype(np.float32), cv2.COLOR_Lab2RGB).reshape(-1, 3)
    order = np.argsort(-counts)
    return [tuple(round(float(c) * 255) for c in np.clip(out_rgb[i], 0, 1)) for i in order]  # type: ignore[misc]


class GamutView(QLabel):
    """The ab plane at one lightness; a click emits the colour under the cursor."""

    picked = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setFixedSize(GAMUT_PX, GAMUT_PX)
        self.setToolTip("Colours of this lightness (a × b); click to recolour the selected hint")
        self._rgba: np.ndarray | None = None

    def set_lightness(self, L: float) -> None:
        from paintgan.inference.colorize.color import ab_gamut

        self._rgba = np.ascontiguousarray(ab_gamut(L, GAMUT_PX))
        img = QImage(self._rgba.data, GAMUT_PX, GAMUT_PX, GAMUT_PX * 4, QImage.Format.Format_RGBA8888)
        self.setPixmap(QPixmap.fromImage(img.copy()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._rgba is None:
            return
        c = min(GAMUT_PX - 1, max(0, int(event.position().x())))
        r = min(GAMUT_PX - 1, max(0, int(event.position().y())))
        px = self._rgba[r, c]
        if px[3] > 0:
            self.picked.emit((int(px[0]), int(px[1]), int(px[2])))


class ColorizePanel(QWidget):
    message = Signal(str)

    def __init__(self, controller: ColorizeController, overlay: HintOverlay, colors: ColorState,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.overlay = overlay
        self.colors = colors
        self._syncing = False

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.status = QLabel()
        self.status.setStyleSheet("color: #606060")
        self.kind = QComboBox()
        for text, data in (("Auto", "auto"), ("Line art", "lineart"), ("Grayscale", "gray")):
            self.kind.addItem(text, data)
        self.mode = QComboBox()
        self.mode.addItem("Neural (model)", "neural")
        self.mode.addItem("Flat fill", "flat")
        self.model = QComboBox()
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #b04020")
        self.gap = QSpinBox(minimum=0, maximum=20)
        self.gap.setToolTip("Close gaps in the line art up to twice this many pixels (flat fill)")
        self.work_size = QComboBox()
        for s in WORKING_SIZES:
            self.work_size.addItem(f"{s} px", s)
        self.work_size.setToolTip("Long side at which the model runs for the final result")
        self.show_hints = QCheckBox("Show hints")
        self.show_hints.setChecked(True)
        self.flats = QCheckBox("Flat colour per region")
        self.flats.setToolTip("Line art, neural mode: every line-enclosed region takes one colour (its "
                              "hints' colour, else the model's); off: the model's shading inside regions")

        form = QFormLayout()
        form.addRow("Input", self.kind)
        form.addRow("Mode", self.mode)
        form.addRow("Model", self.model)
        form.addRow(self.reason)
        form.addRow("Gap closing", self.gap)
        form.addRow("Working size", self.work_size)
        form.addRow(self.flats)

        self.apply_btn = QPushButton("Apply")
        self.apply_btn.setToolTip("Turn the colours into an ordinary paint layer")
        imp = QPushButton("Import hints…")
        exp = QPushButton("Export hints…")
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_btn)
        buttons.addWidget(imp)
        buttons.addWidget(exp)

        pal_box = QGroupBox("Palette (global hint)")
        self.palette_grid = SwatchGrid(self, rows_hint=1)
        load_gpl = QPushButton("Load .gpl…")
        from_img = QPushButton("From image…")
        clear_pal = QPushButton("Clear")
        pl = QVBoxLayout(pal_box)
        pl.addWidget(self.palette_grid)
        row = QHBoxLayout()
        for b in (load_gpl, from_img, clear_pal):
            row.addWidget(b)
        pl.addLayout(row)

        sug_box = self.sug_box = QGroupBox("Suggested colours")
        self.suggest_grid = SwatchGrid(self, rows_hint=1)
        self.suggest_grid.setToolTip("The model's likeliest colours at the selected hint; "
                                     "click to recolour it")
        self.suggest_note = QLabel("Click a point with the colour hint tool (H).")
        self.suggest_note.setWordWrap(True)
        self.suggest_note.setStyleSheet("color: #606060")
        self.gamut = GamutView()
        self.gamut.hide()
        sl = QVBoxLayout(sug_box)
        sl.addWidget(self.suggest_grid)
        sl.addWidget(self.suggest_note)
        sl.addWidget(self.gamut, alignment=Qt.AlignmentFlag.AlignHCenter)

        rec_box = QGroupBox("Recent colours")
        self.recent_grid = SwatchGrid(self, rows_hint=1)
        QVBoxLayout(rec_box).addWidget(self.recent_grid)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.status)
        lay.addLayout(form)
        lay.addWidget(self.show_hints)
        lay.addLayout(buttons)
        lay.addWidget(sug_box)
        lay.addWidget(pal_box)
        lay.addWidget(rec_box)
        lay.addStretch(1)

        self.kind.currentIndexChanged.connect(lambda _i: self._set(input_kind=self.kind.currentData()))
        self.mode.currentIndexChanged.connect(lambda _i: self._set(mode=self.mode.currentData()))
        self.model.currentIndexChanged.connect(self._model_changed)
        self.gap.valueChanged.connect(lambda v: self._set(gap_radius=int(v)))
        self._gap_gesture: int | None = None
        self.gap.editingFinished.connect(self._end_gap_gesture)
        self.flats.toggled.connect(lambda on: self._set(flat_regions=bool(on)))
        self.work_size.currentIndexChanged.connect(self._size_changed)
        self.show_hints.toggled.connect(overlay.set_visible)
        self.apply_btn.clicked.connect(self.apply_result)
        imp.clicked.connect(self.import_dialog)
        exp.clicked.connect(self.export_dialog)
        load_gpl.clicked.connect(self.load_gpl_dialog)
        from_img.clicked.connect(self.palette_from_image_dialog)
        clear_pal.clicked.connect(lambda: self.set_palette([]))
        self.suggest_grid.picked.connect(lambda rgb, _bg: self.use_color(rgb))
        self.recent_grid.picked.connect(lambda rgb, _bg: self.use_color(rgb))
        self.palette_grid.picked.connect(lambda rgb, _bg: self.use_color(rgb))
        self.gamut.picked.connect(self.use_color)
        colors.recent_changed.connect(self._sync_recent)
        controller.suggestions_ready.connect(self.show_suggestions)
        controller.busy_changed.connect(lambda _b: self._sync_status())
        controller.result_applied.connect(lambda _l, _s: self._sync_status())
        overlay.selection_changed.connect(self._selection_changed)
        self._sync_timer = QTimer(self, singleShot=True, interval=0)
        self._sync_timer.timeout.connect(self.sync)
        self.connect_session()
        self._sync_recent()
        self.refresh_models()

    def add_section(self, widget: QWidget) -> None:
        """Add a section (e.g. References) below the Apply buttons, above the suggested colours."""
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)
        lay.insertWidget(lay.indexOf(self.sug_box), widget)

    # -- session and sync --------------------------------------------------------------------------
    def connect_session(self) -> None:
        self.controller.session.document_changed.connect(self._on_change)
        self._clear_suggestions()  # they were the previous page's
        self.sync()

    def _clear_suggestions(self) -> None:
        self.suggest_grid.set_colors([])
        self.suggest_note.setText("Click a point with the colour hint tool (H).")

    def _on_change(self, change: object) -> None:
        kind = getattr(change, "kind", "")
        if kind in ("hints", "structure", "active", "properties") and not self._sync_timer.isActive():
            self._sync_timer.start()

    def layer(self) -> ColorizeLayer | None:
        return self.overlay.layer()

    def refresh_models(self) -> None:
        models = self.controller.models.refresh()
        self._syncing = True
        self.model.clear()
        for name in models.names:
            self.model.addItem(name, name)
        self._syncing = False
        neural = self.mode.model().item(0)  # type: ignore[attr-defined]
        neural.setEnabled(models.usable)
        neural.setToolTip("" if models.usable else (models.error or ""))
        self.model.setEnabled(models.usable)
        self.reason.setText("" if models.usable else (models.error or "Colorization unavailable"))
        self.reason.setVisible(not models.usable)
        self.sync()

    def sync(self) -> None:
        layer = self.layer()
        self._syncing = True
        try:
            enabled = layer is not None
            for w in (self.kind, self.mode, self.gap, self.work_size, self.flats, self.apply_btn):
                w.setEnabled(enabled)
            self.model.setEnabled(enabled and self.controller.models.usable)
            if layer is None:
                self.title.setText("No colorize layer — select a line-art layer and use Layer ▸ Colorize…")
                self.palette_grid.set_colors([])
                self.flats.setChecked(False)  # no stale state of the previous page's layer
                self._clear_suggestions()
            else:
                self.title.setText(f"<b>{layer.name}</b>")
                self.kind.setCurrentIndex(max(0, self.kind.findData(layer.input_kind)))
                self.mode.setCurrentIndex(max(0, self.mode.findData(layer.mode)))
                i = self.model.findData(layer.model)
                if i >= 0:
                    self.model.setCurrentIndex(i)
                self.gap.setValue(layer.gap_radius)
                self.gap.setEnabled(layer.mode == "flat")
                self.flats.setChecked(layer.flat_regions)
                self.flats.setEnabled(layer.mode == "neural")
                self.work_size.setCurrentIndex(max(0, self.work_size.findData(self.controller.working_size)))
                self.palette_grid.set_colors([(c, "") for c in layer.hints.palette])
                self.apply_btn.setEnabled(layer.result is not None)
        finally:
            self._syncing = False
        self._sync_status()

    def _sync_status(self) -> None:
        layer = self.layer()
        if layer is None:
            self.status.setText("")
            return
        n = len(layer.hints.points)
        s = len(layer.hints.strokes)
        mode = self.controller.effective_mode(layer)
        state = "computing…" if self.controller.busy else ("up to date" if not layer.stale else "waiting")
        self.status.setText(f"{n} point{'s' * (n != 1)}, {s} stroke{'s' * (s != 1)} · {mode} · {state}")
        self.apply_btn.setEnabled(layer.result is not None)

    def _sync_recent(self) -> None:
        self.recent_grid.set_colors([(c, "") for c in self.colors.recent])

    # -- settings ----------------------------------------------------------------------------------
    def _set(self, **settings: object) -> None:
        layer = self.layer()
        if self._syncing or layer is None:
            return
        if all(getattr(layer, k) == v for k, v in settings.items()):
            return
        gesture = None
        if "gap_radius" in settings:  # stepping the gap spin box until editing ends is one entry
            if self._gap_gesture is None:
                self._gap_gesture = new_gesture()
            gesture = self._gap_gesture
        try:
            self.controller.session.stack.push(
                SetColorizeSettings(layer, gesture=gesture, **settings))  # type: ignore[arg-type]
        except (ValueError, KeyError) as exc:
            self.message.emit(str(exc))

    def _end_gap_gesture(self) -> None:
        self._gap_gesture = None

    def _model_changed(self, _i: int) -> None:
        name = self.model.currentData()
        if name:
            self._set(model=str(name))

    def _size_changed(self, _i: int) -> None:
        if self._syncing:
            return
        self.controller.working_size = int(self.work_size.currentData())
        layer = self.layer()
        if layer is not None:
            self.controller.schedule(layer)

    # -- actions -----------------------------------------------------------------------------------
    def apply_result(self) -> None:
        layer = self.layer()
        if layer is None:
            return
        session = self.controller.session
        try:
            session.stack.push(ApplyColorizeResult(session.doc, layer, keep_layer=True))
        except ValueError as exc:
            QMessageBox.warning(self, "Apply colours", str(exc))

    def import_dialog(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "Import hints", "", "Hints JSON (*.json);;All files (*)")
        if path:
            self.import_hints(path)

    def import_hints(self, path: str) -> bool:
        layer = self.layer()
        if layer is None:
            return False
        from paintgan.io.hints import load_hints

        try:
            hints = load_hints(path)
            doc = self.controller.session.doc
            if hints.image_size is not None and tuple(hints.image_size) != (doc.width, doc.height):
                hints = hints.scaled(hints.image_size, (doc.width, doc.height))
            hints, warnings = hints.inside(doc.width, doc.height)
        except (PaintGANError, OSError, ValueError) as exc:
            QMessageBox.critical(self, "Import hints", str(exc))
            return False
        self.controller.session.stack.push(SetHints(layer, hints, "Import colour hints"))
        if warnings:
            self.message.emit(f"{len(warnings)} hint(s) outside the page were ignored")
        return True

    def export_dialog(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, "Export hints", "hints.json", "Hints JSON (*.json)")
        if path:
            self.export_hints(path)

    def export_hints(self, path: str) -> bool:
        layer = self.layer()
        if layer is None:
            return False
        from paintgan.io.hints import save_hints

        doc = self.controller.session.doc
        hints = layer.hints.copy()
        hints.image_size = (doc.width, doc.height)
        try:
            save_hints(path, hints)
        except (PaintGANError, OSError) as exc:
            QMessageBox.critical(self, "Export hints", str(exc))
            return False
        self.message.emit(f"Exported {len(hints)} hints")
        return True

    def set_palette(self, colors: list[RGB]) -> None:
        layer = self.layer()
        if layer is None:
            return
        self.controller.session.stack.push(SetColorizeSettings(layer, palette=list(colors)))

    def load_gpl_dialog(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "Load palette", "", "GIMP palette (*.gpl)")
        if path:
            self.load_gpl(path)

    def load_gpl(self, path: str) -> bool:
        from paintgan.brush.palette import read_gpl

        try:
            pal = read_gpl(path)
        except (PaintGANError, OSError) as exc:
            QMessageBox.critical(self, "Load palette", str(exc))
            return False
        self.set_palette(pal.rgb_list()[:32])
        return True

    def palette_from_image_dialog(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, "Reference image", "",
                                               "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)")
        if path:
            self.palette_from_image(path)

    def palette_from_image(self, path: str, k: int = 8) -> bool:
        try:
            from paintgan.io.images import load_image

            img = load_image(path).pixels
            colors = kmeans_palette(img, k)
        except (PaintGANError, OSError, ValueError) as exc:
            QMessageBox.critical(self, "Palette from image", str(exc))
            return False
        self.set_palette(colors)
        return True

    # -- suggestions -------------------------------------------------------------------------------
    def use_color(self, rgb: RGB) -> None:
        """Make `rgb` the foreground colour and recolour the selected hint with it."""
        self.colors.set_fg(rgb)
        layer = self.layer()
        i = self.overlay.selected_index(layer)
        if layer is not None and i is not None and tuple(layer.hints.points[i].rgb) != tuple(rgb):
            self.controller.session.stack.push(RecolorHint(layer, i, rgb))
            self.colors.note_used(rgb)

    def show_suggestions(self, items: list[tuple[RGB, float]]) -> None:
        self.suggest_grid.set_colors([(rgb, f"{p * 100:.0f} %") for rgb, p in items])
        layer = self.layer()
        if items:
            self.suggest_note.setText("Click a swatch to recolour the selected hint.")
        elif layer is not None and self.controller.effective_mode(layer) != "neural":
            self.suggest_note.setText("Suggestions need the neural mode and a colorize model.")

    def _selection_changed(self) -> None:
        layer = self.layer()
        i = self.overlay.selected_index(layer)
        if layer is None or i is None:
            self.gamut.hide()
            return
        h = layer.hints.points[i]
        kind = self.controller.detected_kind(layer)
        if kind == "gray":
            src = self.controller._sources.get(layer.id)
            if src is not None:
                from paintgan.inference.colorize.pixels import as_rgb_u8, lightness

                page = src[1]
                px = page[int(min(max(h.y, 0), page.shape[0] - 1)), int(min(max(h.x, 0), page.shape[1] - 1))]
                L = float(lightness(as_rgb_u8(px.reshape(1, 1, 4)))[0, 0])
                self.gamut.set_lightness(L)
                self.gamut.show()
                return
        self.gamut.hide()
