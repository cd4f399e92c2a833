"""`paintgan ganpaint` / `paintgan dissect` on a tiny model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paintgan.cli import main
from paintgan.inference.ganpaint.cli import parse_edit


def test_cli_writes_png(tiny_model, tmp_path, capsys):
    out = tmp_path / "scene.png"
    assert main(["ganpaint", "--model", str(tiny_model), "--seed", "4", "-o", str(out)]) == 0
    img = cv2.imread(str(out))
    assert img is not None and img.shape == (64, 64, 3)
    mask = np.zeros((128, 128), np.uint8)
    mask[32:96, 32:96] = 255
    cv2.imwrite(str(tmp_path / "m.png"), mask)
    out2 = tmp_path / "edited.png"
    rc = main(
        [
            "ganpaint",
            "--model",
            str(tiny_model),
            "--seed",
            "4",
            "--edit",
            f"tree:draw:{tmp_path / 'm.png'}:0.8",
            "--edit",
            f"sky:remove:{tmp_path / 'm.png'}",
            "-o",
            str(out2),
        ]
    )
    assert rc == 0
    edited = cv2.imread(str(out2))
    assert edited.shape == (64, 64, 3) and not np.array_equal(edited, img)
    capsys.readouterr()
    assert main(["ganpaint", "--model", str(tiny_model), "--list-concepts"]) == 0
    assert capsys.readouterr().out.split() == ["tree", "sky", "grass"]


def test_cli_errors(tiny_model, tmp_path, capsys):
    assert (
        main(
            [
                "ganpaint",
                "--model",
                str(tiny_model),
                "--edit",
                "tree:paint:x.png",
                "-o",
                str(tmp_path / "o.png"),
            ]
        )
        == 2
    )
    assert "draw or remove" in capsys.readouterr().err
    assert (
        main(
            [
                "ganpaint",
                "--model",
                str(tiny_model),
                "--edit",
                f"tree:draw:{tmp_path / 'none.png'}",
                "-o",
                str(tmp_path / "o.png"),
            ]
        )
        == 2
    )
    assert "mask" in capsys.readouterr().err


def test_cli_dissect(tiny_model, tmp_path, capsys):
    out = tmp_path / "d.json"
    assert (
        main(["dissect", "--model", str(tiny_model), "--samples", "8", "-o", str(out), "--device", "cpu"])
        == 0
    )
    assert out.is_file() and "offered" in capsys.readouterr().out


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("tree:draw:m.png", ("tree", "draw", "m.png", 1.0)),
        ("sky:remove:C:/x/m.png:0.5", ("sky", "remove", "C:/x/m.png", 0.5)),
        ("sky:remove:C:/x/m.png", ("sky", "remove", "C:/x/m.png", 1.0)),
    ],
)
def test_parse_edit(spec, expected):
    assert parse_edit(spec) == expected
