"""A page inside the pixel limit but too big to colorize in memory fails in a second with one line
(issue 16: a 400 MP page used to kill `paintgan colorize`). Uses a tiny PNG that only declares its size."""

from __future__ import annotations

import resource
import struct
import time
import zlib

import pytest

import paintgan.inference.colorize.memory as memory
from paintgan.cli import main
from paintgan.io.images import pixel_limit
from paintgan.limits import LimitError


def _declared_png(width: int, height: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def test_400_mp_page_is_refused_before_decoding(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PAINTGAN_LIMIT_COLORIZE_MEMORY", raising=False)
    assert pixel_limit() >= 20_000 * 20_000  # inside the pixel limit: only the memory estimate refuses it
    src = tmp_path / "poster.png"
    src.write_bytes(_declared_png(20_000, 20_000))
    out = tmp_path / "out.png"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    assert main(["colorize", str(src), "-o", str(out), "--mode", "flat"]) == 2
    assert time.perf_counter() - t0 < 5
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) < 200 << 10  # KiB: nothing decoded
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "poster.png" in err and "20000×20000" in err
    assert "COLORIZE_MEMORY" in err and "PAINTGAN_LIMIT_COLORIZE_MEMORY" in err
    assert not out.exists()


def test_estimate_against_free_memory_and_the_override(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PAINTGAN_LIMIT_COLORIZE_MEMORY", raising=False)
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 30)
    memory.check_colorize_memory(4000, 3000, "a4.png")  # a 12 MP page: about 0.8 GiB, fine
    free = r"big\.png: .*8000×8000.*1\.0 GiB free.*PAINTGAN_LIMIT_COLORIZE_MEMORY="
    with pytest.raises(LimitError, match=free):
        memory.check_colorize_memory(8000, 8000, "big.png")  # 64 MP: about 3.2 GiB
    monkeypatch.setenv("PAINTGAN_LIMIT_COLORIZE_MEMORY", str(8 << 30))  # raised on purpose: trusted
    memory.check_colorize_memory(8000, 8000, "big.png")
    with pytest.raises(LimitError, match="COLORIZE_MEMORY"):
        memory.check_colorize_memory(20_000, 20_000, "poster.png")
    assert memory.colorize_working_bytes(20_000, 20_000) > 18 << 30
