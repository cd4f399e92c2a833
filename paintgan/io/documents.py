"""Open and save documents by file extension: .ora keeps layers, image formats are flattened."""

from __future__ import annotations

import os
from pathlib import Path

from paintgan.core.document import Document
from paintgan.io.images import export_flat, open_image_document
from paintgan.io.ora import load_ora, save_ora

ORA_EXTS = (".ora",)
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")


def open_document(path: str | os.PathLike[str], notes: list[str] | None = None,
                  max_pixels: int | None = None) -> Document:
    """Open an OpenRaster file or an image (one layer). Conversion notes are appended to `notes`."""
    if Path(path).suffix.lower() in ORA_EXTS:
        return load_ora(path, max_pixels, notes)
    return open_image_document(path, notes, max_pixels)


def save_document(doc: Document, path: str | os.PathLike[str], quality: int = 95, *,
                  backup_suffix: str | None = None) -> None:
    """Save atomically: .ora with all layers, other extensions as a flattened image. With `backup_suffix`
    the replaced file is kept as PATH + suffix."""
    if Path(path).suffix.lower() in ORA_EXTS:
        save_ora(doc, path, backup_suffix=backup_suffix)
    else:
        export_flat(doc, path, quality, backup_suffix=backup_suffix)
