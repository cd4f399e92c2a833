"""`one_line`: the one-line error text every report (CLI row, status bar, message box) uses."""

from __future__ import annotations

import pytest

from paintgan.errors import FormatError, one_line


@pytest.mark.parametrize(
    ("exc", "plain", "typed"),
    [
        (ValueError("bad value\nTraceback detail"), "bad value", "ValueError: bad value"),
        (OSError("  \n disk full \nmore"), "disk full", "OSError: disk full"),
        (RuntimeError(), "RuntimeError", "RuntimeError"),
        (KeyError(""), "''", "KeyError: ''"),
        (FormatError("hints.json: 'hints' must be a list"), "hints.json: 'hints' must be a list",
         "FormatError: hints.json: 'hints' must be a list"),
    ],
)
def test_one_line(exc: BaseException, plain: str, typed: str) -> None:
    assert one_line(exc) == plain
    assert one_line(exc, with_type=True) == typed
    assert "\n" not in one_line(exc)
