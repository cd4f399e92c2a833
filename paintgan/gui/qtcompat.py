"""Work-around for a reference-count bug of the Qt binding.

PySide6 6.12.0 on CPython 3.11 returns `None` from every void method, and `True` from `Signal.emit()`,
without taking a reference. Each call lowers the refcount of the singleton by one, and after enough calls
(a long brush stroke repaints thousands of times) Python aborts with "Fatal Python error: none_dealloc" or
"bool_dealloc". CPython ≥ 3.12 makes these singletons immortal, which is why the bug is harmless there.

`install()` (run when `paintgan.gui` is imported) probes for the bug and, only when it is present, does
what CPython 3.12 does: gives None, True and False a reference count so large it can never reach zero.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_installed = False


class _Probe(QObject):
    sig = Signal()


def binding_leaks_singletons() -> bool:
    """Whether calls into the binding lose references to None/True (always False on CPython ≥ 3.12)."""
    if sys.version_info >= (3, 12):
        return False
    probe = _Probe()
    none0, true0 = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("probe")
        probe.sig.emit()
    return sys.getrefcount(None) <= none0 - 16 or sys.getrefcount(True) <= true0 - 16


def _immortalize(obj: object) -> None:
    refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is the first field of every object
    refcnt.value += 1 << 40


def install() -> bool:
    """Apply the work-around if needed; returns whether it was applied."""
    global _installed
    if _installed:
        return True
    if binding_leaks_singletons():
        for obj in (None, True, False):
            _immortalize(obj)
        _installed = True
    return _installed
