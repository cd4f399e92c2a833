"""The chapter colour memory store (paintgan.io.colour_memory): round trip, bounds and eviction, every kind
of broken file reported in one line and ignored (kept as .broken by the next save), atomic saves."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest

from paintgan.errors import SaveError
from paintgan.io import colour_memory as cm
from paintgan.io.colour_memory import ColourMemory, load_memory, memory_folder, save_memory

FV = "test-v1"


def _records(n: int, dims: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    feats = rng.normal(size=(n, dims)).astype(np.float32)
    cols = rng.integers(0, 256, size=(n, 3)).astype(np.uint8)
    return feats, cols


def _saved(tmp_path: Path, n: int = 5) -> tuple[Path, ColourMemory]:
    mem = ColourMemory(FV)
    feats, cols = _records(n)
    mem.add(feats, cols, "page01.png")
    folder = tmp_path / cm.FOLDER
    save_memory(mem, folder)
    return folder, mem


def test_round_trip_keeps_entries_features_and_documented_fields(tmp_path: Path) -> None:
    folder, mem = _saved(tmp_path)
    assert memory_folder(tmp_path / "page02.png") == folder
    back = load_memory(folder, FV)
    assert back.warning is None
    assert len(back) == 5 and back.entries == mem.entries
    np.testing.assert_array_equal(back.features, mem.features)
    np.testing.assert_array_equal(back.colors(), mem.colors())
    body = json.loads((folder / cm.INDEX_NAME).read_text())
    assert body["format"] == "paintgan-colour-memory" and body["version"] == 1
    assert body["feature_version"] == FV and body["generation"] == 1
    assert body["arrays"]["rows"] == 5 and body["arrays"]["dims"] == 8
    e0 = body["entries"][0]
    assert set(e0) == {"row", "rgb", "source", "weight", "added", "seen"} and e0["source"] == "page01.png"
    data = (folder / body["arrays"]["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == body["arrays"]["sha256"]
    # a second save replaces the arrays file and leaves exactly one
    back.add(*_records(2, seed=3), "page02.png")
    save_memory(back, folder)
    assert len(list(folder.glob("colour-memory-*.npz"))) == 1
    again = load_memory(folder, FV)
    assert len(again) == 7 and again.generation == 2
    assert {e.source for e in again.entries} == {"page01.png", "page02.png"}


def test_absent_memory_is_empty_without_warning(tmp_path: Path) -> None:
    mem = load_memory(tmp_path / cm.FOLDER, FV)
    assert len(mem) == 0 and mem.warning is None


def test_near_duplicates_merge_and_different_colours_do_not(tmp_path: Path) -> None:
    mem = ColourMemory(FV)
    f = np.array([[1.0, 0.0, 0.0, 2.0]], np.float32)
    mem.add(f, np.array([[200, 40, 40]], np.uint8), "p1")
    added, merged, _ = mem.add(f * 1.01, np.array([[201, 41, 40]], np.uint8), "p2")  # same colour, alike
    assert (added, merged) == (0, 1) and len(mem) == 1 and mem.entries[0].weight == 2
    added, merged, _ = mem.add(f, np.array([[40, 40, 200]], np.uint8), "p3")  # same region, other colour
    assert (added, merged) == (1, 0)
    other = np.array([[0.0, 5.0, 0.0, 0.0]], np.float32)
    added, merged, _ = mem.add(other, np.array([[200, 40, 40]], np.uint8), "p4")  # same colour, other region
    assert (added, merged) == (1, 0) and len(mem) == 3
    # duplicates inside one page merge with each other too
    added, merged, _ = mem.add(np.repeat(np.array([[0.0, 0.0, 3.0, 0.0]], np.float32), 3, 0),
                               np.array([[10, 200, 10]] * 3, np.uint8), "p5")
    assert (added, merged) == (1, 2) and mem.entries[-1].weight == 3


def test_bounded_eviction_drops_least_used_then_oldest(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    mem = ColourMemory(FV)
    feats, cols = _records(4)
    mem.add(feats[:1], cols[:1], "old", now=1000.0)
    mem.add(feats[:1], cols[:1], "old", now=1000.0)  # weight 2: used more, survives
    mem.add(feats[1:3], cols[1:3], "mid", now=2000.0)
    monkeypatch.setenv("PAINTGAN_LIMIT_COLOUR_MEMORY_ENTRIES", "3")
    added, merged, evicted = mem.add(feats[3:], cols[3:], "new", now=3000.0)
    assert (added, merged, evicted) == (1, 0, 1)
    assert len(mem) == 3 and mem.features.shape == (3, 8)
    assert [e.source for e in mem.entries] == ["old", "mid", "new"]
    np.testing.assert_array_equal(mem.features[0], feats[0])
    np.testing.assert_array_equal(mem.features[2], feats[3])
    # a file holding more entries than the limit is refused on read (reported, ignored)
    folder = tmp_path / cm.FOLDER
    monkeypatch.setenv("PAINTGAN_LIMIT_COLOUR_MEMORY_ENTRIES", "4096")
    save_memory(mem, folder)
    monkeypatch.setenv("PAINTGAN_LIMIT_COLOUR_MEMORY_ENTRIES", "2")
    got = load_memory(folder, FV)
    assert len(got) == 0 and "COLOUR_MEMORY_ENTRIES" in (got.warning or "")


def _edit_index(folder: Path, fn) -> None:  # type: ignore[no-untyped-def]
    p = folder / cm.INDEX_NAME
    body = json.loads(p.read_text())
    fn(body)
    p.write_text(json.dumps(body))


def _arrays(folder: Path) -> Path:
    return next(folder.glob("colour-memory-*.npz"))


def _replace_arrays(folder: Path, arr: np.ndarray, *, pickle: bool = False) -> None:
    buf = io.BytesIO()
    np.savez(buf, features=arr) if not pickle else np.savez(buf, features=np.array([{"a": 1}], object))
    data = buf.getvalue()
    _arrays(folder).write_bytes(data)
    _edit_index(folder, lambda b: b["arrays"].__setitem__("sha256", hashlib.sha256(data).hexdigest()))


BROKEN = {
    "malformed JSON": (lambda f: (f / cm.INDEX_NAME).write_text('{"format": '), "malformed JSON"),
    "not an object": (lambda f: (f / cm.INDEX_NAME).write_text("[1, 2]"), "must be an object"),
    "arrays missing": (lambda f: _arrays(f).unlink(), "missing"),
    "arrays corrupt": (lambda f: _arrays(f).write_bytes(b"PK\x03\x04 garbage"), "sha256 does not match"),
    "arrays not a zip": (lambda f: _replace_arrays_raw(f, b"not a zip at all"), "corrupt"),
    "rows mismatch": (lambda f: _edit_index(f, lambda b: b["entries"].pop()), "entries"),
    "shape mismatch": (lambda f: _replace_arrays(f, np.zeros((5, 3), np.float32)), "the index says"),
    "pickled object array": (lambda f: _replace_arrays(f, np.zeros(1), pickle=True), "the index says"),
    "NaN features": (lambda f: _replace_arrays(f, np.full((5, 8), np.nan, np.float32)), "NaN"),
    "wrong feature_version": (lambda f: _edit_index(f, lambda b: b.__setitem__("feature_version", "old-v0")),
                              "old-v0"),
    "newer format": (lambda f: _edit_index(f, lambda b: b.__setitem__("version", 9)), "newer"),
    "bad rgb": (lambda f: _edit_index(f, lambda b: b["entries"][1].__setitem__("rgb", [1, 2, 300])),
                "entries[1].rgb"),
    "duplicate row": (lambda f: _edit_index(f, lambda b: b["entries"][1].__setitem__("row", 0)), "twice"),
    "index is a folder": (lambda f: ((f / cm.INDEX_NAME).unlink(), (f / cm.INDEX_NAME).mkdir()),
                          "not a regular file"),
}


def _replace_arrays_raw(folder: Path, data: bytes) -> None:
    _arrays(folder).write_bytes(data)
    _edit_index(folder, lambda b: b["arrays"].__setitem__("sha256", hashlib.sha256(data).hexdigest()))


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_memory_is_reported_in_one_line_ignored_and_kept(tmp_path: Path, kind: str) -> None:
    folder, _mem = _saved(tmp_path)
    breaker, words = BROKEN[kind]
    breaker(folder)
    got = load_memory(folder, FV)
    assert len(got) == 0 and got.features.size == 0
    assert got.warning is not None and "\n" not in got.warning and words in got.warning, got.warning
    assert got.warning.startswith("chapter colour memory ignored: ")
    if kind == "index is a folder":
        return  # nothing to keep: the next save cannot replace a folder either
    before = sorted(p.name for p in folder.iterdir())
    got.add(*_records(2, seed=9), "page03.png")
    save_memory(got, folder)
    names = sorted(p.name for p in folder.iterdir())
    assert "colour-memory.json.broken" in names, (before, names)
    fresh = load_memory(folder, FV)
    assert fresh.warning is None and len(fresh) == 2


def test_oversized_index_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _ = _saved(tmp_path)
    monkeypatch.setenv("PAINTGAN_LIMIT_COLOUR_MEMORY_BYTES", "100")
    got = load_memory(folder, FV)
    assert len(got) == 0 and "larger than" in (got.warning or "")


def test_failed_index_write_leaves_previous_memory_loadable(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder, mem = _saved(tmp_path, n=3)
    real = cm.atomic_write

    def failing(path, data, **kw):  # type: ignore[no-untyped-def]
        if Path(path).name == cm.INDEX_NAME:
            raise SaveError(f"Cannot save to {path}: disk full")
        return real(path, data, **kw)

    monkeypatch.setattr(cm, "atomic_write", failing)
    mem.add(*_records(4, seed=5), "page02.png")
    with pytest.raises(SaveError):
        save_memory(mem, folder)
    monkeypatch.setattr(cm, "atomic_write", real)
    back = load_memory(folder, FV)  # the old index still names its own, untouched arrays
    assert back.warning is None and len(back) == 3
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    save_memory(mem, folder)  # the next save succeeds and removes the orphan arrays
    assert len(list(folder.glob("colour-memory-*.npz"))) == 1
    assert len(load_memory(folder, FV)) == 7


def test_save_into_a_file_named_like_the_folder_is_one_error(tmp_path: Path) -> None:
    bad = tmp_path / cm.FOLDER
    bad.write_text("x")
    with pytest.raises(SaveError) as info:
        save_memory(ColourMemory(FV), bad)
    assert "\n" not in str(info.value)
    assert os.path.isfile(bad)
