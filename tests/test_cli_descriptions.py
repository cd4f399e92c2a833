"""Every `paintgan` subcommand has a description (`paintgan COMMAND --help` says what it does), every
option a help text, and every --device option the same choices."""

from __future__ import annotations

import argparse

from paintgan.cli import build_parser


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subparsers(sub, (*path, name))


def test_every_subcommand_has_a_description() -> None:
    found = dict(_subparsers(build_parser()))
    expected = {("gui",), ("doctor",), ("segment",), ("ganpaint",), ("dissect",), ("models", "list")}
    assert expected <= set(found)
    missing = [" ".join(p) for p, sub in found.items() if not sub.description]
    assert not missing


def test_every_option_has_help_and_devices_agree() -> None:
    from paintgan.inference.runtime import DEVICES

    no_help, devices = [], {}
    for path, sub in _subparsers(build_parser()):
        for a in sub._actions:
            if isinstance(a, argparse._SubParsersAction) or a.dest == "help":
                continue
            if not a.help:
                no_help.append(f"{' '.join(path)} {'/'.join(a.option_strings) or a.dest}")
            if "--device" in a.option_strings:
                devices[" ".join(path)] = tuple(a.choices or ())
    assert not no_help
    assert devices and set(devices.values()) == {DEVICES}


def test_doctor_says_no_gpu_first(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from paintgan.inference import runtime

    monkeypatch.setattr(runtime, "_driver_found", lambda: False)
    monkeypatch.setattr(runtime, "_nvidia_smi_names", lambda: ())
    monkeypatch.setattr(runtime, "_provider_library_missing", lambda ort: "libcublasLt.so.13")
    runtime.diagnose_cuda.cache_clear()
    try:
        d = runtime.diagnose_cuda()
    finally:
        runtime.diagnose_cuda.cache_clear()
    if not d.provider_built:  # a CPU-only onnxruntime says that instead
        return
    assert d.reason == "no NVIDIA GPU found"
    assert all(n.startswith("only with an NVIDIA GPU") for n in d.notes)
