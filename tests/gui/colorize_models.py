"""tests/colorize/colorize_helpers.py (the tiny colorize model and the drawn character) for GUI tests.

That file lives in another test folder whose conftest puts `helpers_onnx` on the path, so GUI tests load it
by path, once per run."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

TESTS = Path(__file__).resolve().parents[1]


@cache
def colorize_helpers() -> ModuleType:
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))  # for `helpers_onnx`
    spec = importlib.util.spec_from_file_location("_gui_colorize_helpers",
                                                  TESTS / "colorize" / "colorize_helpers.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
