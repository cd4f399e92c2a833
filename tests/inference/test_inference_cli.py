"""`paintgan models`, `models import`, `doctor`, `selftest`, `bench` through paintgan.cli.main."""

from __future__ import annotations

import json

import pytest
from helpers_onnx import make_model_dir, make_split_model_dir, nan_graph

from paintgan.cli import main
from paintgan.inference import bench


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_empty(model_root, capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0 and "No models installed" in out and str(model_root) in out


def test_models_lists_good_and_broken(model_root, capsys):
    make_model_dir(model_root, "tiny-colorize", task="colorize")
    (make_model_dir(model_root, "broken-seg", task="segment") / "model.onnx").write_bytes(b"x")
    code, out, _ = run(capsys, "models")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "TASK", "VERSION", "SIZE", "VERIFIED", "PROVIDER"]
    good = next(line for line in lines if line.startswith("tiny-colorize"))
    assert good.split()[1:3] == ["colorize", "1.0.0"] and " yes " in good
    assert good.split()[-1] in ("cpu", "cuda")
    bad = next(line for line in lines if line.startswith("broken-seg"))
    assert " no " in bad
    assert (
        "! Click segmentation unavailable: model broken-seg failed its checksum "
        "(models/broken-seg/model.onnx)"
    ) in out

    code, out, _ = run(capsys, "models", "--json")
    data = json.loads(out)
    assert code == 0 and data["search_path"][0] == str(model_root)
    assert {m["name"]: m["ok"] for m in data["models"]} == {"broken-seg": False, "tiny-colorize": True}


def test_models_import(tmp_path, model_root, user_dirs, capsys):
    src = make_model_dir(tmp_path / "download", "new-model", task="segment")
    code, out, _ = run(capsys, "models", "import", str(src))
    assert code == 0 and "imported new-model" in out
    assert (user_dirs["models"] / "new-model" / "manifest.json").is_file()
    code, out, _ = run(capsys, "models")
    assert "new-model" in out
    code, _, err = run(capsys, "models", "import", str(src))
    assert code == 2 and err.startswith("paintgan: error: model new-model is already installed")
    assert len(err.strip().splitlines()) == 1
    assert run(capsys, "models", "import", "--force", str(src))[0] == 0
    (src / "model.onnx").write_bytes(b"junk")
    code, _, err = run(capsys, "models", "import", "--force", str(src))
    assert code == 2 and "failed its checksum" in err and len(err.strip().splitlines()) == 1
    assert ModelOk(user_dirs)  # the installed copy was not touched by the failed import


def ModelOk(user_dirs):
    from paintgan.inference.registry import inspect_model_dir

    return inspect_model_dir(user_dirs["models"] / "new-model").ok


def test_doctor(model_root, capsys):
    make_model_dir(model_root, "tiny")
    (make_model_dir(model_root, "bad") / "model.onnx").unlink()
    code, out, err = run(capsys, "doctor")
    assert code == 0 and err == ""
    for needle in (
        "Python ",
        "ONNX Runtime ",
        "Providers ",
        "CPUExecutionProvider",
        "NVIDIA GPU ",
        "CUDA ",
        "Device       auto -> ",
        str(model_root),
        "tiny (colorize 1.0.0): ok, verified",
        "bad (colorize 1.0.0): Colorization unavailable: model bad is missing a file",
    ):
        assert needle in out, needle
    code, out, _ = run(capsys, "doctor", "--json")
    rep = json.loads(out)
    assert rep["runtime"]["onnxruntime"] and "CPUExecutionProvider" in rep["runtime"]["providers"]
    assert [m["name"] for m in rep["models"]] == ["bad", "tiny"]


def test_selftest_no_models(model_root, capsys):
    code, out, _ = run(capsys, "selftest")
    assert code == 0 and "no models installed" in out


