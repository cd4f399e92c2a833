"""ONNX Runtime vs torch eager on the same network, CPU, at one working size. Prints JSON.

    python bench/bench_ort_vs_torch.py [--size 256] [--runs 20] [--threads N] [--width 16]

Outside the package because only paintgan/training may import torch. With no trained weights at hand it
exports a small colorization-shaped conv net (encoder/decoder, ~2.3 GFLOP at 256x256) with
paintgan.training.export, checks ORT/torch parity, then times both.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from paintgan.inference.bench import count_macs, sgemm_peak_gflops, time_callable
from paintgan.inference.runtime import create_session, physical_cores
from paintgan.training.export import check_parity, export_onnx


class SmallColorNet(torch.nn.Module):
    """1-channel line art (+3 hint channels) -> RGB; a 2-level encoder/decoder."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        w = width
        self.e1 = torch.nn.Sequential(torch.nn.Conv2d(4, w, 3, padding=1), torch.nn.ReLU())
        self.e2 = torch.nn.Sequential(
            torch.nn.Conv2d(w, 2 * w, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(2 * w, 2 * w, 3, padding=1),
            torch.nn.ReLU(),
        )
        self.e3 = torch.nn.Sequential(
            torch.nn.Conv2d(2 * w, 4 * w, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv2d(4 * w, 4 * w, 3, padding=1),
            torch.nn.ReLU(),
        )
        self.u2 = torch.nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2)
        self.d2 = torch.nn.Sequential(torch.nn.Conv2d(4 * w, 2 * w, 3, padding=1), torch.nn.ReLU())
        self.u1 = torch.nn.ConvTranspose2d(2 * w, w, 2, stride=2)
        self.d1 = torch.nn.Sequential(
            torch.nn.Conv2d(2 * w, w, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(w, 3, 1)
        )

    def forward(self, image: torch.Tensor, hints: torch.Tensor) -> torch.Tensor:
        x1 = self.e1(torch.cat([image, hints], 1))
        x2 = self.e2(x1)
        x3 = self.e3(x2)
        y2 = self.d2(torch.cat([self.u2(x3), x2], 1))
        return torch.sigmoid(self.d1(torch.cat([self.u1(y2), x1], 1)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=None, help="default: physical cores")
    ap.add_argument("--width", type=int, default=16)
    args = ap.parse_args(argv)
    threads = args.threads or physical_cores()
    torch.set_num_threads(threads)

    net = SmallColorNet(args.width).eval()
    s = args.size
    inputs = {"image": torch.rand(1, 1, s, s), "hints": torch.rand(1, 3, s, s)}
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(
            net,
            {k: v[..., :64, :64] for k, v in inputs.items()},
            Path(tmp) / "net.onnx",
            output_names=["color"],
        )
        parity = check_parity(net, path, inputs, atol=1e-3)
        macs = count_macs(path, {"H": s, "W": s})
        t0 = time.perf_counter()
        handle = create_session(path, "cpu", threads=threads)
        session_ms = (time.perf_counter() - t0) * 1000
        feed = {k: v.numpy() for k, v in inputs.items()}
        ort_lat = time_callable(lambda: handle.session.run(None, feed), warmup=3, runs=args.runs)

    def torch_once() -> None:
        with torch.inference_mode():
            net(**inputs)

    torch_lat = time_callable(torch_once, warmup=3, runs=args.runs)
    peak = sgemm_peak_gflops()
    flops = None if macs is None else 2 * macs

    def frac(lat: dict[str, float]) -> float | None:
        return None if flops is None else round(flops / (lat["p50_ms"] / 1000) / 1e9 / peak, 4)

    report = {
        "size": s,
        "threads": threads,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "gflops": None if flops is None else round(flops / 1e9, 3),
        "sgemm_peak_gflops": round(peak, 2),
        "parity_max_abs_diff": parity,
        "ort_session_create_ms": round(session_ms, 2),
        "ort": {**ort_lat, "fraction_of_peak": frac(ort_lat)},
        "torch_eager": {**torch_lat, "fraction_of_peak": frac(torch_lat)},
        "ort_speedup_p50": round(torch_lat["p50_ms"] / ort_lat["p50_ms"], 3),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
