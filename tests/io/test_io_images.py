"""Image files in and out: formats, bit depths, channel layouts, the pixel limit and bad input."""

from __future__ import annotations

import os
import struct

import cv2
import numpy as np
import pytest

from paintgan.core import Document, RasterLayer
from paintgan.errors import ImageReadError, ImageTooLargeError, SaveError
from paintgan.io import images
from paintgan.io.images import (
    decode_image,
    export_flat,
    image_size,
    load_image,
    open_image_document,
    pixel_limit,
    read_header,
    set_pixel_limit,
)


def _bgr(rgba: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgba[..., [2, 1, 0, 3]])


def _encode(ext: str, bgr: np.ndarray, params=()) -> bytes:
    ok, buf = cv2.imencode(ext, bgr, list(params))
    assert ok
    return buf.tobytes()


def _to8(v: np.ndarray) -> np.ndarray:
    return np.round(v.astype(np.float64) * 255 / 65535).astype(np.uint8)


def _one_line_naming(exc: BaseException, name: str) -> None:
    msg = str(exc)
    assert "\n" not in msg and name in msg, msg


@pytest.fixture
def rgba(rng) -> np.ndarray:
    return rng.integers(0, 256, (23, 37, 4), dtype=np.uint8)


# -- formats and layouts ------------------------------------------------------------------------------------
def test_png_rgba8_exact(tmp_path, rgba):
    path = tmp_path / "a.png"
    path.write_bytes(_encode(".png", _bgr(rgba)))
    img = load_image(path)
    assert img.pixels.dtype == np.uint8 and img.pixels.shape == (23, 37, 4)
    assert np.array_equal(img.pixels, rgba)
    assert img.notes == [] and img.source_mode == "RGBA 8-bit" and img.format == "PNG"


@pytest.mark.parametrize(("color_type", "channels", "mode"),
                         [(0, 1, "gray"), (2, 3, "RGB"), (4, 2, "gray+alpha"), (6, 4, "RGBA")])
@pytest.mark.parametrize("depth", [8, 16])
def test_png_layouts_and_depths_from_an_independent_encoder(color_type, channels, mode, depth, make_png, rng):
    hi = 65536 if depth == 16 else 256
    raw = rng.integers(0, hi, (9, 11, channels), dtype=np.uint16 if depth == 16 else np.uint8)
    img = decode_image(make_png(raw if channels > 1 else raw[..., 0], color_type, depth), "x.png")
    v = _to8(raw) if depth == 16 else raw
    gray = channels in (1, 2)
    expected_rgb = np.repeat(v[..., :1], 3, axis=2) if gray else v[..., :3]
    expected_a = v[..., -1] if channels in (2, 4) else np.full(v.shape[:2], 255, np.uint8)
    assert np.array_equal(img.pixels[..., :3], expected_rgb)
    assert np.array_equal(img.pixels[..., 3], expected_a)
    assert img.source_mode == f"{mode} {depth}-bit"
    assert (img.notes == ["16-bit image reduced to 8 bits per channel"]) == (depth == 16)


def test_16bit_reduction_rounds_to_nearest():
    v = np.array([0, 128, 129, 257, 32767, 32768, 65535], np.uint16)
    out = images._to_u8(v, "x", [])
    assert np.array_equal(out, _to8(v))


def _smooth(h: int, w: int) -> np.ndarray:
    """An RGBA gradient: JPEG keeps it close (random noise would not survive chroma subsampling)."""
    y, x = np.mgrid[0:h, 0:w]
    px = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 127 // (w + h),
                   np.full_like(x, 255)], axis=2)
    return px.astype(np.uint8)


def test_jpeg(tmp_path, rgba):
    path = tmp_path / "photo.jpeg"
    smooth = _smooth(23, 37)
    path.write_bytes(_encode(".jpg", _bgr(smooth)[..., :3], [cv2.IMWRITE_JPEG_QUALITY, 95]))
    img = load_image(path)
    assert img.format == "JPEG" and img.source_mode == "RGB 8-bit"
    assert (img.pixels[..., 3] == 255).all()
    assert np.abs(img.pixels[..., :3].astype(int) - smooth[..., :3]).mean() < 3
    gray = decode_image(_encode(".jpg", rgba[..., 0]), "g.jpg")
    assert gray.source_mode == "gray 8-bit"
    assert np.array_equal(gray.pixels[..., 0], gray.pixels[..., 2])


def test_tiff_16bit_rgba_and_8bit_rgb(rng):
    raw = rng.integers(0, 65536, (13, 17, 4), dtype=np.uint16)
    img = decode_image(_encode(".tiff", raw[..., [2, 1, 0, 3]]), "deep.tif")
    assert np.array_equal(img.pixels, _to8(raw))
    assert img.format == "TIFF" and img.notes and img.source_mode.startswith("RGBA 16")
    rgb = rng.integers(0, 256, (13, 17, 3), dtype=np.uint8)
    img = decode_image(_encode(".tif", rgb[..., ::-1]), "flat.tif")
    assert np.array_equal(img.pixels[..., :3], rgb) and (img.pixels[..., 3] == 255).all()


