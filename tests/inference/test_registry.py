"""Model registry: search order, validation of every bad input, checksum cache, loading, import."""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
import pytest
from helpers_onnx import (
    conv_graph,
    external_data_graph,
    make_model_dir,
    make_split_model_dir,
    read_manifest,
    save_raw,
    write_raw_manifest,
)
from onnx import TensorProto

from paintgan.errors import InferenceError, ModelError
from paintgan.inference import manifest as mf
from paintgan.inference import paths
from paintgan.inference.registry import ModelRegistry, import_model


def _only(reg: ModelRegistry):
    (info,) = reg.list()
    return info


# ------------------------------------------------------------------------------------ search path


def test_search_order_env_beats_user_beats_bundled(tmp_path, monkeypatch, user_dirs):
    env_a, env_b, bundled = tmp_path / "a", tmp_path / "b", tmp_path / "bundled"
    make_model_dir(bundled, "shared", version="3.0.0")
    make_model_dir(bundled, "only-bundled")
    make_model_dir(user_dirs["models"], "shared", version="2.0.0")
    make_model_dir(env_b, "shared", version="1.5.0")
    make_model_dir(env_a, "shared", version="1.0.0")
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: bundled)

    monkeypatch.setenv(paths.MODEL_PATH_ENV, os.pathsep.join([str(env_a), str(env_b)]))
    reg = ModelRegistry()
    assert reg.search_path == [env_a, env_b, user_dirs["models"], bundled]
    by_name = {i.name: i for i in reg.list()}
    assert by_name["shared"].version == "1.0.0"
    assert by_name["shared"].shadows == (env_b / "shared", user_dirs["models"] / "shared", bundled / "shared")
    assert by_name["only-bundled"].folder == bundled / "only-bundled"

    monkeypatch.setenv(paths.MODEL_PATH_ENV, str(env_b))
    assert reg.get("shared").version == "1.5.0"
    monkeypatch.delenv(paths.MODEL_PATH_ENV)
    assert reg.get("shared").version == "2.0.0"
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: bundled)
    (user_dirs["models"] / "shared" / "manifest.json").unlink()
    (user_dirs["models"] / "shared" / "model.onnx").unlink()
    assert reg.get("shared").version == "3.0.0"


def test_bundled_dir_is_repo_models_in_a_checkout(monkeypatch):
    monkeypatch.undo()  # the autouse fixture hides it
    bundled = paths.bundled_models_dir()
    repo_models = paths.Path(paths.__file__).resolve().parents[2] / "models"
    if repo_models.is_dir():
        assert bundled == repo_models


def test_user_dirs_are_redirected(user_dirs):
    assert paths.user_models_dir() == user_dirs["data"] / "models"
    assert paths.user_cache_dir() == user_dirs["cache"]


def test_unknown_model_names_search_path(model_root):
    with pytest.raises(ModelError, match=r"no model named 'nope'.*searched"):
        ModelRegistry().get("nope")


# ------------------------------------------------------------------------------------ good models


def test_load_and_run(model_root):
    make_model_dir(model_root, "tiny-colorize", task="colorize")
    reg = ModelRegistry()
    info = _only(reg)
    assert info.ok and info.verified and info.task == "colorize" and info.size_bytes > 0
    assert info.feature_unavailable_message is None
    m = reg.load("tiny-colorize", device="cpu")
    assert m.provider == "CPUExecutionProvider" and m.fallback_reason is None
    out = m.run({"image": np.random.default_rng(0).random((1, 1, 20, 28), dtype=np.float32)})
    assert set(out) == {"color"} and out["color"].shape == (1, 3, 20, 28)
    assert (out["color"] > 0).all() and (out["color"] < 1).all()  # sigmoid
    # float64 is cast to the declared float32; wrong kind/rank/fixed dim/names are clear errors
    assert m.run({"image": np.zeros((1, 1, 4, 4))})["color"].dtype == np.float32
    with pytest.raises(InferenceError, match=r"input 'image' must be float32, got int64"):
        m.run({"image": np.zeros((1, 1, 4, 4), np.int64)})
    with pytest.raises(InferenceError, match=r"must have rank 4"):
        m.run({"image": np.zeros((4, 4), np.float32)})
    with pytest.raises(InferenceError, match=r"dim 1 must be 1"):
        m.run({"image": np.zeros((1, 2, 4, 4), np.float32)})
    with pytest.raises(InferenceError, match=r"missing input 'image'"):
        m.run({})
    with pytest.raises(InferenceError, match=r"unexpected input 'mask'"):
        m.run({"image": np.zeros((1, 1, 4, 4), np.float32), "mask": np.zeros(1)})


