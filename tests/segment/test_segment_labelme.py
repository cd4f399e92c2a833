"""LabelMe JSON writing and reading."""

from __future__ import annotations

import json

import pytest

from paintgan.errors import FormatError
from paintgan.io import labelme


def test_round_trip_and_format(tmp_path):
    (tmp_path / "imgs").mkdir()
    img = tmp_path / "imgs" / "cat.png"
    out = tmp_path / "ann" / "cat.json"
    out.parent.mkdir()
    labelme.save_polygons(out, img, (480, 640), [("cat", [(1, 2), (30, 4.5), (10, 40)])])
    data = json.loads(out.read_text())
    assert data["version"].startswith("5.")
    assert data["imagePath"] == "../imgs/cat.png" and data["imageData"] is None
    assert (data["imageHeight"], data["imageWidth"]) == (480, 640)
    shape = data["shapes"][0]
    assert shape == {
        "label": "cat",
        "points": [[1.0, 2.0], [30.0, 4.5], [10.0, 40.0]],
        "group_id": None,
        "shape_type": "polygon",
        "flags": {},
        "description": "",
    }
    ann = labelme.read_labelme(out)
    assert ann.shapes[0].points[1] == (30.0, 4.5) and ann.image_width == 640
    assert [p.name for p in out.parent.iterdir()] == ["cat.json"]  # no temp file left


def test_bad_polygon_and_bad_file(tmp_path):
    with pytest.raises(FormatError):
        labelme.polygon_shape("x", [(0, 0), (1, 1)])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(FormatError):
        labelme.read_labelme(bad)
