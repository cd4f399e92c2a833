"""Layers panel: the layer tree (top layer first, groups indented) with thumbnails and visibility boxes,
opacity, blend mode (every Krita mode, grouped), lock and, for groups, pass-through for the active layer,
and buttons. Every change is a command."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDropEvent, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paintgan.commands.stack import new_gesture
from paintgan.core.blend import resolve_mode
from paintgan.core.document import Change
from paintgan.core.geometry import Rect
from paintgan.core.layers import GroupLayer, Layer, RasterLayer
from paintgan.core.tiles import TILE
from paintgan.gui import blend_combo, layer_ops
from paintgan.gui.compositor import premultiply, render_u8
from paintgan.gui.session import DocumentSession, SessionObserver

THUMB = 40
ITEM_FLAGS = (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
              | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
LAYER_ID = Qt.ItemDataRole.UserRole


def _raster_rows(layer: RasterLayer, rows: np.ndarray, doc_w: int) -> np.ndarray:
    """Premultiplied document rows `rows` (full width) of a raster layer, read straight from its tiles."""
    by_row: dict[int, list[tuple[int, np.ndarray]]] = {}
    for key in layer.surface.keys():  # noqa: SIM118 (a surface, not a dict)
        tile = layer.surface.tile(key)
        if tile is not None:
            by_row.setdefault(key[1], []).append((key[0] * TILE + layer.x, tile))
    out = np.zeros((len(rows), doc_w, 4), np.uint8)
    for i, y in enumerate(rows):
        ly = int(y) - layer.y
        for x0, tile in by_row.get(ly // TILE, ()):
            a, b = max(0, x0), min(doc_w, x0 + TILE)
            if a < b:
                out[i, a:b] = tile[ly % TILE, a - x0:b - x0]
    return premultiply(out)


def layer_thumbnail(layer: Layer, doc_w: int, doc_h: int, size: int = THUMB) -> QPixmap:
    """A small premultiplied picture of the layer over a checkerboard."""
    scale = min(size / doc_w, size / doc_h)
    tw, th = max(1, round(doc_w * scale)), max(1, round(doc_h * scale))
    # sample a few rows (3 per thumbnail row) at full width, then area-average: cheap on big documents
    rows = np.unique(np.linspace(0, doc_h - 1, min(doc_h, th * 3)).round().astype(int))
    if type(layer) is RasterLayer:
        small = _raster_rows(layer, rows, doc_w)
    else:
        lines = []
        for y in rows:
            px = render_u8(layer, Rect(0, int(y), doc_w, 1))
            lines.append(np.zeros((1, doc_w, 4), np.uint8) if px is None else px)
        small = np.concatenate(lines, axis=0)
    img = cv2.resize(small, (tw, th), interpolation=cv2.INTER_AREA)
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    ox, oy = (size - tw) // 2, (size - th) // 2
    for yy in range(0, th, 5):
        for xx in range(0, tw, 5):
            c = 210 if (xx // 5 + yy // 5) % 2 else 160
            p.fillRect(ox + xx, oy + yy, min(5, tw - xx), min(5, th - yy), QColor(c, c, c))
    qimg = QImage(np.ascontiguousarray(img).data, tw, th, tw * 4, QImage.Format.Format_RGBA8888_Premultiplied)
    p.drawImage(ox, oy, qimg)
    p.setPen(QColor(90, 90, 90))
    p.drawRect(ox, oy, tw - 1, th - 1)
    p.end()
    return pm


class LayerTree(QTreeWidget):
    """Drag and drop reorders through a MoveLayerCommand instead of moving items itself."""

    # layer id, target id ("" = root), position: -1 above, 0 on, 1 below, 2 empty area
    drop_requested = Signal(str, str, int)

    def dropEvent(self, event: QDropEvent) -> None:
        src = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if src is None:
            return
        pos = self.dropIndicatorPosition()
        where = {QAbstractItemView.DropIndicatorPosition.AboveItem: -1,
                 QAbstractItemView.DropIndicatorPosition.OnItem: 0,
                 QAbstractItemView.DropIndicatorPosition.BelowItem: 1}.get(pos, 2)
        tid = target.data(0, LAYER_ID) if target is not None and where != 2 else ""
        self.drop_requested.emit(src.data(0, LAYER_ID), tid, where)


class LayersPanel(SessionObserver, QWidget):
    message = Signal(str)

    def __init__(self, session: DocumentSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session: DocumentSession | None = None
        self._syncing = False
        self._items: dict[str, QTreeWidgetItem] = {}
        self._stale_thumbs: set[str] = set()

        self.tree = LayerTree()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setIndentation(14)
        self.tree.setMinimumHeight(5 * (THUMB + 8))  # at least five rows, never the two it used to get
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity_label = QLabel("100%")
        self.opacity_label.setMinimumWidth(36)
        self.blend = QComboBox()
        blend_combo.fill(self.blend)
        self.lock = QCheckBox("Lock")
        self.pass_through = QCheckBox("Pass-through")
        self.pass_through.setToolTip("Composite the group's layers straight onto the layers below it "
                                     "(Krita's pass-through; OpenRaster isolation “auto”) instead of on "
                                     "their own")

        style = self.style()
        self.buttons: dict[str, QToolButton] = {}

        def button(key: str, text: str, tip: str, icon: QStyle.StandardPixmap | None = None) -> QToolButton:
            b = QToolButton(text=text, toolTip=tip)
            if icon is not None:
                b.setIcon(style.standardIcon(icon))
            self.buttons[key] = b
            return b

        row1 = QHBoxLayout()
        row1.addWidget(QLabel("Opacity"))
        row1.addWidget(self.opacity, 1)
        row1.addWidget(self.opacity_label)
        row2 = QHBoxLayout()
        row2.addWidget(self.blend, 1)
        row2.addWidget(self.lock)
        row2.addWidget(self.pass_through)
        row3 = QHBoxLayout()
        for key, text, tip, icon in [
                ("add", "+", "New layer", QStyle.StandardPixmap.SP_FileIcon),
                ("group", "Group", "New group", QStyle.StandardPixmap.SP_DirIcon),
                ("duplicate", "Dup", "Duplicate layer", None),
                ("delete", "−", "Delete layer", QStyle.StandardPixmap.SP_TrashIcon),
                ("merge", "Merge", "Merge down", None),
                ("up", "↑", "Move layer up", QStyle.StandardPixmap.SP_ArrowUp),
                ("down", "↓", "Move layer down", QStyle.StandardPixmap.SP_ArrowDown)]:
            row3.addWidget(button(key, text, tip, icon))
        row3.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(row1)
        lay.addLayout(row2)
        lay.addWidget(self.tree, 1)
        lay.addLayout(row3)

        self._thumb_timer = QTimer(self, singleShot=True, interval=400)
        self._thumb_timer.timeout.connect(self._refresh_thumbs)

        self.tree.currentItemChanged.connect(self._current_changed)
        self._in_item_signal = False
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.drop_requested.connect(self._drop)
        self.opacity.valueChanged.connect(self._opacity_changed)
        self._opacity_gesture: int | None = None
        self.opacity.sliderPressed.connect(self._opacity_pressed)
        self.blend.activated.connect(self._blend_changed)
        self.lock.toggled.connect(self._lock_changed)
        self.pass_through.toggled.connect(self._pass_through_changed)
        self.buttons["add"].clicked.connect(lambda: layer_ops.add_layer(self.session))
        self.buttons["group"].clicked.connect(lambda: layer_ops.add_group(self.session))
        self.buttons["duplicate"].clicked.connect(lambda: self._run(layer_ops.duplicate_layer))
        self.buttons["delete"].clicked.connect(lambda: self._run(layer_ops.delete_layer))
        self.buttons["merge"].clicked.connect(lambda: self._run(layer_ops.merge_down))
        self.buttons["up"].clicked.connect(lambda: self._run(lambda s: layer_ops.raise_layer(s, 1)))
        self.buttons["down"].clicked.connect(lambda: self._run(lambda s: layer_ops.raise_layer(s, -1)))
        self.set_session(session)

    def set_session(self, session: DocumentSession) -> None:
        self.observe(session)
        self._stale_thumbs = {layer.id for layer in session.doc.layers()}
        self.rebuild()
        self._thumb_timer.start()

    def _run(self, op: object) -> None:
        err = op(self.session)  # type: ignore[operator]
        if err:
            self.message.emit(err)

    # -- document → widgets ------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        if change.kind == "pixels":
            layer = change.layer
            while layer is not None:
                self._stale_thumbs.add(layer.id)
                layer = layer.parent
            self._thumb_timer.start()  # (re)start: thumbnails update once the stroke pauses
        elif change.kind in ("structure", "active", "size"):
            if change.layer is not None:
                self._stale_thumbs.add(change.layer.id)
            if change.kind == "size":
                self._stale_thumbs = {layer.id for layer in self.session.doc.layers()}
            self._rebuild_now_or_soon()
        elif change.kind == "properties":
            self._rebuild_now_or_soon()

    def _rebuild_now_or_soon(self) -> None:
        """Rebuild the list, but never from inside a signal of one of its own items: clearing the tree
        there deletes the item Qt is still using (a crash)."""
        if self._in_item_signal:
            QTimer.singleShot(0, self.rebuild)
        else:
            self.rebuild()

    def rebuild(self) -> None:
        doc = self.session.doc
        self._syncing = True
        try:
            old_thumbs = {lid: item.icon(0) for lid, item in self._items.items()}
            self.tree.clear()
            self._items = {}

            def add(group: GroupLayer, parent_item: QTreeWidgetItem | None) -> None:
                for layer in reversed(group.children):
                    item = QTreeWidgetItem([layer.name])
                    item.setData(0, LAYER_ID, layer.id)
                    flags = ITEM_FLAGS
                    if isinstance(layer, GroupLayer):
                        flags |= Qt.ItemFlag.ItemIsDropEnabled
                    item.setFlags(flags)
                    item.setCheckState(0, Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
                    mode = resolve_mode(layer.blend_mode).label
                    if isinstance(layer, GroupLayer) and not layer.isolated:
                        mode = "pass-through"
                    tip = f"{layer.name} — {mode}, {round(layer.opacity * 100)}%"
                    if layer.locked:
                        tip += ", locked"
                        item.setText(0, f"{layer.name}  🔒")
                    item.setToolTip(0, tip)
                    if layer.id in old_thumbs and layer.id not in self._stale_thumbs:
                        item.setIcon(0, old_thumbs[layer.id])
                    else:
                        self._stale_thumbs.add(layer.id)
                    if parent_item is None:
                        self.tree.addTopLevelItem(item)
                    else:
                        parent_item.addChild(item)
                    self._items[layer.id] = item
                    if isinstance(layer, GroupLayer):
                        add(layer, item)
                        item.setExpanded(True)

            add(doc.root, None)
            active = doc.active_layer
            if active is not None and active.id in self._items:
                self.tree.setCurrentItem(self._items[active.id])
            self._sync_controls()
        finally:
            self._syncing = False
        if self._stale_thumbs and not self._thumb_timer.isActive():
            self._thumb_timer.start()

    def _sync_controls(self) -> None:
        layer = self.session.doc.active_layer
        enabled = layer is not None
        for w in (self.opacity, self.blend, self.lock):
            w.setEnabled(enabled)
        is_group = isinstance(layer, GroupLayer)
        self.pass_through.setVisible(is_group)
        if layer is None:
            return
        was = self._syncing
        self._syncing = True
        if not self.opacity.isSliderDown():
            self.opacity.setValue(round(layer.opacity * 100))
        self.opacity_label.setText(f"{round(layer.opacity * 100)}%")
        blend_combo.select(self.blend, layer.blend_mode)
        self.lock.setChecked(layer.locked)
        if isinstance(layer, GroupLayer):
            self.pass_through.setChecked(not layer.isolated)
            self.blend.setEnabled(layer.isolated)  # a pass-through group has no blend mode of its own
        self._syncing = was

    def _refresh_thumbs(self) -> None:
        doc = self.session.doc
        self._syncing = True
        try:
            for lid in list(self._stale_thumbs):
                item = self._items.get(lid)
                layer = doc.find(lid)
                if item is None or layer is None:
                    continue
                item.setIcon(0, QIcon(layer_thumbnail(layer, doc.width, doc.height)))
        finally:
            self._syncing = False
        self._stale_thumbs.clear()

    # -- widgets → commands ------------------------------------------------------------------------
    def _layer_of(self, item: QTreeWidgetItem | None) -> Layer | None:
        return None if item is None else self.session.doc.find(item.data(0, LAYER_ID))

    def _current_changed(self, item: QTreeWidgetItem | None, _prev: object) -> None:
        if self._syncing:
            return
        layer = self._layer_of(item)
        if layer is not None:
            self.session.doc.set_active(layer)
            self._sync_controls()

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._syncing:
            return
        layer = self._layer_of(item)
        if layer is None:
            return
        visible = item.checkState(0) == Qt.CheckState.Checked
        name = item.text(0).replace("  🔒", "").strip()
        self._in_item_signal = True
        try:
            if visible != layer.visible:
                layer_ops.set_props(self.session, layer, visible=visible)
            elif name and name != layer.name:
                layer_ops.set_props(self.session, layer, name=name)
        finally:
            self._in_item_signal = False
        if item.text(0) != layer.name and not layer.locked:
            QTimer.singleShot(0, self.rebuild)  # an empty name: show the old one again

    def _opacity_changed(self, value: int) -> None:
        self.opacity_label.setText(f"{value}%")
        layer = self.session.doc.active_layer
        if self._syncing or layer is None:
            return
        gesture = self._opacity_gesture if self.opacity.isSliderDown() else None
        layer_ops.set_props(self.session, layer, gesture=gesture, opacity=value / 100.0)

    def _opacity_pressed(self) -> None:
        self._opacity_gesture = new_gesture()  # one drag of the slider = one history entry

    def _blend_changed(self, _index: int) -> None:
        layer = self.session.doc.active_layer
        if layer is not None and not self._syncing:
            layer_ops.set_props(self.session, layer, blend_mode=self.blend.currentData())

    def _pass_through_changed(self, on: bool) -> None:
        layer = self.session.doc.active_layer
        if isinstance(layer, GroupLayer) and not self._syncing and layer.isolated == on:
            layer_ops.set_props(self.session, layer, isolated=not on)
            self._sync_controls()

    def _lock_changed(self, on: bool) -> None:
        layer = self.session.doc.active_layer
        if layer is not None and not self._syncing:
            layer_ops.set_props(self.session, layer, locked=on)

    def _drop(self, layer_id: str, target_id: str, where: int) -> None:
        doc = self.session.doc
        layer = doc.find(layer_id)
        if layer is None:
            return
        target = doc.find(target_id) if target_id else None
        if target is None or where == 2:
            parent, index = doc.root, len(doc.root.children)
        elif where == 0 and isinstance(target, GroupLayer):
            parent, index = target, len(target.children)
        else:
            assert target.parent is not None
            parent = target.parent
            index = target.index_in_parent() + (1 if where <= 0 else 0)  # the list shows the top first
        if layer.parent is parent and layer.index_in_parent() < index:
            index -= 1
        if target is not None and isinstance(layer, GroupLayer) and parent._is_ancestor_or_self(layer):
            self.message.emit("Cannot move a group into itself")
            return
        err = layer_ops.move_layer(self.session, layer, parent, index)
        if err:
            self.message.emit(err)
        self.rebuild()