def test_auto_device_records_fallback(model_root):
    from paintgan.inference.runtime import diagnose_cuda

    make_model_dir(model_root, "tiny")
    m = ModelRegistry().load("tiny")  # auto
    if not diagnose_cuda().usable:
        assert m.provider == "CPUExecutionProvider" and m.fallback_reason == diagnose_cuda().reason


def test_split_model_roles(model_root):
    make_split_model_dir(model_root, "tiny-gan")
    m = ModelRegistry().load("tiny-gan", device="cpu")
    assert m.roles == ["z_to_features", "features_to_image"]
    feats = m.run({"z": np.ones((1, 8), np.float32)}, role="z_to_features")["features"]
    assert feats.shape == (1, 16)
    img = m.run({"feat_image": np.ones((1, 3, 5, 6), np.float32)}, role="features_to_image")["image"]
    assert img.shape == (1, 3, 5, 6)
    with pytest.raises(ModelError, match=r"no graph with role 'model'"):
        m.run({"z": np.ones((1, 8), np.float32)})


def test_find_and_first_usable(model_root):
    make_model_dir(model_root, "b-col", task="colorize")
    bad = make_model_dir(model_root, "a-col", task="colorize")
    (bad / "model.onnx").write_bytes(b"x")
    make_model_dir(model_root, "seg", task="segment")
    reg = ModelRegistry()
    assert [i.name for i in reg.find("colorize")] == ["b-col", "a-col"]
    assert reg.first_usable("colorize").name == "b-col"
    (model_root / "b-col" / "model.onnx").unlink()
    with pytest.raises(ModelError, match=r"^Colorization unavailable: model a-col failed its checksum"):
        reg.first_usable("colorize")
    with pytest.raises(ModelError, match=r"^GANPaint unavailable: no ganpaint model installed"):
        reg.first_usable("ganpaint")


# ------------------------------------------------------------------------------------ bad input


def _mutate_manifest(folder, fn):
    data = read_manifest(folder)
    fn(data)
    write_raw_manifest(folder, data)


def _refused(model_root, needle):
    reg = ModelRegistry()
    info = _only(reg)  # listing never raises
    assert not info.ok and not info.verified
    assert needle in info.error, info.error
    assert "\n" not in info.error
    with pytest.raises(ModelError) as exc:
        reg.load(info.name)
    assert needle in str(exc.value)
    return info


def test_missing_file(model_root):
    folder = make_model_dir(model_root, "colorize-lineart")
    (folder / "model.onnx").unlink()
    info = _refused(model_root, "is missing a file (models/colorize-lineart/model.onnx)")
    assert info.feature_unavailable_message == (
        "Colorization unavailable: model colorize-lineart is missing a "
        "file (models/colorize-lineart/model.onnx)"
    )


def test_checksum_mismatch(model_root):
    folder = make_model_dir(model_root, "colorize-lineart")
    onnx.save(conv_graph(seed=5), str(folder / "model.onnx"))  # same interface, other weights
    info = _refused(model_root, "failed its checksum")
    assert info.feature_unavailable_message == (
        "Colorization unavailable: model colorize-lineart failed its "
        "checksum (models/colorize-lineart/model.onnx)"
    )


def test_truncated_onnx(model_root):
    folder = make_model_dir(model_root, "trunc")
    p = folder / "model.onnx"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    _refused(model_root, "failed its checksum")
    # even with a matching checksum (manifest written after the damage) the graph is refused
    _mutate_manifest(folder, lambda d: d["files"][0].update(sha256=mf.sha256_file(p)))
    _refused(model_root, "not a valid ONNX graph")


