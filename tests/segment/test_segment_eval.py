"""`python -m paintgan.eval segment` on two tiny scenes (tiny random model: numbers are meaningless)."""

from __future__ import annotations

import json

import numpy as np

from paintgan.eval.__main__ import COMMANDS
from paintgan.eval.__main__ import main as eval_main


def _scenes(folder, scene, n=2):
    for i in range(n):
        np.savez_compressed(
            folder / f"{i:05d}.npz",
            image=scene["image"],
            polygon=scene["polygon"],
            mask=scene["mask"],
            box=np.array(scene["box"]),
            extreme=np.array([[100, 100], [150, 50], [200, 100], [150, 150]], float),
        )


def test_eval_segment_table_rows(tmp_path, tiny_mask_dir, tiny_model_dir, scene, capsys):
    _scenes(tmp_path, scene)
    args = [
        "segment",
        "--data",
        str(tmp_path),
        "--model",
        str(tiny_mask_dir),
        "--baseline",
        str(tiny_model_dir),
    ]
    rc = eval_main([*args, "--json"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["scenes"] == 2 and "segment" in COMMANDS
    rows = res["methods"]
    model = rows["model (segment, mask)"]
    assert (
        0.0 <= model["miou_box"] <= 1.0
        and 0 <= model["noc90_clicks"] <= 20
        and 0 <= model["noc90_drags"] <= 20
    )
    assert model["mean_vertices"] >= 3 and model["median_ms"] > 0
    assert "model (segment, mask) + GrabCut finishing (2 it, 160 px crop)" in rows
    assert rows["baseline (polygon, polygon)"]["mean_vertices"] == 40
    assert rows["GrabCut (5 it, rect)"]["miou_box"] > 0.8
    gc_poly = rows["GrabCut (5 it, rect) -> polygons"]
    assert gc_poly["miou_box"] > 0.8 and 3 <= gc_poly["mean_vertices"] < 200
    upper = rows["ground truth -> model crop -> polygons (upper bound)"]
    assert upper["miou_box"] > 0.95  # a disc survives the crop and the polygon rule
    box_iou = rows["box as mask"]["miou_box"]
    assert abs(box_iou - scene["mask"].sum() / (104 * 104)) < 0.05  # a disc in its box: about pi/4
    assert set(res["targets"]) >= {"miou_box_ge_grabcut_plus_3pts", "noc85_clicks_le_2", "noc90_clicks_le_3"}
    rc = eval_main([*args, "--no-finishing", "--no-drags"])
    out = capsys.readouterr().out
    assert rc == 0 and "| method | mIoU (box) |" in out and "box as mask" in out and "finishing" not in out


def test_eval_unknown_command_and_missing_data(tmp_path, capsys):
    assert eval_main(["nope"]) == 2
    assert eval_main(["segment", "--data", str(tmp_path)]) == 2
    assert "no *.npz scenes" in capsys.readouterr().err
