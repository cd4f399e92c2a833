"""OpenRaster (.ora) read and write, per https://www.openraster.org/ (version 0.0.5).

File layout written:
    mimetype                      first entry, STORED, "image/openraster"
    stack.xml                     <image w h …><stack>…</stack></image>; first child = the top layer
    data/layerN.png               straight RGBA PNG of each layer's content, placed at x, y
    mergedimage.png               the full-canvas composite
    Thumbnails/thumbnail.png      the composite scaled to at most 256 px
    paintgan/document.json        `Document.metadata`
    paintgan/layers/N/NAME        binary blobs of PaintGAN layer kinds

Layers go through `Layer.export_state()` / `layer_from_state()`: a layer's `attrs` become namespaced
`paintgan:KEY` attributes (plus `paintgan:kind`), its `blobs` extra zip entries referenced by
`paintgan:blob-NAME` attributes. New layer kinds therefore round-trip without touching this module, and
Krita / GIMP / MyPaint still open the file (they ignore foreign attributes and entries and see each
layer's PNG). Reading accepts their files: missing optional attributes, offsets, nested stacks, PNGs of
any depth and channel count, no mergedimage.png.

Krita's files keep everything on a re-save: composite-ops we cannot render stay on the layer (shown as
Normal, see `approximated_modes`) and are written back as they were; `isolation="auto"` (or none, as
Krita reads it) makes a pass-through group; attributes we do not know are kept in the layer's
`file_attrs` and written back; opacity is written in Krita's format (six significant digits), so
Krita's 1/255 steps come back as they were. Layer PNGs of 16 bits per channel are read as 8 bits.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import time
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree as ET

import cv2
import numpy as np

from paintgan import limits
from paintgan.core.blend import mode_from_ora, resolve_mode
from paintgan.core.document import Document
from paintgan.core.layers import LAYER_KINDS, GroupLayer, Layer, LayerState, RasterLayer, layer_from_state
from paintgan.errors import ImageReadError, ImageTooLargeError, OraFormatError, PaintGANError, one_line
from paintgan.io.atomic import atomic_write
from paintgan.io.images import decode_image, encode_png, pixel_limit

NS = "https://paintgan.org/ns/ora/1"
MIMETYPE = b"image/openraster"
ORA_VERSION = "0.0.5"
THUMBNAIL_SIZE = 256
MAX_XML_BYTES = 64 << 20
MAX_ENTRY_BYTES = 2 << 30
MAX_DEPTH = 100

_RESERVED = ("kind", "empty", "id")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_BLOB_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: stack.xml attributes we interpret; any other is kept in the layer's `file_attrs`.
_KNOWN_ATTRS = frozenset({"name", "visibility", "opacity", "composite-op", "edit-locked", "selected",
                          "isolation", "src", "x", "y"})
_ATTR_NAME_RE = re.compile(r"^(\{[^{}\s]{1,200}\})?[A-Za-z_][A-Za-z0-9_.:-]{0,100}$")
MAX_FILE_ATTRS = 64

ET.register_namespace("paintgan", NS)


class OraTooLargeError(OraFormatError, ImageTooLargeError):
    """An OpenRaster canvas or layer exceeds the pixel limit (catchable as either parent)."""


def _q(key: str) -> str:
    return f"{{{NS}}}{key}"


def _xml_text(s: str) -> str:
    return _XML_BAD.sub("", str(s))


# ======================================================================================================
# writing
# ======================================================================================================
def save_ora(doc: Document, path: str | os.PathLike[str], *, backup_suffix: str | None = None) -> None:
    """Write `doc` as OpenRaster, atomically (an existing file is replaced only on success; kept as
    PATH + `backup_suffix` when given)."""
    atomic_write(path, lambda f: write_ora(doc, f), backup_suffix=backup_suffix)


def ora_bytes(doc: Document) -> bytes:
    buf = io.BytesIO()
    write_ora(doc, buf)
    return buf.getvalue()


class LayerPngCache:
    """The encoded PNG of each paint layer from the previous write of a document, reused while the layer's
    tiles are the very same arrays (copy-on-write: an edited tile is a new array, so an unchanged layer keeps
    every one). Autosave writes one document again and again and a stroke touches one layer: the others'
    PNGs (seconds each on a large page) are not encoded again. An entry holds the tile mapping it was made
    from, which keeps those arrays, and so their identities, alive."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[dict[Any, Any], tuple[int, int], bytes, tuple[int, int], bool]] = {}

    def get(self, layer: RasterLayer) -> tuple[bytes, tuple[int, int], bool] | None:
        e = self._entries.get(layer.id)
        if e is None or e[1] != (layer.x, layer.y):
            return None
        tiles = layer.surface.snapshot()
        if e[0].keys() != tiles.keys() or any(e[0][k] is not t for k, t in tiles.items()):
            return None
        return e[2], e[3], e[4]

    def put(self, layer: RasterLayer, png: bytes, offset: tuple[int, int], empty: bool) -> None:
        self._entries[layer.id] = (dict(layer.surface.snapshot()), (layer.x, layer.y), png, offset, empty)

    def keep_only(self, ids: set[str]) -> None:
        for key in [k for k in self._entries if k not in ids]:
            del self._entries[key]


