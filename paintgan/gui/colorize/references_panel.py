"""The "References" section of the Colorize panel and its menu actions (issue 15).

- a list of the session's colour references with thumbnails: Add Image… (any image file the app opens),
  Add Open Document… (the composited picture of another open document, e.g. a page already coloured),
  Remove;
- "Colour from References" (button, and Layer ▸ Colour from References): matches the page in the
  background, with a busy bar, then places the matched colours as one undoable hint change;
- "Show Matched Regions" (checkbox, and View ▸ Show Matched Regions): the overlay of the last match, and
  "N regions matched, M need a hint (hatched)" under it and in the status bar.

`install_references(window)` builds all of it into a main window: it adds the section to the Colorize
panel, the overlay to the canvas and the actions to the menus, and follows the shown document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from paintgan.errors import user_message
from paintgan.gui.colorize.match_overlay import MatchOverlay
from paintgan.gui.colorize.reference_controller import MatchOutcome, ReferenceController
from paintgan.gui.colorize.references import (
    THUMB_PX,
    ReferenceList,
    document_reference,
    load_reference,
    thumbnail,
)

if TYPE_CHECKING:
    from paintgan.core.colorize_layer import ColorizeLayer
    from paintgan.core.hints import PointHint
    from paintgan.gui.documents import OpenDocuments
    from paintgan.gui.main_window import MainWindow
    from paintgan.gui.session import DocumentSession

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"
ERROR_STYLE = "color: #b04020"
NOTE_STYLE = "color: #606060"


class ReferencesBox(QGroupBox):
    """The panel section; works on a `ReferenceController` and its `ReferenceList`."""

    def __init__(self, controller: ReferenceController, overlay: MatchOverlay,
                 documents: OpenDocuments | None = None, parent: QWidget | None = None) -> None:
        super().__init__("References", parent)
        self.controller = controller
        self.references: ReferenceList = controller.references
        self.overlay = overlay
        self.documents = documents
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(THUMB_PX + 16)
        self.list.setMaximumHeight(3 * (THUMB_PX + 8) + 8)
        self.list.setToolTip("Coloured pictures of the same characters and props; the page takes its "
                             "colours from the regions that match")
        self.add_image_btn = QPushButton("Add Image…")
        self.add_doc_btn = QPushButton("Add Open Document…")
        self.add_doc_btn.setToolTip("Use the picture of another open document (a page already coloured)")
        self.remove_btn = QPushButton("Remove")
        self.run_btn = QPushButton("Colour from References")
        self.run_btn.setToolTip("Match the page's regions to the references and place their colours as "
                                "hints (one undo step; your own hints win)")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the matcher reports no steps
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        self.show_matches = QCheckBox("Show matched regions")
        self.show_matches.setToolTip("Tint the matched regions with their reference colour; regions that "
                                     "need a hint are hatched red")
        self.show_matches.setChecked(overlay.visible)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(NOTE_STYLE)

        add_row = QHBoxLayout()  # two rows keep the dock narrow (the canvas keeps its width)
        add_row.addWidget(self.add_image_btn)
        add_row.addWidget(self.add_doc_btn)
        remove_row = QHBoxLayout()
        remove_row.addWidget(self.remove_btn)
        remove_row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.list)
        lay.addLayout(add_row)
        lay.addLayout(remove_row)
        lay.addWidget(self.run_btn)
        lay.addWidget(self.progress)
        lay.addWidget(self.show_matches)
        lay.addWidget(self.status)

        self.add_image_btn.clicked.connect(self.add_image_dialog)
        self.add_doc_btn.clicked.connect(self.add_document_dialog)
        self.remove_btn.clicked.connect(self.remove_selected)
        self.run_btn.clicked.connect(self.colour_from_references)
        self.show_matches.toggled.connect(self.set_show_matches)
        self.list.itemSelectionChanged.connect(self._sync_buttons)
        self.references.changed.connect(self._sync_list)
        controller.busy_changed.connect(self._busy)
        controller.note.connect(self._note)
        controller.outcome_changed.connect(self._outcome)
        self._sync_list()
        self._outcome(controller.outcome())

    # -- list ----------------------------------------------------------------------------------------
    def _sync_list(self) -> None:
        self.list.clear()
        for ref in self.references:
            item = QListWidgetItem(QIcon(thumbnail(ref.pixels)), ref.label)
            item.setToolTip(ref.origin)
            item.setData(Qt.ItemDataRole.UserRole, ref.id)
            self.list.addItem(item)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.remove_btn.setEnabled(bool(self.list.selectedItems()))
        busy = self.controller.matching
        self.run_btn.setEnabled(len(self.references) > 0 and not busy)
        self.run_btn.setText("Matching…" if busy else "Colour from References")

    def _note(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.status.setText(text)

    def _error(self, text: str) -> None:
        self._note(text, error=True)
        self.controller.message.emit(text)  # the status bar too

    def add_image(self, path: str) -> bool:
        """Add the image file at `path`; a one-line error (and nothing added) when it cannot be read."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # decoding an A4 page: ~0.5 s
        try:
            ref = load_reference(path)
            self.references.add(ref)
        except Exception as exc:  # PaintGANError names the file; anything else gets a plain sentence
            self._error(user_message(exc, f"Could not add {path} as a reference"))
            return False
        finally:
            QApplication.restoreOverrideCursor()
        self._note(f"Added {ref.name} ({ref.size[0]}×{ref.size[1]})")
        self.controller.check(ref)
        return True

    def add_image_dialog(self) -> None:
        paths, _f = QFileDialog.getOpenFileNames(self, "Add colour reference", "", IMAGE_FILTER)
        for path in paths:
            if not self.add_image(path):
                break

    def other_documents(self) -> list[DocumentSession]:
        if self.documents is None:
            return []
        shown = self.controller.session
        return [s for s in self.documents.all() if s is not shown]

    def add_document(self, session: DocumentSession) -> bool:
        """Add the composited picture of the open document `session`."""
        from paintgan.gui.documents import session_label

        name = session_label(session)
        try:
            ref = document_reference(name, session.doc.composite())
            self.references.add(ref)
        except Exception as exc:
            self._error(user_message(exc, f"Could not add {name} as a reference"))
            return False
        self._note(f"Added {name}")
        self.controller.check(ref)
        return True

    def add_document_dialog(self) -> None:
        from paintgan.gui.documents import session_label

        others = self.other_documents()
        if not others:
            self._error("No other document is open — open a coloured page first (File ▸ Open…)")
            return
        labels = [session_label(s) for s in others]
        label, ok = QInputDialog.getItem(self, "Add open document as reference", "Document:", labels, 0,
                                         False)
        if ok and label in labels:
            self.add_document(others[labels.index(label)])

    def remove_selected(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        for row in rows:
            self.references.remove(row)

    # -- matching ------------------------------------------------------------------------------------
    def colour_from_references(self) -> bool:
        self._note("")
        return self.controller.run()

    def set_show_matches(self, on: bool) -> None:
        if self.show_matches.isChecked() != bool(on):
            self.show_matches.setChecked(bool(on))  # comes back here through toggled
            return
        self.overlay.set_visible(bool(on))

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self._sync_buttons()

    def _outcome(self, outcome: MatchOutcome | None) -> None:
        self.show_matches.setEnabled(True)
        if outcome is not None:
            self.show_matches.setToolTip(outcome.summary())


class ReferencesFeature:
    """What `install_references` builds, kept on the window as `window.references`."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.list = ReferenceList(window)
        self.controller = ReferenceController(window.colorize, self.list, window.inference, window)
        self.controller.suggestions = self._memory_suggestions
        self.overlay = MatchOverlay(self.controller)
        self.overlay.attach(window.canvas)
        self.box = ReferencesBox(self.controller, self.overlay, window.documents)
        window.colorize_panel.add_section(self.box)
        self.controller.message.connect(window.show_message)
        self.run_action = QAction("Colour from &References", window)
        self.run_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.run_action.setToolTip("Colour from References (Ctrl+Shift+R)")
        self.run_action.triggered.connect(lambda _c=False: self.run())
        self.show_action = QAction("Show &Matched Regions", window, checkable=True)
        self.show_action.setChecked(self.overlay.visible)
        self.show_action.toggled.connect(self.box.set_show_matches)
        self.box.show_matches.toggled.connect(self.show_action.setChecked)
        for act in (self.run_action, self.show_action):
            window.addAction(act)
        self._add_to_menu("&Layer", self.run_action, after="&Colorize…")
        self._add_to_menu("&View", self.show_action, after="Show Colour &Hints")
        window.documents.changed.connect(self._follow)

    def _memory_suggestions(self, layer: ColorizeLayer) -> list[PointHint]:
        memory = getattr(self.window, "chapter_memory", None)  # installed after us, or not at all
        if memory is None:
            return []
        return list(memory.controller.suggestions_on(layer))

    def run(self) -> bool:
        dock = self.window.docks.get("colorize")
        if dock is not None:
            dock.show()
            dock.raise_()
        return self.box.colour_from_references()

    def _add_to_menu(self, title: str, action: QAction, after: str) -> None:
        for top in self.window.menuBar().actions():
            menu = top.menu()
            if top.text() != title or menu is None:
                continue
            acts = menu.actions()
            anchor = next((i for i, a in enumerate(acts) if a.text() == after), None)
            if anchor is not None and anchor + 1 < len(acts):
                menu.insertAction(acts[anchor + 1], action)
            else:
                menu.addAction(action)
            return

    def _follow(self) -> None:
        if self.controller.session is not self.window.session:
            self.controller.set_session(self.window.session)


def install_references(window: MainWindow) -> ReferencesFeature:
    """Build the references section, overlay and actions into `window` (after its menus exist)."""
    return ReferencesFeature(window)
