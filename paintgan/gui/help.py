"""Help menu: Keyboard Shortcuts (a searchable table built from the window's actions at the moment it
opens, so it never goes stale) and About (versions of PaintGAN, Qt/PySide6, ONNX Runtime, NumPy and
OpenCV, the models found and the device the models run on)."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(action, shortcuts, menu) for every action of the window that has a shortcut, sorted by menu."""
    where: dict[int, str] = {}
    bar = getattr(window, "menuBar", None)
    if bar is not None:
        def walk(menu, path: str) -> None:  # type: ignore[no-untyped-def]
            for act in menu.actions():
                sub = act.menu()
                if sub is not None:
                    label = act.text().replace("&", "")
                    walk(sub, f"{path} ▸ {label}" if path else label)
                else:
                    where.setdefault(id(act), path)
        for top in bar().actions():
            if top.menu() is not None:
                walk(top.menu(), top.text().replace("&", ""))
    rows = []
    seen: set[tuple[str, str]] = set()
    for act in window.findChildren(QAction):
        native = QKeySequence.SequenceFormat.NativeText
        keys = [k.toString(native) for k in act.shortcuts() if not k.isEmpty()]
        if not keys or act.isSeparator():
            continue
        name = act.text().replace("&", "").split("\t")[0].rstrip("…")
        row = (name, ", ".join(keys))
        if row in seen:
            continue
        seen.add(row)
        rows.append((name, row[1], where.get(id(act), "Tools" if act.isCheckable() else "")))
    return sorted(rows, key=lambda r: (r[2], r[0]))


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(560, 600)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search actions or keys…")
        self.search.setClearButtonEnabled(True)
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Action", "Shortcut", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.search.textChanged.connect(self._filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.search)
        lay.addWidget(self.table)
        lay.addWidget(buttons)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.table.rowCount()):
            line = " ".join(self.table.item(i, j).text().lower() for j in range(3))
            self.table.setRowHidden(i, not all(w in line for w in words))

    def visible_actions(self) -> list[str]:
        rows = range(self.table.rowCount())
        return [self.table.item(i, 0).text() for i in rows if not self.table.isRowHidden(i)]


def about_text() -> str:
    """Versions, models and device, as plain lines (also what the About box shows)."""
    import cv2
    import numpy as np
    import PySide6
    from PySide6.QtCore import qVersion

    import paintgan

    lines = [f"PaintGAN {getattr(paintgan, '__version__', '?')}",
             f"Python {platform.python_version()} on {platform.system()} {platform.machine()}",
             f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
             f"NumPy {np.__version__}, OpenCV {cv2.__version__}"]
    try:
        import onnxruntime as ort

        providers = ", ".join(ort.get_available_providers())
        lines.append(f"ONNX Runtime {ort.__version__} (providers: {providers})")
    except Exception as exc:  # the app runs without the models
        lines.append(f"ONNX Runtime: not available ({type(exc).__name__})")
    try:
        from paintgan.gui.status import describe_device

        lines.append(f"Device: {describe_device()}")
    except Exception:
        lines.append("Device: unknown")
    try:
        from paintgan.inference.registry import ModelRegistry

        models = ModelRegistry().list(verify=False)
        names = [f"{m.name} {m.version} ({m.task})" + ("" if m.ok else " — unusable") for m in models]
        lines.append("Models: " + (", ".join(names) or "none found"))
    except Exception as exc:
        lines.append(f"Models: cannot list ({type(exc).__name__})")
    return "\n".join(lines)


def install_help(window: MainWindow) -> dict[str, QAction]:
    menu = window.menuBar().addMenu("&Help")
    keys = QAction("&Keyboard Shortcuts…", window)
    keys.setShortcut(QKeySequence("Ctrl+F1"))
    keys.triggered.connect(lambda: ShortcutsDialog(window).exec())
    about = QAction("&About PaintGAN", window)
    about.triggered.connect(lambda: QMessageBox.about(window, "About PaintGAN", about_text()))
    for act in (keys, about):
        window.addAction(act)
        menu.addAction(act)
    menu.setObjectName("menu-help")
    return {"shortcuts": keys, "about": about}