def test_truncated_onnx_without_onnx_package(model_root, monkeypatch):
    folder = make_model_dir(model_root, "trunc")
    p = folder / "model.onnx"
    p.write_bytes(p.read_bytes()[:100])
    _mutate_manifest(folder, lambda d: d["files"][0].update(sha256=mf.sha256_file(p)))
    monkeypatch.setattr(mf, "_onnx_available", lambda: False)  # the ONNX Runtime reader
    _refused(model_root, "not a valid ONNX graph")


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (lambda f: f["inputs"][0].update(name="img"), "manifest input 'img' is not in the graph"),
        (
            lambda f: f["inputs"][0].update(dtype="float16"),
            "input 'image' is float32 in the graph, manifest says float16",
        ),
        (
            lambda f: f["inputs"][0].update(shape=[1, 1, "H"]),
            "input 'image' has rank 4 in the graph, manifest says 3",
        ),
        (
            lambda f: f["inputs"][0].update(shape=[1, 3, "H", "W"]),
            "input 'image' dim 1 is 1 in the graph, manifest says 3",
        ),
        (lambda f: f["inputs"][0].update(shape=["N", 1, "H", "W"]), "dim 0 is fixed to 1 in the graph"),
        (lambda f: f["outputs"][0].update(name="rgb"), "manifest output 'rgb' is not in the graph"),
        (
            lambda f: f["inputs"].append({"name": "hint", "dtype": "float32", "shape": [1]}),
            "manifest input 'hint' is not in the graph",
        ),
    ],
)
def test_graph_does_not_match_manifest(model_root, mutate, needle):
    folder = make_model_dir(model_root, "mismatch")
    _mutate_manifest(folder, lambda d: mutate(d["files"][0]))
    info = _refused(model_root, needle)
    assert "models/mismatch/model.onnx" in info.error


def test_graph_input_missing_from_manifest(model_root):
    folder = make_model_dir(model_root, "two-in")
    g = conv_graph()
    g.graph.input.append(onnx.helper.make_tensor_value_info("hint", TensorProto.FLOAT, [1]))
    onnx.save(g, str(folder / "model.onnx"))
    _mutate_manifest(folder, lambda d: d["files"][0].update(sha256=mf.sha256_file(folder / "model.onnx")))
    _refused(model_root, "graph input 'hint' is not declared in the manifest")


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (lambda d: d.update(author="me"), "unknown field 'author' in the manifest"),
        (lambda d: d["files"][0].update(size=3), "unknown field 'size' in files[0]"),
        (
            lambda d: d["files"][0]["inputs"][0].update(layout="NCHW"),
            "unknown field 'layout' in files[0].inputs[0]",
        ),
        (lambda d: d.update(version=1), "field 'version' in the manifest must be a string, not int"),
        (lambda d: d.update(format="1"), "field 'format' in the manifest must be an integer, not str"),
        (lambda d: d.update(format=True), "field 'format' in the manifest must be an integer, not bool"),
        (lambda d: d.update(format=2), "manifest format 2 is not supported"),
        (lambda d: d.update(files={}), "field 'files' in the manifest must be a list, not dict"),
        (lambda d: d.update(evaluation=[]), "field 'evaluation' in the manifest must be an object, not list"),
        (lambda d: d.update(standard_inputs={"H": -1}), "standard_inputs['H'] must be a positive integer"),
        (lambda d: d.pop("task"), "missing field 'task' in the manifest"),
        (lambda d: d["files"][0].update(sha256="XYZ"), "sha256 must be 64 lowercase hex digits"),
        (
            lambda d: d["files"][0].update(path="../other/model.onnx"),
            "must be a relative path inside the model folder",
        ),
        (
            lambda d: d["files"][0].update(path="/etc/passwd"),
            "must be a relative path inside the model folder",
        ),
        (lambda d: d["files"][0]["inputs"][0].update(dtype="float"), "unknown dtype 'float'"),
        (
            lambda d: d["files"][0]["inputs"][0].update(shape=[1, 1.5]),
            "shape entries must be non-negative integers",
        ),
        (lambda d: d.update(name="other"), "manifest name 'other' does not match its folder 'badfields'"),
    ],
)
def test_bad_manifest_fields(model_root, mutate, needle):
    folder = make_model_dir(model_root, "badfields")
    _mutate_manifest(folder, mutate)
    info = _refused(model_root, needle)
    assert info.error.startswith("model badfields is refused: ")
    expected_feature = "Model badfields" if "'task'" in needle else "Colorization"
    assert info.feature_unavailable_message.startswith(
        f"{expected_feature} unavailable: model badfields is refused"
    )