class _Writer:
    def __init__(self, doc: Document, z: zipfile.ZipFile, png_cache: LayerPngCache | None = None) -> None:
        self.doc = doc
        self.z = z
        self.png_cache = png_cache
        self.n_png = 0
        self.n_blob_layers = 0
        self.date_time = time.localtime(time.time())[:6]

    def entry(self, name: str, data: bytes, compress: bool) -> None:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self.z.writestr(info, data)

    def children(self, parent: ET.Element, items: Sequence[Layer | LayerState]) -> None:
        for item in reversed(items):  # stack.xml lists the top layer first; our children[0] is the bottom
            selected = False
            if isinstance(item, Layer):
                selected = item is self.doc.active_layer
                if isinstance(item, GroupLayer) and type(item).export_state is GroupLayer.export_state:
                    # walk plain groups object by object: only one layer's pixels in memory at a time
                    state = LayerState(item.kind, item.props())
                    kids: Sequence[Layer | LayerState] = item.children
                elif self.png_cache is not None and type(item) is RasterLayer:
                    state, png = self._raster(item, self.png_cache)
                    state.layer_id = item.id
                    self.layer(parent, state, (), selected, png)
                    continue
                else:
                    state = item.export_state()
                    kids = state.children
                state.layer_id = item.id
            else:
                state, kids = item, item.children
            self.layer(parent, state, kids, selected)

    def _raster(self, item: RasterLayer, cache: LayerPngCache) -> tuple[LayerState, tuple[bytes, bool]]:
        hit = cache.get(item)
        if hit is not None:
            png, offset, empty = hit
            return LayerState(item.kind, item.props(), None, offset), (png, empty)
        state = item.export_state()
        empty = state.pixels is None or state.pixels.size == 0
        png = encode_png(np.zeros((1, 1, 4), np.uint8) if empty else state.pixels)
        cache.put(item, png, state.offset, empty)
        state.pixels = None
        return state, (png, empty)

    def layer(self, parent: ET.Element, state: LayerState, kids: Sequence[Layer | LayerState],
              selected: bool, png: tuple[bytes, bool] | None = None) -> None:
        cls = LAYER_KINDS.get(state.kind)
        is_stack = state.kind == "group" or bool(kids) or (cls is not None and issubclass(cls, GroupLayer))
        props = state.props
        el = ET.SubElement(parent, "stack" if is_stack else "layer")
        el.set("name", _xml_text(props.get("name", "")))
        el.set("visibility", "visible" if props.get("visible", True) else "hidden")
        el.set("opacity", f"{float(props.get('opacity', 1.0)):.6g}")  # as Krita writes it
        try:
            el.set("composite-op", resolve_mode(props.get("blend_mode", "normal")).ora_op)
        except KeyError:
            el.set("composite-op", "svg:src-over")
        if props.get("locked"):
            el.set("edit-locked", "true")
        if selected:
            el.set("selected", "true")
        if is_stack:
            el.set("isolation", "isolate" if props.get("isolated", True) else "auto")
        for key, value in dict(props.get("file_attrs") or {}).items():  # others' attributes, unchanged
            if _ATTR_NAME_RE.match(key) and key not in _KNOWN_ATTRS and not key.startswith(f"{{{NS}}}"):
                el.set(key, _xml_text(value))
        el.set(_q("kind"), state.kind)
        if state.layer_id:
            el.set(_q("id"), state.layer_id)
        for key, value in state.attrs.items():
            if not _NAME_RE.match(key) or key in _RESERVED or key.startswith("blob-"):
                raise ValueError(f"layer attribute name {key!r} is not allowed in OpenRaster")
            el.set(_q(key), _xml_text(value))
        if state.blobs:
            self.n_blob_layers += 1
            for blob_name, data in state.blobs.items():
                if not _BLOB_RE.match(blob_name):
                    raise ValueError(f"layer blob name {blob_name!r} is not allowed in OpenRaster")
                entry = f"paintgan/layers/{self.n_blob_layers}/{blob_name}"
                self.entry(entry, bytes(data), compress=True)
                el.set(_q(f"blob-{blob_name}"), entry)
        if is_stack:
            self.children(el, kids)
            return
        x, y = state.offset
        if png is None:
            pixels = state.pixels
            empty = pixels is None or pixels.size == 0
            png = (encode_png(np.zeros((1, 1, 4), np.uint8) if empty else pixels), empty)
        if png[1]:
            el.set(_q("empty"), "true")
        self.n_png += 1
        src = f"data/layer{self.n_png}.png"
        self.entry(src, png[0], compress=False)
        el.set("src", src)
        el.set("x", str(int(x)))
        el.set("y", str(int(y)))


