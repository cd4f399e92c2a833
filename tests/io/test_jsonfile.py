"""`read_json_object`: the checks shared by the manifest, dissection, LabelMe, COCO and cache readers."""

from __future__ import annotations

import os
import sys

import pytest

from paintgan.errors import FormatError, ModelError
from paintgan.io.jsonfile import read_json_object, read_json_object_or_none


def _refusal(path, **kw) -> tuple[str, str]:
    seen: list[tuple[str, str]] = []

    def fail(message: str, kind: str) -> ModelError:
        seen.append((message, kind))
        return ModelError(message)

    with pytest.raises(ModelError):
        read_json_object(path, what="manifest", fail=fail, **kw)
    assert len(seen) == 1 and "\n" not in seen[0][0]
    return seen[0]


def test_reads_an_object_with_or_without_bom(tmp_path) -> None:
    p = tmp_path / "m.json"
    p.write_bytes(b'\xef\xbb\xbf{"a": [1, 2.5, NaN]}')
    body = read_json_object(p)
    assert body["a"][:2] == [1, 2.5] and body["a"][2] != body["a"][2]  # NaN allowed by default


@pytest.mark.parametrize(("content", "kw", "needle"), [
    (b'{"a": 1,', {}, "malformed JSON at line 1 column 9"),
    (b"[1, 2]", {}, "the manifest must be an object, not list"),
    (b'{"a": NaN}', {"allow_nan": False}, "NaN is not a number JSON allows"),
    (b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}", {}, "nested deeper than 64 levels"),
    (b'{"a": ' + b"[" * 100000 + b"]" * 100000 + b"}", {}, "nested too deeply"),
    (b'{"a": "\xff"}', {}, "not UTF-8 text"),
    (b'{"a": "' + b"x" * 2000 + b'"}', {"max_bytes": 1024}, "larger than 1 KB"),
])
def test_bad_content_is_corrupt(tmp_path, content: bytes, kw: dict, needle: str) -> None:
    p = tmp_path / "manifest.json"
    p.write_bytes(content)
    message, kind = _refusal(p, **kw)
    assert needle in message and kind == "corrupt"


def test_missing_directory_and_default_error(tmp_path) -> None:
    assert _refusal(tmp_path / "none.json") == ("manifest missing", "unreadable")
    assert _refusal(tmp_path) == ("manifest is not a regular file", "unreadable")
    with pytest.raises(FormatError, match=r"JSON file missing \(.*none.json\)"):
        read_json_object(tmp_path / "none.json")
    assert read_json_object_or_none(tmp_path / "none.json") is None
    (tmp_path / "list.json").write_text("[]")
    assert read_json_object_or_none(tmp_path / "list.json") is None


@pytest.mark.skipif(sys.platform == "win32", reason="needs mkfifo")
def test_fifo_is_refused_without_opening_it(tmp_path) -> None:
    fifo = tmp_path / "manifest.json"
    os.mkfifo(fifo)  # opening it for reading would block forever
    assert _refusal(fifo) == ("manifest is not a regular file", "unreadable")
    assert read_json_object_or_none(fifo) is None