def test_malformed_json(model_root):
    folder = make_model_dir(model_root, "badjson")
    write_raw_manifest(folder, '{"format": 1, "name": "badjson",')
    info = _refused(model_root, "malformed JSON at line 1")
    assert "(models/badjson/manifest.json)" in info.error
    write_raw_manifest(folder, "[1, 2]")
    _refused(model_root, "the manifest must be an object, not list")


def test_missing_manifest(model_root):
    folder = model_root / "nomanifest"
    folder.mkdir()
    onnx.save(conv_graph(), str(folder / "model.onnx"))
    info = _refused(model_root, "manifest missing (models/nomanifest/manifest.json)")
    assert info.feature_unavailable_message.startswith("Model nomanifest unavailable")


def test_external_data_outside_folder_refused(model_root):
    folder = model_root / "ext"
    folder.mkdir()
    (model_root / "secret.bin").write_bytes(np.ones(1, np.float32).tobytes())
    save_raw(external_data_graph("../secret.bin"), folder / "model.onnx")
    write_raw_manifest(
        folder,
        {
            "format": 1,
            "name": "ext",
            "task": "colorize",
            "version": "1",
            "files": [
                {
                    "path": "model.onnx",
                    "sha256": mf.sha256_file(folder / "model.onnx"),
                    "role": "model",
                    "inputs": [{"name": "image", "dtype": "float32", "shape": [1, 1, "H", "W"]}],
                    "outputs": [{"name": "color", "dtype": "float32", "shape": [1, 1, "H", "W"]}],
                }
            ],
        },
    )
    _refused(model_root, "external data '../secret.bin' points outside the model folder")
    # an absolute location too
    save_raw(external_data_graph(str(model_root / "secret.bin")), folder / "model.onnx")
    _mutate_manifest(folder, lambda d: d["files"][0].update(sha256=mf.sha256_file(folder / "model.onnx")))
    _refused(model_root, "points outside the model folder")


def test_external_data_inside_folder_is_fine(model_root):
    folder = model_root / "extok"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(np.full(1, 2.0, np.float32).tobytes())
    save_raw(external_data_graph("weights.bin"), folder / "model.onnx")
    from paintgan.inference.manifest import build_manifest, write_manifest_file

    write_manifest_file(folder, build_manifest(folder, "extok", "colorize", "1", ["model.onnx"]))
    m = ModelRegistry().load("extok", device="cpu")
    out = m.run({"image": np.ones((1, 1, 2, 2), np.float32)})["color"]
    np.testing.assert_allclose(out, 2.0)


def test_listing_survives_everything_broken_at_once(model_root):
    make_model_dir(model_root, "good")
    write_raw_manifest(make_model_dir(model_root, "bad1"), "{")
    (make_model_dir(model_root, "bad2") / "model.onnx").write_bytes(b"")
    (model_root / "not-a-model").mkdir()  # ignored: no manifest, no graphs
    (model_root / "README.txt").write_text("hi")
    infos = ModelRegistry().list()
    assert [(i.name, i.ok) for i in infos] == [("bad1", False), ("bad2", False), ("good", True)]


# ------------------------------------------------------------------------------------ checksum cache


def test_checksum_verdict_cached_by_size_and_mtime(model_root, monkeypatch, user_dirs):
    folder = make_model_dir(model_root, "cached")
    calls = []
    real = mf.sha256_file
    monkeypatch.setattr(mf, "sha256_file", lambda p: calls.append(p) or real(p))
    reg = ModelRegistry()
    assert _only(reg).ok and len(calls) == 1
    assert _only(reg).ok and len(calls) == 1  # cached
    cache = json.loads((user_dirs["cache"] / "checksums.json").read_text())
    (entry,) = cache.values()
    assert set(entry) == {"size", "mtime_ns", "sha256"}
    # same size, new content, new mtime: rehashed and refused
    p = folder / "model.onnx"
    data = bytearray(p.read_bytes())
    data[-1] ^= 0xFF
    p.write_bytes(bytes(data))
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    info = _only(reg)
    assert len(calls) == 2 and "failed its checksum" in info.error


