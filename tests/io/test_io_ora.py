"""OpenRaster: round-trips, the spec's layout, files from other programs, bad input, safe saving."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from typing import Any
from xml.etree import ElementTree as ET

import cv2
import numpy as np
import pytest

from paintgan.core import Document, GroupLayer, Layer, LayerState, RasterLayer, Rect, layer_kind
from paintgan.core.blend import BLEND_MODES
from paintgan.errors import ImageReadError, ImageTooLargeError, OraFormatError, SaveError
from paintgan.io import images, open_document, save_document
from paintgan.io.ora import NS, OraTooLargeError, load_ora, ora_bytes, save_ora


@layer_kind("test-sticky-note")
class NoteLayer(Layer):
    """A layer kind known only to this test: a text, a colour, binary data and a preview image."""

    def __init__(self, name: str = "Note", **kw: Any) -> None:
        super().__init__(name, **kw)
        self.text = ""
        self.payload = b""
        self.preview: np.ndarray | None = None
        self.at = (0, 0)

    def export_state(self) -> LayerState:
        return LayerState(self.kind, self.props(), self.preview, self.at,
                          attrs={"text": self.text, "colour": "#ff8800"},
                          blobs={"payload.bin": self.payload, "strokes.json": b'{"n": 3}'})

    @classmethod
    def from_state(cls, state: LayerState) -> NoteLayer:
        layer = cls()
        layer._apply_common(state.props)
        layer.text = state.attrs["text"]
        assert state.attrs["colour"] == "#ff8800" and state.blobs["strokes.json"] == b'{"n": 3}'
        layer.payload = state.blobs["payload.bin"]
        layer.preview, layer.at = state.pixels, state.offset
        return layer


def _png(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


def _px(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    px = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    px[px[..., 3] == 0, :3] = 0  # colour under alpha 0 is not preserved by every writer
    return px


def rich_doc(rng: np.random.Generator) -> Document:
    doc = Document(200, 150)
    bg = np.zeros((150, 200, 4), np.uint8)
    bg[...] = (250, 240, 230, 255)
    doc.root.insert(0, RasterLayer.from_pixels("Background", bg, locked=True))
    for i, mode in enumerate(sorted(BLEND_MODES)):
        doc.root.insert(len(doc.root.children), RasterLayer.from_pixels(
            f"{mode} “layer” <&> ünï", _px(rng, 30, 40), x=15 * i - 20, y=10 * i - 5,
            opacity=round(0.3 + 0.08 * (i % 9), 2), blend_mode=mode))
    doc.root.insert(len(doc.root.children), RasterLayer("empty"))
    g = GroupLayer("Group", opacity=0.75, blend_mode="screen")
    doc.root.insert(len(doc.root.children), g)
    g.insert(0, RasterLayer.from_pixels("in group", _px(rng, 50, 60), x=100, y=90))
    inner = GroupLayer("Inner", visible=False)
    g.insert(1, inner)
    inner.insert(0, RasterLayer.from_pixels("hidden deep", _px(rng, 20, 20), x=-10, y=140, visible=False))
    note = NoteLayer("My note", opacity=0.5)
    note.text = "remember: 'quotes' & <tags>\nsecond line"
    note.payload = bytes(range(256)) * 3
    note.preview = _px(rng, 8, 12)
    note.at = (33, 44)
    doc.root.insert(len(doc.root.children), note)
    doc.active_layer = g.children[0]
    doc.metadata = {"hints": {"version": 1, "hints": [{"x": 12.5, "y": 40, "rgb": [255, 0, 0], "radius": 2}]},
                    "title": "Ünïcode ✓"}
    return doc


def describe(layer: Layer) -> tuple[Any, ...]:
    """Everything a file must keep about a layer (not its id)."""
    state = layer.export_state()
    kids = tuple(describe(c) for c in layer.children) if isinstance(layer, GroupLayer) else ()
    pixels = None
    if state.pixels is not None and not isinstance(layer, GroupLayer):
        pixels = (state.pixels.shape, state.pixels.tobytes(), state.offset)
    return (type(layer).__name__, state.kind, state.props, pixels, state.attrs,
            {k: bytes(v) for k, v in state.blobs.items()}, kids)


def test_roundtrip_keeps_everything(tmp_path, rng):
    doc = rich_doc(rng)
    path = tmp_path / "rich.ora"
    save_ora(doc, path)
    back = load_ora(path)
    assert (back.width, back.height) == (doc.width, doc.height)
    assert [describe(c) for c in back.root.children] == [describe(c) for c in doc.root.children]
    assert back.metadata == doc.metadata
    assert back.active_layer is not None and back.active_layer.name == "in group"
    assert np.array_equal(back.composite(), doc.composite())
    note = back.root.children[-1]
    assert isinstance(note, NoteLayer) and note.text == doc.root.children[-1].text  # type: ignore[attr-defined]
    # and again: a second save of the loaded document gives the same layers
    assert [describe(c) for c in load_ora_bytes(ora_bytes(back)).root.children] == \
        [describe(c) for c in doc.root.children]


def load_ora_bytes(data: bytes, tmp_name: str = "x.ora") -> Document:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / tmp_name
        p.write_bytes(data)
        return load_ora(p)


def test_file_layout_follows_the_spec(tmp_path, rng):
    doc = rich_doc(rng)
    doc.root.children[0].write(0, 0, np.zeros((150, 100, 4), np.uint8))  # make the composite partly clear
    path = tmp_path / "layout.ora"
    save_ora(doc, path)
    raw = path.read_bytes()
    # mimetype: the first entry, stored, no extra field, so the magic sits at a fixed offset
    assert raw[:4] == b"PK\x03\x04" and raw[30:38] == b"mimetype" and raw[38:54] == b"image/openraster"
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"image/openraster"
        names = z.namelist()
        assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png",
                "paintgan/document.json"} <= set(names)
        assert not any(n.startswith("/") or ".." in n for n in names)
        image = ET.fromstring(z.read("stack.xml"))
        merged = _png(z.read("mergedimage.png"))
        thumb = _png(z.read("Thumbnails/thumbnail.png"))
        srcs = [el.get("src") for el in image.iter("layer")]
        assert all(s in names for s in srcs) and len(set(srcs)) == len(srcs)
        assert json.loads(z.read("paintgan/document.json")) == doc.metadata
    assert image.tag == "image" and image.get("version") == "0.0.5"
    assert (image.get("w"), image.get("h")) == ("200", "150")
    root = image.find("stack")
    assert root is not None
    # the first child is the TOP layer
    assert [c.get("name") for c in root] == [c.name for c in reversed(doc.root.children)]
    assert root[0].get(f"{{{NS}}}kind") == "test-sticky-note" and root[0].get(f"{{{NS}}}blob-payload.bin")
    group = root[1]
    assert group.tag == "stack" and group.get("composite-op") == "svg:screen"
    assert group.get("opacity") == "0.75"
    assert [c.get("name") for c in group] == ["Inner", "in group"]
    assert group[0].get("visibility") == "hidden"
    assert root[-1].get("edit-locked") == "true" and root[-1].get("visibility") == "visible"
    assert group[1].get("selected") == "true"
    assert b'xmlns:paintgan="https://paintgan.org/ns/ora/1"' in zipfile.ZipFile(path).read("stack.xml")
    # merged image = the composite (straight RGBA); thumbnail at most 256 px
    composite = doc.composite()
    merged_rgba = merged[..., [2, 1, 0, 3]]
    visible = composite[..., 3] > 0
    assert np.array_equal(merged_rgba[visible], composite[visible])
    assert thumb.shape[:2] == (150, 200)  # small canvases are not enlarged


def test_thumbnail_is_at_most_256_px(rng):
    doc = Document(1000, 300)
    doc.root.insert(0, RasterLayer.from_pixels("x", np.full((300, 1000, 4), 200, np.uint8)))
    with zipfile.ZipFile(io.BytesIO(ora_bytes(doc))) as z:
        thumb = _png(z.read("Thumbnails/thumbnail.png"))
    assert thumb.shape == (77, 256, 4) and (thumb == 200).all()


def test_empty_document_roundtrip(tmp_path):
    doc = Document(10, 7)
    save_ora(doc, tmp_path / "e.ora")
    back = load_ora(tmp_path / "e.ora")
    assert (back.width, back.height) == (10, 7) and not back.root.children and back.active_layer is None


# -- files written by other programs ------------------------------------------------------------------------
def write_zip(entries: list[tuple[str, bytes]], stored_mimetype: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            ctype = zipfile.ZIP_STORED if (name == "mimetype" and stored_mimetype) else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=ctype)
    return buf.getvalue()


def test_opens_a_file_from_an_independent_writer(tmp_path, rng, make_png):
    """Built by hand per the spec, the way Krita / GIMP / MyPaint write: top layer first, offsets,
    a group, a hidden layer, a 16-bit PNG, a gray PNG, missing optional attributes, an unknown op."""
    top = _px(rng, 10, 12)
    deep16 = rng.integers(0, 65536, (6, 7, 4), dtype=np.uint16)
    gray = rng.integers(0, 256, (5, 5), dtype=np.uint8)
    bottom = np.full((40, 50, 3), (10, 20, 30), np.uint8)
    stack_xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<image version="0.0.3" w="50" h="40" xres="300" yres="300">
  <stack>
    <layer name="Top" src="data/top.png" x="30" y="25" opacity="0.50" composite-op="svg:multiply"
           selected="true"/>
    <stack name="Folder" opacity="1.0" visibility="visible" composite-op="krita:pass-through">
      <layer name="Deep" src="data/deep16.png" x="-3" y="4" visibility="hidden"/>
      <layer src="./data/gray.png" x="7" y="8" composite-op="svg:color-dodge"/>
      <text>an element we do not know</text>
    </stack>
    <layer name="Bottom" src="data/bottom.png" edit-locked="true"/>
  </stack>
</image>"""
    data = write_zip([
        ("mimetype", b"image/openraster"),
        ("stack.xml", stack_xml),
        ("data/top.png", make_png(top, 6, 8)),
        ("data/deep16.png", make_png(deep16, 6, 16)),
        ("data/gray.png", make_png(gray, 0, 8)),
        ("data/bottom.png", make_png(bottom, 2, 8)),
        # no mergedimage.png, no thumbnail
    ])
    path = tmp_path / "krita-like.ora"
    path.write_bytes(data)
    notes: list[str] = []
    doc = load_ora(path, notes=notes)
    assert (doc.width, doc.height) == (50, 40)
    # the group's unknown op is not worth a word: a pass-through group's own mode is never used
    assert len(notes) == 1 and "16 bits" in notes[0]
    names = [c.name for c in doc.root.children]
    assert names == ["Bottom", "Folder", "Top"]  # children[0] is the bottom
    bottom_l, folder, top_l = doc.root.children
    assert isinstance(folder, GroupLayer) and [c.name for c in folder.children] == ["Layer", "Deep"]
    assert top_l.opacity == 0.5 and top_l.blend_mode == "multiply" and doc.active_layer is top_l
    assert folder.blend_mode == "krita:pass-through"  # an op we cannot render: kept, shown as Normal
    assert not folder.isolated  # no isolation attribute: pass-through, as Krita reads it
    assert bottom_l.locked and bottom_l.visible and not top_l.locked
    gray_l, deep_l = folder.children
    assert not deep_l.visible and gray_l.visible and gray_l.blend_mode == "color_dodge"
    assert isinstance(top_l, RasterLayer) and np.array_equal(top_l.read(Rect(30, 25, 12, 10)), top)
    assert isinstance(deep_l, RasterLayer)
    expected16 = np.round(deep16.astype(float) * 255 / 65535).astype(np.uint8)
    assert np.array_equal(deep_l.read(Rect(-3, 4, 7, 6)), expected16)
    assert isinstance(gray_l, RasterLayer)
    assert np.array_equal(gray_l.read(Rect(7, 8, 5, 5))[..., 0], gray)
    assert doc.metadata == {}
    # and the document saves back to a file our reader (and theirs) accept
    again = load_ora_bytes(ora_bytes(doc))
    assert [describe(c) for c in again.root.children] == [describe(c) for c in doc.root.children]