def test_webp_lossless_lossy_and_alpha(rgba):
    lossless = decode_image(_encode(".webp", _bgr(rgba), [cv2.IMWRITE_WEBP_QUALITY, 101]), "a.webp")
    assert lossless.format == "WebP"
    visible = rgba[..., 3] > 0  # libwebp may change the colour under alpha 0
    assert np.array_equal(lossless.pixels[visible], rgba[visible])
    assert np.array_equal(lossless.pixels[..., 3], rgba[..., 3])
    for data in (_encode(".webp", _bgr(rgba)[..., :3], [cv2.IMWRITE_WEBP_QUALITY, 80]),  # VP8
                 _encode(".webp", _bgr(rgba), [cv2.IMWRITE_WEBP_QUALITY, 80])):  # VP8X + ALPH
        h = read_header(data)
        assert (h.width, h.height) == (37, 23)
        assert decode_image(data, "b.webp").pixels.shape == (23, 37, 4)


def test_bmp_rgb_and_rgba(rgba):
    img = decode_image(_encode(".bmp", _bgr(rgba)[..., :3]), "a.bmp")
    assert np.array_equal(img.pixels[..., :3], rgba[..., :3]) and img.format == "BMP"
    img = decode_image(_encode(".bmp", _bgr(rgba)), "b.bmp")
    assert np.array_equal(img.pixels, rgba)


def test_non_ascii_path_and_image_size(tmp_path, rgba):
    folder = tmp_path / "Ünïcödé 画像"
    folder.mkdir()
    path = folder / "чертёж.png"
    path.write_bytes(_encode(".png", _bgr(rgba)))
    assert np.array_equal(load_image(path).pixels, rgba)
    assert image_size(path) == (37, 23)


def test_open_image_document(tmp_path, make_png, rng):
    raw = rng.integers(0, 65536, (30, 40, 4), dtype=np.uint16)
    path = tmp_path / "Sketch 01.png"
    path.write_bytes(make_png(raw, 6, 16))
    notes: list[str] = []
    doc = open_image_document(path, notes)
    assert (doc.width, doc.height) == (40, 30)
    layers = list(doc.layers())
    assert len(layers) == 1 and isinstance(layers[0], RasterLayer) and layers[0].name == "Sketch 01"
    assert doc.active_layer is layers[0]
    composite = doc.composite()
    visible = _to8(raw)[..., 3] > 0
    assert np.array_equal(composite[visible], _to8(raw)[visible])
    assert notes == ["16-bit image reduced to 8 bits per channel"]


