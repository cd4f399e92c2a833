"""Files in and out, without Qt: images (OpenCV), OpenRaster, atomic saves."""

from paintgan.io.atomic import atomic_write
from paintgan.io.documents import IMAGE_EXTS, ORA_EXTS, open_document, save_document
from paintgan.io.images import (
    DEFAULT_MAX_PIXELS,
    LoadedImage,
    decode_image,
    encode_image,
    export_flat,
    image_size,
    load_image,
    open_image_document,
    pixel_limit,
    read_header,
    set_pixel_limit,
)
from paintgan.io.ora import OraTooLargeError, load_ora, save_ora

__all__ = [
    "DEFAULT_MAX_PIXELS", "IMAGE_EXTS", "ORA_EXTS", "LoadedImage", "OraTooLargeError", "atomic_write",
    "decode_image", "encode_image", "export_flat", "image_size", "load_image", "load_ora", "open_document",
    "open_image_document", "pixel_limit", "read_header", "save_document", "save_ora", "set_pixel_limit",
]
