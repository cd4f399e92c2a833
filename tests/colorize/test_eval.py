from __future__ import annotations

import json

import numpy as np
from colorize_helpers import lineart_page

from paintgan.eval.colorize import main, zhang_hints


def test_zhang_hints_deterministic():
    rgb = np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    a = zhang_hints(rgb, 10, np.random.default_rng(1))
    b = zhang_hints(rgb, 10, np.random.default_rng(1))
    assert a == b and len(a.points) == 10
    assert all(0 <= p.x < 50 and 0 <= p.y < 40 for p in a.points)


def test_eval_baselines_without_model(tmp_path, capsys):
    imgs = np.stack([lineart_page(64, 64)] * 2)
    imgs[:, 20:40, 20:30] = (200, 50, 50)
    np.save(tmp_path / "val.npy", imgs)
    assert main(["--data", str(tmp_path), "--kind", "gray", "--json", "--hints", "0,5"]) == 0
    res = json.loads(capsys.readouterr().out)
    keys = [r["key"] for r in res["rows"]]
    assert keys == ["baseline", "gray"] and res["notes"]
    assert main(["--data", str(tmp_path), "--kind", "lineart", "--hints", "0,2"]) == 0
    assert "| flat fill (classical) |" in capsys.readouterr().out


def test_eval_with_model(tmp_path, model_root, capsys):
    np.save(tmp_path / "val.npy", np.stack([lineart_page(48, 48)]))
    assert main(["--data", str(tmp_path), "--kind", "lineart", "--json", "--hints", "0,1"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["rows"][0]["key"] == "model"
    assert [r["key"] for r in res["rows"]] == ["model", "smooth", "baseline"]