def test_lenient_about_deflated_mimetype_and_stack_offsets(make_png):
    stack_xml = (b'<image w="20" h="20"><stack><stack x="5" y="6">'
                 b'<layer src="a.png" x="1" y="1"/></stack></stack></image>')
    px = np.full((2, 2, 4), 255, np.uint8)
    doc = load_ora_bytes(write_zip([("mimetype", b"image/openraster"), ("stack.xml", stack_xml),
                                    ("a.png", make_png(px, 6))], stored_mimetype=False))
    layer = doc.root.children[0].children[0]  # type: ignore[attr-defined]
    assert layer.export_state().offset == (6, 7)


def test_unsafe_entries_are_ignored_when_not_referenced(make_png):
    px = np.full((2, 2, 4), 255, np.uint8)
    doc = load_ora_bytes(write_zip([
        ("mimetype", b"image/openraster"),
        ("stack.xml", b'<image w="4" h="4"><stack><layer src="data/a.png"/></stack></image>'),
        ("data/a.png", make_png(px, 6)),
        ("../../evil.png", make_png(px, 6)),
        ("/etc/evil.png", make_png(px, 6)),
    ]))
    assert len(doc.root.children) == 1


# -- bad input ----------------------------------------------------------------------------------------------
def _png_header_only(w: int, h: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr


def _ora(stack: str, extra: list[tuple[str, bytes]] = (), png: bytes | None = None) -> bytes:  # type: ignore[assignment]
    return write_zip([("mimetype", b"image/openraster"), ("stack.xml", stack.encode()),
                      *([("data/a.png", png)] if png is not None else []), *extra])


OK_LAYER = '<layer name="a" src="data/a.png"/>'


def bad_files(make_png) -> dict[str, tuple[bytes, type[Exception], str]]:
    good_png = make_png(np.full((3, 3, 4), 9, np.uint8), 6)
    return {
        "not-a-zip": (b"this is not a zip file at all" * 10, OraFormatError, "not a zip"),
        "empty-file": (b"", OraFormatError, "not a zip"),
        "truncated-zip": (_ora(f'<image w="4" h="4"><stack>{OK_LAYER}</stack></image>', png=good_png)[:-40],
                          OraFormatError, "not a zip"),
        "no-stack-xml": (write_zip([("mimetype", b"image/openraster")]), OraFormatError, "no stack.xml"),
        "wrong-mimetype": (write_zip([("mimetype", b"application/zip"), ("stack.xml", b"<image/>")]),
                           OraFormatError, "mimetype"),
        "malformed-xml": (_ora('<image w="4" h="4"><stack><layer'), OraFormatError, "malformed"),
        "not-image-root": (_ora("<svg/>"), OraFormatError, "<svg>"),
        "entities": (_ora('<!DOCTYPE x [<!ENTITY a "b">]><image w="4" h="4"><stack/></image>'),
                     OraFormatError, "entities"),
        "no-width": (_ora('<image h="4"><stack/></image>'), OraFormatError, "“w”"),
        "bad-height": (_ora('<image w="4" h="four"><stack/></image>'), OraFormatError, "“h”"),
        "zero-size": (_ora('<image w="0" h="4"><stack/></image>'), OraFormatError, "canvas size"),
        "canvas-too-large": (_ora('<image w="30000" h="30000"><stack/></image>'), OraTooLargeError,
                             "too large"),
        "no-root-stack": (_ora('<image w="4" h="4"/>'), OraFormatError, "root <stack>"),
        "src-missing-from-zip": (_ora(f'<image w="4" h="4"><stack>{OK_LAYER}</stack></image>'),
                                 OraFormatError, "missing"),
        "no-src": (_ora('<image w="4" h="4"><stack><layer name="a"/></stack></image>'), OraFormatError,
                   "“src”"),
        "src-dotdot": (_ora('<image w="4" h="4"><stack><layer src="../a.png"/></stack></image>',
                            [("../a.png", good_png)]), OraFormatError, "unsafe"),
        "src-absolute": (_ora('<image w="4" h="4"><stack><layer src="/etc/passwd"/></stack></image>'),
                         OraFormatError, "unsafe"),
        "png-does-not-decode": (_ora(f'<image w="4" h="4"><stack>{OK_LAYER}</stack></image>',
                                     png=good_png[:50] + b"\x00" * 20), OraFormatError, "does not decode"),
        "png-not-an-image": (_ora(f'<image w="4" h="4"><stack>{OK_LAYER}</stack></image>', png=b"hello"),
                             OraFormatError, "does not decode"),
        "layer-too-large": (_ora(f'<image w="4" h="4"><stack>{OK_LAYER}</stack></image>',
                                 png=_png_header_only(40000, 40000)), OraTooLargeError, "too large"),
        "bad-offset": (_ora('<image w="4" h="4"><stack><layer src="data/a.png" x="left"/></stack></image>',
                            png=good_png), OraFormatError, "“x”"),
        "blob-missing": (_ora(f'<image w="4" h="4" xmlns:p="{NS}"><stack><layer src="data/a.png" '
                              'p:blob-x="paintgan/layers/1/x"/></stack></image>', png=good_png),
                         OraFormatError, "missing"),
        "bad-document-json": (_ora(f'<image w="4" h="4"><stack>{OK_LAYER}</stack></image>',
                                   [("paintgan/document.json", b"{nope")], png=good_png),
                              OraFormatError, "document.json"),
        "deep-nesting": (_ora('<image w="4" h="4">' + "<stack>" * 150 + "</stack>" * 150 + "</image>"),
                         OraFormatError, "nested"),
    }


CASES = sorted(bad_files(lambda *a, **k: b""))


@pytest.mark.parametrize("case", CASES)
def test_bad_files_raise_one_line_errors(case, tmp_path, make_png):
    data, error, fragment = bad_files(make_png)[case]
    path = tmp_path / f"bad {case}.ora"
    path.write_bytes(data)
    with pytest.raises(error) as info:
        load_ora(path)
    msg = str(info.value)
    assert "\n" not in msg and str(path) in msg and fragment in msg, msg


def test_too_large_errors_are_also_image_too_large(tmp_path):
    path = tmp_path / "big.ora"
    path.write_bytes(_ora('<image w="30000" h="30000"><stack/></image>'))
    with pytest.raises(ImageTooLargeError):
        load_ora(path)
    assert load_ora(path, max_pixels=30000 * 30000).width == 30000
    old = images.set_pixel_limit(10)
    try:
        path.write_bytes(_ora('<image w="4" h="4"><stack/></image>'))
        with pytest.raises(OraTooLargeError):
            load_ora(path)
    finally:
        images.set_pixel_limit(old)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageReadError, match="file not found"):
        load_ora(tmp_path / "none.ora")
    with pytest.raises(ImageReadError, match="folder"):
        load_ora(tmp_path)


