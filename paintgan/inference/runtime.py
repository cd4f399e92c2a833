"""The one place that creates ONNX Runtime sessions.

Device setting: "auto" (CUDA when it works, else CPU, with the reason recorded in plain words),
"cpu", "cuda", "directml" (Windows) or "coreml" (macOS). An explicit GPU device is strict: if it cannot
be used, `InferenceError` says why. ONNX Runtime's own log output is silenced and replaced by that reason.

onnxruntime is imported lazily (inside functions) so the app starts fast.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import functools
import hashlib
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paintgan.errors import InferenceError, one_line

DEVICES = ("auto", "cpu", "cuda", "directml", "coreml")
#: the one --device help every subcommand shows (with choices=DEVICES)
DEVICE_HELP = "auto (CUDA when it works, else CPU), cpu, cuda, directml or coreml"
PROVIDER_FOR_DEVICE = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
}
DEVICE_FOR_PROVIDER = {v: k for k, v in PROVIDER_FOR_DEVICE.items()}
LOG_ENV = "PAINTGAN_ORT_LOG"  # 0 (verbose) .. 4 (fatal only); default 3, 4 while probing a GPU
CACHE_OPTIMIZED_ENV = "PAINTGAN_CACHE_OPTIMIZED"

_lock = threading.RLock()


def ort_module() -> Any:
    """Import onnxruntime (lazily) and set its default logger quiet."""
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - onnxruntime is a hard dependency
        raise InferenceError(f"ONNX Runtime is not installed ({exc}); reinstall paintgan") from None
    _set_default_severity(ort, _log_level())
    return ort


def _log_level(default: int = 3) -> int:
    try:
        return max(0, min(4, int(os.environ.get(LOG_ENV, default))))
    except ValueError:
        return default


def _set_default_severity(ort: Any, level: int) -> None:
    with contextlib.suppress(Exception):
        ort.set_default_logger_severity(level)


@contextlib.contextmanager
def quiet_ort(level: int = 4) -> Iterator[None]:
    """Silence ONNX Runtime's global logger inside the block (restored to warnings-off afterwards)."""
    import onnxruntime as ort

    user_level = os.environ.get(LOG_ENV)
    if user_level is not None:  # the user asked for ORT's own log: leave it alone
        yield
        return
    _set_default_severity(ort, level)
    try:
        yield
    finally:
        _set_default_severity(ort, 3)


# ------------------------------------------------------------------------------------------- threads


