"""Bulk writes of dataset exports and imports: whole files replaced, no temp file left, SaveError."""

from __future__ import annotations

import pytest

from paintgan.errors import SaveError
from paintgan.io.atomic import sync_folder
from paintgan.io.bulk import replace_file


def test_replace_file(tmp_path) -> None:
    target = tmp_path / "a.json"
    replace_file(target, b"one")
    replace_file(target, b"two", durable=True)
    sync_folder(tmp_path)
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(SaveError):
        replace_file(tmp_path / "dir.json", b"x")
    with pytest.raises(SaveError) as info:
        replace_file(tmp_path / "missing" / "b.json", b"x")
    assert "folder does not exist" in str(info.value) or "No such" in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "dir.json"]
