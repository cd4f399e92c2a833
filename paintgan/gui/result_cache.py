"""`ResultCache`: a small LRU of model results (an array or a tuple of arrays) keyed by the state that
produced them, so undo brings an earlier result back at once. Qt-free; used by the colorize and GANPaint
controllers."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

Value = Any  # np.ndarray or a tuple of np.ndarray


def _nbytes(value: Value) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    return sum(int(v.nbytes) for v in value)


class ResultCache:
    """LRU bounded by `max_items` and, unless None, by `max_bytes` (a value larger than that is not kept)."""

    def __init__(self, max_bytes: int | None = 400 * 1024 * 1024, max_items: int = 24) -> None:
        self.max_bytes = max_bytes
        self.max_items = max_items
        self._items: collections.OrderedDict[tuple[Any, ...], Value] = collections.OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[Any, ...]) -> Value | None:
        v = self._items.get(key)
        if v is not None:
            self._items.move_to_end(key)
        return v

    def put(self, key: tuple[Any, ...], value: Value) -> None:
        size = _nbytes(value)
        if self.max_bytes is not None and size > self.max_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= _nbytes(old)
        self._items[key] = value
        self._bytes += size
        while self._items and (len(self._items) > self.max_items
                               or (self.max_bytes is not None and self._bytes > self.max_bytes)):
            _k, v = self._items.popitem(last=False)
            self._bytes -= _nbytes(v)

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)
