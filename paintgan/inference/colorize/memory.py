"""Working memory of colorizing one page, estimated from its size before anything is decoded.

A page inside the pixel limit can still need more memory than the machine has: colorizing holds the
decoded page, its guide, region labels, the full-resolution Lab result and the upsampling buffers at
once. Measured peak RSS of `paintgan colorize` (CPU, shipped model), per page pixel above a ~300 MB base:
gray/RGB neural 41 B/px, line art neural 24 B/px, flat 26 B/px (16 and 64 MP pages). The estimate uses
the worst case plus margin, so a 400 MP page is refused in a second with a one-line `LimitError`
instead of the process dying of memory half an hour later.

The limit is `COLORIZE_MEMORY` in `paintgan.limits` (raise it with `PAINTGAN_LIMIT_COLORIZE_MEMORY`).
Unless that variable is set, a page whose estimate exceeds the memory this machine has available
(`MemAvailable` + free swap, Linux) is refused too.
"""

from __future__ import annotations

import os

from paintgan.limits import LimitError, check

#: Estimated bytes per page pixel (measured worst case 41 B/px, plus margin) and the fixed base.
BYTES_PER_PIXEL = 48
BASE_BYTES = 300 << 20


def colorize_working_bytes(width: int, height: int) -> int:
    """Estimated peak memory of colorizing a `width` × `height` page."""
    return BASE_BYTES + BYTES_PER_PIXEL * int(width) * int(height)


def available_bytes() -> int | None:
    """Memory this machine can still give a process (MemAvailable + SwapFree), None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            info = {k.strip(): v for k, _, v in (line.partition(":") for line in f)}
        return (int(info["MemAvailable"].split()[0]) + int(info.get("SwapFree", "0 kB").split()[0])) * 1024
    except (OSError, KeyError, ValueError, IndexError):
        return None


def check_colorize_memory(width: int, height: int, where: str) -> None:
    """Raise `LimitError` (one line: the page, its size, the estimate, the limit and how to raise it)
    when colorizing a `width` × `height` page would need more than `COLORIZE_MEMORY` or than is free."""
    need = colorize_working_bytes(width, height)
    what = f"the memory colorizing this {width}×{height} page needs (about {need / 2**30:.1f} GiB) in bytes"
    check("COLORIZE_MEMORY", need, where, what)
    if os.environ.get("PAINTGAN_LIMIT_COLORIZE_MEMORY"):
        return  # the user raised the limit on purpose: trust it
    free = available_bytes()
    if free is not None and need > free:
        raise LimitError(f"{where}: colorizing this {width}×{height} page needs about {need / 2**30:.1f} GiB "
                         f"of memory, this machine has {free / 2**30:.1f} GiB free; use a smaller page "
                         f"or set PAINTGAN_LIMIT_COLORIZE_MEMORY={need} to try anyway")

