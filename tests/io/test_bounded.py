"""`read_bounded`: the one bounded reader behind JSON documents, hints files and the colour memory."""

from __future__ import annotations

import os

import pytest

from paintgan.io.bounded import ReadRefused, read_bounded


def test_reads_a_small_regular_file(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b"{}")
    assert read_bounded(p, 10) == b"{}"


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda p: p.write_bytes(b"x" * 11), "too-large"),
        (lambda p: None, "missing"),
        (lambda p: p.mkdir(), "not-regular"),
        (lambda p: os.mkfifo(p), "not-regular"),  # would block a plain open().read()
    ],
)
def test_refusals_say_why(tmp_path, make, kind):
    p = tmp_path / "f"
    make(p)
    with pytest.raises(ReadRefused) as info:
        read_bounded(p, 10)
    assert info.value.kind == kind
    if kind == "too-large":
        assert info.value.size == 11


def test_a_link_is_refused_when_links_are_not_followed(tmp_path):
    (tmp_path / "real").write_bytes(b"data")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert read_bounded(tmp_path / "link", 10) == b"data"
    with pytest.raises(ReadRefused, match="not-regular"):
        read_bounded(tmp_path / "link", 10, follow_symlinks=False)


def test_unreadable_gives_the_reason(tmp_path):
    p = tmp_path / "secret"
    p.write_bytes(b"x")
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):
            pytest.skip("running as root: permissions do not stop reading")
        with pytest.raises(ReadRefused) as info:
            read_bounded(p, 10)
        assert info.value.kind == "unreadable" and info.value.detail
    finally:
        p.chmod(0o600)
