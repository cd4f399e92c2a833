"""Filter PyInstaller's output for a CPU build: warnings about optional GPU and GTK libraries that a CPU
bundle never loads (cuDNN, cuBLAS, TensorRT, cuFFT, ..., GTK/GDK, found as dependencies of the CUDA or
TensorRT providers and of Qt's GTK platform theme) become one summary line; everything else passes
through unchanged. `PAINTGAN_VERBOSE_BUILD=1` (or a gpu flavour) shows them all.

    python -m PyInstaller ... 2>&1 | python packaging/filter_warnings.py
"""

from __future__ import annotations

import os
import re
import sys

HARMLESS = re.compile(
    r"lib(cudnn|cublas|cublasLt|nvinfer|nvonnxparser|nvrtc|cufft|curand|cusparse|cusolver|cudart|nvJitLink|"
    r"cuda|nccl|gtk|gdk|atk|pango)[\w.-]*", re.I)


def harmless(line: str) -> bool:
    return "WARNING" in line and HARMLESS.search(line) is not None


def main() -> int:
    verbose = os.environ.get("PAINTGAN_VERBOSE_BUILD") == "1" or os.environ.get("PAINTGAN_FLAVOUR") == "gpu"
    hidden: set[str] = set()
    for line in sys.stdin:
        if not verbose and harmless(line):
            m = HARMLESS.search(line)
            hidden.add(m.group(0) if m else line.strip())
            continue
        sys.stdout.write(line)
        sys.stdout.flush()
    if hidden:
        names = ", ".join(sorted(hidden)[:6]) + (", …" if len(hidden) > 6 else "")
        print(f"== {len(hidden)} optional GPU/GTK libraries not bundled ({names}): harmless for a CPU build "
              "(PAINTGAN_VERBOSE_BUILD=1 shows the warnings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
