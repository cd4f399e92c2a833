"""`python -m paintgan.eval segment` on two tiny scenes (tiny random model: numbers are meaningless)."""

from __future__ import annotations

import json

import numpy as np

from paintgan.eval.__main__ import COMMANDS
from paintgan.eval.__main__ import main as eval_main


def test_eval_segment_json(tmp_path, tiny_model_dir, scene, capsys):
    for i in range(2):
        np.savez_compressed(
            tmp_path / f"{i:05d}.npz",
            image=scene["image"],
            polygon=scene["polygon"],
            box=np.array(scene["box"]),
            extreme=np.array([[100, 100], [150, 50], [200, 100], [150, 150]], float),
        )
    rc = eval_main(["segment", "--data", str(tmp_path), "--model", str(tiny_model_dir), "--json"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert res["scenes"] == 2
    assert 0.0 <= res["polygon"]["miou_box"] <= 1.0 and res["grabcut"]["miou_box"] > 0.8
    assert 0 <= res["polygon"]["noc90"] <= 20 and res["ceiling_miou_gt_resampled"] > 0.95
    assert "segment" in COMMANDS


def test_eval_unknown_command_and_missing_data(tmp_path, capsys):
    assert eval_main(["nope"]) == 2
    assert eval_main(["segment", "--data", str(tmp_path)]) == 2
    assert "no *.npz scenes" in capsys.readouterr().err
