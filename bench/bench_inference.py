"""Inference-layer benchmark: every registered model (p50/p95, FLOPs vs sgemm peak), plus the overhead of
the async service (submit -> callback) and of session creation. Prints JSON.

    python bench/bench_inference.py [--device auto] [--runs 20] [--model NAME]

With no models installed (and onnx available) it times a synthetic 3x3-conv model at 256x256 instead,
so the service and session numbers are always there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from paintgan.inference.bench import bench_all, count_macs, time_callable
from paintgan.inference.registry import ModelRegistry
from paintgan.inference.runtime import create_session
from paintgan.inference.service import InferenceService


def service_overhead(n: int = 200) -> dict[str, Any]:
    """Round trip of a no-op request through the service (submit -> callback on the worker)."""
    lat: list[float] = []
    done = threading.Event()
    with InferenceService() as svc:
        for i in range(n):
            done.clear()
            t0 = time.perf_counter()
            svc.submit("bench", lambda: None, callback=lambda r: done.set())
            done.wait(5)
            lat.append((time.perf_counter() - t0) * 1e6)
            del i
    lat.sort()
    return {
        "requests": n,
        "p50_us": round(statistics.median(lat), 1),
        "p95_us": round(lat[int(0.95 * n) - 1], 1),
    }


def synthetic_model_bench(device: str, runs: int) -> dict[str, Any] | None:
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    nodes, inits, prev, ch = [], [], "image", 1
    for i, out_ch in enumerate([32, 32, 32, 3]):
        w = numpy_helper.from_array(
            (rng.standard_normal((out_ch, ch, 3, 3)) * 0.1).astype(np.float32), f"w{i}"
        )
        inits.append(w)
        nodes.append(helper.make_node("Conv", [prev, f"w{i}"], [f"c{i}"], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        prev, ch = f"r{i}", out_ch
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, "H", "W"])
    y = helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 3, "H", "W"])
    model = helper.make_model(
        helper.make_graph(nodes, "synthetic", [x], [y], initializer=inits),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    model.ir_version = 8
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.onnx"
        onnx.save(model, str(path))
        t0 = time.perf_counter()
        handle = create_session(path, device)
        create_ms = (time.perf_counter() - t0) * 1000
        feed = {"image": rng.random((1, 1, 256, 256), dtype=np.float32)}
        lat = time_callable(lambda: handle.session.run(None, feed), warmup=2, runs=runs)
        macs = count_macs(path, {"H": 256, "W": 256})
    return {
        "name": "synthetic-conv4-256",
        "provider": handle.provider,
        "fallback_reason": handle.fallback_reason,
        "session_create_ms": round(create_ms, 2),
        "gflops": None if macs is None else round(2 * macs / 1e9, 3),
        **lat,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="inference layer benchmark")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--model", action="append")
    args = ap.parse_args(argv)
    report = bench_all(ModelRegistry(), device=args.device, names=args.model, runs=args.runs)
    report["service_overhead"] = service_overhead()
    if not report["models"]:
        report["synthetic"] = synthetic_model_bench(args.device, args.runs)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
