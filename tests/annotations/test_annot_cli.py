"""`paintgan export coco|yolo`, `paintgan import coco`, `paintgan annotate`."""

from __future__ import annotations

import json
import sys
import types

import cv2
import numpy as np

from paintgan.cli import main
from paintgan.core.annotations import AnnotationLayer, make_shape
from paintgan.io.labelme import read_labelme, save_annotation_layer


def make_folder(tmp_path):
    d = tmp_path / "imgs"
    d.mkdir()
    for i in range(3):
        cv2.imwrite(str(d / f"im{i}.png"), np.zeros((50, 70, 3), np.uint8))
    for i, label in ((0, "cat"), (1, "dog")):
        layer = AnnotationLayer(shapes=[make_shape("polygon", [(5, 5), (40, 5), (20, 30)], label),
                                        make_shape("polygon", [(0, 0), (9, 9), (9, 0), (0, 9)], label)])
        save_annotation_layer(d / f"im{i}.json", layer, d / f"im{i}.png", (50, 70))
    return d


def test_export_and_import_commands(tmp_path, capsys) -> None:
    d = make_folder(tmp_path)
    labels = tmp_path / "labels.txt"
    labels.write_text("__ignore__\n_background_\ndog\ncat\n")
    inst = tmp_path / "instances.json"
    args = ["export", "coco", str(d), "-o", str(inst), "--labels", str(labels), "-v", "--all-images"]
    assert main(args) == 0
    cap = capsys.readouterr()
    summary = json.loads(cap.out)
    assert summary["images"] == 3 and summary["annotations"] == 2 and summary["skipped"] == 2
    assert cap.err.count("self-intersecting") == 2
    body = json.loads(inst.read_text())
    assert [c["name"] for c in body["categories"]] == ["dog", "cat"]

    yolo = tmp_path / "yolo"
    assert main(["export", "yolo", str(d), "-o", str(yolo)]) == 0
    assert json.loads(capsys.readouterr().out)["annotations"] == 2
    assert (yolo / "classes.txt").read_text() == "cat\ndog\n"
    assert (yolo / "labels" / "im1.txt").read_text().startswith("1 ")

    out = tmp_path / "imported"
    assert main(["import", "coco", str(inst), "--images", str(d), "-o", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 3
    assert read_labelme(out / "im1.json").shapes[0].label == "dog"
    assert main(["import", "coco", str(inst), "--images", str(d), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err

    assert main(["export", "coco", str(d), "-o", str(tmp_path / "labelled.json")]) == 0
    assert json.loads(capsys.readouterr().out)["images"] == 2
    assert main(["export", "coco", str(tmp_path / "missing"), "-o", str(inst)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_annotate_calls_the_gui_launcher(tmp_path, monkeypatch, capsys) -> None:
    calls = []
    fake = types.ModuleType("paintgan.gui.annotate")
    fake.launch = lambda folder, output_dir=None: calls.append((folder, output_dir)) or 0
    monkeypatch.setitem(sys.modules, "paintgan.gui.annotate", fake)
    assert main(["annotate", str(tmp_path), "--output-dir", str(tmp_path / "out")]) == 0
    assert calls == [(str(tmp_path), str(tmp_path / "out"))]
    assert main(["annotate", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err
