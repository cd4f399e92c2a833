"""Autosave building blocks: document snapshots, the recovery folder, save backups and stale temp files."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from snapshots import doc_state

from paintgan.core.document import Document
from paintgan.core.layers import GroupLayer, RasterLayer
from paintgan.io.atomic import atomic_write, clean_stale_temps, is_temp_name, temp_name
from paintgan.io.ora import load_ora, save_ora
from paintgan.io.recovery import Cancelled, RecoveryStore
from paintgan.io.snapshot import snapshot_document


def _doc(rng: np.random.Generator) -> Document:
    doc = Document.new(200, 150)
    group = GroupLayer("Inks")
    doc.root.insert(len(doc.root.children), group)
    ink = RasterLayer.from_pixels("ink", rng.integers(0, 256, (70, 90, 4), dtype=np.uint8), 10, 20)
    group.insert(0, ink)
    doc.active_layer = ink
    doc.metadata = {"note": "kept", "n": [1, 2]}
    return doc


def test_snapshot_equals_the_document_and_ignores_later_edits(rng):
    doc = _doc(rng)
    before = doc_state(doc)
    snap = snapshot_document(doc)
    assert doc_state(snap) == before
    assert snap.metadata == doc.metadata and snap.metadata is not doc.metadata
    # later edits of the live document (a stroke over shared tiles, a new layer, props) leave it alone
    ink = doc.active_layer
    assert isinstance(ink, RasterLayer)
    ink.write(0, 0, np.full((150, 200, 4), 7, np.uint8))
    ink.set_props(opacity=0.3)
    doc.root.insert(0, RasterLayer("new"))
    doc.metadata["note"] = "changed"
    assert doc_state(snap) == before
    assert snap.metadata["note"] == "kept"


def test_snapshot_of_a_stroke_in_progress_keeps_undo_correct(rng):
    doc = _doc(rng)
    ink = doc.active_layer
    assert isinstance(ink, RasterLayer)
    ink.surface.begin_recording()
    ink.write(12, 22, np.full((8, 8, 4), 200, np.uint8))
    snapshot_document(doc)  # between two dabs
    ink.write(30, 30, np.full((8, 8, 4), 100, np.uint8))
    old, _new = ink.surface.end_recording()
    original = _doc(np.random.default_rng(1234)).active_layer
    assert isinstance(original, RasterLayer)
    ink.surface.set_tiles(old)
    assert np.array_equal(ink.read(doc.rect), original.read(doc.rect))


def test_recovery_store_writes_lists_and_removes(tmp_path, rng):
    doc = _doc(rng)
    store = RecoveryStore(tmp_path / "recovery")
    ora = store.write("doc1", snapshot_document(doc), {"title": "page.ora", "path": "/x/page.ora"})
    assert doc_state(load_ora(ora)) == doc_state(doc)
    # a live run's folder is never offered, not even to another store of the same process
    other = RecoveryStore(tmp_path / "recovery")
    assert other.orphans() == []
    store.remove("doc1")
    assert not ora.exists()
    store.close()
    assert not (tmp_path / "recovery" / ora.parent.name).exists()


def test_a_killed_run_leaves_entries_that_the_next_run_finds(tmp_path):
    root = tmp_path / "recovery"
    code = ("import sys, os\n"
            "from paintgan.core.document import Document\n"
            "from paintgan.io.recovery import RecoveryStore\n"
            "s = RecoveryStore(sys.argv[1]); s.write('doc1', Document.new(64, 48), {'title': 'My page'})\n"
            "os._exit(9)\n")  # no clean close: like a crash
    subprocess.run([sys.executable, "-c", code, str(root)], check=False, timeout=60)
    store = RecoveryStore(root)
    entries = store.orphans()
    assert [e.title for e in entries] == ["My page"]
    e = entries[0]
    assert (e.width, e.height, e.layers) == (64, 48, 2) and abs(e.saved_at - time.time()) < 60
    assert "My page" in e.describe() and "never saved" in e.describe()
    # while this run looks at them, another run does not see them
    assert RecoveryStore(root).orphans() == []
    store.release_claims()
    assert len(RecoveryStore(root).orphans()) == 1
    # adopting moves the file into this run's folder; discarding deletes
    store2 = RecoveryStore(root)
    [e] = store2.orphans()
    store2.adopt(e, "doc7")
    assert store2.path_for("doc7").exists() and not e.ora.exists()
    assert RecoveryStore(root).orphans() == []
    store2.close()
    assert list(root.iterdir()) == []


def test_discard_removes_the_entry_and_its_folder(tmp_path):
    root = tmp_path / "recovery"
    dead = root / "20000101-000000-1-abcdef"
    dead.mkdir(parents=True)
    save_ora(Document.new(8, 8), dead / "doc1.ora")
    (dead / "doc1.json").write_text("{not json")  # a bad sidecar: the .ora itself is what counts
    store = RecoveryStore(root)
    [e] = store.orphans()
    assert e.title == "Untitled" and e.original_path is None
    store.discard(e)
    assert not dead.exists()


def test_a_cancelled_autosave_keeps_the_previous_one(tmp_path, rng):
    store = RecoveryStore(tmp_path / "r")
    ora = store.write("d", snapshot_document(_doc(rng)), {})
    before = ora.read_bytes()
    with pytest.raises(Cancelled):
        store.write("d", snapshot_document(Document.new(300, 300)), {}, cancelled=lambda: True)
    assert ora.read_bytes() == before
    assert [p.name for p in ora.parent.iterdir() if is_temp_name(p.name)] == []


def test_backup_keeps_the_previous_version(tmp_path):
    target = tmp_path / "page.ora"
    atomic_write(target, b"v1", backup_suffix=".bak")
    assert not (tmp_path / "page.ora.bak").exists()  # nothing to keep yet
    atomic_write(target, b"v2", backup_suffix=".bak")
    atomic_write(target, b"v3", backup_suffix=".bak")
    assert target.read_bytes() == b"v3" and (tmp_path / "page.ora.bak").read_bytes() == b"v2"
    atomic_write(target, b"v4")
    assert (tmp_path / "page.ora.bak").read_bytes() == b"v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.ora", "page.ora.bak"]


def test_stale_temp_files_are_ours_only_and_old_only(tmp_path):
    now = time.time()
    ours_old = tmp_path / temp_name("page.ora")
    ours_new = tmp_path / temp_name("page.ora")
    legacy = tmp_path / ".page.ora.0123abcd.tmp"
    foreign = tmp_path / ".page.ora.swp.tmp"
    other_tmp = tmp_path / "notes.tmp"
    for p in (ours_old, ours_new, legacy, foreign, other_tmp):
        p.write_bytes(b"x")
    for p in (ours_old, legacy, foreign, other_tmp):
        os.utime(p, (now - 3600, now - 3600))
    link = tmp_path / temp_name("link.ora")
    link.symlink_to(other_tmp)
    os.utime(link, (now - 3600, now - 3600), follow_symlinks=False)
    removed = clean_stale_temps(tmp_path)
    assert sorted(p.name for p in removed) == sorted([ours_old.name, legacy.name])
    assert ours_new.exists() and foreign.exists() and other_tmp.exists() and link.is_symlink()
    # the next save cleans its folder
    for p in (ours_new,):
        os.utime(p, (now - 120, now - 120))
    atomic_write(tmp_path / "page.ora", b"data")
    assert not ours_new.exists()


def test_unchanged_layers_are_not_encoded_again(tmp_path, rng, monkeypatch):
    from paintgan.io import ora as ora_mod

    doc = _doc(rng)
    second = RasterLayer.from_pixels("second", rng.integers(0, 256, (30, 30, 4), dtype=np.uint8), 3, 4)
    doc.root.insert(0, second)
    store = RecoveryStore(tmp_path / "recovery")
    encoded: list[tuple[int, ...]] = []
    real = ora_mod.encode_png
    monkeypatch.setattr(ora_mod, "encode_png", lambda px: (encoded.append(px.shape), real(px))[1])
    store.write("d", snapshot_document(doc), {})
    first = len(encoded)
    encoded.clear()
    store.write("d", snapshot_document(doc), {})  # nothing changed: only the composite and thumbnail
    assert len(encoded) == first - 4  # background, empty "Layer 1", "second" and "ink" come from the cache
    ink = doc.active_layer
    assert isinstance(ink, RasterLayer)
    ink.surface.begin_recording()
    ink.write(12, 22, np.full((5, 5, 4), 9, np.uint8))
    ink.surface.end_recording()
    encoded.clear()
    ora = store.write("d", snapshot_document(doc), {})
    assert len(encoded) == first - 3  # only the edited layer again
    assert doc_state(load_ora(ora)) == doc_state(doc)


def test_snapshots_of_model_and_annotation_layers_are_independent(rng):
    from paintgan.core.annotations import AnnotationLayer, Shape
    from paintgan.core.colorize_layer import ColorizeLayer
    from paintgan.core.hints import Hints, PointHint

    doc = _doc(rng)
    ann = AnnotationLayer("Boxes", shapes=[Shape(((1.0, 1.0), (20.0, 3.0), (9.0, 14.0)), "cat")])
    ann.set_label_style({"cat": (1, 2, 3)})
    col = ColorizeLayer("Colors")
    col.hints = Hints([PointHint(3.0, 4.0, (255, 0, 0), 2.0)])
    doc.root.insert(0, ann)
    doc.root.insert(0, col)
    before = doc_state(doc)
    snap = snapshot_document(doc)
    ann.set_shapes([])
    ann.set_label_style({"cat": (9, 9, 9)})
    col.hints = Hints()
    assert doc_state(snap) == before
    snap_ann = snap.root.children[1]
    assert isinstance(snap_ann, AnnotationLayer) and snap_ann.label_colors == {"cat": (1, 2, 3)}