def test_no_verify_listing_is_quick_and_unverified(model_root, monkeypatch):
    make_model_dir(model_root, "quick")
    monkeypatch.setattr(mf, "sha256_file", lambda p: pytest.fail("hashed"))
    (info,) = ModelRegistry().list(verify=False)
    assert info.ok and not info.verified


# ------------------------------------------------------------------------------------ import


def test_import_model_atomic(tmp_path, user_dirs):
    src = make_model_dir(tmp_path / "incoming", "imp", task="segment")
    (src / ".DS_Store").write_text("junk")
    info = import_model(src)
    dest = user_dirs["models"] / "imp"
    assert info.ok and info.folder == dest
    assert sorted(p.name for p in dest.iterdir()) == ["manifest.json", "model.onnx"]
    assert [p.name for p in user_dirs["models"].iterdir()] == ["imp"]  # no temp folders left
    assert ModelRegistry().get("imp").ok
    with pytest.raises(ModelError, match=r"already installed"):
        import_model(src)
    onnx.save(conv_graph(seed=9), str(src / "model.onnx"))
    write_raw_manifest(src, build_for(src))
    assert import_model(src, force=True).ok
    assert mf.sha256_file(dest / "model.onnx") == mf.sha256_file(src / "model.onnx")
    assert [p.name for p in user_dirs["models"].iterdir()] == ["imp"]


def build_for(folder):
    return mf.build_manifest(folder, folder.name, "segment", "2.0.0", ["model.onnx"])


def test_import_refuses_broken_model_and_leaves_nothing(tmp_path, user_dirs):
    src = make_model_dir(tmp_path / "incoming", "broken")
    (src / "model.onnx").write_bytes(b"junk")
    with pytest.raises(ModelError, match=r"cannot import .*failed its checksum"):
        import_model(src)
    assert not (user_dirs["models"] / "broken").exists()
    assert not user_dirs["models"].exists() or not any(user_dirs["models"].iterdir())
    with pytest.raises(ModelError, match=r"not a model folder"):
        import_model(tmp_path / "nothing-here")


# ------------------------------------------------------------------------------------ robustness


def test_gpu_run_failure_retries_on_cpu(model_root):
    """A CUDA session that fails while running (e.g. cuDNN missing) is replaced by a CPU one in auto mode."""
    make_model_dir(model_root, "tiny")
    m = ModelRegistry().load("tiny", device="cpu")
    m.device_setting = "auto"
    handle = m._handles["model"]
    outputs = handle.session.get_outputs()

    class FailingSession:
        def run(self, *a, **k):
            raise RuntimeError("[ONNXRuntimeError] : 1 : FAIL : CUDNN failure 4: CUDNN_STATUS_INTERNAL_ERROR")

        def get_outputs(self):
            return outputs

    handle.session, handle.device, handle.provider = FailingSession(), "cuda", "CUDAExecutionProvider"
    out = m.run({"image": np.zeros((1, 1, 4, 4), np.float32)})
    assert out["color"].shape == (1, 3, 4, 4)
    assert m.provider == "CPUExecutionProvider"
    assert m.fallback_reason == "CUDA failed while running: CUDNN failure 4: CUDNN_STATUS_INTERNAL_ERROR"


def test_manifest_file_layout_is_readable(model_root):
    folder = make_model_dir(model_root, "tiny")
    text = (folder / "manifest.json").read_text()
    assert '"shape": [1, 1, "H", "W"]' in text
    assert mf.load_manifest(folder).files[0].inputs[0].shape == (1, 1, "H", "W")


def test_import_is_light():
    """The inference layer must not pull in onnxruntime, torch or Qt at import time."""
    import subprocess
    import sys

    code = (
        "import sys, paintgan.inference, paintgan.inference.registry, paintgan.inference.service, "
        "paintgan.inference.cli, paintgan.inference.bench, paintgan.inference.manifest;"
        "bad = [m for m in ('onnxruntime', 'torch', 'PySide6', 'onnx') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
