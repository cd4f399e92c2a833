"""User-facing errors. Every message is one line a user understands."""

from __future__ import annotations


class PaintGANError(Exception):
    """Base of all errors PaintGAN reports to a user (CLI: exit 2, GUI: a message box)."""


class ImageReadError(PaintGANError):
    """An image file could not be read (missing, corrupt, truncated, unsupported)."""


class ImageTooLargeError(PaintGANError):
    """An image exceeds the configured pixel limit."""


class OraFormatError(PaintGANError):
    """An OpenRaster file is malformed (not a zip, missing stack.xml or layer data...)."""


class SaveError(PaintGANError):
    """A file could not be written; any existing file at the target is left untouched."""


class FormatError(PaintGANError):
    """A JSON or other structured input is malformed."""


class ModelError(PaintGANError):
    """A model is missing, corrupt or does not match its manifest."""


class InferenceError(PaintGANError):
    """Running a model failed."""


def one_line(exc: BaseException, *, with_type: bool = False) -> str:
    """The first line of `exc`'s message, for a one-line report (status bar, message box, CLI row); the
    exception's type name when the message is empty. `with_type`: prefixed with the type name, as
    "OSError: disk full" (for errors that are not ours, whose message alone may not say what failed)."""
    text = str(exc).strip()
    name = type(exc).__name__
    if not text:
        return name
    line = text.splitlines()[0].strip()
    return f"{name}: {line}" if with_type else line