def write_ora(doc: Document, f: BinaryIO, *, png_cache: LayerPngCache | None = None) -> None:
    """Write `doc` as OpenRaster into a seekable binary file object (`png_cache`: reuse the PNGs of paint
    layers unchanged since the previous write with that cache, see `LayerPngCache`)."""
    if png_cache is not None:
        png_cache.keep_only({layer.id for layer in doc.layers()})
    with zipfile.ZipFile(f, "w", allowZip64=True) as z:
        w = _Writer(doc, z, png_cache)
        w.entry("mimetype", MIMETYPE, compress=False)  # first, uncompressed: the file's magic
        image = ET.Element("image", {"version": ORA_VERSION, "w": str(doc.width), "h": str(doc.height),
                                     "xres": "72", "yres": "72"})
        root = ET.SubElement(image, "stack")
        w.children(root, doc.root.children)
        w.entry("stack.xml", ET.tostring(image, encoding="UTF-8", xml_declaration=True), compress=True)
        merged = doc.composite()
        w.entry("mergedimage.png", encode_png(merged), compress=False)
        w.entry("Thumbnails/thumbnail.png", encode_png(_thumbnail(merged)), compress=False)
        meta = json.dumps(doc.metadata, ensure_ascii=False, indent=1, allow_nan=False)
        w.entry("paintgan/document.json", meta.encode("utf-8"), compress=True)


def _thumbnail(rgba: np.ndarray, size: int = THUMBNAIL_SIZE) -> np.ndarray:
    h, w = rgba.shape[:2]
    scale = min(1.0, size / max(h, w))
    if scale >= 1.0:
        return rgba
    tw, th = max(1, round(w * scale)), max(1, round(h * scale))
    # resize premultiplied, so transparent pixels do not bleed their (meaningless) colour
    pre = rgba.astype(np.float32)
    pre[..., :3] *= pre[..., 3:4] / 255.0
    small = cv2.resize(pre, (tw, th), interpolation=cv2.INTER_AREA)
    alpha = small[..., 3:4]
    rgb = np.divide(small[..., :3] * 255.0, alpha, out=np.zeros_like(small[..., :3]), where=alpha > 1e-3)
    out = np.empty((th, tw, 4), np.uint8)
    out[..., :3] = np.clip(rgb + 0.5, 0, 255)
    out[..., 3] = np.clip(alpha[..., 0] + 0.5, 0, 255)
    return out