# -- headers and the pixel limit ----------------------------------------------------------------------------
def _png_header_only(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr


def _jpeg_header_only(w: int, h: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9 + sof + \
        b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00" + b"\x12\x34" + b"\xff\xd9"


def _bmp_header_only(w: int, h: int) -> bytes:
    return b"BM" + b"\x00" * 12 + struct.pack("<IiiHH", 40, w, -h, 1, 24) + b"\x00" * 24


def _webp_vp8x_only(w: int, h: int) -> bytes:
    wb, hb = (w - 1).to_bytes(3, "little"), (h - 1).to_bytes(3, "little")
    return (b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + struct.pack("<I", 10) + b"\x10\x00\x00\x00"
            + wb + hb)


def _webp_vp8l_only(w: int, h: int) -> bytes:
    bits = (w - 1) | (h - 1) << 14
    return (b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8L" + struct.pack("<I", 5) + b"\x2f"
            + struct.pack("<I", bits))


def _tiff_header_only(w: int, h: int, big_endian: bool = False) -> bytes:
    e = ">" if big_endian else "<"
    head = (b"MM\x00*" if big_endian else b"II*\x00") + struct.pack(e + "I", 8)
    entries = [(256, 4, 1, w), (257, 3, 1, h), (277, 3, 1, 3)]
    ifd = struct.pack(e + "H", len(entries))
    for tag, typ, count, value in entries:
        packed = struct.pack(e + "H", value) + b"\x00\x00" if typ == 3 else struct.pack(e + "I", value)
        ifd += struct.pack(e + "HHI", tag, typ, count) + packed
    return head + ifd + b"\x00\x00\x00\x00"


HEADERS = {"png": _png_header_only, "jpeg": _jpeg_header_only, "bmp": _bmp_header_only,
           "webp-vp8x": _webp_vp8x_only, "webp-vp8l": _webp_vp8l_only, "tiff": _tiff_header_only,
           "tiff-be": lambda w, h: _tiff_header_only(w, h, True)}


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_headers_are_parsed(kind):
    h = read_header(HEADERS[kind](1234, 567))
    assert (h.width, h.height) == (1234, 567)


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_too_large_is_refused_before_decoding(kind, tmp_path, monkeypatch):
    def no_decode(*_a, **_k):
        raise AssertionError("decoded an image over the pixel limit")

    monkeypatch.setattr(images.cv2, "imdecode", no_decode)
    w, h = (16000, 16000) if kind.startswith("webp-vp8l") else (30000, 20000)  # VP8L holds 14 bits
    path = tmp_path / f"huge.{kind}"
    path.write_bytes(HEADERS[kind](w, h))
    old = set_pixel_limit(100_000_000) if kind.startswith("webp-vp8l") else pixel_limit()
    try:
        with pytest.raises(ImageTooLargeError) as info:
            load_image(path)
    finally:
        set_pixel_limit(old)
    _one_line_naming(info.value, str(path))
    assert f"{w}×{h}" in str(info.value)


def test_pixel_limit_is_configurable(rgba, monkeypatch):
    data = _encode(".png", _bgr(rgba))  # 37 × 23 = 851 pixels
    assert images.DEFAULT_MAX_PIXELS == 400_000_000
    with pytest.raises(ImageTooLargeError):
        decode_image(data, "x.png", max_pixels=850)
    assert decode_image(data, "x.png", max_pixels=851).width == 37
    old = set_pixel_limit(800)
    try:
        with pytest.raises(ImageTooLargeError):
            decode_image(data, "x.png")
        monkeypatch.setenv("PAINTGAN_MAX_PIXELS", "1_000")
        set_pixel_limit(None)  # back to the environment's value
        assert pixel_limit() == 1000
        decode_image(data, "x.png")
    finally:
        monkeypatch.delenv("PAINTGAN_MAX_PIXELS")
        set_pixel_limit(old)
    with pytest.raises(ValueError):
        set_pixel_limit(0)
    # OpenCV's own limit never refuses what ours allows
    assert int(os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"]) >= images.DEFAULT_MAX_PIXELS


# -- bad input ----------------------------------------------------------------------------------------------
def _bad_inputs(rgba: np.ndarray) -> dict[str, bytes]:
    png = _encode(".png", _bgr(rgba))
    jpg = _encode(".jpg", _bgr(rgba)[..., :3])
    return {
        "empty": b"",
        "text": b"hello, I am not an image\n",
        "gif": b"GIF89a" + b"\x00" * 40,
        "png-truncated-header": png[:20],
        "png-truncated": png[: len(png) // 2],
        "png-corrupt-data": png[:40] + bytes(len(png) - 40),
        "jpeg-truncated": jpg[: len(jpg) // 2],
        "jpeg-no-frame": b"\xff\xd8\xff\xda\x00\x02" + b"\x00" * 30 + b"\xff\xd9",
        "bmp-short": b"BM" + b"\x00" * 10,
        "webp-unknown-chunk": b"RIFF\x10\x00\x00\x00WEBPABCD" + b"\x00" * 20,
        "tiff-no-size": b"II*\x00\x08\x00\x00\x00\x00\x00" + b"\x00" * 8,
        "zero-size-png": _png_header_only(0, 10),
    }


@pytest.mark.parametrize("case", sorted(_bad_inputs(np.zeros((8, 8, 4), np.uint8))))
def test_bad_files_raise_one_line_image_read_errors(case, tmp_path, rgba):
    path = tmp_path / f"bad-{case}.img"
    path.write_bytes(_bad_inputs(rgba)[case])
    with pytest.raises(ImageReadError) as info:
        load_image(path)
    _one_line_naming(info.value, str(path))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageReadError, match="file not found"):
        load_image(tmp_path / "nothing.png")
    with pytest.raises(ImageReadError, match="folder"):
        load_image(tmp_path)


# -- export -------------------------------------------------------------------------------------------------
def _doc(rng) -> Document:
    doc = Document(40, 30)
    px = _smooth(30, 40)
    px[:10, :, 3] = 0  # a transparent band
    px[20:, :, 3] = 128
    doc.root.insert(0, RasterLayer.from_pixels("l", px))
    return doc


def test_export_png_keeps_transparency(tmp_path, rng):
    doc = _doc(rng)
    export_flat(doc, tmp_path / "out.png")
    back = load_image(tmp_path / "out.png").pixels
    expected = doc.composite()
    visible = expected[..., 3] > 0
    assert np.array_equal(back[visible], expected[visible]) and (back[~visible, 3] == 0).all()


def test_export_jpeg_is_over_white(tmp_path, rng):
    doc = _doc(rng)
    export_flat(doc, tmp_path / "out.JPG", quality=100)
    back = load_image(tmp_path / "out.JPG").pixels
    assert (back[:8, :, :3] >= 245).all()  # the transparent band became white
    expected = doc.flatten_rgb()
    assert np.abs(back[..., :3].astype(int) - expected).mean() < 6


@pytest.mark.parametrize("ext", [".webp", ".tif", ".bmp", ".jpeg"])
def test_export_other_formats_reload(tmp_path, rng, ext):
    doc = _doc(rng)
    export_flat(doc, tmp_path / f"out{ext}")
    assert load_image(tmp_path / f"out{ext}").pixels.shape == (30, 40, 4)


def test_export_refuses_unknown_extensions_and_bad_folders(tmp_path, rng):
    doc = _doc(rng)
    with pytest.raises(SaveError, match=r"unsupported file type “\.gif”"):
        export_flat(doc, tmp_path / "out.gif")
    (tmp_path / "f").write_text("x")
    with pytest.raises(SaveError, match="not a folder"):
        export_flat(doc, tmp_path / "f" / "out.png")
