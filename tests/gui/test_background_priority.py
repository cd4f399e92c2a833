"""Background workers (prefetch, thumbnails, saves, autosave) run at a lower CPU priority on Linux."""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from paintgan.gui.background import BACKGROUND_NICE, lower_priority

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")


def thread_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux_only
def test_lowers_only_the_calling_thread() -> None:
    before = thread_nice()

    def work() -> tuple[bool, int]:
        return lower_priority(), thread_nice()

    with ThreadPoolExecutor(1) as pool:
        lowered, nice = pool.submit(work).result()
    assert lowered
    assert nice == max(before, BACKGROUND_NICE)
    assert thread_nice() == before  # the calling (GUI) thread keeps its priority


@linux_only
def test_never_raises_priority_back() -> None:
    def work() -> tuple[int, int]:
        lower_priority(15)
        first = thread_nice()
        lower_priority(5)  # asking for less must not raise the priority again (and needs no privilege)
        return first, thread_nice()

    with ThreadPoolExecutor(1) as pool:
        first, second = pool.submit(work).result()
    assert first >= 15 and second == first


@linux_only
def test_prefetcher_worker_runs_lowered(tmp_path, monkeypatch) -> None:
    import cv2
    import numpy as np

    from paintgan.gui.annotate import loader

    seen: list[int] = []
    real = loader.load_item

    def spy(path, json_path):  # type: ignore[no-untyped-def]
        seen.append(thread_nice())
        return real(path, json_path)

    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    monkeypatch.setattr(loader, "load_item", spy)
    pf = loader.Prefetcher()
    try:
        item = pf.get(tmp_path / "a.png", tmp_path / "a.json")
    finally:
        pf.shutdown()
    assert item.error is None and item.rgb is not None and item.rgb.shape == (8, 8, 3)
    assert seen and seen[0] >= BACKGROUND_NICE
