"""The dataset folder model: fast listing without decoding, lazy per-image status from the LabelMe files."""

from __future__ import annotations

import json
import os
import time

import pytest

from paintgan.errors import FormatError
from paintgan.io.dataset import DatasetFolder, natural_key


def write_json(path, shapes, image="x.jpg"):
    path.write_text(json.dumps({"version": "5.4.1", "flags": {}, "shapes": shapes, "imagePath": image,
                                "imageData": None, "imageHeight": 4, "imageWidth": 4}), encoding="utf-8")


def poly(label):
    return {"label": label, "points": [[0, 0], [3, 0], [0, 3]], "shape_type": "polygon", "flags": {}}


def test_listing_status_filter(tmp_path) -> None:
    for name in ["img10.jpg", "img2.PNG", "img1.jpeg", "notes.txt", "img3.json", ".hidden.tmp", "a.webp"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.jpg").mkdir()  # a folder with an image-like name is not listed
    write_json(tmp_path / "img2.json", [poly("cat"), poly("dog"), poly("cat")], "img2.PNG")
    write_json(tmp_path / "img1.json", [], "img1.jpeg")
    (tmp_path / "img10.json").write_text("{broken")
    ds = DatasetFolder(tmp_path)
    assert [p.name for p in ds.images] == ["a.webp", "img1.jpeg", "img2.PNG", "img10.jpg"]
    assert ds.index_of(tmp_path / "img2.PNG") == 2 and ds.json_path(2) == tmp_path / "img2.json"
    st = ds.status(2)
    assert (st.state, st.shapes, st.labels) == ("labelled", 3, ("cat", "dog"))
    assert ds.status(0).state == "unlabelled" and ds.status(1).state == "unlabelled"
    bad = ds.status(3)
    assert bad.state == "invalid" and bad.reason == "corrupt" and "img10.json" in bad.error
    assert ds.filter("IMG1") == [1, 3]
    assert ds.filter(label="dog") == [2]
    assert ds.filter(states=["invalid"]) == [3]
    assert ds.labels() == {"cat": 1, "dog": 1}
    assert ds.labelled() == [2]
    ds.mark_edited(0)
    assert ds.status(0).state == "edited"
    ds.mark_edited(0, False)
    # a file written later is picked up (cache keyed by mtime and size)
    write_json(tmp_path / "a.json", [poly("bird")], "a.webp")
    assert ds.status(0).labels == ("bird",)
    write_json(tmp_path / "a.json", [poly("bird"), poly("bird")], "a.webp")
    os.utime(tmp_path / "a.json", ns=(time.time_ns() + 10**9,) * 2)
    assert ds.status(0).shapes == 2


def test_output_folder_and_other_image(tmp_path) -> None:
    imgs, out = tmp_path / "imgs", tmp_path / "out"
    imgs.mkdir()
    out.mkdir()
    (imgs / "a.jpg").write_bytes(b"x")
    write_json(out / "a.json", [poly("cat")], "../somewhere/else.jpg")
    ds = DatasetFolder(imgs, out)
    st = ds.status(0)
    assert st.state == "invalid" and st.reason == "other-image"
    with pytest.raises(FormatError):
        DatasetFolder(tmp_path / "missing")


def test_ten_thousand_images_list_fast(tmp_path) -> None:
    for i in range(10_000):
        (tmp_path / f"{i}.jpg").write_bytes(b"")
    t0 = time.perf_counter()
    ds = DatasetFolder(tmp_path)
    dt = time.perf_counter() - t0
    assert len(ds) == 10_000 and ds.name(9) == "9.jpg" and ds.name(10) == "10.jpg"
    assert dt < 1.0, dt


def test_natural_key() -> None:
    assert sorted(["b10", "b2", "A1"], key=natural_key) == ["A1", "b2", "b10"]
