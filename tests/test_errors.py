"""`one_line`: the one-line error text every report (CLI row, status bar, message box) uses."""

from __future__ import annotations

import pytest

from paintgan.errors import FormatError, one_line, user_message


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


def test_user_message_keeps_ours_and_hides_library_text(caplog: pytest.LogCaptureFixture) -> None:
    assert user_message(FormatError("hints.json: bad"), "Could not load hints") == "hints.json: bad"
    lib = ValueError("OpenCV(4.9.0) error: (-215:Assertion failed) !_src.empty()")
    shown = user_message(lib, "Could not compute the colorization of this page")
    assert shown.startswith("Could not compute the colorization of this page") and "OpenCV" not in shown
    assert "Assertion failed" in caplog.text
    assert user_message(MemoryError(), "Cannot open a.ora") == "Cannot open a.ora: not enough memory"
