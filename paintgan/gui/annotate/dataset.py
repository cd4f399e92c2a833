"""Dataset mode: a folder of images shown one at a time, each as its own document (a locked image layer
and an annotation layer), saved as LabelMe JSON beside the image after every edit.

- Navigation follows the file list's filtered order; images that cannot be opened stay in the list with
  the reason and are skipped by next/previous.
- The next and previous images are prefetched (decoded and built into documents) on a worker thread.
- Autosave: every history change of the shown image schedules an atomic write (debounced to one write
  per burst, started before another image is shown, waited for on Ctrl+S, export and quit). The GUI
  thread takes a snapshot (shapes are immutable); a save thread encodes and writes it. The status is
  "edited" until it is written.
- A LabelMe file that is corrupt, from a newer labelme, or describes another image is never touched: the
  reason is shown, the image opens with no shapes, and the first save asks whether to start a new file
  (the old one is kept as NAME.json.bak).
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from paintgan.core.annotations import Shape
from paintgan.errors import PaintGANError
from paintgan.gui.annotate.backdrop import Backdrop
from paintgan.gui.annotate.loader import LoadedImage, Prefetcher
from paintgan.gui.background import lower_priority
from paintgan.gui.session import DocumentSession

if TYPE_CHECKING:
    from paintgan.gui.main_window import MainWindow

AUTOSAVE_MS = 250


def ask_overwrite(parent: QWidget, text: str) -> bool:
    """Ask before replacing a refused LabelMe file (tests replace this function)."""
    answer = QMessageBox.question(parent, "Annotation file", text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class DatasetController(QObject):
    shown = Signal(int)  # the image index now shown
    status_changed = Signal(int)  # an image's status may have changed (saved, failed)
    opened = Signal()  # a folder was opened
    message = Signal(str)
    _save_done = Signal(object)  # a finished write's Future, emitted on the save thread

    def __init__(self, window: MainWindow, order: Any = None) -> None:
        super().__init__(window)
        self.window = window
        self.dataset: Any = None
        self.index: int | None = None
        self.item: LoadedImage | None = None
        self.session: DocumentSession | None = None
        self.backdrop: Backdrop | None = None
        self.failed: dict[int, str] = {}
        self.prefetcher = Prefetcher()
        self.previous_shapes: tuple[Shape, ...] = ()
        self._order = order or (lambda: list(range(len(self.dataset))) if self.dataset is not None else [])
        self._saved_generation = -1
        self._saving_generation = -1
        self._saver = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="paintgan-annotate-save", initializer=lower_priority
        )
        self._save_future: Future[Any] | None = None
        self._save_done.connect(self._on_save_done)  # queued: emitted on the save thread
        # (image, layer, shape count) the file list last showed as "edited": a drag's many edits then
        # refresh its row once, not per mouse move; any other status signal forgets it
        self._edited_row: tuple[int, int, int] | None = None
        self.status_changed.connect(self._forget_edited_row)
        self._timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_now)
        self.last_show_ms = 0.0

    # -- folder ----------------------------------------------------------------------------------
    def open(self, folder: str | Path, output_dir: str | Path | None = None) -> bool:
        from paintgan.io.dataset import DatasetFolder

        self.flush()
        try:
            ds = DatasetFolder(folder, output_dir)
        except PaintGANError as exc:
            self.message.emit(str(exc))
            return False
        self.prefetcher.shutdown()
        self.prefetcher = Prefetcher()
        self.dataset = ds
        self.failed.clear()
        self.index = None
        self.opened.emit()
        if not len(ds):
            self.message.emit(f"No images in {ds.folder}")
            return True
        order = self._order()
        for i in order or range(len(ds)):
            if self.show(i):
                break
        return True

    def is_dataset_session(self, session: DocumentSession) -> bool:
        return session is self.session and session is not None

    # -- showing ---------------------------------------------------------------------------------
    def show(self, i: int) -> bool:
        """Show image i (waits for its prefetch when still loading). False when it cannot be opened."""
        ds = self.dataset
        if ds is None or not 0 <= i < len(ds):
            return False
        if i == self.index and self.session is self.window.session:
            return True
        t0 = time.perf_counter()
        self._timer.stop()
        if self.dirty():
            self.save_now()  # written on the save thread while the next image shows
        item = self.prefetcher.get(ds.images[i], ds.json_path(i))
        if item.error is not None or item.doc is None:
            self.failed[i] = item.error or "cannot open"
            self.status_changed.emit(i)
            self.message.emit(item.error or f"Cannot open {ds.name(i)}")
            return False
        self.failed.pop(i, None)
        if self.item is not None and self.item.layer is not None:
            self.previous_shapes = self.item.layer.shapes
        old = self.session
        session = DocumentSession(item.doc)
        self.session, self.item, self.index = session, item, i
        self.backdrop = Backdrop(item.doc.width, item.doc.height, item.levels)
        layer = item.layer
        self._saved_generation = layer.generation if layer is not None else -1
        docs = self.window.documents
        if old is not None and old is self.window.session:
            self.window.set_session(session)  # the previous image's document is closed
        else:
            if old is not None and docs.keeps(old):  # the previous image, parked: drop it
                docs.background.remove(old)
                old.close()
                old.deleteLater()
            docs.switch_to(session)  # a painting document stays open in the background
        session.stack_changed.connect(self._edited)
        self.window.canvas.fit()
        self.last_show_ms = (time.perf_counter() - t0) * 1e3
        self.shown.emit(i)
        if item.json_problem is not None:
            self.message.emit(f"{item.json_problem[1]} — kept untouched; it is replaced (old one kept as "
                              ".bak) only if you confirm at the first edit")
        self.prefetch_around(i)
        return True

    def prefetch_around(self, i: int) -> None:
        ds = self.dataset
        for j in (self.neighbour(i, 1), self.neighbour(i, -1)):
            if j is not None:
                self.prefetcher.request(ds.images[j], ds.json_path(j))

    def neighbour(self, i: int, step: int) -> int | None:
        """The next (step 1) or previous (-1) image in the list's order that is not known to fail."""
        order = self._order()
        if i not in order:
            order = sorted(set(order) | {i})
        k = order.index(i) + step
        while 0 <= k < len(order):
            if order[k] not in self.failed:
                return order[k]
            k += step
        return None

    def step(self, step: int) -> bool:
        """Show the next / previous image, skipping those that cannot be opened."""
        if self.dataset is None or self.index is None:
            return False
        i = self.index
        while True:
            j = self.neighbour(i, step)
            if j is None:
                self.message.emit("Last image" if step > 0 else "First image")
                return False
            if self.show(j):
                return True
            i = j

    # -- saving ----------------------------------------------------------------------------------
    def _edited(self) -> None:
        layer = self.item.layer if self.item is not None else None
        if layer is None or self.index is None or layer.generation == self._saved_generation:
            return
        self.dataset.mark_edited(self.index)
        row = (self.index, id(layer), len(layer))
        if row != self._edited_row:
            self.status_changed.emit(self.index)
            self._edited_row = row
        self._timer.start()

    def _forget_edited_row(self, _index: int) -> None:
        self._edited_row = None

    def dirty(self) -> bool:
        layer = self.item.layer if self.item is not None else None
        return layer is not None and layer.generation not in (self._saved_generation, self._saving_generation)

    def flush(self) -> bool:
        """Write pending edits now and wait for the write (before export, on Ctrl+S, on quit)."""
        self._timer.stop()
        ok = self.save_now(wait=True) if self.dirty() else True
        return self.wait_saved() and ok

    def wait_saved(self) -> bool:
        """Wait for the write in progress; False when it failed."""
        fut, self._save_future = self._save_future, None
        if fut is None:
            return True
        return self._finish_save(fut.result())

    def save_now(self, wait: bool = False) -> bool:
        """Write the shown image's LabelMe file (atomic), on the save thread: the shapes are immutable, so
        the GUI thread only takes a snapshot (JSON of 1,000 polygons takes ~0.7 s to encode). False when
        the user refused to replace a bad file (message said)."""
        from paintgan.io.labelme import backup_file, labelme_from_layer, write_labelme

        item, i, session = self.item, self.index, self.session
        if item is None or i is None or session is None or item.doc is None:
            return True
        layer = item.layer
        if layer is None:
            return True
        if item.json_problem is not None:
            reason = item.json_problem[1]
            if not ask_overwrite(self.window, f"{reason}\n\nStart a new annotation file for "
                                              f"{item.path.name}? The old file is kept as "
                                              f"{item.json_path.name}.bak."):
                self.message.emit(f"Not saved: {item.json_path.name} kept untouched ({reason})")
                return False
            if item.json_path.exists():
                try:
                    bak = backup_file(item.json_path)
                except PaintGANError as exc:
                    self.message.emit(str(exc))
                    return False
                self.message.emit(f"Kept the old file as {bak.name}")
            item.json_problem = None
        snapshot = labelme_from_layer(layer, item.json_path, item.path, (item.doc.height, item.doc.width))
        generation = layer.generation
        self._saving_generation = generation

        def write() -> tuple[int, int, Any, str | None]:
            try:
                write_labelme(item.json_path, snapshot)
            except (PaintGANError, OSError) as exc:
                return i, generation, session, f"Cannot save {item.json_path.name}: {exc}"
            return i, generation, session, None

        previous = self._save_future
        if previous is not None:  # one writer thread keeps the writes in order; apply the older result
            self._save_future = None
            self._finish_save(previous.result())
        fut = self._saver.submit(write)
        self._save_future = fut
        if wait:
            return self.wait_saved()
        fut.add_done_callback(lambda f: self._save_done.emit(f))
        return True

    def _on_save_done(self, fut: Any) -> None:
        if fut is self._save_future:
            self._save_future = None
            self._finish_save(fut.result())

    def _finish_save(self, result: tuple[int, int, Any, str | None]) -> bool:
        i, generation, session, error = result
        if self._saving_generation == generation:
            self._saving_generation = -1
        if error is not None:
            self.message.emit(error)
            return False
        if session is not self.session:  # another image is shown by now: only its status changes
            if self.dataset is not None and 0 <= i < len(self.dataset):
                self.dataset.mark_edited(i, False)
                self.dataset.invalidate(i)
                self.status_changed.emit(i)
            return True
        layer = self.item.layer if self.item is not None else None
        self._saved_generation = generation
        if layer is not None and layer.generation == generation:
            self.dataset.mark_edited(i, False)
            session.stack.set_clean()
        self.dataset.invalidate(i)
        self.status_changed.emit(i)
        return True

    # -- helpers for the mode ----------------------------------------------------------------------
    def image(self) -> Any:
        """RGB pixels of the shown dataset image, or None when another document is shown."""
        if self.item is not None and self.session is self.window.session:
            return self.item.rgb
        return None

    def read_previous_shapes(self) -> tuple[Shape, ...]:
        """The shapes of the image shown before this one, or else of the previous image in the list."""
        if self.previous_shapes:
            return self.previous_shapes
        if self.dataset is None or self.index is None:
            return ()
        j = self.neighbour(self.index, -1)
        if j is None:
            return ()
        from paintgan.io.labelme import load_annotation_layer

        with contextlib.suppress(PaintGANError, OSError):
            return load_annotation_layer(self.dataset.json_path(j), self.dataset.images[j]).shapes
        return ()

    def shutdown(self) -> None:
        self.flush()
        self.prefetcher.shutdown()
