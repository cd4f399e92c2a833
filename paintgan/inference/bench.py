"""Benchmarks and self-tests for registered models, as functions returning plain dicts.

`paintgan bench` and `paintgan selftest` print these; GUI and other benches can reuse them.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.errors import PaintGANError
from paintgan.inference.manifest import Manifest, ModelFile, TensorSpec

# Other packages (gui, io) append checks here: each returns (name, passed, detail).
SELFTEST_EXTRA_CHECKS: list[Callable[[], tuple[str, bool, str]]] = []


# ------------------------------------------------------------------------------------------- inputs


def synthetic_inputs(
    mfile: ModelFile, standard_inputs: dict[str, int], seed: int = 0
) -> dict[str, np.ndarray]:
    """Inputs of the declared shapes (symbolic dims from `standard_inputs`): floats in [0, 1), ints zero."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for spec in mfile.inputs:
        shape = spec.concrete_shape(standard_inputs)
        dtype = np.dtype(spec.dtype) if spec.dtype != "bfloat16" else np.dtype("float32")
        if dtype.kind == "f":
            out[spec.name] = rng.random(shape, dtype=np.float32).astype(dtype)
        elif dtype.kind == "b":
            out[spec.name] = np.zeros(shape, dtype=bool)
        else:
            out[spec.name] = np.zeros(shape, dtype=dtype)
    return out


