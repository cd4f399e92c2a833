"""`paintgan colorize --mode flats [--merge-same]`."""

from __future__ import annotations

import json

import cv2
import numpy as np
from test_flats import box_centre, codes, grid_page

from paintgan.cli import main


def write_png(path, rgb):
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def read_rgba(path):
    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert img.ndim == 3 and img.shape[2] == 4, img.shape  # the flats are an RGBA PNG
    return img[..., [2, 1, 0, 3]]


def hints_file(path, pts):
    path.write_text(json.dumps({"version": 1, "hints": [
        {"x": x, "y": y, "rgb": list(rgb), "radius": 2} for x, y, rgb in pts]}))


def test_flats_mode_writes_an_rgba_flats_png(tmp_path, capsys):
    src = tmp_path / "page.png"
    write_png(src, grid_page())
    out = tmp_path / "flats.png"
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flats", "--input-kind", "lineart"]) == 0
    img = read_rgba(out)
    assert img.shape == (120, 150, 4) and (img[..., 3] == 255).all()
    assert len(np.unique(codes(img[..., :3]))) == 11  # 9 boxes, the circle, the paper
    out_t = tmp_path / "flats_t.png"
    assert main(["colorize", str(src), "-o", str(out_t), "--mode", "flats", "--input-kind", "lineart",
                 "--flats-background", "transparent"]) == 0
    assert read_rgba(out_t)[2, 2, 3] == 0


def test_merge_same_without_a_model_uses_the_hints_flat_fill(tmp_path, capsys):
    src = tmp_path / "page.png"
    write_png(src, grid_page())
    red, blue = (230, 20, 20), (20, 40, 220)
    hints_file(tmp_path / "page.hints.json",
               [(*box_centre(0, 0), red), (*box_centre(2, 1), red), (*box_centre(1, 2), blue)])
    out = tmp_path / "merged.png"
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flats", "--merge-same",
                 "--input-kind", "lineart"]) == 0
    err = capsys.readouterr().err
    assert "merging by the hints' flat fill" in err
    img = read_rgba(out)
    at = {k: tuple(img[box_centre(*k)[::-1]]) for k in [(0, 0), (2, 1), (1, 2), (1, 0)]}
    assert at[(0, 0)] == at[(2, 1)] and len({at[(0, 0)], at[(1, 2)], at[(1, 0)]}) == 3
    assert len(np.unique(codes(img[..., :3]))) == 10


def test_merge_same_with_the_model_uses_the_neural_colours(tmp_path, model_root, capsys):
    src = tmp_path / "page.png"
    write_png(src, grid_page())
    red = (230, 20, 20)
    hints_file(tmp_path / "page.hints.json", [(*box_centre(0, 0), red), (*box_centre(2, 2), red)])
    out = tmp_path / "merged.png"
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flats", "--merge-same",
                 "--input-kind", "lineart"]) == 0
    assert "flat fill" not in capsys.readouterr().err  # the model gave the colours
    img = read_rgba(out)
    assert tuple(img[box_centre(0, 0)[::-1]]) == tuple(img[box_centre(2, 2)[::-1]])


def test_merge_same_needs_flats_mode(tmp_path, capsys):
    src = tmp_path / "page.png"
    write_png(src, grid_page())
    out = tmp_path / "o.png"
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flat", "--merge-same"]) == 2
    assert "--merge-same needs --mode flats" in capsys.readouterr().err
    assert not out.exists()
