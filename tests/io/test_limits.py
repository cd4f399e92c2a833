"""Bounded readers: the hostile files of issue 16 are refused with one-line PaintGANErrors that name the
file, the field and the limit, before they cost memory or time."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

from paintgan import limits
from paintgan.core.document import Document
from paintgan.core.ganpaint_layer import GanPaintLayer, GanStroke
from paintgan.core.layers import RasterLayer
from paintgan.errors import FormatError, PaintGANError
from paintgan.io.hints import load_hints, parse_hints
from paintgan.io.ora import load_ora, ora_bytes, save_ora


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text
    return text


@pytest.mark.parametrize(("body", "field", "kind"), [
    ({"hints": [{"x": 1, "y": 1, "rgb": [1, 2, 3], "radius": 1e300}]}, "hints[0].radius", "HINT_RADIUS"),
    ({"strokes": [{"points": [[0, 0], [5, 5]], "rgb": [1, 2, 3], "width": 1e6}]}, "strokes[0].width",
     "HINT_RADIUS"),
    ({"hints": [{"x": 1e12, "y": 1, "rgb": [1, 2, 3]}]}, "hints[0].x", "HINT_COORD"),
    ({"hints": [{"x": 5, "y": 5, "rgb": [1, 2, 3], "radius": 500}] * 3000}, "hints", "HINT_AREA"),
])
def test_hint_numbers_are_bounded(body, field, kind) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(limits.LimitError) as info:
        parse_hints(json.dumps(body), "page.hints.json")
    text = _one_line(info.value)
    assert text.startswith(f"page.hints.json: {field}") and kind in text and f"PAINTGAN_LIMIT_{kind}" in text


def test_hints_with_huge_integers_nan_or_deep_nesting_are_format_errors() -> None:
    for text in ('{"hints": [{"x": ' + "9" * 5000 + ', "y": 1, "rgb": [1, 2, 3]}]}',
                 '{"hints": [{"x": NaN, "y": 1, "rgb": [1, 2, 3]}]}',
                 '{"hints": [{"x": Infinity, "y": 1, "rgb": [1, 2, 3]}]}',
                 "[" * 100000 + "]" * 100000):
        with pytest.raises(FormatError) as info:
            parse_hints(text, "page.hints.json")
        assert _one_line(info.value).startswith("page.hints.json")


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero")
def test_hint_sidecars_must_be_regular_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "page.hints.json"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        try:
            load_hints(fifo)
        except FormatError as exc:
            result.append(exc)

    t = threading.Thread(target=read)
    t.start()
    t.join(5)
    assert not t.is_alive() and "not a regular file" in str(result[0])  # refused, not hung
    with pytest.raises(FormatError, match="not a regular file"):
        load_hints("/dev/zero")


def _npz_declaring(shape: tuple[int, ...]) -> bytes:
    """A tiny masks.npz whose header declares `shape` (the data is not there: nothing may inflate it)."""
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "|u1", "fortran_order": False, "shape": shape})
    npy.write(b"\0" * 64)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("masks.npy", npy.getvalue())
    return out.getvalue()


def _ganpaint_ora(tmp_path, scene: dict, masks: bytes | None, model: str = "ganpaint"):  # type: ignore[no-untyped-def]
    doc = Document(64, 64)
    layer = GanPaintLayer("GAN", image_size=(16, 16))
    doc.root.insert(0, layer)
    path = tmp_path / "scene.ora"
    save_ora(doc, path)
    # rewrite the layer's blobs with the hostile ones
    src = zipfile.ZipFile(path)
    out = tmp_path / "hostile.ora"
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "stack.xml":
                text = data.decode()
                text = text.replace('paintgan:model="ganpaint"', f'paintgan:model="{model}"')
                if masks is not None:
                    text = text.replace("paintgan:blob-ganpaint.json=",
                                        'paintgan:blob-masks.npz="paintgan/layers/1/masks.npz" '
                                        "paintgan:blob-ganpaint.json=")
                data = text.encode()
            if info.filename.endswith("ganpaint.json"):
                data = json.dumps(scene).encode()
            z.writestr(info, data)
        if masks is not None:
            z.writestr("paintgan/layers/1/masks.npz", masks)
    return out


def test_a_small_masks_archive_cannot_inflate_to_gigabytes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scene = {"version": 1, "model": "ganpaint", "seed": 1, "image_size": [1024, 1024],
             "strokes": [{"concept": "tree", "mask": 0}]}
    path = _ganpaint_ora(tmp_path, scene, _npz_declaring((5000, 1024, 1024)))  # 5 GB declared
    assert path.stat().st_size < 10_000
    with pytest.raises(PaintGANError) as info:
        load_ora(path)
    assert "GAN_MASK_BYTES" in _one_line(info.value) and "hostile.ora" in str(info.value)
    # a mask that is not at the model's image size is refused from the header too
    scene["image_size"] = [16, 16]
    with pytest.raises(PaintGANError, match=r"masks must be uint8 \[N, 16, 16\]"):
        load_ora(_ganpaint_ora(tmp_path, scene, _npz_declaring((1, 4096, 4096))))
    scene["image_size"] = [4096, 4096]  # no GANPaint model is that large
    with pytest.raises(PaintGANError, match="GAN_IMAGE_SIDE"):
        load_ora(_ganpaint_ora(tmp_path, scene, _npz_declaring((1, 4096, 4096))))


def test_hundreds_of_strokes_sharing_a_large_mask_load_fast_and_small(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    np.savez_compressed(out, masks=np.full((1, 1024, 1024), 255, np.uint8))
    scene = {"version": 1, "model": "ganpaint", "seed": 1, "image_size": [1024, 1024],
             "strokes": [{"concept": "tree", "mask": 0}] * 400}
    path = _ganpaint_ora(tmp_path, scene, out.getvalue())
    assert path.stat().st_size < 20_000
    t = time.perf_counter()
    layer = load_ora(path).root.children[0]
    assert time.perf_counter() - t < 5.0
    assert isinstance(layer, GanPaintLayer) and len({id(s.mask) for s in layer.strokes}) == 1


@pytest.mark.parametrize("seed", ["Infinity", "NaN", "1e999", '"x"'])
def test_non_finite_gan_numbers_are_our_error(tmp_path, seed) -> None:  # type: ignore[no-untyped-def]
    scene = {"version": 1, "model": "ganpaint", "seed": 0, "image_size": [16, 16]}
    path = _ganpaint_ora(tmp_path, scene, None)
    raw = zipfile.ZipFile(path).read("paintgan/layers/1/ganpaint.json").decode()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp_path / "x.ora", "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("ganpaint.json"):
                data = raw.replace('"seed": 0', f'"seed": {seed}').encode()
            z.writestr(info, data)
    with pytest.raises(PaintGANError) as info:
        load_ora(tmp_path / "x.ora")
    assert "x.ora" in _one_line(info.value)


def test_strokes_sharing_a_mask_share_memory_and_models_are_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mask = np.zeros((16, 16), np.uint8)
    mask[4:8, 4:8] = 255
    doc = Document(64, 64)
    stroke = GanStroke("tree", "draw", "low", 1.0, mask)
    doc.root.insert(0, GanPaintLayer("GAN", image_size=(16, 16), strokes=[stroke]))
    path = tmp_path / "a.ora"
    save_ora(doc, path)
    scene = {"version": 1, "model": "/any/path", "seed": 3, "image_size": [16, 16],
             "strokes": [{"concept": "tree", "mask": 0}] * 400}
    masks = zipfile.ZipFile(path).read("paintgan/layers/1/masks.npz")
    back = load_ora(_ganpaint_ora(tmp_path, scene, masks, model="../../etc"))
    layer = back.root.children[0]
    assert isinstance(layer, GanPaintLayer) and len(layer.strokes) == 400
    assert len({id(s.mask) for s in layer.strokes}) == 1  # one array, not 400 copies
    assert layer.model == "ganpaint"  # a path is never a model name


def test_document_pixels_and_layer_count_are_bounded(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = Document(64, 64)
    for i in range(12):
        doc.root.insert(i, RasterLayer.from_pixels(f"L{i}", np.full((64, 64, 4), 255, np.uint8)))
    path = tmp_path / "many.ora"
    path.write_bytes(ora_bytes(doc))
    assert len(load_ora(path).root.children) == 12
    monkeypatch.setenv("PAINTGAN_LIMIT_DOCUMENT_PIXELS", str(64 * 64 * 5))
    with pytest.raises(limits.LimitError, match=r"DOCUMENT_PIXELS.*PAINTGAN_LIMIT_DOCUMENT_PIXELS"):
        load_ora(path)
    monkeypatch.delenv("PAINTGAN_LIMIT_DOCUMENT_PIXELS")
    monkeypatch.setenv("PAINTGAN_LIMIT_LAYERS", "10")
    t = time.perf_counter()
    with pytest.raises(limits.LimitError, match=r"many\.ora: the number of layers is 12, more than"):
        load_ora(path)
    assert time.perf_counter() - t < 1.0


def test_a_far_away_layer_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = Document(32, 32)
    doc.root.insert(0, RasterLayer.from_pixels("far", np.full((4, 4, 4), 255, np.uint8), 10**7, 10**7))
    with pytest.raises(limits.LimitError, match="LAYER_OFFSET"):
        load_ora(_write(tmp_path, doc))


def _write(tmp_path, doc):  # type: ignore[no-untyped-def]
    p = tmp_path / "far.ora"
    p.write_bytes(ora_bytes(doc))
    return p


def test_the_cli_reports_running_out_of_memory_in_one_line(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from paintgan import cli

    def parser() -> argparse.ArgumentParser:
        p = argparse.ArgumentParser()
        p.add_argument("command")

        def boom(_args: argparse.Namespace) -> int:
            raise MemoryError

        p.set_defaults(func=boom)
        return p

    monkeypatch.setattr(cli, "build_parser", parser)
    assert cli.main(["colorize"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("paintgan: error: not enough memory") and err.count("\n") == 1
