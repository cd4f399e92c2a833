"""Chapter colour memory: a page's applied colours come back as hint suggestions on the next page of the
same character (pages the tests draw), through the library and `paintgan colorize --memory`."""

from __future__ import annotations

import json

import cv2
import numpy as np
from colorize_helpers import CHARACTER_COLOURS, character

from paintgan.cli import main
from paintgan.core.hints import Hints, PointHint
from paintgan.inference.colorize import chapter_memory as M
from paintgan.io.colour_memory import FOLDER, INDEX_NAME, ColourMemory, save_memory


def _name(rgb: tuple[int, ...]) -> str:
    return next((k for k, v in CHARACTER_COLOURS.items() if v == tuple(rgb)), "paper")


def _check_suggestions(hints: Hints, truth: np.ndarray) -> set[str]:
    """Every suggested hint has the true colour of the region it sits in; returns the parts suggested."""
    got = set()
    for p in hints.points:
        want = tuple(int(v) for v in truth[int(p.y), int(p.x)])
        assert p.rgb == want, (p, _name(want))
        got.add(_name(want))
    return got


def test_remembered_colours_come_back_on_another_pose_and_a_new_part_gets_none() -> None:
    col1, line1 = character(dx=-20)
    mem = ColourMemory(M.FEATURE_VERSION)
    got = M.remember(mem, line1, col1, "page01.png")
    assert (got.added, got.merged) == (5, 0)  # head, shirt, arm, two legs (apart: two entries)
    again = M.remember(mem, line1, col1, "page01.png")
    assert (again.added, again.merged) == (0, 5) and all(e.weight == 2 for e in mem.entries)
    assert got.skipped >= 1  # the paper around the character is not remembered
    assert {_name(tuple(c)) for c in mem.colors()} == {"head", "body", "arm", "legs"}
    for kw in ({"dx": 25, "arm_up": True}, {"dx": 10, "mirror": True}):
        truth, line2 = character(**kw)  # type: ignore[arg-type]
        assert _check_suggestions(M.suggest(mem, line2), truth) == {"head", "body", "arm", "legs"}
    truth, line3 = character(dx=25, hat=True)
    regions = M.analyse(line3)
    match = M.match(mem, regions)
    assert match is not None
    hx, hy = np.argwhere(np.all(truth == CHARACTER_COLOURS["hat"], axis=2))[0][::-1]
    hat = int(regions.labels[int(hy * regions.scale), int(hx * regions.scale)])
    assert hat in match.unassigned()  # a part the memory never saw: no colour guessed
    assert _check_suggestions(M.suggest(mem, None, regions=regions), truth) == {"head", "body", "arm", "legs"}


