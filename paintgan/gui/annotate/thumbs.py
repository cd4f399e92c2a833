"""Thumbnails on demand for the dataset file list.

The list model asks `ThumbnailCache.get(i)` only for rows the view paints (DecorationRole), so a
10,000-image folder decodes only what is on screen. A miss queues image i for one daemon worker thread
and returns None at once (the GUI thread never decodes); the worker takes the most recent request first
(the rows just scrolled to) and drops the oldest when more than `MAX_PENDING` wait, so flinging through the
list leaves no backlog. Decoding uses `io.images.load_thumbnail` (reduced JPEG decode, the pixel limit and
the reader's checks). Finished thumbnails come back through a queued signal, become QImages in a bounded
LRU, and `ready(i)` asks the model to repaint that row. An image that cannot be read gets no thumbnail
(its row already shows why) and is not retried until the folder is reopened.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

THUMB_SIZE = 48
MAX_CACHED = 1024  # 48 px RGBA: ~9 KiB each, ~9 MiB in all
MAX_PENDING = 96  # about three screens of rows


class ThumbnailCache(QObject):
    """`get(i)` -> QImage or None (queued); `ready(i)` when image i's thumbnail (or failure) is known."""

    ready = Signal(int)
    _decoded = Signal(int, int, object)  # generation, image index, RGBA array or None; from the worker

    def __init__(self, size: int = THUMB_SIZE, max_cached: int = MAX_CACHED, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self.size = size
        self.max_cached = max_cached
        self._images: list[Path] = []
        self._cache: OrderedDict[int, QImage] = OrderedDict()
        self._failed: set[int] = set()
        self._generation = 0
        self._cond = threading.Condition()
        self._pending: deque[int] = deque()
        self._queued: set[int] = set()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._decoded.connect(self._on_decoded)  # queued: emitted on the worker thread
        self.decoded_count = 0

    # -- GUI thread ----------------------------------------------------------------------------------
    def set_images(self, images: list[Path]) -> None:
        """A new folder: forget every thumbnail and drop the queue."""
        with self._cond:
            self._generation += 1
            self._images = list(images)
            self._pending.clear()
            self._queued.clear()
        self._cache.clear()
        self._failed.clear()

    def get(self, i: int) -> QImage | None:
        """Image i's thumbnail when decoded; else None, and it is queued (unless known to fail)."""
        img = self._cache.get(i)
        if img is not None:
            self._cache.move_to_end(i)
            return img
        if i in self._failed or not 0 <= i < len(self._images):
            return None
        with self._cond:
            if i in self._queued:
                self._pending.remove(i)
            else:
                self._queued.add(i)
            self._pending.append(i)  # newest last: taken first
            while len(self._pending) > MAX_PENDING:
                self._queued.discard(self._pending.popleft())
            self._cond.notify()
        self._ensure_thread()
        return None

    def failed(self, i: int) -> bool:
        return i in self._failed

    def _on_decoded(self, generation: int, i: int, rgba: Any) -> None:
        if generation != self._generation:
            return  # from a folder no longer open
        if rgba is None:
            self._failed.add(i)
        else:
            h, w = rgba.shape[:2]
            img = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
            self._cache[i] = img
            while len(self._cache) > self.max_cached:
                self._cache.popitem(last=False)
        self.ready.emit(i)

    def shutdown(self) -> None:
        with self._cond:
            self._stop = True
            self._pending.clear()
            self._queued.clear()
            self._cond.notify_all()
        t, self._thread = self._thread, None
        if t is not None:
            t.join(timeout=5)

    # -- worker thread -------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop = False
            self._thread = threading.Thread(target=self._work, name="paintgan-thumbnails", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        from paintgan.errors import PaintGANError
        from paintgan.gui.background import lower_priority
        from paintgan.io.images import load_thumbnail

        lower_priority()
        while True:
            with self._cond:
                while not self._pending and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                i = self._pending.pop()
                self._queued.discard(i)
                generation, path = self._generation, self._images[i]
            rgba: np.ndarray | None
            try:
                rgba = load_thumbnail(path, self.size)
            except PaintGANError:
                rgba = None
            except Exception:  # a decoder surprise must not stop the worker: no thumbnail for this one
                rgba = None
            self.decoded_count += 1
            try:
                self._decoded.emit(generation, i, rgba)
            except RuntimeError:  # the cache was deleted with its window
                return
