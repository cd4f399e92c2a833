"""Session creation: provider choice, CUDA fallback with plain-words reasons, quiet ORT, options."""

from __future__ import annotations

import re

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from helpers_onnx import conv_graph

from paintgan.errors import InferenceError
from paintgan.inference import runtime
from paintgan.inference.runtime import CudaDiagnosis, create_session


@pytest.fixture
def graph_path(tmp_path):
    p = tmp_path / "g.onnx"
    onnx.save(conv_graph(), str(p))
    return p


def _usable() -> CudaDiagnosis:
    return CudaDiagnosis(True, "12.0", True, ("Fake GPU",), None, usable=True, reason=None)


def _missing_cublas() -> CudaDiagnosis:
    return CudaDiagnosis(
        True,
        "12.0",
        True,
        ("Fake GPU",),
        "libcublasLt.so.12",
        usable=False,
        reason="CUDA unavailable: libcublasLt.so.12 not found — install paintgan[cuda]",
    )


def test_cpu_session_runs(graph_path):
    h = create_session(graph_path, "cpu")
    assert h.provider == "CPUExecutionProvider" and h.device == "cpu" and h.fallback_reason is None
    (out,) = h.session.run(None, {"image": np.zeros((1, 1, 8, 8), np.float32)})
    assert out.shape == (1, 3, 8, 8)


def test_auto_real_path_on_this_machine(graph_path, capfd):
    """On a machine without a usable GPU, auto gives CPU and a reason; with one, CUDA and no reason."""
    runtime.diagnose_cuda.cache_clear()
    h = create_session(graph_path, "auto")
    diag = runtime.diagnose_cuda()
    if diag.usable:
        assert h.provider == "CUDAExecutionProvider" and h.fallback_reason is None
    else:
        assert h.provider == "CPUExecutionProvider"
        assert h.fallback_reason == diag.reason and h.fallback_reason
        assert "GPU" in h.fallback_reason or "CUDA" in h.fallback_reason
        with pytest.raises(InferenceError, match=diag.reason.split(":")[0]):
            create_session(graph_path, "cuda")
    captured = capfd.readouterr()
    assert "onnxruntime" not in captured.err and "[E:" not in captured.err
    assert captured.out == ""


def test_real_cuda_attempt_is_silent(graph_path, capfd, monkeypatch):
    """Pretend CUDA is usable so ONNX Runtime really tries (and, without a GPU, fails to load) the CUDA
    provider: its error spam must not reach the terminal; our reason replaces it."""
    monkeypatch.setattr(runtime, "diagnose_cuda", _usable)
    h = create_session(graph_path, "auto")
    if h.provider == "CUDAExecutionProvider":
        pytest.skip("this machine has a working CUDA setup")
    assert h.provider == "CPUExecutionProvider"
    assert h.fallback_reason  # from the uncached probe
    assert h.fallback_reason == runtime.probe_cuda().reason
    err = capfd.readouterr().err
    assert "provider_bridge" not in err and "Failed to load" not in err, err


def test_simulated_provider_drop_gives_library_reason(graph_path, monkeypatch):
    """ORT silently drops CUDA (as it does when libcublasLt is missing): the reason names the library."""
    monkeypatch.setattr(runtime, "diagnose_cuda", _usable)
    monkeypatch.setattr(runtime, "probe_cuda", _missing_cublas)
    real = ort.InferenceSession

    def fake_session(path, opts=None, providers=None, **kw):
        assert providers[0] == "CUDAExecutionProvider"
        return real(path, opts, providers=["CPUExecutionProvider"])

    monkeypatch.setattr(ort, "InferenceSession", fake_session)
    h = create_session(graph_path, "auto")
    assert h.provider == "CPUExecutionProvider"
    assert h.fallback_reason == "CUDA unavailable: libcublasLt.so.12 not found — install paintgan[cuda]"
    with pytest.raises(InferenceError, match=r"libcublasLt\.so\.12 not found"):
        create_session(graph_path, "cuda")