def test_user_hints_win_and_come_last() -> None:
    col1, line1 = character()
    mem = ColourMemory(M.FEATURE_VERSION)
    M.remember(mem, line1, col1, "page01.png")
    truth, line2 = character(dx=15)
    ys, xs = np.nonzero(np.all(truth == CHARACTER_COLOURS["body"], axis=2))
    user = Hints([PointHint(float(xs[len(xs) // 2]), float(ys[len(ys) // 2]), (255, 0, 255))])
    hints = M.suggest(mem, line2, user)
    assert hints.points[-1] == user.points[0]
    others = hints.points[:-1]
    assert len(others) >= 3 and all(p.rgb != CHARACTER_COLOURS["body"] for p in others)
    only = M.suggestions_only(mem, M.analyse(line2), user)
    assert only.points == others


def test_empty_memory_suggests_nothing_and_results_can_be_region_colours() -> None:
    col, line = character()
    mem = ColourMemory(M.FEATURE_VERSION)
    assert M.suggest(mem, line).points == []
    regions = M.analyse(line)
    colours, _ = M.region_colours(regions, col)
    got = M.remember(mem, line, colours, "p.png", regions=regions)  # (count, 3) colours instead of a picture
    assert got.added == 5


def test_a4_page_is_analysed_at_reduced_resolution_with_points_in_page_pixels() -> None:
    _col, line = character(600, 600)
    page = np.full((2100, 1500, 3), 255, np.uint8)
    page[700:1300, 400:1000] = line
    regions = M.analyse(page, kind="lineart")
    assert max(regions.labels.shape) == M.ANALYSIS_SIZE
    assert regions.scale < 1.0
    inside = [(x, y) for x, y in regions.points if 400 <= x < 1000 and 700 <= y < 1300]
    assert len(inside) >= 5  # the character's regions, found where they are on the page


def _write(path, rgb) -> None:  # type: ignore[no-untyped-def]
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def _read(path) -> np.ndarray:  # type: ignore[no-untyped-def]
    return cv2.imread(str(path), cv2.IMREAD_COLOR)[..., ::-1]


def _centre(truth: np.ndarray, name: str) -> tuple[int, int]:
    ys, xs = np.nonzero(np.all(truth == CHARACTER_COLOURS[name], axis=2))
    d = (xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2
    i = int(np.argmin(d))
    return int(xs[i]), int(ys[i])


def test_cli_memory_colours_the_second_page_from_the_first(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pages = tmp_path / "chapter"
    pages.mkdir()
    truth1, line1 = character(dx=-20)
    truth2, line2 = character(dx=25, arm_up=True)
    _write(pages / "page01.png", line1)
    _write(pages / "page02.png", line2)
    hints = [{"x": x, "y": y, "rgb": list(CHARACTER_COLOURS[n])}
             for n in ("head", "body", "arm", "legs") for x, y in [_centre(truth1, n)]]
    (pages / "page01.hints.json").write_text(json.dumps({"version": 1, "hints": hints}))
    out = tmp_path / "out"
    assert main(["colorize", str(pages), "-o", str(out), "--mode", "flat", "--memory"]) == 0
    err = capsys.readouterr().err
    assert "page01.png: 0 colours suggested" in err and "page02.png: " in err
    res2 = _read(out / "page02.png")
    for name in ("head", "body", "arm"):  # page 2 had no hints: its colours come from page 1
        x, y = _centre(truth2, name)
        assert tuple(int(v) for v in res2[y, x]) == CHARACTER_COLOURS[name], name
    body = json.loads((pages / FOLDER / INDEX_NAME).read_text())
    assert "page01.png" in {e["source"] for e in body["entries"]}
    assert body["generation"] == 2  # saved after each page
    # a broken memory is reported in one line and the batch still runs (and keeps the broken file)
    (pages / FOLDER / INDEX_NAME).write_text("{broken")
    assert main(["colorize", str(pages / "page02.png"), "-o", str(tmp_path / "p2.png"), "--mode", "flat",
                 "--memory"]) == 0
    err = capsys.readouterr().err
    warn = [ln for ln in err.splitlines() if "chapter colour memory ignored" in ln]
    assert len(warn) == 1 and "malformed JSON" in warn[0]
    assert (pages / FOLDER / (INDEX_NAME + ".broken")).read_text() == "{broken"


def test_cli_memory_dir_and_the_page_given_right_after_the_flag(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    truth1, line1 = character(dx=-20)
    _write(tmp_path / "a.png", line1)
    mem_dir = tmp_path / "mem"
    mem = ColourMemory(M.FEATURE_VERSION)
    M.remember(mem, line1, truth1, "elsewhere.png")
    save_memory(mem, mem_dir)
    out = tmp_path / "o.png"
    assert main(["colorize", str(tmp_path / "a.png"), "-o", str(out), "--mode", "flat",
                 f"--memory={mem_dir}"]) == 0
    res = _read(out)
    x, y = _centre(truth1, "body")
    assert tuple(int(v) for v in res[y, x]) == CHARACTER_COLOURS["body"]
    assert not (tmp_path / FOLDER).exists()  # DIR given: nothing beside the page
    # `--memory PAGE ...`: the page is a page, not the memory folder
    _write(tmp_path / "b.png", line1)
    assert main(["colorize", "--memory", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-o",
                 str(tmp_path / "o2"), "--mode", "flat"]) == 0
    assert (tmp_path / "o2" / "a.png").is_file() and (tmp_path / "o2" / "b.png").is_file()
    assert (tmp_path / FOLDER / INDEX_NAME).is_file()
    assert main(["colorize", str(tmp_path / "a.png"), "-o", str(tmp_path / "o3"), "--mode", "flats",
                 "--memory"]) == 2
    assert "--memory works with --mode neural or flat" in capsys.readouterr().err


def test_cli_memory_neural_mode_uses_the_suggestions_as_hints(tmp_path, model_root, capsys) -> None:  # type: ignore[no-untyped-def]
    truth1, line1 = character(dx=-20)
    truth2, line2 = character(dx=20)
    _write(tmp_path / "p1.png", line1)
    _write(tmp_path / "p2.png", line2)
    mem = ColourMemory(M.FEATURE_VERSION)
    M.remember(mem, line1, truth1, "p1.png")
    save_memory(mem, tmp_path / FOLDER)
    out = tmp_path / "out"
    out.mkdir()
    assert main(["colorize", str(tmp_path / "p2.png"), "-o", str(out / "p2.png"), "--memory"]) == 0
    assert "p2.png: 5 colours suggested by the chapter memory" in capsys.readouterr().err
    res = _read(out / "p2.png")
    for name in ("head", "body", "arm"):  # hinted regions take their hint's colour as a flat
        x, y = _centre(truth2, name)
        assert tuple(int(v) for v in res[y, x]) == CHARACTER_COLOURS[name], name


def test_a_memory_with_features_of_another_length_is_reported_and_ignored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mem = ColourMemory(M.FEATURE_VERSION)
    mem.add(np.ones((2, 5), np.float32), np.array([[1, 2, 3], [200, 0, 0]], np.uint8), "p.png")
    save_memory(mem, tmp_path)
    got = M.open_memory(tmp_path)
    assert len(got) == 0 and "5 values" in (got.warning or "") and "\n" not in (got.warning or "")
