"""`paintgan segment`: several --box, --points extreme clicks, --append / --force on an existing file."""

from __future__ import annotations

import json

import cv2

from paintgan.cli import main


def run(tmp_path, tiny_model_dir, *extra):
    return main(["segment", str(tmp_path / "disc.png"), "--model", str(tiny_model_dir), "--device", "cpu",
                 *extra])


def test_boxes_points_append_force(tmp_path, tiny_model_dir, scene, capsys):
    cv2.imwrite(str(tmp_path / "disc.png"), scene["image"][..., ::-1])
    out = tmp_path / "disc.json"
    rc = run(tmp_path, tiny_model_dir, "--box", "98,48,202,152", "--box", "10,10,60,60",
             "--points", "100,100,150,50,200,100,150,150",
             "--label", "disc", "--label", "bg", "--label", "dot")
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["shapes"] == 3 and summary["added"] == 3
    data = json.loads(out.read_text())
    assert [s["label"] for s in data["shapes"]] == ["disc", "bg", "dot"]
    assert all(s["shape_type"] == "polygon" and len(s["points"]) >= 3 for s in data["shapes"])
    # a field another tool wrote survives --append
    data["reviewer"] = "Zoë"
    data["shapes"][0]["flags"] = {"checked": True}
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    rc = run(tmp_path, tiny_model_dir, "--box", "98,48,202,152")
    err = capsys.readouterr().err
    assert rc == 2 and "--append" in err and "\n" not in err.strip()
    assert json.loads(out.read_text())["reviewer"] == "Zoë"  # untouched

    assert run(tmp_path, tiny_model_dir, "--box", "98,48,202,152", "--label", "again", "--append") == 0
    capsys.readouterr()
    data = json.loads(out.read_text())
    assert [s["label"] for s in data["shapes"]] == ["disc", "bg", "dot", "again"]
    assert data["reviewer"] == "Zoë" and data["shapes"][0]["flags"] == {"checked": True}

    assert run(tmp_path, tiny_model_dir, "--box", "98,48,202,152", "--force") == 0
    capsys.readouterr()
    data = json.loads(out.read_text())
    assert [s["label"] for s in data["shapes"]] == ["object"] and "reviewer" not in data


def test_append_refuses_bad_file_and_bad_args(tmp_path, tiny_model_dir, scene, capsys):
    cv2.imwrite(str(tmp_path / "disc.png"), scene["image"][..., ::-1])
    out = tmp_path / "disc.json"
    out.write_text('{"version": "5.4.1", "shapes": [], "imagePath": "other.png"}')
    assert run(tmp_path, tiny_model_dir, "--box", "98,48,202,152", "--append") == 2
    assert "another image" in capsys.readouterr().err
    assert json.loads(out.read_text())["imagePath"] == "other.png"
    for args in (["--points", "1,2,3"], [], ["--box", "98,48,202,152", "--label", "a", "--label", "b"]):
        assert run(tmp_path, tiny_model_dir, "--force", *args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("paintgan: error:") and "\n" not in err
