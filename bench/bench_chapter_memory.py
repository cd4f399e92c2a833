"""Chapter colour memory benchmark (issue 15). Prints one JSON object.

    python bench/bench_chapter_memory.py [--runs 5] [--no-gui]

On A4 pages at 300 dpi (2480×3508): a four-panel page of the tests' character (~30 regions) and the dense
synthetic page of bench_colorize (hundreds of regions), against a memory filled to the COLOUR_MEMORY_ENTRIES
limit (4,096 entries):
* `analyse_ms`: the page's regions and features (`chapter_memory.analyse`, 1024 px), kind given / "auto";
* `match_ms`: matching them against the memory and making the hints; `suggest_ms` = both, budget ≤ 300 ms;
* `remember_ms` (a page into the memory, regions given), `save_ms` / `load_ms` of the full memory;
* in the app (`gui_*`), the A4 page opened from a folder with that memory (`gui_open_ms`): from the page
  shown to the suggestions placed on a colorize layer made at once (`gui_shown_to_placed_ms`: the analysis
  prefetched on open + matching + the SetHints step), and from a colorize layer made 1 s later
  (`gui_layer_to_placed_ms_after_1s`: the analysis is ready by then).
Medians of `--runs`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "colorize"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

A4 = (2480, 3508)


def character_page(dx: int = 0, arm_up: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(coloured, line art) A4 pages with four panels of the tests' character."""
    from colorize_helpers import character  # tests/colorize

    col, line = character(1150, 1150, dx=dx, arm_up=arm_up)
    W, H = A4
    pc, pl = np.full((H, W, 3), 255, np.uint8), np.full((H, W, 3), 255, np.uint8)
    for x0, y0 in ((40, 120), (1260, 120), (40, 1900), (1260, 1900)):
        pc[y0:y0 + 1150, x0:x0 + 1150] = col
        pl[y0:y0 + 1150, x0:x0 + 1150] = line
        for img in (pc, pl):
            cv2.rectangle(img, (x0 - 20, y0 - 30), (x0 + 1170, y0 + 1180), (0, 0, 0), 6)
    return pc, pl


def med(xs: list[float]) -> float:
    return round(statistics.median(xs), 1)


def timed(fn: Any, runs: int) -> tuple[float, Any]:
    out, ts = None, []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        ts.append((time.perf_counter() - t) * 1000.0)
    return med(ts), out


def full_memory(seed: int = 0) -> Any:
    """A memory at the entry limit: the character page, then dense synthetic pages with random colours."""
    from bench_colorize import synthetic_page

    from paintgan import limits
    from paintgan.inference.colorize import chapter_memory as M
    from paintgan.io.colour_memory import ColourMemory

    mem = ColourMemory(M.FEATURE_VERSION)
    col, line = character_page()
    M.remember(mem, line, col, "page01.png", kind="lineart")
    rng = np.random.default_rng(seed)
    cap = int(limits.limit("COLOUR_MEMORY_ENTRIES"))
    k = 0
    while len(mem) < cap and k < 40:
        page = synthetic_page(seed=100 + k)
        regions = M.analyse(page, kind="lineart")
        cols = rng.integers(0, 256, (regions.count, 3)).astype(np.uint8)
        M.remember(mem, page, cols, f"synthetic{k:02d}.png", regions=regions)
        k += 1
    return mem


