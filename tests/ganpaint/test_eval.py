"""`python -m paintgan.eval ganpaint` on a tiny model (random weights: only the plumbing is checked)."""

from __future__ import annotations

import json

from paintgan.eval.__main__ import main as eval_main
from paintgan.eval.ganpaint import evaluate, format_table
from paintgan.ganpaint import GanPainter


def test_evaluate_table_and_json(tiny_model, capsys):
    res = evaluate(GanPainter(tiny_model, "cpu"), seeds=2, control=True)
    assert set(res["concepts"]) == {"tree", "sky", "grass"}
    row = res["concepts"]["tree"]
    assert row["units"] == 10 and 0.0 <= row["draw_success"] <= 1.0 and row["draw_leak"] >= 0.0
    assert abs(sum(res["frequencies"]["generated"].values()) - 1.0) < 1e-3
    assert "draw rise" in format_table(res)
    assert eval_main(["ganpaint", "--model", str(tiny_model), "--seeds", "1", "--no-control", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["seeds"] == 1 and out["concepts"]["sky"]["draw_success_random_units"] is None
