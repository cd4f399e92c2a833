"""Atomic saves: the target is replaced only on success; failures leave no temporary file behind."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from paintgan.errors import SaveError
from paintgan.io import atomic
from paintgan.io.atomic import atomic_write


def _leftovers(folder) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_writes_bytes_and_writer_functions(tmp_path):
    target = tmp_path / "ünïcødé name.bin"
    atomic_write(target, b"hello")
    assert target.read_bytes() == b"hello"
    atomic_write(target, lambda f: (f.write(b"a"), f.write(b"b")))
    assert target.read_bytes() == b"ab"
    assert _leftovers(tmp_path) == []


def test_replacing_keeps_permissions(tmp_path):
    target = tmp_path / "x.ora"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, b"new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_writes_through_a_symlink_to_its_target(tmp_path):
    real = tmp_path / "real.ora"
    real.write_bytes(b"old")
    link = tmp_path / "link.ora"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_writer_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "doc.ora"
    target.write_bytes(b"precious")

    def writer(f):
        f.write(b"half a file")
        raise ValueError("could not encode layer 3")

    with pytest.raises(SaveError, match=r"^Cannot save to .*doc\.ora: could not encode layer 3$"):
        atomic_write(target, writer)
    assert target.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("fail", ["fsync", "replace", "write"])
def test_disk_full_is_reported_and_the_old_file_kept(tmp_path, monkeypatch, fail):
    target = tmp_path / "doc.ora"
    target.write_bytes(b"precious")

    def enospc(*_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if fail == "write":
        def writer(f):
            enospc()
        data = writer
    else:
        monkeypatch.setattr(atomic.os, fail, enospc)
        data = b"new content"
    with pytest.raises(SaveError) as info:
        atomic_write(target, data)
    assert str(info.value) == f"Cannot save to {target}: disk full"
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert target.read_bytes() == b"precious"
    assert _leftovers(tmp_path) == []


def test_parent_is_a_regular_file(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(SaveError, match=r"^Cannot save to .*file\.txt/doc\.ora: a part of the path is not a "
                                         r"folder$"):
        atomic_write(blocker / "doc.ora", b"data")
    assert blocker.read_text() == "x"


def test_missing_folder_and_folder_target(tmp_path):
    with pytest.raises(SaveError, match="the folder does not exist"):
        atomic_write(tmp_path / "nope" / "doc.ora", b"data")
    (tmp_path / "dir.ora").mkdir()
    with pytest.raises(SaveError, match="a folder with that name exists"):
        atomic_write(tmp_path / "dir.ora", b"data")


def test_read_only_folder(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    target = folder / "doc.ora"
    target.write_bytes(b"precious")
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores permission bits: simulate the refusal
            real_open = os.open

            def deny(path, flags, *args, **kw):
                if flags & os.O_CREAT:
                    raise PermissionError(errno.EACCES, "Permission denied", str(path))
                return real_open(path, flags, *args, **kw)

            monkeypatch.setattr(atomic.os, "open", deny)
        with pytest.raises(SaveError) as info:
            atomic_write(target, b"new")
        assert str(info.value) == f"Cannot save to {target}: permission denied"
    finally:
        monkeypatch.undo()
        folder.chmod(0o700)
    assert target.read_bytes() == b"precious"
    assert _leftovers(folder) == []


def test_keyboard_interrupt_cleans_up_and_propagates(tmp_path):
    target = tmp_path / "doc.ora"

    def writer(f):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, writer)
    assert not target.exists() and _leftovers(tmp_path) == []


def test_reason_text():
    assert atomic.os_error_reason(OSError(errno.EROFS, "x")) == "the disk is read-only"
    assert atomic.os_error_reason(OSError(errno.ETIMEDOUT, "Connection timed out")) == "connection timed out"
