"""The build's warning filter sums up harmless GPU/GTK library warnings of a CPU build in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FILTER = Path(__file__).resolve().parents[1] / "packaging" / "filter_warnings.py"
LOG = """123 INFO: building
456 WARNING: Library not found: could not resolve 'libcublasLt.so.13', dependency of 'onnxruntime/capi/x.so'.
457 WARNING: Library not found: could not resolve 'libcudnn.so.9', dependency of 'onnxruntime/capi/x.so'.
458 WARNING: Library not found: could not resolve 'libnvinfer.so.10', dependency of 'onnxruntime/capi/y.so'.
459 WARNING: Library not found: could not resolve 'libgtk-3.so.0', dependency of 'PySide6/plugins/z.so'.
460 WARNING: Hidden import "foo" not found!
"""


def _run(env_extra: dict[str, str]) -> str:
    import os

    env = {**os.environ, "PAINTGAN_FLAVOUR": "cpu", "PAINTGAN_VERBOSE_BUILD": "", **env_extra}
    return subprocess.run([sys.executable, str(FILTER)], input=LOG, capture_output=True, text=True,
                          env=env, check=True).stdout


def test_cpu_build_hides_gpu_and_gtk_library_warnings_in_one_line() -> None:
    out = _run({})
    assert "libcublasLt.so.13', dependency" not in out and "libgtk-3" not in out.splitlines()[1]
    assert 'Hidden import "foo" not found' in out and "building" in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("== 4 optional GPU/GTK libraries not bundled") and "harmless" in summary


def test_verbose_or_gpu_flavour_shows_everything() -> None:
    assert _run({"PAINTGAN_VERBOSE_BUILD": "1"}) == LOG
    assert _run({"PAINTGAN_FLAVOUR": "gpu"}) == LOG
