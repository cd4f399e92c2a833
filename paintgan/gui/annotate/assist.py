"""The click-to-polygon model as the annotation tools use it: loaded once, lazily (first use or a
background warm-up), called synchronously on the GUI thread.

Why synchronous: a box -> polygon on this 2-core CPU costs 15-25 ms end to end and a vertex refine a few
ms (the encoder features of the last image/box are cached by the predictor), so a worker-thread round trip
would only add latency and ordering problems; `bench/bench_annotate_gui.py` measures box release ->
polygon on screen. Loading (~0.3 s) happens on a worker thread when a folder opens, followed by one
dummy box on a blank image: ONNX Runtime's first run is ~10 ms slower than the next ones (measured
28 ms vs 17 ms on this CPU), so the first real box is as fast as the rest. Nothing per image is worth
prefetching: the model sees only the crop around a box, so there are no whole-image encoder features.

Qt-free on purpose (plain threading), so it can be tested without a GUI.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from paintgan.errors import PaintGANError, user_message


class ModelAssist:
    """Box / extreme points / corrective clicks / vertex drag -> polygon, or a reason why not."""

    def __init__(self, device: str = "auto") -> None:
        self.device = device
        self._predictor: Any = None
        self.error: str | None = None
        self._lock = threading.Lock()
        self.last_ms = 0.0
        self.warmed = False

    def warm_up(self) -> threading.Thread:
        """Load the model and run it once on a daemon thread (the first box is then as fast as the rest)."""
        t = threading.Thread(target=self._load_and_warm, name="paintgan-polygon-load", daemon=True)
        t.start()
        return t

    def _load_and_warm(self) -> None:
        """Load, then one dummy box, under the lock: a real box waits for it rather than racing it."""
        p = self.predictor()
        with self._lock:
            if p is None or self.warmed:
                return
            self.warmed = True
            with contextlib.suppress(Exception):  # best effort: a real box reports its own error
                p.predict(np.full((64, 64, 3), 128, np.uint8), (16.0, 16.0, 48.0, 48.0))

    def predictor(self) -> Any:
        """The loaded PolygonPredictor or None (then `error` says why)."""
        with self._lock:
            if self._predictor is None and self.error is None:
                try:
                    from paintgan.inference.segment import PolygonPredictor

                    self._predictor = PolygonPredictor.default(self.device)
                except PaintGANError as exc:
                    self.error = str(exc)
                except Exception as exc:  # a broken runtime must not take the annotator down
                    self.error = user_message(exc, "Click segmentation unavailable")
            return self._predictor

    @property
    def available(self) -> bool:
        return self.predictor() is not None

    @property
    def num_points(self) -> int:
        p = self.predictor()
        return int(p.num_points) if p is not None else 0

    def _timed(self, fn: Any, *args: Any, **kw: Any) -> np.ndarray | None:
        t0 = time.perf_counter()
        try:
            out = fn(*args, **kw)
        except (PaintGANError, ValueError) as exc:
            self.error = str(exc)
            return None
        self.last_ms = (time.perf_counter() - t0) * 1e3
        self.error = None
        return np.asarray(out, np.float64)

    def box(self, image: np.ndarray, box: Sequence[float]) -> np.ndarray | None:
        p = self.predictor()
        return None if p is None else self._timed(p.predict, image, tuple(box))

    def extreme(self, image: np.ndarray, points: Sequence[Sequence[float]]) -> np.ndarray | None:
        p = self.predictor()
        return None if p is None else self._timed(p.predict_extreme, image, np.asarray(points, np.float64))

    def clicks(self, image: np.ndarray, box: Sequence[float], positive: Sequence[Sequence[float]],
               negative: Sequence[Sequence[float]]) -> np.ndarray | None:
        """Re-predict the object in `box` with corrective clicks (positive inside, negative outside). Uses
        the predictor's `predict_clicks` when it has one; otherwise the box prediction."""
        p = self.predictor()
        if p is None:
            return None
        if hasattr(p, "predict_clicks"):
            return self._timed(p.predict_clicks, image, tuple(box), [tuple(q) for q in positive],
                               [tuple(q) for q in negative])
        return self._timed(p.predict, image, tuple(box))

    def can_refine(self, n_points: int) -> bool:
        """Whether the model can refine a polygon of `n_points` vertices: any polygon for a mask model,
        exactly its vertex count for a point (GCN) model."""
        p = self.predictor()
        if p is None:
            return False
        return getattr(p, "segmenter", None) is not None or n_points == p.num_points

    def refine(self, image: np.ndarray, box: Sequence[float], polygon: np.ndarray,
               fixed: Mapping[int, Sequence[float]], live: bool = False) -> np.ndarray | None:
        """Move the free vertices of a polygon around the `fixed` ones ({index: (x, y)}). `live`: a drag
        in progress (one model pass per mouse move; the release refines at full quality)."""
        if not self.can_refine(len(polygon)):
            return None
        return self._timed(self.predictor().refine, image, tuple(box), polygon, dict(fixed), live=live)