# ======================================================================================================
# reading
# ======================================================================================================
def _safe_name(name: str) -> str | None:
    """The normalised entry name, or None for absolute paths, drive letters and `..` components."""
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n):
        return None
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _int_attr(el: ET.Element, key: str, default: int | None, where: str, path: str) -> int:
    raw = el.get(key)
    if raw is None:
        if default is None:
            raise OraFormatError(f"Cannot open {path}: {where} has no “{key}” attribute")
        return default
    try:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError
        return round(value)
    except ValueError:
        raise OraFormatError(f"Cannot open {path}: {where} has an invalid “{key}” ({raw[:40]!r})") from None


class _Reader:
    def __init__(self, z: zipfile.ZipFile, path: str, max_pixels: int) -> None:
        self.seen_ids: set[str] = set()
        self.z = z
        self.path = path
        self.max_pixels = max_pixels
        self.entries: dict[str, zipfile.ZipInfo] = {}
        infos = z.infolist()
        limits.check("ZIP_ENTRIES", len(infos), f"Cannot open {path}", "the number of entries")
        self.pixels_left = int(limits.limit("DOCUMENT_PIXELS"))  # decoded pixels all layers may still use
        for info in infos:
            safe = _safe_name(info.filename)
            if safe is not None and not info.is_dir():  # unsafe names are never used
                self.entries.setdefault(safe, info)
        self.selected_path: list[int] | None = None
        self.deep_layers = 0  # layers whose PNG had more than 8 bits per channel

    def fail(self, msg: str) -> OraFormatError:
        return OraFormatError(f"Cannot open {self.path}: {msg}")

    def read(self, name: str, limit: int = MAX_ENTRY_BYTES) -> bytes:
        info = self.entries[name]
        if info.file_size > limit:
            raise self.fail(f"the entry {name} is too large ({info.file_size / 2**20:.0f} MiB)")
        try:
            return self.z.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
            raise self.fail(f"the entry {name} is damaged ({one_line(exc)})") from None

    def ref(self, raw: str, what: str) -> str:
        safe = _safe_name(raw)
        if safe is None:
            raise self.fail(f"{what} refers to an unsafe path {raw[:80]!r}")
        if safe not in self.entries:
            raise self.fail(f"{what} refers to {raw[:80]!r}, which is missing from the file")
        return safe

    def stack(self, el: ET.Element, dx: int, dy: int, depth: int, index_path: list[int]) -> list[LayerState]:
        if depth > MAX_DEPTH:
            raise self.fail(f"layer groups are nested more than {MAX_DEPTH} levels deep")
        items = [c for c in el if _tag(c) in ("stack", "layer")]
        states: list[LayerState] = []
        n = len(items)
        for i, child in enumerate(items):
            our_index = n - 1 - i  # stack.xml lists the top first
            states.append(self.element(child, dx, dy, depth, [*index_path, our_index]))
        states.reverse()
        return states

    def element(self, el: ET.Element, dx: int, dy: int, depth: int, index_path: list[int]) -> LayerState:
        is_stack = _tag(el) == "stack"
        name = el.get("name") or ("Group" if is_stack else "Layer")
        what = f"layer “{name[:60]}”"
        opacity = 1.0
        with contextlib.suppress(ValueError):
            opacity = float(el.get("opacity", "1"))
        if not math.isfinite(opacity):
            opacity = 1.0
        props = {
            "name": name,
            "visible": el.get("visibility", "visible").strip().lower() != "hidden",
            "opacity": min(1.0, max(0.0, opacity)),
            "blend_mode": mode_from_ora(el.get("composite-op")),
            "locked": el.get("edit-locked", "false").strip().lower() == "true",
        }
        if is_stack:  # Krita: pass-through unless "isolate" (OpenRaster's default is "auto")
            props["isolated"] = el.get("isolation", "auto").strip().lower() == "isolate"
        foreign = {k: v for k, v in el.attrib.items()
                   if k not in _KNOWN_ATTRS and not k.startswith(f"{{{NS}}}") and _ATTR_NAME_RE.match(k)}
        if foreign:
            props["file_attrs"] = dict(list(foreign.items())[:MAX_FILE_ATTRS])
        if el.get("selected", "").strip().lower() == "true":
            self.selected_path = index_path
        attrs: dict[str, str] = {}
        blobs: dict[str, bytes] = {}
        kind = "group" if is_stack else "raster"
        layer_id: str | None = None
        empty = False
        prefix = f"{{{NS}}}"
        for key, value in el.attrib.items():
            if not key.startswith(prefix):
                continue
            local = key[len(prefix):]
            if local == "kind":
                kind = value
            elif local == "id":
                layer_id = value if _ID_RE.match(value) and value not in self.seen_ids else None
                if layer_id:
                    self.seen_ids.add(layer_id)
            elif local == "empty":
                empty = value == "true"
            elif local.startswith("blob-"):
                blobs[local[5:]] = self.read(self.ref(value, f"{what} (blob {local[5:]!r})"))
            else:
                attrs[local] = value
        x = _int_attr(el, "x", 0, what, self.path) + dx
        y = _int_attr(el, "y", 0, what, self.path) + dy
        limits.check("LAYER_OFFSET", max(abs(x), abs(y)), f"Cannot open {self.path}: {what}", "the position")
        if is_stack:
            children = self.stack(el, x, y, depth + 1, index_path)
            return LayerState(kind, props, None, (0, 0), attrs, blobs, children, layer_id)
        src = el.get("src")
        if not src:
            raise self.fail(f"{what} has no “src” attribute")
        entry = self.ref(src, what)
        pixels = None
        if not empty:
            data = self.read(entry)
            cap = min(self.max_pixels, self.pixels_left)
            try:
                loaded = decode_image(data, entry, cap)
                pixels = loaded.pixels
                self.pixels_left -= int(pixels.shape[0]) * int(pixels.shape[1])
                if "16" in loaded.source_mode or any("8 bits" in n for n in loaded.notes):
                    self.deep_layers += 1
            except ImageTooLargeError as exc:
                if cap < self.max_pixels:  # the document's budget, not the single image, ran out
                    limits.check("DOCUMENT_PIXELS", limits.limit("DOCUMENT_PIXELS") + 1,
                                 f"Cannot open {self.path}: {what}", "the layers' pixels together")
                raise OraTooLargeError(f"Cannot open {self.path}: {what}: {exc}") from None
            except ImageReadError as exc:
                reason = str(exc).removeprefix(f"Cannot open {entry}: ")
                raise self.fail(f"the image of {what} ({entry}) does not decode: {reason}") from None
        return LayerState(kind, props, pixels, (x, y), attrs, blobs, layer_id=layer_id)


