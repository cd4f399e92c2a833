"""LabelMe files: labelme's own format (with imageData) opens and saves back without losing fields; bad
files are refused with a reason and left untouched; Unicode labels round-trip."""

from __future__ import annotations

import base64
import json

import cv2
import numpy as np
import pytest

from paintgan.commands.annotations import AddShapes, SetShapeAttributes
from paintgan.commands.stack import CommandStack
from paintgan.core.annotations import make_shape
from paintgan.io.labelme import (
    LabelMeError,
    backup_file,
    json_path_for,
    load_annotation_layer,
    read_labelme,
    save_annotation_layer,
)


def labelme_json(image_b64: str) -> dict:
    """A file as labelme 5.x writes it (plus fields of older/other versions we must keep)."""
    return {
        "version": "5.2.1",
        "flags": {"blurry": False, "night": True},
        "shapes": [
            {"label": "person", "points": [[10.5, 20.0], [40.0, 22.0], [35.0, 60.0]], "group_id": 1,
             "description": "left one", "shape_type": "polygon", "flags": {"occluded": True}, "mask": None},
            {"label": "car", "points": [[50.0, 50.0], [70.0, 60.0]], "group_id": None, "description": "",
             "shape_type": "rectangle", "flags": {}, "mask": None, "line_color": [255, 0, 0, 128]},
            {"label": "wheel", "points": [[60.0, 58.0], [63.0, 58.0]], "group_id": None, "description": None,
             "shape_type": "circle", "flags": {}},
            {"label": "eye", "points": [[5.0, 5.0]], "group_id": None, "description": "",
             "shape_type": "point", "flags": {}},
            {"label": "road", "points": [[0.0, 70.0], [30.0, 72.0], [79.0, 75.0]], "group_id": None,
             "description": "", "shape_type": "linestrip", "flags": {}},
        ],
        "imagePath": "photo.png",
        "imageData": image_b64,
        "imageHeight": 80,
        "imageWidth": 96,
        "lineColor": [0, 255, 0, 128],
        "fillColor": [255, 0, 0, 128],
        "someFutureKey": {"nested": [1, 2, {"x": "y"}]},
    }


@pytest.fixture
def photo(tmp_path):
    img = np.zeros((80, 96, 3), np.uint8)
    img[10:60, 10:40] = (0, 0, 255)
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), img)
    b64 = base64.b64encode(path.read_bytes()).decode("ascii")
    js = tmp_path / "photo.json"
    js.write_text(json.dumps(labelme_json(b64), indent=2), encoding="utf-8")
    return path, js, b64


def test_labelme_file_opens_and_saves_back_without_losing_fields(photo, tmp_path) -> None:
    img, js, b64 = photo
    original = json.loads(js.read_text())
    layer = load_annotation_layer(js, img, (80, 96))
    assert [s.shape_type for s in layer.shapes] == ["polygon", "rectangle", "circle", "point", "linestrip"]
    assert layer.shapes[0].group_id == 1 and layer.shapes[0].flags == {"occluded": True}
    assert layer.flags == {"blurry": False, "night": True}
    save_annotation_layer(js, layer, img, (80, 96))
    saved = json.loads(js.read_text())
    # description None comes back as "" (labelme writes "" for no description), everything else is identical
    original["shapes"][2]["description"] = ""
    assert saved == original
    assert saved["imageData"] == b64


