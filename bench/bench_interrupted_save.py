"""Interrupted saves: SIGKILL a process while it saves an .ora over an existing file, many times.

    python bench/bench_interrupted_save.py [--kills 100]

Each round forks a child that saves a 3-layer 256×256 page in a loop and kills it at a random moment.
Checked after every kill: the file opens (old or new version); the temporary files the killed save left;
after they are a minute old ("stale"), the next save removes them. Same loop as
tests/io/test_io_interrupted_save.py (which runs 20 kills). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "io"))

from test_io_interrupted_save import kill_during_saves


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="paintgan-bench-kill-") as tmp:
        stats = kill_during_saves(Path(tmp), args.kills, seed=args.seed)
    stats["temp_mb_left_by_kills"] = round(stats.pop("temp_bytes_left_by_kills") / 2**20, 1)
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    stats["ok"] = stats["opens"] == stats["kills"] and stats["temps_after_next_save"] == 0
    print(json.dumps(stats))
    return 0 if stats["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
