"""Crash test: the app paints with the real brush and adds colour hints with the real hint tool in a
subprocess and is SIGKILLed at random moments; the next start restores a document no older than the autosave
interval (plus the time one write takes), holding exactly the first N actions, and no recovery file is
corrupt. `bench/bench_crash_recovery.py` runs it 50 times and prints the numbers."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from .crash_app import crash_and_restore

INTERVAL = 1.0
WRITE_SLACK = 1.5  # one autosave write of the small test page, on a loaded 2-core machine


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_app_is_restored_to_a_recent_state(tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(16)
    for n, kill_after in enumerate([0.3, *rng.uniform(1.5, 3.0, 2)]):
        r = crash_and_restore(str(tmp_path / f"run{n}"), INTERVAL, float(kill_after), seed=n)
        assert r["corrupt"] == 0 and r["prefix"] == 1.0 and r["left_after"] == 0
        assert r["age_s"] <= INTERVAL + WRITE_SLACK, r
        if kill_after > 2 * INTERVAL + WRITE_SLACK:
            assert r["entries"] == 1 and r["restored"] > 0, r
