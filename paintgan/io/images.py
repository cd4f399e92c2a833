"""Raster images in and out (PNG, JPEG, TIFF, WebP, BMP) through OpenCV, without Qt.

Reading returns straight-alpha RGBA uint8 whatever the file holds (gray, gray+alpha, RGB, RGBA, palette;
8 or 16 bits, float TIFF); anything reduced on the way (16 → 8 bits) is reported in `LoadedImage.notes`.
The image size is read from the file header and checked against the pixel limit *before* decoding, so a
hostile or huge file never allocates gigabytes. Every failure is an `ImageReadError` /
`ImageTooLargeError` whose message is one line naming the file.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paintgan.core.document import Document
from paintgan.core.layers import RasterLayer, as_rgba8
from paintgan.errors import ImageReadError, ImageTooLargeError, SaveError
from paintgan.io.atomic import atomic_write

DEFAULT_MAX_PIXELS = 20_000 * 20_000
_OPENCV_DEFAULT_LIMIT = 1 << 30  # OpenCV's own default for OPENCV_IO_MAX_IMAGE_PIXELS


def _env_limit() -> int:
    raw = os.environ.get("PAINTGAN_MAX_PIXELS", "").strip().replace("_", "")
    try:
        value = int(raw) if raw else DEFAULT_MAX_PIXELS
    except ValueError:
        value = DEFAULT_MAX_PIXELS
    return value if value > 0 else DEFAULT_MAX_PIXELS


_max_pixels = _env_limit()
# OpenCV reads its own limit once, on first decode; make sure it never refuses what we allow (our own
# check, done before decoding, is the one that matters). Must happen before cv2 is first used.
if "OPENCV_IO_MAX_IMAGE_PIXELS" not in os.environ:
    os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"] = str(max(_max_pixels, _OPENCV_DEFAULT_LIMIT))

import cv2  # noqa: E402  (after the environment variable above)

#: Maximum size of a file read into memory (a sanity bound, far above any real image).
MAX_FILE_BYTES = 4 << 30


def pixel_limit() -> int:
    """The current maximum number of pixels (width × height) of an image or canvas."""
    return _max_pixels


def set_pixel_limit(max_pixels: int | None) -> int:
    """Set the maximum number of pixels (None: back to the default / PAINTGAN_MAX_PIXELS).
    Returns the previous limit."""
    global _max_pixels
    previous = _max_pixels
    if max_pixels is None:
        _max_pixels = _env_limit()
    else:
        if max_pixels <= 0:
            raise ValueError("the pixel limit must be positive")
        _max_pixels = int(max_pixels)
    return previous


def check_pixel_limit(width: int, height: int, name: str, max_pixels: int | None = None) -> None:
    limit = pixel_limit() if max_pixels is None else max_pixels
    if width * height > limit:
        raise ImageTooLargeError(
            f"{name} is too large: {width}×{height} pixels ({width * height / 1e6:.0f} MP), "
            f"the limit is {limit / 1e6:.0f} MP")


@dataclass
class ImageHeader:
    format: str  # "PNG", "JPEG", "BMP", "WebP", "TIFF"
    width: int
    height: int
    mode: str | None = None  # e.g. "RGBA 16-bit" when the header says


@dataclass
class LoadedImage:
    pixels: np.ndarray  # (h, w, 4) uint8, straight RGBA
    notes: list[str] = field(default_factory=list)
    source_mode: str = ""  # e.g. "RGB 8-bit", "gray+alpha 16-bit", "indexed 4-bit"
    format: str = ""

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


# -- headers ---------------------------------------------------------------------------------------------
class _Truncated(Exception):
    pass


def _unpack(fmt: str, data: bytes, offset: int) -> tuple[int, ...]:
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(data):
        raise _Truncated
    return struct.unpack_from(fmt, data, offset)


_PNG_MODES = {0: "gray", 2: "RGB", 3: "indexed", 4: "gray+alpha", 6: "RGBA"}


def _png_header(data: bytes) -> ImageHeader:
    if data[12:16] != b"IHDR":
        raise ValueError("missing IHDR chunk")
    w, h, depth, ctype = _unpack(">IIBB", data, 16)
    mode = _PNG_MODES.get(ctype)
    return ImageHeader("PNG", w, h, f"{mode} {depth}-bit" if mode else None)


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_header(data: bytes) -> ImageHeader:
    pos = 2
    size: tuple[int, ...] | None = None
    while True:
        if pos >= len(data):
            raise _Truncated
        if data[pos] != 0xFF:
            raise ValueError("bad JPEG marker")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1
        if pos >= len(data):
            raise _Truncated
        marker = data[pos]
        pos += 1
        if marker == 0xD8 or marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if marker == 0xD9:
            raise ValueError("no image data")
        (length,) = _unpack(">H", data, pos)
        if marker in _JPEG_SOF and size is None:
            size = _unpack(">BHHB", data, pos + 2)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            if size is None:
                raise ValueError("no frame header before the image data")
            # a complete file has an end-of-image marker after the scan data (FF bytes inside the
            # entropy-coded data are always followed by 00 or a restart marker)
            if data.rfind(b"\xff\xd9", pos) < 0:
                raise _Truncated
            precision, h, w, comps = size
            mode = {1: "gray", 3: "RGB", 4: "CMYK"}.get(comps, f"{comps}-channel")
            return ImageHeader("JPEG", w, h, f"{mode} {precision}-bit")
        pos += length


def _bmp_header(data: bytes) -> ImageHeader:
    (dib,) = _unpack("<I", data, 14)
    if dib == 12:
        w, h, _planes, bits = _unpack("<HHHH", data, 18)
    else:
        w, h, _planes, bits = _unpack("<iiHH", data, 18)
    return ImageHeader("BMP", abs(w), abs(h), f"{bits}-bit")


def _webp_header(data: bytes) -> ImageHeader:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            raise ValueError("bad VP8 frame")
        w, h = _unpack("<HH", data, 26)
        return ImageHeader("WebP", w & 0x3FFF, h & 0x3FFF, "RGB 8-bit")
    if chunk == b"VP8L":
        if _unpack("<B", data, 20)[0] != 0x2F:
            raise ValueError("bad VP8L signature")
        (bits,) = _unpack("<I", data, 21)
        return ImageHeader("WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "RGBA 8-bit")
    if chunk == b"VP8X":
        b = _unpack("<6B", data, 24)
        w = (b[0] | b[1] << 8 | b[2] << 16) + 1
        h = (b[3] | b[4] << 8 | b[5] << 16) + 1
        return ImageHeader("WebP", w, h, "RGBA 8-bit" if data[20] & 0x10 else "RGB 8-bit")
    raise ValueError("unknown WebP chunk")


def _tiff_header(data: bytes) -> ImageHeader:
    e = "<" if data[:2] == b"II" else ">"
    (magic,) = _unpack(e + "H", data, 2)
    big = magic == 43
    if big:
        (ifd,) = _unpack(e + "Q", data, 8)
        (count,) = _unpack(e + "Q", data, ifd)
        first, entry_size = ifd + 8, 20
    else:
        (ifd,) = _unpack(e + "I", data, 4)
        (count,) = _unpack(e + "H", data, ifd)
        first, entry_size = ifd + 2, 12
    if count > 10_000:
        raise ValueError("bad TIFF directory")
    values: dict[int, int] = {}
    for i in range(count):
        off = first + i * entry_size
        tag, typ = _unpack(e + "HH", data, off)
        if tag not in (256, 257, 258, 277):
            continue
        (n,) = _unpack(e + ("Q" if big else "I"), data, off + 4)
        voff = off + (12 if big else 8)
        if n * {3: 2, 4: 4, 16: 8}.get(typ, 1) > (8 if big else 4):  # values stored elsewhere: use the first
            (voff,) = _unpack(e + ("Q" if big else "I"), data, voff)
        if typ == 3:  # SHORT
            (values[tag],) = _unpack(e + "H", data, voff)
        elif typ == 4:  # LONG
            (values[tag],) = _unpack(e + "I", data, voff)
        elif typ == 16:  # LONG8 (BigTIFF)
            (values[tag],) = _unpack(e + "Q", data, voff)
    if 256 not in values or 257 not in values:
        raise ValueError("missing width or height tag")
    mode = None
    if 277 in values:
        mode = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}.get(values[277], f"{values[277]}-channel")
        if 258 in values:  # BitsPerSample (first value when stored inline)
            mode += f" {values[258]}-bit"
    return ImageHeader("TIFF", values[256], values[257], mode)


_SIGNATURES: list[tuple[Callable[[bytes], bool], Callable[[bytes], ImageHeader]]] = [
    (lambda d: d[:8] == b"\x89PNG\r\n\x1a\n", _png_header),
    (lambda d: d[:3] == b"\xff\xd8\xff", _jpeg_header),
    (lambda d: d[:2] == b"BM", _bmp_header),
    (lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP", _webp_header),
    (lambda d: d[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), _tiff_header),
]


def read_header(data: bytes, name: str = "image") -> ImageHeader:
    """Format and size from the first bytes of an image file, without decoding it."""
    for matches, parse in _SIGNATURES:
        if matches(data):
            try:
                header = parse(data)
            except _Truncated:
                raise ImageReadError(f"Cannot open {name}: the file is truncated") from None
            except (ValueError, struct.error) as exc:
                raise ImageReadError(f"Cannot open {name}: corrupt image header ({exc})") from None
            if header.width <= 0 or header.height <= 0:
                raise ImageReadError(f"Cannot open {name}: invalid image size "
                                     f"{header.width}×{header.height}")
            return header
    if not data:
        raise ImageReadError(f"Cannot open {name}: the file is empty")
    raise ImageReadError(f"Cannot open {name}: unsupported image format "
                         "(PaintGAN reads PNG, JPEG, TIFF, WebP and BMP)")


# -- decoding --------------------------------------------------------------------------------------------
def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImageTooLargeError(f"{path} is too large ({size / 2**30:.1f} GiB)")
        return path.read_bytes()
    except FileNotFoundError:
        raise ImageReadError(f"Cannot open {path}: file not found") from None
    except IsADirectoryError:
        raise ImageReadError(f"Cannot open {path}: it is a folder") from None
    except PermissionError:
        raise ImageReadError(f"Cannot open {path}: permission denied") from None
    except OSError as exc:
        raise ImageReadError(f"Cannot open {path}: {exc.strerror or exc}") from None


def _to_u8(px: np.ndarray, name: str, notes: list[str]) -> np.ndarray:
    if px.dtype == np.uint8:
        return px
    if px.dtype == np.uint16:
        notes.append("16-bit image reduced to 8 bits per channel")
        return ((px.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if px.dtype in (np.float32, np.float64):
        notes.append("floating-point image converted to 8 bits per channel (values clipped to 0–1)")
        return (np.clip(np.nan_to_num(px), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    raise ImageReadError(f"Cannot open {name}: unsupported sample format ({px.dtype})")


def _to_rgba(px: np.ndarray, name: str) -> tuple[np.ndarray, str]:
    if px.ndim == 2:
        px = px[:, :, None]
    h, w, c = px.shape
    out = np.empty((h, w, 4), np.uint8)
    if c == 1:
        out[..., :3] = px
        out[..., 3] = 255
        return out, "gray"
    if c == 2:
        out[..., :3] = px[..., :1]
        out[..., 3] = px[..., 1]
        return out, "gray+alpha"
    if c == 3:
        out[..., :3] = px[..., ::-1]
        out[..., 3] = 255
        return out, "RGB"
    if c == 4:
        out[..., :3] = px[..., 2::-1]
        out[..., 3] = px[..., 3]
        return out, "RGBA"
    raise ImageReadError(f"Cannot open {name}: unsupported channel count ({c})")


def decode_image(data: bytes, name: str = "image", max_pixels: int | None = None) -> LoadedImage:
    """Decode image file bytes to straight RGBA uint8 after checking the header size."""
    header = read_header(data, name)
    check_pixel_limit(header.width, header.height, name, max_pixels)
    # JPEG: IMREAD_COLOR applies the EXIF orientation (no alpha or 16 bits to keep anyway).
    flags = cv2.IMREAD_COLOR if header.format == "JPEG" else cv2.IMREAD_UNCHANGED
    try:
        px = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else "decoder error"
        raise ImageReadError(f"Cannot open {name}: the {header.format} data is corrupt ({msg})") from None
    if px is None or px.size == 0:
        raise ImageReadError(f"Cannot open {name}: the {header.format} data is corrupt or truncated")
    notes: list[str] = []
    bits = {np.dtype(np.uint8): 8, np.dtype(np.uint16): 16}.get(px.dtype, 32)
    px8 = _to_u8(px, name, notes)
    rgba, decoded_mode = _to_rgba(px8, name)
    source_mode = header.mode or f"{decoded_mode} {bits}-bit"
    return LoadedImage(rgba, notes, source_mode, header.format)


def load_image(path: str | os.PathLike[str], max_pixels: int | None = None) -> LoadedImage:
    """Read an image file (any path, including non-ASCII ones) as straight RGBA uint8."""
    p = Path(path)
    return decode_image(_read_bytes(p), str(p), max_pixels)


def load_thumbnail(path: str | os.PathLike[str], size: int, max_pixels: int | None = None) -> np.ndarray:
    """A small RGBA uint8 preview of an image file, its longest side at most `size` pixels. Same checks and
    errors as `load_image`; JPEGs are decoded at 1/2, 1/4 or 1/8 scale by the decoder itself
    (IMREAD_REDUCED_COLOR_*), other formats are decoded whole and shrunk (INTER_AREA)."""
    if size < 1:
        raise ValueError(f"thumbnail size must be positive, got {size}")
    p = Path(path)
    data = _read_bytes(p)
    header = read_header(data, str(p))
    check_pixel_limit(header.width, header.height, str(p), max_pixels)
    longest = max(header.width, header.height)
    reduce = next((r for r in (8, 4, 2) if longest // r >= size), 1)
    if header.format == "JPEG" and reduce > 1:
        flag = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
        try:
            px = cv2.imdecode(np.frombuffer(data, np.uint8), flag[reduce])
        except cv2.error:
            px = None
        if px is None or px.size == 0:
            raise ImageReadError(f"Cannot open {p}: the JPEG data is corrupt or truncated")
        rgba, _mode = _to_rgba(px, str(p))
    else:
        rgba = decode_image(data, str(p), max_pixels).pixels
    h, w = rgba.shape[:2]
    scale = size / max(h, w)
    if scale < 1.0:
        tw, th = max(1, round(w * scale)), max(1, round(h * scale))
        rgba = cv2.resize(rgba, (tw, th), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgba)


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(width, height) of an image file from its header only."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            head = f.read(1 << 16)
    except OSError as exc:
        raise ImageReadError(f"Cannot open {p}: {exc.strerror or exc}") from None
    if head[:3] == b"\xff\xd8\xff" or head[:2] in (b"II", b"MM"):
        head = _read_bytes(p)  # SOF / IFD may lie anywhere in the file
    h = read_header(head, str(p))
    return h.width, h.height


def open_image_document(path: str | os.PathLike[str], notes: list[str] | None = None,
                        max_pixels: int | None = None) -> Document:
    """A new document the size of the image with one paint layer named after the file.
    Notes about the conversion (e.g. 16 → 8 bits) are appended to `notes` when given."""
    p = Path(path)
    img = load_image(p, max_pixels)
    doc = Document(img.width, img.height)
    layer = RasterLayer.from_pixels(p.stem or "Image", img.pixels)
    doc.root.insert(0, layer)
    doc.active_layer = layer
    if notes is not None:
        notes.extend(img.notes)
    return doc


# -- encoding --------------------------------------------------------------------------------------------
_EXPORT_EXTS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WebP", ".tif": "TIFF",
                ".tiff": "TIFF", ".bmp": "BMP"}


def encode_image(pixels: np.ndarray, ext: str = ".png", quality: int = 95) -> bytes:
    """Encode straight RGBA (or RGB / gray) uint8 pixels. JPEG and BMP drop alpha (the caller flattens)."""
    ext = ext.lower()
    fmt = _EXPORT_EXTS.get(ext)
    if fmt is None:
        raise ValueError(f"unsupported image format {ext!r}")
    px = as_rgba8(pixels)
    params: list[int] = []
    if fmt in ("JPEG", "BMP"):
        bgr = cv2.cvtColor(px, cv2.COLOR_RGBA2BGR)  # (OpenCV releases the GIL: autosave writes off-thread)
        if fmt == "JPEG":
            params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    else:
        bgr = cv2.cvtColor(px, cv2.COLOR_RGBA2BGRA)
        if fmt == "WebP":
            params = [cv2.IMWRITE_WEBP_QUALITY, 101 if quality >= 100 else max(1, int(quality))]
        elif fmt == "PNG":
            params = [cv2.IMWRITE_PNG_COMPRESSION, 3]
    ok, buf = cv2.imencode(ext if ext != ".jpeg" else ".jpg", bgr, params)
    if not ok:
        raise ValueError(f"could not encode the image as {fmt}")
    return buf.tobytes()


def encode_png(pixels: np.ndarray) -> bytes:
    return encode_image(pixels, ".png")


def export_flat(doc: Document, path: str | os.PathLike[str], quality: int = 95, *,
                backup_suffix: str | None = None) -> None:
    """Save the flattened visible image: PNG/WebP/TIFF keep transparency, JPEG/BMP are put over white.
    With `backup_suffix` the replaced file is kept as PATH + suffix."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in _EXPORT_EXTS:
        raise SaveError(f"Cannot save to {p}: unsupported file type “{p.suffix or '(none)'}” "
                        "(use .png, .jpg, .webp, .tif or .bmp)")
    if _EXPORT_EXTS[ext] in ("JPEG", "BMP"):
        pixels = doc.flatten_rgb((255, 255, 255))
    else:
        pixels = doc.composite()
    atomic_write(p, lambda f: f.write(encode_image(pixels, ext, quality)), backup_suffix=backup_suffix)