def library(runs: int) -> dict[str, Any]:
    from bench_colorize import synthetic_page

    from paintgan.inference.colorize import chapter_memory as M
    from paintgan.io.colour_memory import load_memory, save_memory

    out: dict[str, Any] = {}
    t = time.perf_counter()
    mem = full_memory()
    out["fill_memory_s"] = round(time.perf_counter() - t, 1)
    out["entries"] = len(mem)
    truth2, page2 = character_page(dx=60, arm_up=True)
    for name, page in (("character_page", page2), ("dense_page", synthetic_page(seed=7))):
        row: dict[str, Any] = {}
        row["analyse_ms"], regions = timed(lambda p=page: M.analyse(p, kind="lineart"), runs)
        row["analyse_auto_ms"], _ = timed(lambda p=page: M.analyse(p), runs)
        row["match_ms"], hints = timed(lambda r=regions: M.suggest(mem, None, regions=r), runs)
        row["suggest_ms"] = round(row["analyse_ms"] + row["match_ms"], 1)
        row["regions"], row["suggestions"] = regions.count, len(hints.points)
        if name == "character_page":
            row["suggestions_right"] = sum(p.rgb == tuple(int(v) for v in truth2[int(p.y), int(p.x)])
                                           for p in hints.points)
        out[name] = row
    col, line = character_page()
    regions = M.analyse(line, kind="lineart")
    out["remember_ms"], _ = timed(lambda: M.remember(mem, line, col, "again.png", regions=regions), runs)
    with tempfile.TemporaryDirectory() as d:
        out["save_ms"], _ = timed(lambda: save_memory(mem, d), runs)
        out["load_ms"], back = timed(lambda: load_memory(d, M.FEATURE_VERSION), runs)
        assert back.warning is None and len(back) == len(mem)
        out["files_kb"] = round(sum(p.stat().st_size for p in Path(d).iterdir()) / 1024, 1)
    return out


def gui(runs: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["PAINTGAN_NO_DEVICE_PROBE"] = "1"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMessageBox

    from paintgan.gui.colorize.setup import colorize_source, make_colorize_stack
    from paintgan.gui.main_window import MainWindow
    from paintgan.io.colour_memory import memory_folder, save_memory

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as d:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, d)
        QMessageBox.warning = lambda *a, **k: QMessageBox.StandardButton.Discard  # type: ignore[method-assign]
        folder = Path(d) / "chapter"
        folder.mkdir()
        save_memory(full_memory(), memory_folder(folder / "x.png"))
        _truth, page = character_page(dx=60, arm_up=True)
        cv2.imwrite(str(folder / "page02.png"), cv2.cvtColor(page, cv2.COLOR_RGB2BGR))
        w = MainWindow(settings=QSettings(str(Path(d) / "s.ini"), QSettings.Format.IniFormat))
        w.show()
        ctl = w.chapter_memory.controller

        def one(delay_s: float) -> tuple[float, float, float, float, int]:
            t = time.perf_counter()
            assert w.open_file(str(folder / "page02.png"))
            shown = time.perf_counter()
            end = shown + delay_s  # the user choosing Layer ▸ Colorize… meanwhile
            while time.perf_counter() < end:
                app.processEvents()
                time.sleep(0.005)
            src = colorize_source(w.session)
            layer = make_colorize_stack(w.session, src, input_kind="lineart", mode="flat", paper=False)
            assert ctl.wait(30.0)
            tm = ctl.timings
            return ((shown - t) * 1000.0, (tm["placed_at"] - shown) * 1000.0, tm["suggest_ms"],
                    tm["compute_ms"], len(layer.hints.points))

        rows = {d: [one(d) for _ in range(runs)] for d in (0.0, 1.0)}
        w.colorize.shutdown()
        w.close()
    now, later = rows[0.0], rows[1.0]
    return {"gui_open_ms": med([r[0] for r in now]),
            "gui_shown_to_placed_ms": med([r[1] for r in now]),
            "gui_shown_to_placed_ms_all": [round(r[1]) for r in now],
            "gui_layer_to_placed_ms_after_1s": med([r[2] for r in later]),
            "gui_layer_to_placed_ms_after_1s_all": [round(r[2]) for r in later],
            "gui_worker_compute_ms": med([r[3] for r in now]), "gui_hints": now[-1][4]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-gui", action="store_true")
    ap.add_argument("--gui-only", action="store_true")
    a = ap.parse_args()
    res: dict[str, Any] = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus",
                           "page": f"{A4[0]}x{A4[1]}"}
    if not a.gui_only:
        res.update(library(a.runs))
    if not a.no_gui:
        res.update(gui(a.runs))
    res["budget_suggest_ms"] = 300
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
