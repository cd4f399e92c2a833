"""The top-level command: subcommand registry and GUI dispatch."""

from __future__ import annotations

import argparse
import importlib

import pytest

from paintgan import cli


@pytest.mark.parametrize("module_name", sorted(cli.COMMAND_MODULES))
def test_command_modules_register_the_names_they_declare(module_name):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module_name).register(sub)
    assert set(sub.choices) == set(cli.COMMAND_MODULES[module_name])


def test_bare_command_and_files_start_the_gui(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "_run_gui", lambda args: seen.append(list(args.files)) or 0)
    assert cli.main([]) == 0
    assert cli.main(["page.ora", "b.png"]) == 0
    assert seen == [[], ["page.ora", "b.png"]]


def test_unknown_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--no-such-option"])
    assert exc.value.code == 2