def _tag(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def load_ora(path: str | os.PathLike[str], max_pixels: int | None = None, notes: list[str] | None = None
             ) -> Document:
    """Read an OpenRaster file (ours, Krita's, GIMP's, MyPaint's...) into a new Document. What the user
    should be told once about the file (blend modes shown approximately, 16-bit layers made 8-bit) is
    appended to `notes`."""
    p = Path(path)
    name = str(p)
    limit = pixel_limit() if max_pixels is None else max_pixels
    try:
        z = zipfile.ZipFile(p)
    except FileNotFoundError:
        raise ImageReadError(f"Cannot open {name}: file not found") from None
    except IsADirectoryError:
        raise ImageReadError(f"Cannot open {name}: it is a folder") from None
    except PermissionError:
        raise ImageReadError(f"Cannot open {name}: permission denied") from None
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise OraFormatError(f"Cannot open {name}: not an OpenRaster file (not a zip archive, "
                             "or a damaged one)") from None
    except OSError as exc:
        raise ImageReadError(f"Cannot open {name}: {exc.strerror or exc}") from None
    with z:
        try:
            return _load(z, name, limit, notes)
        except PaintGANError:
            raise
        except MemoryError:
            raise OraFormatError(f"Cannot open {name}: not enough memory to open it") from None
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError, RecursionError, EOFError,
                OSError, RuntimeError, zipfile.BadZipFile, zlib.error) as exc:  # a case no check foresaw
            raise OraFormatError(f"Cannot open {name}: damaged content ({one_line(exc)})") from None