def _chain_inputs(
    manifest: Manifest, mfile: ModelFile, previous: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """Synthetic inputs, reusing outputs of earlier graphs with matching names (split models)."""
    feed = synthetic_inputs(mfile, manifest.standard_inputs, seed)
    for name in feed:
        if name in previous and previous[name].shape == feed[name].shape:
            feed[name] = previous[name].astype(feed[name].dtype, copy=False)
    return feed


def check_outputs(
    spec: tuple[TensorSpec, ...], outputs: dict[str, np.ndarray], bindings: dict[str, int]
) -> list[str]:
    """Problems with outputs: missing, non-finite, shape unlike the declaration (symbols bound or free)."""
    problems = []
    for s in spec:
        if s.name not in outputs:
            problems.append(f"output '{s.name}' missing")
            continue
        arr = np.asarray(outputs[s.name])
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            problems.append(f"output '{s.name}' has NaN or infinite values")
        if arr.ndim != len(s.shape):
            problems.append(f"output '{s.name}' has shape {arr.shape}, declared {list(s.shape)}")
            continue
        seen: dict[str, int] = {}
        for axis, d in enumerate(s.shape):
            got = arr.shape[axis]
            want = d if isinstance(d, int) else bindings.get(d, seen.setdefault(d, got))
            if d == "?":
                continue
            if got != want:
                problems.append(f"output '{s.name}' has shape {arr.shape}, declared {list(s.shape)}")
                break
    return problems


# ------------------------------------------------------------------------------------------- selftest


def selftest_model(registry: Any, name: str, device: str = "auto", runs: int = 3) -> dict[str, Any]:
    """Load a model, run each graph on synthetic inputs, check outputs. Never raises for model problems."""
    rec: dict[str, Any] = {
        "name": name,
        "ok": False,
        "device": device,
        "provider": None,
        "fallback_reason": None,
        "latency_ms": {},
        "problems": [],
    }
    try:
        model = registry.load(name, device=device)
    except PaintGANError as exc:
        rec["problems"].append(str(exc))
        return rec
    rec["provider"] = model.provider
    rec["fallback_reason"] = model.fallback_reason
    previous: dict[str, np.ndarray] = {}
    for mfile in model.manifest.files:
        try:
            feed = _chain_inputs(model.manifest, mfile, previous, seed=0)
            times = []
            outs: dict[str, np.ndarray] = {}
            for _ in range(max(1, runs)):
                t0 = time.perf_counter()
                outs = model.run(feed, role=mfile.role)
                times.append((time.perf_counter() - t0) * 1000)
            rec["latency_ms"][mfile.role] = round(min(times), 3)
            rec["problems"] += [
                f"{mfile.role}: {p}"
                for p in check_outputs(mfile.outputs, outs, model.manifest.standard_inputs)
            ]
            previous.update(outs)
        except PaintGANError as exc:
            rec["problems"].append(f"{mfile.role}: {exc}")
    rec["ok"] = not rec["problems"]
    return rec


def selftest(registry: Any, device: str = "auto") -> dict[str, Any]:
    """Self-test every model on the search path plus the registered extra checks."""
    models = [
        selftest_model(registry, info.name, device)
        if info.ok
        else {
            "name": info.name,
            "ok": False,
            "device": device,
            "provider": None,
            "fallback_reason": None,
            "latency_ms": {},
            "problems": [info.feature_unavailable_message or info.error],
        }
        for info in registry.list()
    ]
    extras = []
    for check in list(SELFTEST_EXTRA_CHECKS):
        try:
            name, passed, detail = check()
        except Exception as exc:
            name, passed, detail = getattr(check, "__name__", "check"), False, f"{type(exc).__name__}: {exc}"
        extras.append({"name": name, "ok": bool(passed), "detail": detail})
    ok = all(m["ok"] for m in models) and all(e["ok"] for e in extras)
    return {"ok": ok, "models": models, "extra_checks": extras}


# ------------------------------------------------------------------------------------------- FLOPs


def count_macs(model_path: str | os.PathLike[str], bindings: dict[str, int]) -> int | None:
    """Multiply-accumulates of Conv, ConvTranspose, MatMul and Gemm with symbolic dims bound; None when onnx
    is not installed or shapes cannot be inferred."""
    try:
        import onnx
        from onnx import shape_inference
    except ImportError:
        return None
    try:
        model = onnx.load(str(model_path), load_external_data=False)
        init_names = {t.name for t in model.graph.initializer}
        for vi in model.graph.input:
            if vi.name in init_names:
                continue
            for d in vi.type.tensor_type.shape.dim:
                if d.HasField("dim_param") and d.dim_param in bindings:
                    d.dim_value = int(bindings[d.dim_param])
        inferred = shape_inference.infer_shapes(model, data_prop=True)
    except Exception:
        return None
    shapes: dict[str, list[int] | None] = {}

    def record(vi: Any) -> None:
        dims = []
        for d in vi.type.tensor_type.shape.dim:
            if not d.HasField("dim_value"):
                shapes[vi.name] = None
                return
            dims.append(int(d.dim_value))
        shapes[vi.name] = dims

    g = inferred.graph
    for vi in [*g.input, *g.value_info, *g.output]:
        record(vi)
    for t in g.initializer:
        shapes[t.name] = list(t.dims)

    def prod(xs: list[int]) -> int:
        return int(math.prod(xs))

    total = 0
    for node in g.node:
        try:
            if node.op_type == "Conv":
                w, y = shapes.get(node.input[1]), shapes.get(node.output[0])
                if w is None or y is None:
                    return None
                total += prod(y) * prod(w[1:])
            elif node.op_type == "ConvTranspose":
                x, w = shapes.get(node.input[0]), shapes.get(node.input[1])
                if w is None or x is None:
                    return None
                total += prod(x) * prod(w[1:])
            elif node.op_type == "MatMul":
                a, y = shapes.get(node.input[0]), shapes.get(node.output[0])
                if a is None or y is None:
                    return None
                total += prod(y) * a[-1]
            elif node.op_type == "Gemm":
                a, y = shapes.get(node.input[0]), shapes.get(node.output[0])
                if a is None or y is None:
                    return None
                trans_a = any(at.name == "transA" and at.i for at in node.attribute)
                total += prod(y) * (a[0] if trans_a else a[-1])
        except (IndexError, TypeError):
            return None
    return total


_PEAK_CACHE: dict[tuple[int, ...], float] = {}


def sgemm_peak_gflops(sizes: tuple[int, ...] = (512, 1024), repeats: int = 8) -> float:
    """Measured fp32 matrix-multiply peak of this machine with numpy, GFLOP/s: the best of `repeats` runs
    over a few sizes (best-of, since a busy machine only ever makes a run slower). Cached per process."""
    key = (*sizes, repeats)
    if key in _PEAK_CACHE:
        return _PEAK_CACHE[key]
    rng = np.random.default_rng(0)
    best_gflops = 0.0
    for n in sizes:
        a = rng.random((n, n), dtype=np.float32)
        b = rng.random((n, n), dtype=np.float32)
        a @ b  # warm-up
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t0)
        best_gflops = max(best_gflops, 2 * n**3 / best / 1e9)
    _PEAK_CACHE[key] = best_gflops
    return best_gflops


