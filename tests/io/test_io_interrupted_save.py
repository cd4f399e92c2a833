"""Interrupted saves: a process killed (SIGKILL) at random moments while saving an .ora over an existing
file. After every kill the file opens (as the old or the new version) and, once the killed save's temporary
file is stale, the next save leaves no temporary file behind. `bench/bench_interrupted_save.py` runs the
same loop 100 times and prints the counts."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from paintgan.core.document import Document
from paintgan.core.layers import RasterLayer
from paintgan.io.atomic import STALE_AFTER_S, is_temp_name
from paintgan.io.ora import load_ora, save_ora

_HAS_FORK = sys.platform != "win32" and "fork" in multiprocessing.get_all_start_methods()
pytestmark = pytest.mark.skipif(not _HAS_FORK, reason="needs fork and SIGKILL")


def make_doc(size: int = 256, layers: int = 3) -> Document:
    rng = np.random.default_rng(0)
    doc = Document.new(size, size)
    for i in range(layers):  # noise: slow to compress, so the kill often lands inside the save
        noise = rng.integers(0, 256, (size, size, 4), np.uint8)
        doc.root.insert(len(doc.root.children), RasterLayer.from_pixels(f"noise {i}", noise))
    return doc


def _save_forever(doc: Document, target: str, ready: multiprocessing.synchronize.Event) -> None:
    ready.set()
    version = 0
    while True:
        version += 1
        doc.metadata["version"] = version
        save_ora(doc, target)


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if is_temp_name(p.name)]


def kill_during_saves(folder: Path, kills: int, seed: int = 0, max_delay: float = 0.3) -> dict[str, float]:
    """Kill a saving child `kills` times; check the file after each kill. Returns counts."""
    ctx = multiprocessing.get_context("fork")
    doc = make_doc()
    target = folder / "page.ora"
    doc.metadata["version"] = 0
    save_ora(doc, target)
    rng = np.random.default_rng(seed)
    stats = {"kills": 0, "opens": 0, "temps_left_by_kills": 0, "temp_bytes_left_by_kills": 0,
             "temps_after_next_save": 0, "max_version": 0}
    for i in range(kills):
        ready = ctx.Event()
        before = target.stat().st_mtime_ns
        child = ctx.Process(target=_save_forever, args=(doc, str(target), ready), daemon=True)
        child.start()
        ready.wait(30)
        if i == 0:  # once, let a save complete first, however loaded the machine is
            deadline = time.monotonic() + 30
            while target.stat().st_mtime_ns == before and time.monotonic() < deadline:
                time.sleep(0.005)
        time.sleep(float(rng.uniform(0.0, max_delay)))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(30)
        stats["kills"] += 1
        loaded = load_ora(target)  # never damaged: the old or the new version
        stats["opens"] += 1
        stats["max_version"] = max(stats["max_version"], int(loaded.metadata.get("version", -1)))
        left = temps(folder)
        stats["temps_left_by_kills"] += len(left)
        stats["temp_bytes_left_by_kills"] += sum(p.stat().st_size for p in left)
        old = time.time() - STALE_AFTER_S - 1  # "a minute later": the killed save's temp is stale
        for p in left:
            os.utime(p, (old, old))
        doc.metadata["version"] = -1
        save_ora(doc, target)  # the next save cleans up
        stats["temps_after_next_save"] += len(temps(folder))
    return stats


def test_killed_saves_never_damage_the_file_and_leave_no_litter(tmp_path):
    stats = kill_during_saves(tmp_path, kills=20)
    assert stats["opens"] == stats["kills"] == 20
    assert stats["temps_after_next_save"] == 0
    assert stats["max_version"] >= 1  # some saves completed between kills: the test saw both versions
    assert stats["temps_left_by_kills"] > 0  # and some kills did land inside a save


def test_a_fresh_temp_file_of_a_running_save_is_left_alone(tmp_path):
    (tmp_path / ".page.ora.paintgan-0123abcd.tmp").write_bytes(b"being written")
    save_ora(Document.new(8, 8), tmp_path / "page.ora")
    assert len(temps(tmp_path)) == 1
