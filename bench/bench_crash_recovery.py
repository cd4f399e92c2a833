"""Crash test: the app (offscreen, real brush strokes and colour hints through mouse events) is SIGKILLed at
random moments; the next start restores what autosave wrote.

    python bench/bench_crash_recovery.py [--kills 50] [--interval 1.0] [--max-delay 6]

Each round runs tests/gui/crash_app.py in a subprocess with `$PAINTGAN_AUTOSAVE_SECONDS=interval` and a
fresh user data folder, kills it 0.2..max-delay seconds after its window is up, then opens the main window
in this process and restores every recovery entry through `offer_recovery`. Reported: recovery entries,
corrupt ones (did not open), restored documents that are not exactly the first N actions (torn snapshots),
and `age_s`: how old the restored state was at the kill (time since the first action it lacks). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAINTGAN_NO_DEVICE_PROBE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "gui"))

import numpy as np
from crash_app import crash_and_restore


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--max-delay", type=float, default=6.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QSettings

    from paintgan.gui.app import create_app

    app = create_app()  # noqa: F841 - the restoring window needs it
    rng = np.random.default_rng(args.seed)
    rows = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="paintgan-bench-crash-") as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.path.join(tmp, "qs"))
        for n in range(args.kills):
            delay = float(rng.uniform(0.2, args.max_delay))
            r = crash_and_restore(os.path.join(tmp, f"run{n}"), args.interval, delay, seed=n)
            r["kill_after_s"] = delay
            rows.append(r)
            print(json.dumps({k: round(v, 3) for k, v in r.items()}), file=sys.stderr, flush=True)
    ages = [r["age_s"] for r in rows]
    out = {
        "kills": len(rows), "interval_s": args.interval, "seconds": round(time.perf_counter() - t0, 1),
        "recovery_entries": int(sum(r["entries"] for r in rows)),
        "corrupt_recovery_files": int(sum(r["corrupt"] for r in rows)),
        "torn_restores": int(sum(1 for r in rows if r["prefix"] != 1.0)),
        "restored_documents": int(sum(1 for r in rows if r["restored"] > 0)),
        "actions_done": int(sum(r["painted"] for r in rows)),
        "actions_restored": int(sum(r["restored"] for r in rows)),
        "hints_restored": int(sum(r["hints"] for r in rows)),
        "entries_left_after_restore": int(sum(r["left_after"] for r in rows)),
        "age_s": {"median": round(statistics.median(ages), 2),
                  "p95": round(sorted(ages)[int(0.95 * (len(ages) - 1))], 2), "max": round(max(ages), 2)},
        "within_interval": int(sum(1 for a in ages if a <= args.interval)),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