# ------------------------------------------------------------------------------------------- latency


def time_callable(
    fn: Callable[[], Any], warmup: int = 2, runs: int = 20, max_seconds: float = 10.0
) -> dict[str, float]:
    """p50/p95/min/mean latency in ms of `fn`, stopping early after `max_seconds`."""
    for _ in range(warmup):
        fn()
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - start > max_seconds and len(times) >= 3:
            break
    arr = np.asarray(times)
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 3),
        "p95_ms": round(float(np.percentile(arr, 95)), 3),
        "min_ms": round(float(arr.min()), 3),
        "mean_ms": round(float(arr.mean()), 3),
        "runs": len(times),
    }


def bench_model(
    registry: Any,
    name: str,
    device: str = "auto",
    warmup: int = 2,
    runs: int = 20,
    peak_gflops: float | None = None,
) -> dict[str, Any]:
    """Latency of each graph of a model at its standard size, its FLOPs and the fraction of sgemm peak."""
    model = registry.load(name, device=device)
    rec: dict[str, Any] = {
        "name": name,
        "task": model.manifest.task,
        "provider": model.provider,
        "fallback_reason": model.fallback_reason,
        "standard_inputs": dict(model.manifest.standard_inputs),
        "graphs": {},
    }
    previous: dict[str, np.ndarray] = {}
    for mfile in model.manifest.files:
        feed = _chain_inputs(model.manifest, mfile, previous, seed=0)
        previous.update(model.run(feed, role=mfile.role))

        def once(feed: dict[str, np.ndarray] = feed, role: str = mfile.role) -> Any:
            return model.run(feed, role=role)

        lat = time_callable(once, warmup, runs)
        macs = count_macs(Path(model.folder) / mfile.path, model.manifest.standard_inputs)
        flops = None if macs is None else 2 * macs
        g: dict[str, Any] = {**lat, "flops": flops, "gflops_per_s": None, "fraction_of_peak": None}
        if flops is not None and lat["p50_ms"] > 0:
            achieved = flops / (lat["p50_ms"] / 1000) / 1e9
            g["gflops_per_s"] = round(achieved, 2)
            if peak_gflops:
                g["fraction_of_peak"] = round(achieved / peak_gflops, 4)
        rec["graphs"][mfile.role] = g
    return rec


def bench_all(
    registry: Any,
    device: str = "auto",
    names: list[str] | None = None,
    warmup: int = 2,
    runs: int = 20,
    peak: bool = True,
) -> dict[str, Any]:
    """Benchmark every usable model (or `names`). Broken models are listed with their error."""
    from paintgan.inference.runtime import ort_module, physical_cores

    ort = ort_module()
    peak_gflops = round(sgemm_peak_gflops(), 2) if peak else None
    out: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "physical_cores": physical_cores(),
            "onnxruntime": ort.__version__,
            "numpy": np.__version__,
            "sgemm_peak_gflops": peak_gflops,
        },
        "device": device,
        "models": [],
    }
    infos = registry.list()
    if names:
        known = {i.name for i in infos}
        for n in names:
            if n not in known:
                registry.get(n)  # raises ModelError naming the search path
        infos = [i for i in infos if i.name in names]
    for info in infos:
        if not info.ok:
            out["models"].append({"name": info.name, "error": info.feature_unavailable_message})
            continue
        try:
            out["models"].append(bench_model(registry, info.name, device, warmup, runs, peak_gflops))
        except PaintGANError as exc:
            out["models"].append({"name": info.name, "error": str(exc)})
    return out