def physical_cores() -> int:
    """Physical cores available to this process (hyper-threads do not help ORT's intra-op pool)."""
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        allowed = list(range(os.cpu_count() or 1))
    logical = max(1, len(allowed))
    if sys.platform.startswith("linux"):
        cores: set[str] = set()
        for cpu in allowed:
            p = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/core_cpus_list")
            if not p.exists():
                p = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list")
            try:
                cores.add(p.read_text().strip())
            except OSError:
                cores = set()
                break
        if cores:
            return max(1, len(cores))
    # Elsewhere assume 2-way SMT on machines with at least 4 logical CPUs.
    return max(1, logical // 2) if logical >= 4 else logical


# ------------------------------------------------------------------------------------------- CUDA diagnosis


@dataclass(frozen=True)
class CudaDiagnosis:
    """What we know about CUDA for ONNX Runtime on this machine, in plain words."""

    provider_built: bool  # onnxruntime-gpu with the CUDA provider installed
    ort_cuda_version: str | None  # CUDA major.minor that onnxruntime was built against
    driver_found: bool  # the NVIDIA driver library (libcuda / nvcuda.dll) loads
    gpu_names: tuple[str, ...]  # from nvidia-smi, when present
    missing_library: str | None  # the first CUDA/cuDNN library the provider could not load
    preload_messages: tuple[str, ...] = ()
    usable: bool = False  # nothing we can see stops the CUDA provider
    reason: str | None = None  # why CUDA cannot be used (None when usable)
    notes: tuple[str, ...] = field(default_factory=tuple)


def _nvidia_smi_names() -> tuple[str, ...]:
    exe = shutil.which("nvidia-smi")
    if not exe:
        return ()
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if out.returncode != 0:
        return ()
    return tuple(line.strip() for line in out.stdout.splitlines() if line.strip())


def _driver_found() -> bool:
    names = {"win32": ["nvcuda.dll"], "darwin": []}.get(sys.platform, ["libcuda.so.1", "libcuda.so"])
    for name in names:
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


_MISSING_RE = re.compile(
    r"([A-Za-z0-9_.+-]+\.(?:so(?:\.[0-9.]+)?|dll|dylib))[^A-Za-z0-9]*:?\s*cannot open", re.I
)


def _missing_lib_from_error(text: str) -> str | None:
    m = _MISSING_RE.search(text)
    if m:
        return m.group(1)
    m = re.search(r"([A-Za-z0-9_.+-]+\.dll)", text)
    if m and "onnxruntime_providers" not in m.group(1):
        return m.group(1)
    return None


def _provider_library_missing(ort: Any) -> str | None:
    """Load the CUDA provider library with ctypes; return the dependency it cannot find, if any."""
    capi = Path(ort.__file__).parent / "capi"
    name = {"win32": "onnxruntime_providers_cuda.dll"}.get(sys.platform, "libonnxruntime_providers_cuda.so")
    lib = capi / name
    if not lib.exists():
        return None
    shared = capi / {"win32": "onnxruntime_providers_shared.dll"}.get(
        sys.platform, "libonnxruntime_providers_shared.so"
    )
    mode = getattr(ctypes, "RTLD_GLOBAL", 0)
    try:
        if shared.exists():
            ctypes.CDLL(str(shared), mode=mode)
        ctypes.CDLL(str(lib), mode=mode)
    except OSError as exc:
        return _missing_lib_from_error(str(exc)) or "a CUDA or cuDNN library"
    return None


@functools.lru_cache(maxsize=1)
def preload_cuda_libraries() -> tuple[str, ...]:
    """Call `onnxruntime.preload_dlls()` once (finds the [cuda] extra's NVIDIA wheels).

    Returns the messages it printed (captured, never shown to the user)."""
    ort = ort_module()
    if not hasattr(ort, "preload_dlls"):
        return ()
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            ort.preload_dlls()
    except Exception as exc:  # never let a preload problem escape
        buf.write(f"preload_dlls failed: {exc}\n")
    return tuple(line.strip() for line in buf.getvalue().splitlines() if line.strip())


@functools.lru_cache(maxsize=1)
def diagnose_cuda() -> CudaDiagnosis:
    """Why CUDA can or cannot be used here. Cached; `diagnose_cuda.cache_clear()` to recheck."""
    return probe_cuda()


def probe_cuda() -> CudaDiagnosis:
    """Uncached `diagnose_cuda`."""
    ort = ort_module()
    available = _available_providers(ort)
    built = "CUDAExecutionProvider" in available
    cuda_version = None
    with contextlib.suppress(Exception):
        from onnxruntime.capi import build_and_package_info as info

        cuda_version = getattr(info, "cuda_version", None) or None
    if sys.platform == "darwin":
        return CudaDiagnosis(
            built, cuda_version, False, (), None, usable=False, reason="CUDA is not available on macOS"
        )
    if not built:
        return CudaDiagnosis(
            False,
            cuda_version,
            _driver_found(),
            _nvidia_smi_names(),
            None,
            usable=False,
            reason="CUDA unavailable: this ONNX Runtime has no CUDA support (install onnxruntime-gpu)",
        )
    driver = _driver_found()
    names = _nvidia_smi_names()
    notes: list[str] = []
    if not driver and not names:
        # No GPU: do not even start the CUDA provider. The library advice only matters with a GPU, so it
        # is worded as such (doctor shows it after "no NVIDIA GPU found").
        missing = _provider_library_missing(ort)
        if missing:
            major = f" (CUDA {cuda_version.split('.')[0]}.x)" if cuda_version else ""
            notes.append(f"only with an NVIDIA GPU: install paintgan[cuda]{major} ({missing} is missing)")
        return CudaDiagnosis(
            True,
            cuda_version,
            False,
            (),
            missing,
            (),
            usable=False,
            reason="no NVIDIA GPU found",
            notes=tuple(notes),
        )
    preload = preload_cuda_libraries()
    error = _cuda_probe_session(ort)
    if error is None:
        return CudaDiagnosis(True, cuda_version, driver, names, None, preload, usable=True)
    missing = _provider_library_missing(ort)
    if missing:
        reason = f"CUDA unavailable: {missing} not found — install paintgan[cuda]"
        if cuda_version:
            notes.append(
                f"ONNX Runtime {ort.__version__} needs CUDA {cuda_version.split('.')[0]}.x libraries"
            )
    else:
        reason = f"CUDA unavailable: {error}"
    return CudaDiagnosis(
        True, cuda_version, driver, names, missing, preload, usable=False, reason=reason, notes=tuple(notes)
    )


# A 75-byte ONNX graph (y = Relu(x), x: float[1]) used to check that the CUDA provider really starts.
_PROBE_MODEL = base64.b64decode(
    "CAgSCHBhaW50Z2FuOjcKDAoBeBIBeSIEUmVsdRIFcHJvYmVaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAR"
)


def _cuda_probe_session(ort: Any) -> str | None:
    """Start a real CUDA session on a tiny graph; None if CUDA works, else why not (one line)."""
    try:
        with _lock, quiet_ort(4):
            opts = ort.SessionOptions()
            opts.log_severity_level = 4
            sess = ort.InferenceSession(
                _PROBE_MODEL, opts, providers=["CUDAExecutionProvider", "CPUExecutionProvider"]
            )
            if "CUDAExecutionProvider" not in sess.get_providers():
                return "ONNX Runtime could not start the CUDA provider"
            import numpy as np

            sess.run(None, {"x": np.ones(1, np.float32)})
    except Exception as exc:
        return _first_line(exc)
    return None


def _available_providers(ort: Any) -> list[str]:
    try:
        return list(ort.get_available_providers())
    except Exception:  # pragma: no cover
        return ["CPUExecutionProvider"]


def available_devices() -> list[str]:
    """Device names whose provider is compiled into this ONNX Runtime (usable or not)."""
    ort = ort_module()
    providers = _available_providers(ort)
    return [d for d, p in PROVIDER_FOR_DEVICE.items() if p in providers]


# ------------------------------------------------------------------------------------------- sessions


@dataclass
class SessionHandle:
    """A created session plus what was actually used and why."""

    session: Any  # onnxruntime.InferenceSession
    provider: str  # e.g. "CPUExecutionProvider"
    device: str  # "cpu", "cuda", ...
    requested: str  # the device setting asked for
    fallback_reason: str | None = None


def resolve_device(device: str = "auto") -> tuple[str, str | None]:
    """The device a session would use for this setting, and the fallback reason (no session created)."""
    device = _check_device(device)
    if device == "cpu":
        return "cpu", None
    if device in ("auto", "cuda"):
        diag = diagnose_cuda()
        if diag.usable:
            return "cuda", None
        if device == "cuda":
            raise InferenceError(diag.reason or "CUDA unavailable")
        return "cpu", diag.reason
    ort = ort_module()
    if PROVIDER_FOR_DEVICE[device] not in _available_providers(ort):
        raise InferenceError(f"{device} is not available in this ONNX Runtime build")
    return device, None


def _check_device(device: str) -> str:
    device = (device or "auto").lower()
    if device == "dml":
        device = "directml"
    if device not in DEVICES:
        raise InferenceError(f"unknown device '{device}' (one of {', '.join(DEVICES)})")
    return device


def session_options(
    *,
    threads: int | None = None,
    optimized_model_path: str | os.PathLike[str] | None = None,
    log_level: int | None = None,
) -> Any:
    ort = ort_module()
    opts = ort.SessionOptions()
    opts.log_severity_level = _log_level() if log_level is None else log_level
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads or physical_cores()
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # no busy-waiting worker threads between runs: an interactive app shares the cores with its GUI thread
    # (and often other programs); spinning threads then steal the very core a run waits for (measured on
    # 2 cores under load: colorize preview pass p50 60 -> 41 ms)
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if optimized_model_path is not None:
        opts.optimized_model_filepath = str(optimized_model_path)
    return opts


def optimized_cache_path(model_path: Path, provider: str, sha256: str | None = None) -> Path:
    """Where an optimised copy of `model_path` for `provider` is cached (user cache dir)."""
    from paintgan.inference.paths import user_cache_dir

    ort = ort_module()
    key = (
        sha256
        or hashlib.sha256(f"{model_path.resolve()}:{model_path.stat().st_mtime_ns}".encode()).hexdigest()
    )
    dev = DEVICE_FOR_PROVIDER.get(provider, provider)
    tag = f"{model_path.stem}-{key[:16]}-{dev}-ort{ort.__version__}.onnx"
    return user_cache_dir() / "optimized" / tag


def create_session(
    model_path: str | os.PathLike[str],
    device: str = "auto",
    *,
    threads: int | None = None,
    cache_optimized: bool | None = None,
    sha256: str | None = None,
) -> SessionHandle:
    """Create an InferenceSession for `model_path` on `device`.

    "auto" tries CUDA and falls back to CPU with a plain-words `fallback_reason`; an explicit "cuda",
    "directml" or "coreml" raises InferenceError if that provider cannot be used. `cache_optimized`
    (default: env PAINTGAN_CACHE_OPTIMIZED=1, else off) keeps an optimised copy in the user cache dir.
    """
    device = _check_device(device)
    model_path = Path(model_path)
    ort = ort_module()
    if cache_optimized is None:
        cache_optimized = os.environ.get(CACHE_OPTIMIZED_ENV, "") in ("1", "true", "yes")

    fallback_reason: str | None = None
    if device == "cpu":
        plan = ["CPUExecutionProvider"]
    elif device in ("auto", "cuda"):
        diag = diagnose_cuda()
        if diag.usable:
            plan = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        elif device == "cuda":
            raise InferenceError(diag.reason or "CUDA unavailable")
        else:
            plan, fallback_reason = ["CPUExecutionProvider"], diag.reason
    else:
        provider = PROVIDER_FOR_DEVICE[device]
        if provider not in _available_providers(ort):
            raise InferenceError(f"{device} is not available in this ONNX Runtime build")
        plan = [provider, "CPUExecutionProvider"]

    handle = _try_create(ort, model_path, plan, threads, cache_optimized, sha256)
    used = handle.provider
    if plan[0] != "CPUExecutionProvider" and used != plan[0]:
        # ONNX Runtime silently dropped the GPU provider: say why in plain words.
        reason = handle.fallback_reason or _explain_provider_drop(plan[0])
        if cache_optimized:  # what was written was optimised for the CPU, not for plan[0]
            with contextlib.suppress(OSError):
                optimized_cache_path(model_path, plan[0], sha256).unlink()
        if device != "auto":
            raise InferenceError(reason)
        fallback_reason = reason
    handle.requested = device
    handle.fallback_reason = fallback_reason
    return handle


_LABEL = {"cuda": "CUDA", "directml": "DirectML", "coreml": "CoreML", "cpu": "CPU"}


def device_label(device: str) -> str:
    return _LABEL.get(device, device)


def _try_create(
    ort: Any,
    model_path: Path,
    plan: list[str],
    threads: int | None,
    cache_optimized: bool,
    sha256: str | None,
) -> SessionHandle:
    src = model_path
    opt_path = None
    if cache_optimized:
        cached = optimized_cache_path(model_path, plan[0], sha256)
        if cached.is_file():
            src = cached
        else:
            with contextlib.suppress(OSError):
                cached.parent.mkdir(parents=True, exist_ok=True)
                opt_path = cached
    gpu = plan[0] != "CPUExecutionProvider"
    opts = session_options(threads=threads, optimized_model_path=opt_path, log_level=4 if gpu else None)
    if src != model_path:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    with _lock, quiet_ort(4) if gpu else contextlib.nullcontext():
        try:
            sess = ort.InferenceSession(str(src), opts, providers=plan)
        except Exception as exc:
            if src != model_path:  # a bad cached copy: drop it and use the real model
                with contextlib.suppress(OSError):
                    src.unlink()
                return _try_create(ort, model_path, plan, threads, False, sha256)
            if gpu:
                # A provider that fails hard (rather than being dropped): retry on CPU
                try:
                    sess = ort.InferenceSession(
                        str(model_path), session_options(threads=threads), providers=["CPUExecutionProvider"]
                    )
                except Exception as exc2:
                    raise InferenceError(
                        f"{model_path.name}: ONNX Runtime cannot load the graph ({_first_line(exc2)})"
                    ) from None
                handle = SessionHandle(sess, "CPUExecutionProvider", "cpu", "", None)
                handle.fallback_reason = (
                    f"{device_label(DEVICE_FOR_PROVIDER[plan[0]])} failed: {_first_line(exc)}"
                )
                return handle
            raise InferenceError(
                f"{model_path.name}: ONNX Runtime cannot load the graph ({_first_line(exc)})"
            ) from None
    used = sess.get_providers()[0] if sess.get_providers() else "CPUExecutionProvider"
    return SessionHandle(sess, used, DEVICE_FOR_PROVIDER.get(used, used), "", None)


def _explain_provider_drop(provider: str) -> str:
    if provider == "CUDAExecutionProvider":
        diag = probe_cuda()
        if diag.reason:
            return diag.reason
        return (
            "CUDA unavailable: ONNX Runtime could not start the CUDA provider "
            "(set PAINTGAN_ORT_LOG=2 for details)"
        )
    label = device_label(DEVICE_FOR_PROVIDER.get(provider, provider))
    return f"{label} unavailable: ONNX Runtime could not start {provider}"


def _first_line(exc: BaseException) -> str:
    """`one_line(exc)` without ONNX Runtime's "[ONNXRuntimeError] : N : CODE : " prefix, at most 240 chars."""
    return re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", one_line(exc))[:240]


def runtime_summary() -> dict[str, Any]:
    """ONNX Runtime version, providers, CUDA diagnosis: for `paintgan doctor` and the status bar."""
    ort = ort_module()
    diag = diagnose_cuda()
    device, reason = resolve_device("auto")
    return {
        "onnxruntime": ort.__version__,
        "providers": _available_providers(ort),
        "ort_package": _ort_package_name(),
        "ort_cuda_version": diag.ort_cuda_version,
        "auto_device": device,
        "fallback_reason": reason,
        "cuda_usable": diag.usable,
        "cuda_reason": diag.reason,
        "cuda_notes": list(diag.notes),
        "gpu_names": list(diag.gpu_names),
        "nvidia_driver": diag.driver_found,
        "missing_library": diag.missing_library,
        "physical_cores": physical_cores(),
        "platform": platform.platform(),
    }


def _ort_package_name() -> str:
    with contextlib.suppress(Exception):
        from onnxruntime.capi import build_and_package_info as info

        return str(info.package_name)
    return "onnxruntime"
