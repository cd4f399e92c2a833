"""Subcommands of the inference layer: models, doctor, selftest, bench."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from typing import Any

from paintgan.errors import one_line
from paintgan.inference.runtime import DEVICE_HELP, DEVICES


def register(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="list installed models, or import one")
    models.add_argument("--json", action="store_true", help="print JSON")
    models.add_argument("--no-verify", action="store_true", help="skip checksums and graph checks")
    models.set_defaults(func=cmd_models)
    msub = models.add_subparsers(dest="models_command", metavar="ACTION")
    imp = msub.add_parser("import", help="validate a model folder and copy it into your models folder")
    imp.add_argument("dir", help="folder with manifest.json and the .onnx graphs")
    imp.add_argument("--force", action="store_true", help="replace an installed model of the same name")
    imp.set_defaults(func=cmd_models_import)
    lst = msub.add_parser("list", help="list installed models (the default)")
    lst.add_argument("--json", action="store_true", help="print JSON")
    lst.add_argument("--no-verify", action="store_true", help="skip checksums and graph checks")
    lst.set_defaults(func=cmd_models)

    doctor = subparsers.add_parser("doctor", help="diagnose Python, Qt, ONNX Runtime, CUDA and models")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(func=cmd_doctor)

    st = subparsers.add_parser("selftest", help="run every model on synthetic inputs; exit 1 on failure")
    st.add_argument("--device", default="auto", choices=DEVICES, help=DEVICE_HELP)
    st.add_argument("--json", action="store_true", help="print JSON")
    st.set_defaults(func=cmd_selftest)

    bench = subparsers.add_parser(
        "bench", help="model latency (p50/p95) at standard size, FLOPs vs sgemm peak"
    )
    bench.add_argument("--device", default="auto", choices=DEVICES, help=DEVICE_HELP)
    bench.add_argument("--model", action="append", help="benchmark only this model (repeatable)")
    bench.add_argument("--runs", type=int, default=20, help="timed runs per graph (default 20)")
    bench.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    bench.add_argument("--json", action="store_true", help="print JSON")
    bench.set_defaults(func=cmd_bench)


def _registry() -> Any:
    from paintgan.inference.registry import ModelRegistry

    return ModelRegistry()


def _fmt_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


# ----------------------------------------------------------------------------------------------- models


def cmd_models(args: argparse.Namespace) -> int:
    from paintgan.inference.runtime import resolve_device

    reg = _registry()
    infos = reg.list(verify=not args.no_verify)
    device, reason = resolve_device("auto")
    if args.json:
        print(
            json.dumps(
                {
                    "search_path": [str(p) for p in reg.search_path],
                    "auto_device": device,
                    "fallback_reason": reason,
                    "models": [{**i.to_dict(), "provider": device if i.ok else None} for i in infos],
                },
                indent=2,
            )
        )
        return 0
    if not infos:
        print("No models installed. Searched:")
        for p in reg.search_path:
            print(f"  {p}")
        return 0
    rows = [["NAME", "TASK", "VERSION", "SIZE", "VERIFIED", "PROVIDER"]]
    for i in infos:
        verified = "yes" if i.verified else ("no" if i.error else "skipped")
        rows.append([i.name, i.task, i.version, _fmt_size(i.size_bytes), verified, device if i.ok else "-"])
    print(_table(rows))
    for i in infos:
        if i.error:
            print(f"! {i.feature_unavailable_message}")
    if reason:
        print(f"note: running on CPU: {reason}")
    return 0


def cmd_models_import(args: argparse.Namespace) -> int:
    from paintgan.inference.registry import import_model

    info = import_model(args.dir, force=args.force)
    print(f"imported {info.name} ({info.task} {info.version}) into {info.folder}")
    return 0


# ----------------------------------------------------------------------------------------------- doctor


def doctor_report() -> dict[str, Any]:
    """Everything `paintgan doctor` prints, as a dict."""
    from paintgan import __version__
    from paintgan.inference.registry import ModelRegistry
    from paintgan.inference.runtime import runtime_summary

    rep: dict[str, Any] = {
        "paintgan": __version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "frozen": bool(getattr(sys, "frozen", False)),
    }
    rep["qt"] = _qt_info()
    try:
        rep["runtime"] = runtime_summary()
    except Exception as exc:
        rep["runtime"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        import onnx

        rep["onnx"] = onnx.__version__
    except ImportError:
        rep["onnx"] = None
    reg = ModelRegistry()
    rep["model_search_path"] = [{"path": str(p), "exists": p.is_dir()} for p in reg.search_path]
    rep["models"] = [i.to_dict() | {"message": i.feature_unavailable_message} for i in reg.list()]
    return rep


def _qt_info() -> dict[str, Any]:
    # Imported by name: the inference layer never links Qt; doctor only reports on it (CLI only).
    import importlib

    try:
        pyside6 = importlib.import_module("PySide6")
        qtcore = importlib.import_module("PySide6.QtCore")
        info: dict[str, Any] = {"pyside6": pyside6.__version__, "qt": qtcore.qVersion()}
        try:
            QtGui = importlib.import_module("PySide6.QtGui")
            app = QtGui.QGuiApplication.instance()
            info["platform"] = QtGui.QGuiApplication.platformName() if app is not None else None
        except Exception:
            info["platform"] = None
        import os

        info["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM")
        return info
    except Exception as exc:
        return {"error": f"PySide6 not importable: {one_line(exc, with_type=True)}"}


def cmd_doctor(args: argparse.Namespace) -> int:
    rep = doctor_report()
    if args.json:
        print(json.dumps(rep, indent=2, default=str))
        return 0
    print(f"PaintGAN     {rep['paintgan']}{' (frozen app)' if rep['frozen'] else ''}")
    print(f"Python       {rep['python']} ({rep['executable']})")
    print(f"Platform     {rep['platform']}")
    qt = rep["qt"]
    if "error" in qt:
        print(f"Qt           {qt['error']}")
    else:
        plat = qt.get("platform") or qt.get("QT_QPA_PLATFORM") or "default (no app running)"
        print(f"Qt           PySide6 {qt['pyside6']}, Qt {qt['qt']}, platform plugin: {plat}")
    rt = rep["runtime"]
    if "error" in rt:
        print(f"ONNX Runtime {rt['error']}")
    else:
        cuda = f", built for CUDA {rt['ort_cuda_version']}" if rt.get("ort_cuda_version") else ""
        print(
            f"ONNX Runtime {rt['onnxruntime']} ({rt['ort_package']}{cuda}); "
            f"{rt['physical_cores']} physical cores"
        )
        print(f"Providers    {', '.join(rt['providers'])}")
        gpus = ", ".join(rt["gpu_names"]) if rt["gpu_names"] else "none found"
        print(f"NVIDIA GPU   {gpus} (driver {'found' if rt['nvidia_driver'] else 'not found'})")
        if rt["cuda_usable"]:
            print("CUDA         usable")
        else:
            print(f"CUDA         not used: {rt['cuda_reason']}")
        for note in rt.get("cuda_notes", []):
            print(f"             {note}")
        print(
            f"Device       auto -> {rt['auto_device']}"
            + (f" ({rt['fallback_reason']})" if rt.get("fallback_reason") else "")
        )
    print(f"onnx         {rep['onnx'] or 'not installed (FLOP counts unavailable)'}")
    print("Model search path (first match wins):")
    for p in rep["model_search_path"]:
        print(f"  {p['path']}{'' if p['exists'] else '  (missing)'}")
    if not rep["models"]:
        print("Models       none found")
    else:
        print("Models:")
        for m in rep["models"]:
            status = "ok, verified" if m["ok"] else m["message"]
            print(f"  {m['name']} ({m['task']} {m['version']}): {status}")
    return 0


# ----------------------------------------------------------------------------------------------- selftest


def cmd_selftest(args: argparse.Namespace) -> int:
    from paintgan.inference.bench import selftest

    reg = _registry()
    rep = selftest(reg, device=args.device)
    if args.json:
        print(json.dumps(rep, indent=2, default=str))
        return 0 if rep["ok"] else 1
    if not rep["models"]:
        print(
            "no models installed: nothing to test (searched: "
            + ", ".join(str(p) for p in reg.search_path)
            + ")"
        )
    for m in rep["models"]:
        if m["ok"]:
            lat = ", ".join(f"{role} {ms:.2f} ms" for role, ms in m["latency_ms"].items())
            fb = f" [fallback: {m['fallback_reason']}]" if m.get("fallback_reason") else ""
            print(f"PASS {m['name']}: {lat} on {m['provider']}{fb}")
        else:
            print(f"FAIL {m['name']}: {'; '.join(m['problems'])}")
    for e in rep["extra_checks"]:
        print(f"{'PASS' if e['ok'] else 'FAIL'} {e['name']}: {e['detail']}")
    checks = [m["ok"] for m in rep["models"]] + [e["ok"] for e in rep["extra_checks"]]
    print("selftest passed" if rep["ok"] else "selftest FAILED")
    print(f"selftest: {sum(checks)} passed, {len(checks) - sum(checks)} failed")
    return 0 if rep["ok"] else 1


# ----------------------------------------------------------------------------------------------- bench


def cmd_bench(args: argparse.Namespace) -> int:
    from paintgan.inference.bench import bench_all

    reg = _registry()
    rep = bench_all(reg, device=args.device, names=args.model, warmup=args.warmup, runs=args.runs)
    if args.json:
        print(json.dumps(rep, indent=2, default=str))
        return 0
    m = rep["machine"]
    print(
        f"ONNX Runtime {m['onnxruntime']}, {m['physical_cores']} cores, "
        f"numpy sgemm peak {m['sgemm_peak_gflops']} GFLOP/s"
    )
    if not rep["models"]:
        print("no models installed: nothing to benchmark")
        return 0
    rows = [["MODEL", "GRAPH", "P50 ms", "P95 ms", "GFLOP", "GFLOP/s", "OF PEAK", "PROVIDER"]]
    for rec in rep["models"]:
        if "error" in rec:
            rows.append([rec["name"], "-", "-", "-", "-", "-", "-", rec["error"]])
            continue
        for role, g in rec["graphs"].items():
            rows.append(
                [
                    rec["name"],
                    role,
                    f"{g['p50_ms']:.2f}",
                    f"{g['p95_ms']:.2f}",
                    "n/a" if g["flops"] is None else f"{g['flops'] / 1e9:.3f}",
                    "n/a" if g["gflops_per_s"] is None else f"{g['gflops_per_s']:.1f}",
                    "n/a" if g["fraction_of_peak"] is None else f"{100 * g['fraction_of_peak']:.1f}%",
                    rec["provider"],
                ]
            )
    print(_table(rows))
    return 0
