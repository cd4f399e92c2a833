"""COCO and YOLO export of a LabelMe folder, COCO import back to LabelMe files."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from pycocotools.coco import COCO

from paintgan.core import polygons as geo
from paintgan.core.annotations import AnnotationLayer, make_shape
from paintgan.errors import FormatError
from paintgan.io.coco import export_coco, import_coco
from paintgan.io.dataset import DatasetFolder
from paintgan.io.labelme import read_labelme, save_annotation_layer
from paintgan.io.yolo import export_yolo, parse_label_file

TRI = [(10.0, 10.0), (60.0, 12.0), (30.0, 50.0)]


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    sizes = {"a.png": (80, 100), "b.png": (60, 120), "c.png": (40, 40)}  # (h, w)
    for name, (h, w) in sizes.items():
        cv2.imwrite(str(d / name), np.full((h, w, 3), 128, np.uint8))
    a = [make_shape("polygon", TRI, "cat"),
         make_shape("rectangle", [(70, 20), (90, 60)], "dog"),
         make_shape("polygon", [(-10, -10), (20, -10), (20, 20), (-10, 20)], "cat"),  # clipped to 20x20
         make_shape("polygon", [(0, 0), (10, 10), (10, 0), (0, 10)], "cat"),  # self-intersecting: refused
         make_shape("point", [(5, 5)], "nose"),  # no area: skipped
         make_shape("polygon", [(30, 60), (40, 60), (40, 70)], "tree", group_id=7),
         make_shape("polygon", [(50, 60), (60, 60), (60, 70), (50, 70)], "tree", group_id=7)]
    b = [make_shape("polygon", [(5, 5), (50, 5), (50, 40), (5, 40)], "Ελληνικά 🐈")]
    for name, shapes in (("a.png", a), ("b.png", b)):
        h, w = sizes[name]
        layer = AnnotationLayer(shapes=shapes)
        save_annotation_layer(d / name.replace(".png", ".json"), layer, d / name, (h, w))
    return d


def test_coco_export_loads_in_pycocotools(folder, tmp_path) -> None:
    out = tmp_path / "instances.json"
    ticks = []
    report = export_coco(folder, out, progress=lambda i, n: ticks.append((i, n)), labelled_only=False)
    assert ticks[-1] == (3, 3)
    coco = COCO(str(out))
    assert sorted(c["name"] for c in coco.loadCats(coco.getCatIds())) == ["cat", "dog", "tree", "Ελληνικά 🐈"]
    imgs = {i["file_name"]: i for i in coco.loadImgs(coco.getImgIds())}
    assert {k: (v["height"], v["width"]) for k, v in imgs.items()} == {
        "a.png": (80, 100), "b.png": (60, 120), "c.png": (40, 40)}
    cat = {c["name"]: c["id"] for c in coco.loadCats(coco.getCatIds())}
    anns_a = coco.loadAnns(coco.getAnnIds(imgIds=[imgs["a.png"]["id"]]))
    by_cat = {}
    for ann in anns_a:
        by_cat.setdefault(ann["category_id"], []).append(ann)
        assert ann["iscrowd"] == 0
        # our shoelace area agrees with pycocotools' rasterised mask
        mask_area = coco.annToMask(ann).sum()
        assert abs(mask_area - ann["area"]) <= 0.1 * ann["area"] + 30
    cats = sorted((a["area"], a["bbox"]) for a in by_cat[cat["cat"]])
    assert cats == [(400.0, [0.0, 0.0, 20.0, 20.0]), (geo.polygon_area(TRI), [10.0, 10.0, 50.0, 40.0])]
    dog = by_cat[cat["dog"]][0]
    assert dog["area"] == 800.0 and dog["bbox"] == [70.0, 20.0, 20.0, 40.0]
    tree = by_cat[cat["tree"]]
    assert len(tree) == 1 and len(tree[0]["segmentation"]) == 2  # one object in two parts (group_id)
    assert tree[0]["area"] == 50.0 + 100.0 and tree[0]["bbox"] == [30.0, 60.0, 30.0, 10.0]
    assert report.annotations == 5 and report.clipped == 1
    assert any("self-intersecting" in s for s in report.skipped)
    assert any("point has no area" in s for s in report.skipped)
    assert not coco.getAnnIds(imgIds=[imgs["c.png"]["id"]])
    for ann in coco.loadAnns(coco.getAnnIds()):  # nothing degenerate
        for poly in ann["segmentation"]:
            pts = np.array(poly).reshape(-1, 2)
            assert len(pts) >= 3 and geo.polygon_problem(pts) is None
            assert (pts >= 0).all()


def test_yolo_export_parses_back(folder, tmp_path) -> None:
    out = tmp_path / "yolo"
    report = export_yolo(folder, out, copy_images=True)
    classes = (out / "classes.txt").read_text(encoding="utf-8").splitlines()
    assert classes == ["cat", "dog", "tree", "Ελληνικά 🐈"]
    assert sorted(p.name for p in (out / "labels").iterdir()) == ["a.txt", "b.txt"]  # c has no LabelMe file
    assert (out / "images" / "a.png").exists() and "names:" in (out / "data.yaml").read_text(encoding="utf-8")
    parsed = parse_label_file((out / "labels" / "a.txt").read_text(), 100, 80, len(classes))
    assert [classes[k] for k, _ in parsed] == ["cat", "dog", "cat", "tree", "tree"]
    np.testing.assert_allclose(parsed[0][1], np.array(TRI), atol=1e-4)
    np.testing.assert_allclose(parsed[1][1], geo.rectangle_corners([(70, 20), (90, 60)]), atol=1e-4)
    np.testing.assert_allclose(parsed[2][1], [(0, 0), (20, 0), (20, 20), (0, 20)], atol=1e-4)
    (k, pts), = parse_label_file((out / "labels" / "b.txt").read_text(), 120, 60)
    assert classes[k] == "Ελληνικά 🐈"
    np.testing.assert_allclose(pts, [(5, 5), (50, 5), (50, 40), (5, 40)], atol=1e-4)
    assert report.images == 2 and report.annotations == 6
    with pytest.raises(FormatError):
        parse_label_file("0 0.1 0.2 0.3\n", 10, 10)


def test_coco_import_roundtrip(folder, tmp_path) -> None:
    inst = tmp_path / "instances.json"
    assert export_coco(folder, inst).images == 2  # c.png has no LabelMe file: unlabelled, left out
    export_coco(folder, inst, labelled_only=False)
    out = tmp_path / "imported"
    report = import_coco(inst, folder, out)
    assert report.images == 3 and report.annotations == 5
    ds = DatasetFolder(folder, out)
    assert [ds.status(i).state for i in range(3)] == ["labelled", "labelled", "unlabelled"]
    a = read_labelme(out / "a.json", image_path=folder / "a.png", image_size=(80, 100))
    assert a.image_path == "../ds/a.png"
    labels = [(s.label, s.group_id is not None) for s in a.shapes]
    assert labels.count(("tree", True)) == 2 and labels.count(("cat", False)) == 2
    np.testing.assert_allclose(a.shapes[0].points, TRI)
    b = read_labelme(out / "b.json")
    assert b.shapes[0].label == "Ελληνικά 🐈"
    with pytest.raises(FormatError):  # refuses to overwrite
        import_coco(inst, folder, out)
    assert import_coco(inst, folder, out, force=True).images == 3


def test_coco_import_refuses_bad_input(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [], "annotations": [{"x": NaN}], "categories": []}')
    with pytest.raises(FormatError):
        import_coco(bad, tmp_path, tmp_path / "o")
    bad.write_text('{"images": {}, "annotations": []}')
    with pytest.raises(FormatError):
        import_coco(bad, tmp_path, tmp_path / "o")
    body = {"images": [{"id": 1, "file_name": "../../etc/x.jpg", "width": 5, "height": 5},
                       {"id": 2, "file_name": "ok.jpg", "width": 5, "height": 5}],
            "annotations": [{"id": 1, "image_id": 2, "category_id": 1, "segmentation": {"counts": "x"},
                             "iscrowd": 1},
                            {"id": 2, "image_id": 2, "category_id": 1, "segmentation": [],
                             "bbox": [1, 1, 2, 2]},
                            {"id": 3, "image_id": 2, "category_id": 9, "segmentation": [[0, 0, 1, 1, 1, 0]]}],
            "categories": [{"id": 1, "name": "x"}]}
    bad.write_text(json.dumps(body))
    report = import_coco(bad, tmp_path, tmp_path / "o")
    assert report.images == 1 and report.annotations == 1
    assert len(report.skipped) == 4  # path escape, RLE, unknown category, image missing
    f = read_labelme(tmp_path / "o" / "ok.json")
    assert [(s.shape_type, s.points) for s in f.shapes] == [("rectangle", ((1.0, 1.0), (3.0, 3.0)))]


def test_a_predicted_polygon_with_a_hole_exports_to_coco_with_the_hole(tmp_path) -> None:
    # the segmentation model's polygons cut holes in through a slit: still one simple polygon, so the
    # labelme file keeps it and pycocotools rasterises the ring with its hole
    from paintgan.inference.segment.polygonize import image_mask_polygons

    d = tmp_path / "ds"
    d.mkdir()
    ring = np.zeros((120, 160), np.uint8)
    cv2.circle(ring, (80, 60), 50, 1, -1)
    cv2.circle(ring, (80, 60), 25, 0, -1)
    cv2.imwrite(str(d / "ring.png"), np.full((120, 160, 3), 128, np.uint8))
    (poly,) = image_mask_polygons(ring.astype(bool))
    layer = AnnotationLayer(shapes=[make_shape("polygon", [tuple(p) for p in poly.tolist()], "ring")])
    save_annotation_layer(d / "ring.json", layer, d / "ring.png", (120, 160))
    assert len(read_labelme(d / "ring.json").shapes[0].points) == len(poly)
    out = tmp_path / "instances.json"
    report = export_coco(d, out)
    assert report.annotations == 1 and not report.skipped
    coco = COCO(str(out))
    (ann,) = coco.loadAnns(coco.getAnnIds())
    m = coco.annToMask(ann).astype(bool)
    assert not m[60, 80] and m[60, 80 + 37]
    inter, union = (m & (ring > 0)).sum(), (m | (ring > 0)).sum()
    # pycocotools puts pixel centres half a pixel off ours: about half a pixel less along each outline of
    # this 25 px wide ring (IoU 0.95); the shoelace area sits between
    assert inter / union >= 0.93
    assert abs(ann["area"] - ring.sum()) <= 0.05 * ring.sum()
