from __future__ import annotations

import pytest

from paintgan.errors import FormatError
from paintgan.io.hints import Hints, PointHint, StrokeHint, dump_hints, load_hints, parse_hints, save_hints


def test_roundtrip(tmp_path):
    h = Hints([PointHint(12.5, 40, (255, 0, 0), 2)], [StrokeHint(((1, 2), (3.5, 4)), (0, 255, 0), 4)],
              [(1, 2, 3)], (640, 480))
    p = tmp_path / "page01.hints.json"
    save_hints(p, h)
    assert load_hints(p) == h
    assert parse_hints(dump_hints(h)) == h
    assert '"image_size": [640, 480]' in p.read_text().replace("\n", "").replace("[ ", "[").replace(
        ",  ", ", ") or "image_size" in p.read_text()


def test_minimal_and_design_example():
    h = parse_hints('{"version": 1, "hints": [{"x": 12.5, "y": 40, "rgb": [255, 0, 0], "radius": 2}], '
                    '"strokes": [{"points": [[1, 2], [3, 4]], "rgb": [0, 0, 255], "width": 4}], '
                    '"palette": [[1, 2, 3]]}')
    assert h.points[0] == PointHint(12.5, 40.0, (255, 0, 0), 2.0)
    assert h.strokes[0].points == ((1.0, 2.0), (3.0, 4.0))
    assert parse_hints('{"hints": []}').is_empty()


def test_malformed_json_has_line_and_column():
    text = '{\n "version": 1,\n "hints": [{"x": 1 "y": 2}]\n}'
    with pytest.raises(FormatError) as e:
        parse_hints(text, "page01.hints.json")
    assert str(e.value) == "page01.hints.json: line 3, column 20: expected ','"


@pytest.mark.parametrize("text,msg", [
    ('{"hints": [{"x": 1, "y": 2, "rgb": [0, 0, 0]}, {"x": 1, "y": 2, "rgb": [0, 0, 0]},'
     ' {"x": 1, "y": 2, "rgb": [0, 300, 0]}]}', "hints[2].rgb: expected 3 integers 0–255"),
    ('{"hints": [{"x": "a", "y": 2, "rgb": [0, 0, 0]}]}', "hints[0].x: expected a number, got a string"),
    ('{"hints": [{"y": 2, "rgb": [0, 0, 0]}]}', 'hints[0]: missing "x"'),
    ('{"hints": {}}', "hints: expected a list, got an object"),
    ('{"strokes": [{"points": [[1]], "rgb": [0, 0, 0]}]}',
     "strokes[0].points[0]: expected [x, y], 2 numbers"),
    ('{"strokes": [{"points": [[1, 1]], "rgb": [0, 0, 0], "width": 0}]}',
     "strokes[0].width: expected a positive"),
    ('{"palette": [[1, 2]]}', "palette[0]: expected 3 integers 0–255"),
    ('{"version": 2}', "version: unsupported version 2"),
    ('{"image_size": [0, 5]}', "image_size: expected [width, height]"),
    ('[1]', "expected a JSON object"),
])
def test_bad_values_name_the_path(text, msg):
    with pytest.raises(FormatError) as e:
        parse_hints(text, "p.json")
    assert str(e.value).startswith("p.json: ")
    assert msg in str(e.value)


def test_outside_image_is_ignored_with_warning():
    h = Hints([PointHint(5, 5, (1, 1, 1)), PointHint(500, 5, (2, 2, 2)), PointHint(-1, 3, (3, 3, 3))],
              [StrokeHint(((200, 200), (300, 300)), (0, 0, 0)), StrokeHint(((-10, 5), (50, 5)), (0, 0, 0))])
    kept, warnings = h.inside(100, 80)
    assert [p.rgb for p in kept.points] == [(1, 1, 1)]
    assert len(kept.strokes) == 1
    assert len(warnings) == 3
    assert "hints[1] at (500, 5) is outside the 100×80 image; ignored" in warnings


def test_scaled():
    h = Hints([PointHint(10, 20, (1, 2, 3), 2)], [StrokeHint(((0, 0), (10, 10)), (0, 0, 0), 4)], [],
              (100, 200))
    s = h.scaled((100, 200), (200, 400))
    assert (s.points[0].x, s.points[0].y, s.points[0].radius) == (20, 40, 4)
    assert s.strokes[0].points[1] == (20, 20) and s.strokes[0].width == 8
    assert s.image_size == (200, 400)


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="no such hints file"):
        load_hints(tmp_path / "nope.json")
