"""Fuzzing the readers of users' files: a generated corpus of 622 corrupted images, .ora archives, mask
archives, hints, LabelMe and manifest JSON, read in a subprocess under an address-space limit with an alarm
per case (tests/io/fuzz_readers.py), plus hypothesis strategies for the JSON readers and the image decoder.
The only acceptable outcomes: success or a PaintGANError with a one-line message."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paintgan.errors import PaintGANError
from paintgan.io.hints import parse_hints
from paintgan.io.images import decode_image
from paintgan.io.labelme import parse_labelme

FUZZ = Path(__file__).with_name("fuzz_readers.py")


@pytest.mark.skipif(sys.platform == "win32", reason="resource limits and SIGALRM")
def test_corrupted_corpus_only_raises_our_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    made = subprocess.run([sys.executable, str(FUZZ), "make", str(tmp_path / "corpus")], capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(made.stdout)["cases"] >= 500
    ran = subprocess.run([sys.executable, str(FUZZ), "run", str(tmp_path / "corpus"), "--max-mb", "3072"],
                         capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result["unexpected"] == 0 and result["hangs"] == 0, result["unexpected_types"]
    assert result["ok"] + result["paintgan_error"] == result["cases"] >= 500
    assert result["peak_rss_mb"] < 1024, result  # the hostile files are refused before they allocate


def _check(fn, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except PaintGANError as exc:
        assert str(exc) and "\n" not in str(exc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=8), kids, max_size=5),
    max_leaves=30)
hint_like = st.fixed_dictionaries({}, optional={
    "version": json_values, "image_size": json_values,
    "hints": st.lists(st.fixed_dictionaries({}, optional={"x": json_values, "y": json_values,
                                                          "rgb": json_values, "radius": json_values}),
                      max_size=4),
    "strokes": st.lists(st.fixed_dictionaries({}, optional={"points": json_values, "rgb": json_values,
                                                            "width": json_values}), max_size=3),
    "palette": json_values})
labelme_like = st.fixed_dictionaries({}, optional={
    "version": json_values, "imagePath": json_values, "imageHeight": json_values, "imageWidth": json_values,
    "flags": json_values,
    "shapes": st.lists(st.fixed_dictionaries({}, optional={"label": json_values, "points": json_values,
                                                           "shape_type": json_values, "group_id": json_values,
                                                           "flags": json_values}), max_size=3)})
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dumps(v: object) -> bytes:
    return json.dumps(v, allow_nan=True).encode()


@FAST
@given(hint_like)
def test_hints_json_from_hypothesis(body) -> None:  # type: ignore[no-untyped-def]
    _check(parse_hints, _dumps(body), "fuzz.hints.json")


@FAST
@given(labelme_like)
def test_labelme_json_from_hypothesis(body) -> None:  # type: ignore[no-untyped-def]
    _check(parse_labelme, _dumps(body), "fuzz.json")


@FAST
@given(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM", b"II*\x00", b"RIFF", b""]),
       st.binary(max_size=300))
def test_image_bytes_from_hypothesis(magic, tail) -> None:  # type: ignore[no-untyped-def]
    _check(decode_image, magic + tail, "fuzz")


def test_hypothesis_floats_reach_the_number_checks() -> None:
    assert not math.isfinite(float("nan"))  # (the strategies above include NaN and infinities on purpose)
