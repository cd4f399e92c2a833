"""Loading a dataset image off the GUI thread: decode, build the document (a locked image layer and the
annotation layer read from its LabelMe JSON) and the zoomed-out pyramid, on one worker thread.

The dataset controller asks for the shown image and prefetches the next (and previous) one, so pressing
D shows an already built document. Qt-free: a `concurrent.futures` worker and plain data.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paintgan.core.annotations import AnnotationLayer
from paintgan.core.document import Document
from paintgan.core.layers import RasterLayer
from paintgan.errors import PaintGANError, user_message
from paintgan.gui.annotate.backdrop import build_levels
from paintgan.gui.background import lower_priority


@dataclass
class LoadedImage:
    """One dataset image ready to show. `error`: the image could not be read (then `doc` is None).
    `json_problem`: (reason, message) when the existing LabelMe file was kept untouched (corrupt, newer
    version, another image's); the layer then starts empty and nothing is saved until the user agrees."""

    path: Path
    json_path: Path
    doc: Document | None = None
    rgb: np.ndarray | None = None  # (H, W, 3) view of the image layer's pixels for the model
    levels: list[np.ndarray] = field(default_factory=list)
    error: str | None = None
    json_problem: tuple[str, str] | None = None
    load_ms: float = 0.0

    @property
    def layer(self) -> AnnotationLayer | None:
        if self.doc is None:
            return None
        from paintgan.core.annotations import annotation_layers

        layers = annotation_layers(self.doc)
        return layers[-1] if layers else None


def load_item(path: Path, json_path: Path) -> LoadedImage:
    """Build everything the GUI needs for one image (runs on the worker thread)."""
    from paintgan.io.images import load_image
    from paintgan.io.labelme import LabelMeError, load_annotation_layer

    t0 = time.perf_counter()
    out = LoadedImage(path, json_path)
    try:
        img = load_image(path)
    except PaintGANError as exc:
        out.error = str(exc)
        return out
    except Exception as exc:  # any decoder failure stays in the list as a reason
        out.error = user_message(exc, f"Cannot open {path.name}")
        return out
    h, w = img.pixels.shape[:2]
    doc = Document(w, h)
    image_layer = RasterLayer.from_pixels(path.stem or "Image", img.pixels)
    image_layer.locked = True
    doc.root.insert(0, image_layer)
    layer: AnnotationLayer | None = None
    if json_path.exists():
        try:
            layer = load_annotation_layer(json_path, path, image_size=(h, w))
        except LabelMeError as exc:
            out.json_problem = (getattr(exc, "reason", "corrupt"), str(exc))
        except (PaintGANError, OSError, ValueError) as exc:
            out.json_problem = ("corrupt", str(exc))
    if layer is None:
        layer = AnnotationLayer()
    doc.root.insert(1, layer)
    doc.active_layer = layer
    out.doc = doc
    out.rgb = img.pixels[..., :3]
    out.levels = build_levels(np.ascontiguousarray(out.rgb))
    out.load_ms = (time.perf_counter() - t0) * 1e3
    return out


class Prefetcher:
    """Loads items on one worker thread and keeps the last few (LRU) by image path."""

    def __init__(self, capacity: int = 3) -> None:
        self.capacity = capacity
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="paintgan-annotate-load", initializer=lower_priority
        )
        self._items: OrderedDict[Path, Future[LoadedImage]] = OrderedDict()
        self._lock = threading.Lock()
        self.closed = False

    def request(self, path: Path, json_path: Path) -> Future[LoadedImage]:
        with self._lock:
            fut = self._items.get(path)
            if fut is None:
                if self.closed:
                    fut = Future()
                    fut.set_result(load_item(path, json_path))
                else:
                    fut = self._pool.submit(load_item, path, json_path)
                self._items[path] = fut
            self._items.move_to_end(path)
            while len(self._items) > self.capacity:
                old_path, old = next(iter(self._items.items()))
                old.cancel()
                del self._items[old_path]
            return fut

    def get(self, path: Path, json_path: Path, timeout: float | None = 60.0) -> LoadedImage:
        """The loaded item (waits for the worker when it is still loading)."""
        return self.request(path, json_path).result(timeout)

    def forget(self, path: Path) -> None:
        """Drop a cached item (its JSON changed on disk, or its document was shown and edited)."""
        with self._lock:
            fut = self._items.pop(path, None)
        if fut is not None:
            fut.cancel()

    def is_ready(self, path: Path) -> bool:
        fut = self._items.get(path)
        return fut is not None and fut.done()

    def shutdown(self) -> None:
        self.closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