def _load(z: zipfile.ZipFile, name: str, limit: int, notes: list[str] | None = None) -> Document:
    r = _Reader(z, name, limit)
    if "mimetype" in r.entries:
        mime = r.read("mimetype", 1024).strip()
        if mime != MIMETYPE:
            raise r.fail(f"not an OpenRaster file (mimetype is {mime[:60].decode('latin-1')!r})")
    if "stack.xml" not in r.entries:
        raise r.fail("not an OpenRaster file (no stack.xml)")
    xml = r.read("stack.xml", MAX_XML_BYTES)
    if b"<!ENTITY" in xml:
        raise r.fail("stack.xml declares XML entities, which are not allowed")
    try:
        image = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise r.fail(f"stack.xml is malformed ({one_line(exc)})") from None
    if _tag(image) != "image":
        raise r.fail(f"stack.xml has <{_tag(image)[:40]}> instead of <image> at its root")
    width = _int_attr(image, "w", None, "the image", name)
    height = _int_attr(image, "h", None, "the image", name)
    if width <= 0 or height <= 0:
        raise r.fail(f"invalid canvas size {width}×{height}")
    if width * height > limit:
        raise OraTooLargeError(f"Cannot open {name}: the canvas is too large ({width}×{height} pixels, "
                               f"the limit is {limit / 1e6:.0f} MP)")
    root_stack = next((c for c in image if _tag(c) == "stack"), None)
    if root_stack is None:
        raise r.fail("stack.xml has no root <stack>")
    n_layers = sum(1 for el in root_stack.iter() if _tag(el) in ("stack", "layer")) - 1
    limits.check("LAYERS", n_layers, f"Cannot open {name}", "the number of layers")  # before decoding any
    try:
        states = r.stack(root_stack, 0, 0, 0, [])
    except RecursionError:
        raise r.fail("layer groups are nested too deeply") from None

    doc = Document(width, height)
    for state in states:
        what = f"layer “{str(state.props.get('name', ''))[:60]}”"
        try:
            layer = layer_from_state(state)
        except PaintGANError as exc:
            raise r.fail(f"{what}: {one_line(exc)}") from None
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError, RecursionError) as exc:
            raise r.fail(f"{what} is malformed ({one_line(exc)})") from None
        doc.root.insert(len(doc.root.children), layer)
    doc.active_layer = _find_path(doc.root, r.selected_path) or (
        doc.root.children[-1] if doc.root.children else None)

    if "paintgan/document.json" in r.entries:
        raw = r.read("paintgan/document.json", MAX_XML_BYTES)
        try:
            meta = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise r.fail(f"paintgan/document.json is malformed ({one_line(exc)})") from None
        if not isinstance(meta, dict):
            raise r.fail("paintgan/document.json is not a JSON object")
        doc.metadata = meta
    if notes is not None:
        approx = approximated_modes(doc)
        if approx:
            notes.append(f"Blend modes shown as Normal (kept unchanged when saving): {', '.join(approx)}")
        if r.deep_layers:
            notes.append(f"{r.deep_layers} layer(s) with 16 bits per channel were reduced to 8 bits")
    return doc


def _find_path(root: GroupLayer, index_path: list[int] | None) -> Layer | None:
    if not index_path:
        return None
    node: Layer = root
    for i in index_path:
        if not isinstance(node, GroupLayer) or not 0 <= i < len(node.children):
            return None
        node = node.children[i]
    return node


def approximated_modes(doc: Document) -> list[str]:
    """The composite-ops of `doc`'s layers that we keep but render as Normal (sorted, each once): what to
    tell the user once after opening a file."""
    found = {layer.blend_mode for layer in doc.layers()
             if getattr(layer, "isolated", True) and resolve_mode(layer.blend_mode).approximated}
    return sorted(found)
