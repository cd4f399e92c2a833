"""The dataset dock: the folder's images with their status (unlabelled / labelled / edited / invalid with
the reason, shape count), filters by name and by label, previous/next buttons.

The model is lazy: a row's status (its LabelMe JSON, read and cached by `io.dataset`) is asked only when
the view paints that row, so a 10,000-image folder lists instantly. Thumbnails likewise: only painted rows
ask for one (DecorationRole), decoded on a worker thread by `thumbs.ThumbnailCache` (toggle: the
"Thumbnails" box).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from paintgan.gui.annotate.thumbs import ThumbnailCache

ANY_LABEL = "(any label)"
STATE_COLORS = {"unlabelled": QColor(140, 140, 140), "labelled": QColor(40, 150, 60),
                "edited": QColor(40, 110, 210), "invalid": QColor(210, 60, 50), "failed": QColor(210, 60, 50)}
Index = QModelIndex | QPersistentModelIndex


class FileListModel(QAbstractTableModel):
    """Rows: the filtered image indices of a `DatasetFolder`; columns: name, status, shapes."""

    HEADERS = ("Image", "Status", "Shapes")

    def __init__(self, failed: Callable[[int], str | None] | None = None) -> None:
        super().__init__()
        self.dataset: Any = None
        self.rows: list[int] = []
        self.current: int | None = None
        self._failed = failed or (lambda i: None)
        self.thumbs: ThumbnailCache | None = None  # None: no thumbnails shown

    def set_dataset(self, dataset: Any, rows: list[int] | None = None) -> None:
        self.beginResetModel()
        self.dataset = dataset
        self.rows = list(range(len(dataset))) if rows is None and dataset is not None else list(rows or [])
        self.endResetModel()

    def set_rows(self, rows: list[int]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, index: int) -> int | None:
        try:
            return self.rows.index(index)
        except ValueError:
            return None

    def refresh(self, index: int) -> None:
        row = self.row_of(index)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 2))

    def refresh_thumbnail(self, index: int) -> None:
        row = self.row_of(index)
        if row is not None:
            cell = self.index(row, 0)
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def set_current(self, index: int | None) -> None:
        old, self.current = self.current, index
        for i in (old, index):
            if i is not None:
                self.refresh(i)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
                   ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def state(self, i: int) -> tuple[str, int, str | None]:
        """(state, shapes, reason) of image i."""
        failed = self._failed(i)
        if failed:
            return "failed", 0, failed
        row_status = self.dataset.status(i)
        return row_status.state, int(row_status.shapes), row_status.error

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.dataset is None:
            return None
        i = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return self.dataset.name(i)
            state, shapes, _why = self.state(i)
            if col == 1:
                return {"failed": "cannot open"}.get(state, state)
            return str(shapes) if state in ("labelled", "edited") else ""
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and self.thumbs is not None:
            return self.thumbs.get(i)  # None while it decodes (queued) and for unreadable images
        if role == Qt.ItemDataRole.ToolTipRole:
            state, shapes, why = self.state(i)
            return f"{self.dataset.name(i)}: {state}" + (f" — {why}" if why else f", {shapes} shapes")
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(STATE_COLORS.get(self.state(i)[0], QColor(0, 0, 0)))
        if role == Qt.ItemDataRole.FontRole and i == self.current:
            from PySide6.QtGui import QFont

            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.UserRole:
            return i
        return None


class FileListPanel(QWidget):
    """Filters, the file table and previous/next buttons. `activated(index)` asks to show an image."""

    activated = Signal(int)
    prev_requested = Signal()
    next_requested = Signal()

    def __init__(self, failed: Callable[[int], str | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FileListModel(failed)
        self.thumbs = ThumbnailCache(parent=self)
        self.thumbs.ready.connect(self.model.refresh_thumbnail)
        self.show_thumbs = QCheckBox("Thumbnails")
        self.show_thumbs.setToolTip("A small preview per row, decoded in the background for the rows shown")
        self.show_thumbs.setChecked(True)
        self.name_filter = QLineEdit()
        self.name_filter.setPlaceholderText("Filter by name")
        self.name_filter.setClearButtonEnabled(True)
        self.label_filter = QComboBox()
        self.label_filter.addItem(ANY_LABEL)
        self.label_filter.setToolTip("Only images with this label (reads the folder's LabelMe files)")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        self.summary = QLabel("No folder open: File ▸ Open Folder for Annotation…")
        self.summary.setWordWrap(True)
        prev_b, next_b = QPushButton("◀ Prev (A)"), QPushButton("Next (D) ▶")
        prev_b.clicked.connect(self.prev_requested)
        next_b.clicked.connect(self.next_requested)
        filters = QHBoxLayout()
        filters.addWidget(self.name_filter, 2)
        filters.addWidget(self.label_filter, 1)
        nav = QHBoxLayout()
        nav.addWidget(prev_b)
        nav.addWidget(next_b)
        nav.addWidget(self.show_thumbs)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addLayout(nav)
        lay.addWidget(self.summary)
        self._filter_timer = QTimer(self, singleShot=True, interval=150)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.name_filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.label_filter.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.show_thumbs.toggled.connect(self.set_thumbnails)
        self.set_thumbnails(True)

    def set_thumbnails(self, on: bool) -> None:
        """Show or hide the row thumbnails (rows are taller with them)."""
        size = self.thumbs.size
        self.model.beginResetModel()
        self.model.thumbs = self.thumbs if on else None
        self.model.endResetModel()
        self.table.setIconSize(QSize(size, size) if on else QSize(16, 16))
        self.table.verticalHeader().setDefaultSectionSize(size + 4 if on else 20)
        if self.model.current is not None:
            self.select(self.model.current)

    def set_dataset(self, dataset: Any) -> None:
        self.thumbs.set_images(list(dataset.images) if dataset is not None else [])
        self.model.set_dataset(dataset)
        self.update_summary()

    def set_labels(self, labels: list[str]) -> None:
        """The label filter's choices (keeps the current choice)."""
        cur = self.label_filter.currentText()
        have = [self.label_filter.itemText(i) for i in range(1, self.label_filter.count())]
        if have == labels:
            return
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem(ANY_LABEL)
        self.label_filter.addItems(labels)
        i = self.label_filter.findText(cur)
        self.label_filter.setCurrentIndex(max(0, i))
        self.label_filter.blockSignals(False)

    def apply_filter(self) -> None:
        ds = self.model.dataset
        if ds is None:
            return
        name = self.name_filter.text().strip()
        label = self.label_filter.currentText()
        label_arg = None if label == ANY_LABEL else label
        rows = ds.filter(name, label_arg) if (name or label_arg) else list(range(len(ds)))
        self.model.set_rows(rows)
        self.update_summary()
        if self.model.current is not None:
            self.select(self.model.current)

    def update_summary(self) -> None:
        ds = self.model.dataset
        if ds is None:
            return
        n, shown = len(ds), len(self.model.rows)
        text = f"{n} images" if shown == n else f"{shown} of {n} images shown"
        self.summary.setText(f"{text} in {getattr(ds, 'folder', '')}")

    def select(self, index: int) -> None:
        self.model.set_current(index)
        row = self.model.row_of(index)
        if row is None:
            self.table.clearSelection()
            return
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def _clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.activated.emit(self.model.rows[index.row()])