def test_simulated_hard_cuda_failure_falls_back(graph_path, monkeypatch):
    monkeypatch.setattr(runtime, "diagnose_cuda", _usable)
    real = ort.InferenceSession
    calls = []

    def fake_session(path, opts=None, providers=None, **kw):
        calls.append(list(providers))
        if "CUDAExecutionProvider" in providers:
            raise RuntimeError("[ONNXRuntimeError] : 1 : FAIL : CUDA failure 100: no CUDA-capable device")
        return real(path, opts, providers=providers)

    monkeypatch.setattr(ort, "InferenceSession", fake_session)
    h = create_session(graph_path, "auto")
    assert h.provider == "CPUExecutionProvider"
    assert h.fallback_reason == "CUDA failed: CUDA failure 100: no CUDA-capable device"
    assert calls == [["CUDAExecutionProvider", "CPUExecutionProvider"], ["CPUExecutionProvider"]]


def test_no_cuda_means_cpu_without_trying(graph_path, monkeypatch):
    monkeypatch.setattr(runtime, "diagnose_cuda", _missing_cublas)
    h = create_session(graph_path, "auto")
    assert h.provider == "CPUExecutionProvider"
    assert "libcublasLt.so.12" in h.fallback_reason
    assert runtime.resolve_device("auto") == ("cpu", h.fallback_reason)
    assert runtime.resolve_device("cpu") == ("cpu", None)


def test_unknown_device_and_bad_graph(graph_path, tmp_path):
    with pytest.raises(InferenceError, match=r"unknown device 'tpu'"):
        create_session(graph_path, "tpu")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx graph")
    with pytest.raises(InferenceError, match=r"bad\.onnx: ONNX Runtime cannot load the graph"):
        create_session(bad, "cpu")


def test_session_options():
    opts = runtime.session_options()
    assert opts.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert opts.intra_op_num_threads == runtime.physical_cores() >= 1
    assert opts.log_severity_level == 3
    assert runtime.session_options(threads=1).intra_op_num_threads == 1


def test_optimized_model_cache_off_by_default_and_on_request(graph_path, user_dirs):
    create_session(graph_path, "cpu")
    assert not (user_dirs["cache"] / "optimized").exists()
    h = create_session(graph_path, "cpu", cache_optimized=True, sha256="ab" * 32)
    cached = list((user_dirs["cache"] / "optimized").glob("*.onnx"))
    assert len(cached) == 1 and cached[0].name.startswith("g-abababab")
    h2 = create_session(graph_path, "cpu", cache_optimized=True, sha256="ab" * 32)  # loads the cached copy
    x = {"image": np.random.default_rng(0).random((1, 1, 8, 8), dtype=np.float32)}
    np.testing.assert_allclose(h.session.run(None, x)[0], h2.session.run(None, x)[0], rtol=1e-5)
    cached[0].write_bytes(b"garbage")  # a corrupt cached copy is replaced, not fatal
    h3 = create_session(graph_path, "cpu", cache_optimized=True, sha256="ab" * 32)
    assert h3.session.run(None, x)[0].shape == (1, 3, 8, 8)


@pytest.mark.parametrize(
    "text,lib",
    [
        ("libcublasLt.so.12: cannot open shared object file: No such file or directory", "libcublasLt.so.12"),
        ("Error loading /x/libcudnn.so.9: cannot open shared object file", "libcudnn.so.9"),
        ("LoadLibrary failed with error 126 when trying to load cublas64_12.dll", "cublas64_12.dll"),
    ],
)
def test_missing_library_parsing(text, lib):
    assert runtime._missing_lib_from_error(text) == lib


def test_diagnosis_is_plain_words():
    d = runtime.probe_cuda()
    assert d.usable == (d.reason is None)
    if d.reason:
        assert "\n" not in d.reason and "ONNXRuntimeError" not in d.reason
    summary = runtime.runtime_summary()
    assert "CPUExecutionProvider" in summary["providers"]
    assert summary["auto_device"] in ("cpu", "cuda")


def test_driver_present_but_libraries_missing_real_probe(monkeypatch, capfd):
    """Pretend an NVIDIA driver is installed: the real probe session then fails on this machine's missing
    CUDA libraries, and the reason names the library instead of ONNX Runtime's error spam."""
    monkeypatch.setattr(runtime, "_driver_found", lambda: True)
    d = runtime.probe_cuda()
    if d.usable:
        pytest.skip("CUDA works here")
    assert d.driver_found and not d.usable
    if d.missing_library:
        assert re.fullmatch(r"CUDA unavailable: \S+ not found — install paintgan\[cuda\]", d.reason), d.reason
    else:
        assert d.reason.startswith("CUDA unavailable: ")
    err = capfd.readouterr()
    assert err.err == "" and err.out == ""
