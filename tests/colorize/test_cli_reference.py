"""`paintgan colorize --reference`: single pages, folders (a chapter), bad references."""

from __future__ import annotations

import json

import cv2
import numpy as np
from colorize_helpers import CHARACTER_COLOURS, character

from paintgan.cli import main


def write_png(path, rgb):
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def read_rgb(path):
    return cv2.imread(str(path), cv2.IMREAD_COLOR)[..., ::-1]


def _pixel(coloured: np.ndarray, name: str) -> tuple[int, int]:
    ys, xs = np.nonzero(np.all(coloured == CHARACTER_COLOURS[name], axis=2))
    return int(xs[len(xs) // 2]), int(ys[len(ys) // 2])


def test_single_page_from_a_reference(tmp_path, model_root, capsys):
    ref, _ = character(dx=-20)
    truth, page = character(dx=20, arm_up=True)
    write_png(tmp_path / "ref.png", ref)
    write_png(tmp_path / "page.png", page)
    out = tmp_path / "out.png"
    assert main(["colorize", str(tmp_path / "page.png"), "--reference", str(tmp_path / "ref.png"),
                 "-o", str(out)]) == 0
    rgb = read_rgb(out)
    assert rgb.shape == truth.shape
    for name in ("head", "body", "arm", "legs"):
        x, y = _pixel(truth, name)
        assert np.abs(rgb[y, x].astype(int) - CHARACTER_COLOURS[name]).max() <= 6, name


def test_the_pages_own_hints_win(tmp_path, model_root, capsys):
    ref, _ = character()
    truth, page = character(dx=10)
    write_png(tmp_path / "ref.png", ref)
    write_png(tmp_path / "page.png", page)
    x, y = _pixel(truth, "body")
    (tmp_path / "page.hints.json").write_text(json.dumps(
        {"version": 1, "hints": [{"x": x, "y": y, "rgb": [255, 0, 255], "radius": 2}]}))
    out = tmp_path / "out.png"
    assert main(["colorize", str(tmp_path / "page.png"), "--reference", str(tmp_path / "ref.png"),
                 "-o", str(out)]) == 0
    rgb = read_rgb(out)
    assert tuple(rgb[y + 8, x]) == (255, 0, 255)  # the whole body region, not only under the hint
    hx, hy = _pixel(truth, "head")
    assert np.abs(rgb[hy, hx].astype(int) - CHARACTER_COLOURS["head"]).max() <= 6


def test_a_folder_of_pages_with_one_reference_and_no_model(tmp_path, capsys):
    ref, _ = character()
    pages = tmp_path / "chapter"
    pages.mkdir()
    truths = {}
    for i, (dx, mirror) in enumerate(((-20, False), (15, True), (0, False))):
        truths[f"p{i}"], line = character(dx=dx, mirror=mirror, hat=(i == 2))
        write_png(pages / f"p{i}.png", line)
    write_png(tmp_path / "ref.png", ref)
    out = tmp_path / "out"
    assert main(["colorize", str(pages), "--reference", str(tmp_path / "ref.png"), "--mode", "flat",
                 "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "[3/3]" in err and "3 pages written" in err
    assert "p2.png" in err and "match no reference region" in err  # the hat: reported
    for stem, truth in truths.items():
        rgb = read_rgb(out / f"{stem}.png")
        for name in ("body", "legs", "arm"):
            x, y = _pixel(truth, name)
            assert np.abs(rgb[y, x].astype(int) - CHARACTER_COLOURS[name]).max() <= 6, (stem, name)


def test_a_gray_reference_stops_before_any_page(tmp_path, model_root, capsys):
    ref, _ = character()
    _, page = character()
    gray = np.repeat(cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    write_png(tmp_path / "gray.png", gray)
    write_png(tmp_path / "page.png", page)
    out = tmp_path / "out.png"
    assert main(["colorize", str(tmp_path / "page.png"), "--reference", str(tmp_path / "gray.png"),
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "gray.png" in err and "has no colour" in err
    assert not out.exists()


def test_a_corrupt_reference_is_one_clear_error(tmp_path, model_root, capsys):
    _, page = character()
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    write_png(tmp_path / "page.png", page)
    assert main(["colorize", str(tmp_path / "page.png"), "--reference", str(tmp_path / "bad.png"),
                 "-o", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.png" in err
    assert not (tmp_path / "o.png").exists()
