"""Background threads give the CPU to the interactive ones.

Annotation mode prefetches the neighbouring photos (a 12-megapixel decode plus its zoom levels), the file
list decodes thumbnails, and saves and autosaves serialise documents. On a 2-core laptop these run while the
model answers the box the user just drew, and the GUI thread then waits for a core.
`bench/bench_annotate_gui.py` shows this on the first boxes after an image switch: 48–66 ms, against
30–35 ms once the prefetch and thumbnails are done, for the same 27–33 ms of GUI-thread CPU time.

`lower_priority()` is called at the start of such a worker. On Linux it raises the niceness of the calling
thread alone: a Linux thread is a task with its own nice value. Then the scheduler prefers the GUI thread
and the inference threads whenever they run. The background work still uses every idle cycle. Elsewhere it
does nothing. The GIL is not affected: a worker keeps it only between its NumPy and OpenCV calls, which
release it.
"""

from __future__ import annotations

import os
import sys
import threading

#: niceness added to background threads (0 normal .. 19 lowest); 10 keeps them ahead of niced batch jobs
BACKGROUND_NICE = 10


def lower_priority(nice: int = BACKGROUND_NICE) -> bool:
    """Run the calling thread at a lower CPU priority (Linux only). Returns True when it was lowered.
    Safe to call again: a thread's priority is only ever lowered, never raised back."""
    if not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) >= nice:
            return True
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:  # not permitted (a sandbox): run at the normal priority
        return False
    return True