# -- saving safely ------------------------------------------------------------------------------------------
def test_failed_saves_leave_the_existing_file_untouched(tmp_path, rng, monkeypatch):
    doc = rich_doc(rng)
    path = tmp_path / "work.ora"
    save_ora(doc, path)
    original = path.read_bytes()

    # a layer kind whose state cannot be written
    bad = NoteLayer("bad")
    bad.export_state = lambda: LayerState("test-sticky-note", bad.props(), attrs={"not a name": "x"})  # type: ignore[method-assign]
    doc.root.insert(0, bad)
    with pytest.raises(SaveError) as info:
        save_ora(doc, path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
    doc.root.remove(bad)
    assert path.read_bytes() == original

    # metadata that is not JSON
    doc.metadata["oops"] = {1, 2}
    with pytest.raises(SaveError):
        save_ora(doc, path)
    del doc.metadata["oops"]
    assert path.read_bytes() == original

    # disk full while writing the PNGs
    import errno

    from paintgan.io import ora

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ora, "encode_png", full)
    with pytest.raises(SaveError, match=r"disk full$"):
        save_ora(doc, path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["work.ora"]


def test_unwritable_destinations(tmp_path, rng):
    doc = rich_doc(rng)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(SaveError, match="not a folder"):
        save_ora(doc, blocker / "doc.ora")
    with pytest.raises(SaveError, match="does not exist"):
        save_document(doc, tmp_path / "missing" / "doc.ora")


# -- dispatch -----------------------------------------------------------------------------------------------
def test_open_and_save_document_dispatch_on_extension(tmp_path, rng):
    doc = rich_doc(rng)
    save_document(doc, tmp_path / "layers.ORA")
    save_document(doc, tmp_path / "flat.png")
    with zipfile.ZipFile(tmp_path / "layers.ORA") as z:
        assert z.read("mimetype") == b"image/openraster"
    layered = open_document(tmp_path / "layers.ORA")
    assert len(layered.root.children) == len(doc.root.children)
    notes: list[str] = []
    flat = open_document(tmp_path / "flat.png", notes)
    assert [layer.name for layer in flat.layers()] == ["flat"] and notes == []
    visible = doc.composite()[..., 3] > 0
    assert np.array_equal(flat.composite()[visible], doc.composite()[visible])
    with pytest.raises(ImageReadError):
        open_document(tmp_path / "layers.ORA.bak")  # not an image: no format recognised


def test_layer_ids_survive_save_and_open(tmp_path):
    """Layers refer to each other by id (a colorize layer names its source), so files keep ids."""
    from paintgan.core import Document, GroupLayer, RasterLayer

    doc = Document.new(32, 24)
    group = GroupLayer("G")
    doc.root.insert(len(doc.root.children), group)
    group.insert(0, RasterLayer("inside"))
    path = tmp_path / "ids.ora"
    save_ora(doc, path)
    back = load_ora(path)
    assert [layer.id for layer in back.layers()] == [layer.id for layer in doc.layers()]
    # duplicating a loaded layer still makes a new id
    first = next(iter(back.layers()))
    assert first.copy().id != first.id
