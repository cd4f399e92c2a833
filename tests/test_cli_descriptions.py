"""Every `paintgan` subcommand has a description (`paintgan COMMAND --help` says what it does)."""

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