def test_selftest_passes_and_fails(model_root, capsys, monkeypatch):
    make_model_dir(model_root, "tiny")
    make_split_model_dir(model_root, "tiny-gan")
    code, out, _ = run(capsys, "selftest", "--device", "cpu")
    assert code == 0, out
    assert "PASS tiny: model " in out and " ms on CPUExecutionProvider" in out
    assert "PASS tiny-gan: z_to_features" in out and "selftest passed" in out

    monkeypatch.setattr(
        bench,
        "SELFTEST_EXTRA_CHECKS",
        [lambda: ("main window", True, "built offscreen"), lambda: ("ora round trip", False, "write failed")],
    )
    code, out, _ = run(capsys, "selftest", "--device", "cpu")
    assert code == 1 and "PASS main window: built offscreen" in out and "FAIL ora round trip" in out

    monkeypatch.setattr(bench, "SELFTEST_EXTRA_CHECKS", [])
    make_model_dir(model_root, "nan-model", graph=nan_graph())
    code, out, _ = run(capsys, "selftest", "--json")
    rep = json.loads(out)
    assert code == 1 and not rep["ok"]
    nan = next(m for m in rep["models"] if m["name"] == "nan-model")
    assert nan["problems"] == ["model: output 'color' has NaN or infinite values"]


def test_selftest_reports_broken_and_unbound(model_root, capsys):
    (make_model_dir(model_root, "broken") / "model.onnx").write_bytes(b"")
    make_model_dir(model_root, "unbound", standard_inputs={})
    code, out, _ = run(capsys, "selftest")
    assert code == 1
    assert "FAIL broken: Colorization unavailable: model broken failed its checksum" in out
    assert "FAIL unbound: model: tensor 'image': symbolic dim 'H' is not bound in standard_inputs" in out


def test_selftest_strict_cuda_device(model_root, capsys):
    from paintgan.inference.runtime import diagnose_cuda

    if diagnose_cuda().usable:
        pytest.skip("CUDA works here")
    make_model_dir(model_root, "tiny")
    code, out, _ = run(capsys, "selftest", "--device", "cuda")
    assert code == 1 and f"FAIL tiny: {diagnose_cuda().reason}" in out


def test_bench_json(model_root, capsys, monkeypatch):
    monkeypatch.setattr(bench, "sgemm_peak_gflops", lambda *a, **k: 100.0)
    make_model_dir(model_root, "tiny", standard_inputs={"H": 16, "W": 16})
    make_split_model_dir(model_root, "tiny-gan")
    code, out, _ = run(capsys, "bench", "--json", "--runs", "5", "--device", "cpu")
    assert code == 0
    rep = json.loads(out)
    assert rep["machine"]["sgemm_peak_gflops"] == 100.0
    by_name = {m["name"]: m for m in rep["models"]}
    g = by_name["tiny"]["graphs"]["model"]
    assert g["runs"] == 5 and 0 < g["p50_ms"] <= g["p95_ms"]
    assert g["flops"] == 2 * (1 * 3 * 16 * 16) * (1 * 3 * 3)  # Conv MACs x 2
    assert g["fraction_of_peak"] == pytest.approx(g["flops"] / (g["p50_ms"] / 1000) / 1e11, rel=0.05)
    assert by_name["tiny-gan"]["graphs"]["z_to_features"]["flops"] == 2 * 8 * 16
    assert by_name["tiny"]["provider"] == "CPUExecutionProvider"

    code, out, _ = run(capsys, "bench", "--json", "--runs", "3", "--model", "tiny-gan")
    assert [m["name"] for m in json.loads(out)["models"]] == ["tiny-gan"]
    code, _, err = run(capsys, "bench", "--model", "missing")
    assert code == 2 and "no model named 'missing'" in err


def test_bench_table(model_root, capsys, monkeypatch):
    monkeypatch.setattr(bench, "sgemm_peak_gflops", lambda *a, **k: 50.0)
    make_model_dir(model_root, "tiny", standard_inputs={"H": 16, "W": 16})
    code, out, _ = run(capsys, "bench", "--runs", "3")
    assert code == 0 and "P50 ms" in out and "tiny" in out and "peak 50.0 GFLOP/s" in out


def test_count_macs_without_onnx_is_none(tmp_path, monkeypatch):
    import builtins

    folder = make_model_dir(tmp_path, "tiny")
    real_import = builtins.__import__

    def no_onnx(name, *a, **k):
        if name == "onnx" or name.startswith("onnx."):
            raise ImportError("no onnx")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    assert bench.count_macs(folder / "model.onnx", {"H": 8, "W": 8}) is None


def test_sgemm_peak_is_measured():
    bench._PEAK_CACHE.clear()
    peak = bench.sgemm_peak_gflops(sizes=(128,), repeats=8)
    assert peak > 0.1
