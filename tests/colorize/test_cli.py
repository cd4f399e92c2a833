from __future__ import annotations

import json

import cv2
import numpy as np
from colorize_helpers import lineart_page

from paintgan.cli import main


def write_png(path, rgb):
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def read_png(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def test_single_page_neural_odd_size(tmp_path, model_root, capsys):
    src = tmp_path / "page.png"
    write_png(src, lineart_page(101, 77))
    (tmp_path / "page.hints.json").write_text(json.dumps(
        {"version": 1, "hints": [{"x": 20, "y": 40, "rgb": [255, 0, 0], "radius": 2}]}))
    out = tmp_path / "out.png"
    assert main(["colorize", str(src), "-o", str(out)]) == 0
    img = read_png(out)
    assert img.shape == (77, 101, 3)
    assert tuple(img[40, 20][::-1]) == (255, 0, 0)


def test_flat_mode_needs_no_model(tmp_path, capsys):
    src = tmp_path / "page.png"
    write_png(src, lineart_page(101, 77))
    hints = tmp_path / "h.json"
    hints.write_text(json.dumps({"hints": [{"x": 20, "y": 40, "rgb": [255, 0, 0]}]}))
    out = tmp_path / "out.png"
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flat", "--hints", str(hints)]) == 0
    img = read_png(out)
    assert img.shape == (77, 101, 3) and tuple(img[40, 20][::-1]) == (255, 0, 0)


def test_neural_without_model_is_a_clear_error(tmp_path, capsys):
    src = tmp_path / "page.png"
    write_png(src, lineart_page())
    assert main(["colorize", str(src), "-o", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "colorize model 'colorize' is not installed" in err and "--mode flat" in err


def test_batch_with_corrupt_page_continues(tmp_path, capsys):
    pages = tmp_path / "pages"
    pages.mkdir()
    write_png(pages / "a.png", lineart_page(90, 70))
    write_png(pages / "c.png", lineart_page(64, 48))
    (pages / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (pages / "c.hints.json").write_text('{"hints": [{"x": 20, "y": 30, "rgb": [0, 0, 255]}]}')
    out = tmp_path / "out"
    assert main(["colorize", str(pages), "-o", str(out), "--mode", "flat"]) == 2
    err = capsys.readouterr().err
    assert "[3/3]" in err and "b.png: FAILED" in err and "1 of 3 pages failed" in err
    assert read_png(out / "a.png").shape == (70, 90, 3)
    assert read_png(out / "c.png").shape == (48, 64, 3)
    assert not (out / "b.png").exists()


def test_hints_for_other_size_refused_unless_scaled(tmp_path, capsys):
    src = tmp_path / "p.png"
    write_png(src, lineart_page(120, 100))
    h = tmp_path / "h.json"
    h.write_text(json.dumps({"image_size": [240, 200], "hints": [{"x": 40, "y": 100, "rgb": [255, 0, 0]}]}))
    out = tmp_path / "o.png"
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flat", "--hints", str(h)]) == 2
    assert "made for a 240×200 image" in capsys.readouterr().err
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flat", "--hints", str(h),
                 "--scale-hints"]) == 0
    assert tuple(read_png(out)[50, 20][::-1]) == (255, 0, 0)


def test_malformed_hints_one_line(tmp_path, capsys):
    src = tmp_path / "p.png"
    write_png(src, lineart_page())
    h = tmp_path / "h.json"
    h.write_text('{"hints": [\n {"x": 1 "y": 2}]}')
    args = ["colorize", str(src), "-o", str(tmp_path / "o.png"), "--mode", "flat", "--hints", str(h)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err == "paintgan: error: h.json: line 2, column 10: expected ','"


def test_batch_jobs_and_several_inputs(tmp_path, model_root, capsys):
    files = []
    for i, (w, h) in enumerate([(50, 40), (33, 65), (64, 64)]):
        f = tmp_path / f"p{i}.png"
        write_png(f, lineart_page(w, h))
        files.append(str(f))
    out = tmp_path / "out"
    assert main(["colorize", *files, "-o", str(out), "--jobs", "2", "--input-kind", "lineart"]) == 0
    assert read_png(out / "p1.png").shape == (65, 33, 3)
    err = capsys.readouterr().err
    assert "[3/3]" in err and "ETA" in err
