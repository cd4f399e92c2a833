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


def user_message(exc: BaseException, failed: str) -> str:
    """What to show a user for `exc`: a `PaintGANError`'s own one line (already written for users); for
    anything else (a cv2 assertion, a numpy or onnxruntime error) the plain sentence `failed` ("Could not
    compute the colorization of this page"), with the library's text only in the log. Never empty."""
    if isinstance(exc, PaintGANError):
        return one_line(exc)
    import logging

    logging.getLogger("paintgan").warning("%s: %s", failed, one_line(exc, with_type=True), exc_info=exc)
    if isinstance(exc, MemoryError):
        return f"{failed}: not enough memory"
    return f"{failed} (an internal error; the details are in the log)"
