"""`paintgan segment` writes LabelMe JSON; bad boxes exit 2 with one line."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from paintgan.cli import main


def test_segment_writes_labelme(tmp_path, tiny_model_dir, scene, capsys):
    img_path = tmp_path / "disc.png"
    cv2.imwrite(str(img_path), scene["image"][..., ::-1])
    out = tmp_path / "out" / "disc.json"
    out.parent.mkdir()
    rc = main(
        [
            "segment",
            str(img_path),
            "--box",
            "98,48,202,152",
            "--label",
            "disc",
            "-o",
            str(out),
            "--model",
            str(tiny_model_dir),
            "--device",
            "cpu",
        ]
    )
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["imagePath"] == "../disc.png" and data["imageData"] is None
    assert (data["imageHeight"], data["imageWidth"]) == (200, 300)
    (shape,) = data["shapes"]
    assert shape["label"] == "disc" and shape["shape_type"] == "polygon" and len(shape["points"]) == 40
    assert shape["group_id"] is None and shape["flags"] == {} and shape["description"] == ""


def test_segment_bad_box_exits_2(tmp_path, capsys):
    img_path = tmp_path / "x.png"
    cv2.imwrite(str(img_path), np.zeros((50, 60, 3), np.uint8))
    for box in ("10,10,10,40", "1,2,3", "500,500,600,600", "a,b,c,d"):
        rc = main(["segment", str(img_path), "--box", box])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and err.startswith("paintgan: error:") and "\n" not in err and "box" in err


@pytest.mark.parametrize("finish", ["none", "guided", "grabcut"])
def test_segment_finishing_steps_with_the_mask_model(tmp_path, tiny_mask_dir, scene, finish):
    img_path = tmp_path / "disc.png"
    cv2.imwrite(str(img_path), scene["image"][..., ::-1])
    out = tmp_path / f"{finish}.json"
    args = ["segment", str(img_path), "--box", "98,48,202,152", "-o", str(out)]
    rc = main([*args, "--model", str(tiny_mask_dir), "--device", "cpu", "--finish", finish])
    assert rc == 0
    (shape,) = json.loads(out.read_text())["shapes"]
    assert shape["shape_type"] == "polygon" and len(shape["points"]) >= 3
