"""Tiny colorizer training data and `colorizer train` arguments shared by the colorizer training tests.

Imported as `from colorize_data_helpers import ...` (pytest puts this test folder on the path, as for
tests/colorize/colorize_helpers.py). `paintgan.training.data` is imported inside the function, so that a
test module can skip itself first when torch is missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

#: (x0, y0, side) of the outlined boxes drawn on each picture: one big box, or a 2 x 2 grid of boxes
#: (each a line-art region of its own)
ONE_BOX = ((10, 10, 50),)
FOUR_BOXES = tuple((x0, y0, 28) for x0, y0 in ((8, 8), (42, 8), (8, 42), (42, 42)))


def tiny_colorize_data(tmp_path: Path, boxes: Sequence[tuple[int, int, int]] = FOUR_BOXES) -> Path:
    """Six 80 x 80 white pictures with `boxes` filled in random colours and outlined in black, prepared
    at 32 px with 40 % for validation under tmp_path/data (the pictures are in tmp_path/src)."""
    from paintgan.training.data import prepare

    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        img = np.full((80, 80, 3), 255, np.uint8)
        for x0, y0, side in boxes:
            col = tuple(int(c) for c in rng.integers(0, 255, 3))
            cv2.rectangle(img, (x0, y0), (x0 + side, y0 + side), col, -1)
            cv2.rectangle(img, (x0, y0), (x0 + side, y0 + side), (0, 0, 0), 2)
        cv2.imwrite(str(src / f"{i}.png"), img)
    prepare(src, tmp_path / "data", size=32, val_percent=40.0)
    return tmp_path / "data"


def tiny_train_args(data: Path, out: Path) -> list[str]:
    """`colorizer train` arguments for a tiny run on `data` into `out`: a 4,8,8,8,8 net on 32 px crops,
    batch 2, one thread, a log line every step, validation every 2 steps, 1 warm-up step."""
    return ["--data", str(data), "--out", str(out), "--batch", "2", "--size", "32", "--val-size", "32",
            "--widths", "4,8,8,8,8", "--threads", "1", "--log-every", "1", "--val-every", "2",
            "--warmup", "1"]
