"""Writing many small files at once (dataset exports and imports): each file is replaced through a
temporary file and `os.replace`, so no reader ever sees it half-written and a failure leaves the old file.

`atomic_write` is the tool for a user's single save: it also fsyncs the folder and sweeps it for stale
temporary files, which costs milliseconds per file and grows with the folder — quadratic for 10,000 files
in one folder. Here `durable=True` fsyncs each file's data (LabelMe files the user will edit), and the
caller fsyncs the folder once at the end with `sync_folder`; exports that can be re-created skip the fsync.
Temporary names come from `atomic.temp_name`, so `clean_stale_temps` recognises leftovers of a killed run.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from paintgan.errors import SaveError
from paintgan.io.atomic import os_error_reason, temp_name


def replace_file(path: str | os.PathLike[str], data: bytes, *, durable: bool = False) -> None:
    """Write `data` to `path` through a temporary file in the same folder; SaveError on failure (an
    existing file is left as it was, the temporary file removed)."""
    target = Path(path)
    if target.is_dir():
        raise SaveError(f"Cannot save to {target}: a folder with that name exists")
    tmp = target.with_name(temp_name(target.name))
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SaveError(f"Cannot save to {target}: {os_error_reason(exc)}") from None


