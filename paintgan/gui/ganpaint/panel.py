"""GANPaint panel: a grid of seed thumbnails to pick a scene from (more on demand), the concept palette,
the GAN brush settings (draw/remove, intensity, strength, size), Reset, Export PNG and Send to layer.
Scene changes go through commands; the panel only mirrors the layer and the tool."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paintgan.core.ganpaint_layer import GanPaintLayer
from paintgan.gui.panels.tool_options import SliderSpin

if TYPE_CHECKING:
    from paintgan.gui.ganpaint.controller import GanPaintController
    from paintgan.gui.tools.gan_brush import GanBrushTool

THUMB = 60
COLUMNS = 4
CONCEPT_COLUMNS = 4


def to_pixmap(rgb: np.ndarray, size: int | None = None) -> QPixmap:
    px = np.ascontiguousarray(rgb[..., :3])
    h, w = px.shape[:2]
    img = QImage(px.data, w, h, w * 3, QImage.Format.Format_RGB888).copy()
    pm = QPixmap.fromImage(img)
    if size:
        pm = pm.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)
    return pm


class GanPaintPanel(QWidget):
    message = Signal(str)
    seed_picked = Signal(int)
    reset_requested = Signal()
    export_requested = Signal(str)  # "model" | "document"
    send_requested = Signal(object)  # a DocumentSession, or None for a new painting document

    def __init__(self, controller: GanPaintController, tool: GanBrushTool,
                 targets: Callable[[], list[tuple[str, object]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tool = tool
        self._targets = targets
        self.seeds: list[int] = []
        self.seed_buttons: dict[int, QToolButton] = {}
        self.concept_buttons: dict[str, QPushButton] = {}
        self._requested_until = 0

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #b04020")
        self.reason.hide()

        # seeds
        self.seed_box = QGroupBox("Scenes (seeds)")
        self.seed_grid_widget = QWidget()
        self.seed_grid = QGridLayout(self.seed_grid_widget)
        self.seed_grid.setContentsMargins(0, 0, 0, 0)
        self.seed_grid.setSpacing(3)
        self.seed_group = QButtonGroup(self)
        self.seed_group.setExclusive(True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.seed_grid_widget)
        scroll.setMinimumHeight(2 * (THUMB + 10) + 8)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.seed_scroll = scroll
        self.more_btn = QPushButton("More seeds")
        self.more_btn.setToolTip("Show 12 more scenes")
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed_spin.setToolTip("Any seed; the same seed always gives the same scene")
        self.go_btn = QPushButton("Go")
        row = QHBoxLayout()
        row.addWidget(self.more_btn)
        row.addStretch(1)
        row.addWidget(QLabel("Seed"))
        row.addWidget(self.seed_spin)
        row.addWidget(self.go_btn)
        sl = QVBoxLayout(self.seed_box)
        sl.addWidget(scroll)
        sl.addLayout(row)

        # concepts
        self.concept_box = QGroupBox("Concept")
        self.concept_grid = QGridLayout(self.concept_box)
        self.concept_grid.setSpacing(3)
        self.concept_group = QButtonGroup(self)
        self.concept_group.setExclusive(True)

        # brush
        brush_box = QGroupBox("GAN brush")
        self.draw_btn = QPushButton("Draw")
        self.remove_btn = QPushButton("Remove")
        self.mode_group = QButtonGroup(self)
        for b in (self.draw_btn, self.remove_btn):
            b.setCheckable(True)
            self.mode_group.addButton(b)
        self.draw_btn.setToolTip("Paint the concept in")
        self.remove_btn.setToolTip("Take the concept out")
        self.intensity_btns: dict[str, QPushButton] = {}
        self.intensity_group = QButtonGroup(self)
        irow = QHBoxLayout()
        irow.addWidget(QLabel("Intensity"))
        for key, text, tip in (("low", "Low", "4 units"), ("medium", "Medium", "10 units"),
                               ("high", "High", "15 units")):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setToolTip(f"Move the concept's top {tip}")
            self.intensity_group.addButton(b)
            self.intensity_btns[key] = b
            irow.addWidget(b)
        mrow = QHBoxLayout()
        mrow.addWidget(self.draw_btn)
        mrow.addWidget(self.remove_btn)
        self.strength_spin = SliderSpin(5, 100, round(tool.strength * 100),
                                   lambda v: tool.update_settings(strength=v / 100), " %")
        self.size_spin = SliderSpin(2, 400, round(tool.size), lambda v: tool.update_settings(size=v), " px")
        bl = QVBoxLayout(brush_box)
        bl.addLayout(mrow)
        bl.addLayout(irow)
        for label, w in (("Strength", self.strength_spin), ("Size", self.size_spin)):
            r = QHBoxLayout()
            r.addWidget(QLabel(label))
            r.addWidget(w, 1)
            bl.addLayout(r)

        # actions
        self.reset_btn = QPushButton("Reset")
        self.reset_btn.setToolTip("Remove every edit of this scene (undoable)")
        self.export_btn = QPushButton("Export PNG")
        self.export_menu = QMenu(self)
        self.export_model_act = self.export_menu.addAction("At model resolution…")
        self.export_doc_act = self.export_menu.addAction("At page size…")
        self.export_btn.setMenu(self.export_menu)
        self.send_btn = QPushButton("Send to layer")
        self.send_btn.setToolTip("Put the picture into a painting document as a new layer (undoable there)")
        self.send_menu = QMenu(self)
        self.send_btn.setMenu(self.send_menu)
        arow = QHBoxLayout()
        for b in (self.reset_btn, self.export_btn, self.send_btn):
            arow.addWidget(b)

        self.status = QLabel()
        self.status.setStyleSheet("color: #606060")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.reason)
        lay.addWidget(self.seed_box)
        lay.addWidget(self.concept_box)
        lay.addWidget(brush_box)
        lay.addLayout(arow)
        lay.addWidget(self.status)
        lay.addStretch(1)

        self.more_btn.clicked.connect(lambda: self.more_seeds())
        self.go_btn.clicked.connect(lambda: self.seed_picked.emit(int(self.seed_spin.value())))
        self.seed_group.idClicked.connect(lambda seed: self.seed_picked.emit(int(seed)))
        self.draw_btn.clicked.connect(lambda: tool.update_settings(mode="draw"))
        self.remove_btn.clicked.connect(lambda: tool.update_settings(mode="remove"))
        for key, b in self.intensity_btns.items():
            b.clicked.connect(lambda _c=False, k=key: tool.update_settings(intensity=k))
        self.reset_btn.clicked.connect(self.reset_requested.emit)
        self.export_model_act.triggered.connect(lambda: self.export_requested.emit("model"))
        self.export_doc_act.triggered.connect(lambda: self.export_requested.emit("document"))
        self.send_menu.aboutToShow.connect(self._fill_send_menu)
        tool.settings_changed.connect(self.sync_tool)
        controller.thumbnails_ready.connect(self.add_thumbnails)
        controller.result_applied.connect(lambda _l, _s: self.sync())
        controller.busy_changed.connect(lambda _b: self._sync_status())
        self._unsubscribe: Callable[[], None] | None = None
        self.connect_session()
        self.reason.setText("")

    def activate(self) -> None:
        """First use (the dock is shown, a scene is opened): check the model, ask for thumbnails."""
        if not self.controller.status.checked:
            self.refresh_model()
        self.ensure_seeds()

    # -- model availability --------------------------------------------------------------------------
    def refresh_model(self) -> None:
        model_status = self.controller.status
        usable = model_status.usable
        self.reason.setText("" if usable else (model_status.error or "GANPaint unavailable"))
        self.reason.setVisible(not usable)
        self.set_concepts(model_status.painter().concepts() if usable else [])
        widgets: list[QWidget] = [self.seed_box, self.concept_box, self.draw_btn, self.remove_btn,
                                   self.strength_spin, self.size_spin, *self.intensity_btns.values()]
        for w in widgets:
            w.setEnabled(usable)
        self.sync()

    def set_concepts(self, concepts: list[str]) -> None:
        for b in self.concept_buttons.values():
            self.concept_group.removeButton(b)
            b.deleteLater()
        self.concept_buttons = {}
        for i, c in enumerate(concepts):
            b = QPushButton(c)
            b.setCheckable(True)
            b.setToolTip(f"Draw or remove “{c}” with the GAN brush (Shift+G)")
            b.clicked.connect(lambda _c=False, name=c: self.tool.update_settings(concept=name))
            self.concept_group.addButton(b)
            self.concept_grid.addWidget(b, i // CONCEPT_COLUMNS, i % CONCEPT_COLUMNS)
            self.concept_buttons[c] = b
        if concepts and self.tool.concept not in concepts:
            self.tool.update_settings(concept=concepts[0])
        self.sync_tool()

    # -- seeds -------------------------------------------------------------------------------------
    def ensure_seeds(self) -> None:
        """Ask for the first page of thumbnails once (the model must be usable)."""
        if not self.seeds and self._requested_until == 0 and self.controller.status.usable:
            self.more_seeds()

    def more_seeds(self, count: int = 12) -> None:
        start = self._requested_until
        if self.controller.request_thumbnails(range(start, start + count)):
            self._requested_until = start + count
            self.status.setText("Rendering scenes…")

    def add_thumbnails(self, items: list[tuple[int, np.ndarray]]) -> None:
        for seed, img in items:
            if seed in self.seed_buttons:
                continue
            b = QToolButton()
            b.setCheckable(True)
            b.setIcon(QIcon(to_pixmap(img, THUMB)))
            b.setIconSize(QSize(THUMB, THUMB))
            b.setToolTip(f"Seed {seed}: click to paint this scene")
            b.setAutoRaise(True)
            self.seed_group.addButton(b, seed)
            i = len(self.seeds)
            self.seed_grid.addWidget(b, i // COLUMNS, i % COLUMNS)
            self.seeds.append(seed)
            self.seed_buttons[seed] = b
        self.sync()

    # -- mirroring ---------------------------------------------------------------------------------
    def connect_session(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        doc = self.controller.session.doc
        self._unsubscribe = doc.subscribe(self._on_change)
        self.sync()

    def _on_change(self, change: object) -> None:
        if getattr(change, "kind", "") in ("hints", "structure", "active"):
            self.sync()

    def layer(self) -> GanPaintLayer | None:
        return self.controller.target()

    def sync(self) -> None:
        layer = self.layer()
        usable = self.controller.status.checked and self.controller.status.usable
        if layer is None:
            self.title.setText("No GANPaint scene — pick a seed, or File ▸ New GANPaint Scene…")
        else:
            h, w = layer.image_size
            n = len(layer.strokes)
            self.title.setText(f"Scene seed {layer.seed} — {n} edit{'s' if n != 1 else ''} "
                               f"({w}×{h} model, shown {layer.display_size()[1]}×{layer.display_size()[0]})")
            self.seed_spin.blockSignals(True)
            self.seed_spin.setValue(layer.seed)
            self.seed_spin.blockSignals(False)
        b = self.seed_buttons.get(layer.seed) if layer is not None else None
        if b is not None:
            b.setChecked(True)
        else:
            checked = self.seed_group.checkedButton()
            if checked is not None:
                self.seed_group.setExclusive(False)
                checked.setChecked(False)
                self.seed_group.setExclusive(True)
        self.reset_btn.setEnabled(layer is not None and bool(layer.strokes))
        has_image = layer is not None and (layer.result is not None or usable)
        self.export_btn.setEnabled(has_image)
        self.send_btn.setEnabled(has_image)
        self._sync_status()

    def sync_tool(self) -> None:
        t = self.tool
        for name, b in self.concept_buttons.items():
            b.setChecked(name == t.concept)
        self.draw_btn.setChecked(t.mode == "draw")
        self.remove_btn.setChecked(t.mode == "remove")
        for key, b in self.intensity_btns.items():
            b.setChecked(key == t.intensity)
        self.strength_spin.set_value(round(t.strength * 100))
        self.size_spin.set_value(round(t.size))

    def _sync_status(self) -> None:
        if not (self.controller.status.checked and self.controller.status.usable):
            self.status.setText("")
            return
        layer = self.layer()
        if self.controller.busy:
            self.status.setText("Rendering…")
        elif layer is not None and self.controller.timings.get("compute_ms"):
            self.status.setText(f"Rendered in {self.controller.timings['compute_ms']:.0f} ms")
        else:
            self.status.setText("")

    def _fill_send_menu(self) -> None:
        self.send_menu.clear()
        for label, session in self._targets():
            act = self.send_menu.addAction(f"Into “{label}”")
            act.triggered.connect(lambda _c=False, s=session: self.send_requested.emit(s))
        if self.send_menu.actions():
            self.send_menu.addSeparator()
        act = self.send_menu.addAction("Into a new painting document")
        act.triggered.connect(lambda: self.send_requested.emit(None))