def test_edit_then_save_keeps_unknown_fields(photo) -> None:
    img, js, _ = photo
    layer = load_annotation_layer(js, img, (80, 96))
    stack = CommandStack()
    stack.push(AddShapes(layer, [make_shape("polygon", [(1, 1), (9, 1), (5, 9)], "Ελληνικά 漢字 🐈")]))
    stack.push(SetShapeAttributes(layer, [layer.shapes[1].id], label="camión"))
    save_annotation_layer(js, layer, img, (80, 96))
    saved = json.loads(js.read_text(encoding="utf-8"))
    assert saved["shapes"][-1]["label"] == "Ελληνικά 漢字 🐈"
    assert saved["shapes"][1]["label"] == "camión" and saved["shapes"][1]["line_color"] == [255, 0, 0, 128]
    assert saved["someFutureKey"] == {"nested": [1, 2, {"x": "y"}]} and saved["lineColor"] == [0, 255, 0, 128]
    assert "Ελληνικά" in js.read_text(encoding="utf-8")  # written as UTF-8, not \\u escapes
    back = read_labelme(js)
    assert back.shapes[-1].label == "Ελληνικά 漢字 🐈"
    assert [p.name for p in js.parent.iterdir() if p.name.startswith(".")] == []  # no temp files


@pytest.mark.parametrize("content, reason", [
    (b"{not json", "corrupt"),
    (b"[1, 2]", "corrupt"),
    (b'{"version": "5.0.1", "shapes": [{"points": [[0, NaN], [1, 1], [2, 2]]}]}', "corrupt"),
    (b'{"version": "5.0.1", "shapes": [{"points": [[0, Infinity], [1, 1], [2, 2]]}]}', "corrupt"),
    (b'{"version": "5.0.1", "shapes": [{"points": [[0, 0], [1, 1]], "shape_type": "polygon"}]}', "corrupt"),
    (b'{"version": "5.0.1", "shapes": "x"}', "corrupt"),
    (b'{"version": "5.0.1", "imageHeight": -3}', "corrupt"),
    (b'{"version": "5.0.1", "x": ' + b"[" * 100 + b"]" * 100 + b"}", "corrupt"),
    (b'{"version": "5.0.1", "x": ' + b"[" * 100000 + b"]" * 100000 + b"}", "corrupt"),
    (b'{"version": "9.0.0", "shapes": []}', "newer-version"),
    (b'{"version": "5.0.1", "shapes": [], "imagePath": "../other/dog.jpg"}', "other-image"),
    (b'{"version": "5.0.1", "shapes": [], "imagePath": "photo.png", "imageHeight": 10, "imageWidth": 10}',
     "other-image"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, content: bytes, reason: str) -> None:
    js = tmp_path / "photo.json"
    js.write_bytes(content)
    with pytest.raises(LabelMeError) as info:
        read_labelme(js, image_path=tmp_path / "photo.png", image_size=(80, 96))
    assert info.value.reason == reason
    assert str(js) in str(info.value) and "\n" not in str(info.value)
    assert js.read_bytes() == content  # untouched
    bak = backup_file(js)
    assert bak.name == "photo.json.bak" and bak.read_bytes() == content and not js.exists()
    js.write_bytes(content)
    assert backup_file(js).name == "photo.json.bak1"


def test_missing_file_and_paths(tmp_path) -> None:
    with pytest.raises(LabelMeError) as info:
        read_labelme(tmp_path / "none.json")
    assert info.value.reason == "unreadable"
    assert json_path_for(tmp_path / "a" / "x.jpg") == tmp_path / "a" / "x.json"
    assert json_path_for(tmp_path / "a" / "x.jpg", tmp_path / "out") == tmp_path / "out" / "x.json"


def test_output_folder_image_path_is_relative(tmp_path) -> None:
    (tmp_path / "imgs").mkdir()
    (tmp_path / "ann").mkdir()
    img = tmp_path / "imgs" / "a.jpg"
    js = json_path_for(img, tmp_path / "ann")
    from paintgan.core.annotations import AnnotationLayer

    save_annotation_layer(js, AnnotationLayer(shapes=[make_shape("point", [(1, 2)], "p")]), img, (5, 6))
    data = json.loads(js.read_text())
    assert data["imagePath"] == "../imgs/a.jpg" and data["imageData"] is None
    assert (data["imageHeight"], data["imageWidth"]) == (5, 6)
    assert load_annotation_layer(js, img, (5, 6)).shapes[0].points == ((1.0, 2.0),)
