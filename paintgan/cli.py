"""The `paintgan` command: the GUI when called bare, headless subcommands otherwise.

Each feature package contributes its subcommands through a `register(subparsers)` function listed in
`COMMAND_MODULES`, so this file never grows an if-chain of features. Errors that are `PaintGANError`
print one line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from paintgan import __version__
from paintgan.errors import PaintGANError

# Modules exposing `register(subparsers: argparse._SubParsersAction) -> None`, with the subcommands each
# registers. The names are listed here so that a bare `paintgan [FILE...]` starts the GUI without
# importing every feature's command-line code (start-up time).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "paintgan.inference.cli": ("models", "doctor", "selftest", "bench"),
    "paintgan.inference.colorize.cli": ("colorize",),
    "paintgan.inference.segment.cli": ("segment",),
    "paintgan.inference.ganpaint.cli": ("ganpaint", "dissect"),
    "paintgan.io.cli": ("export", "import"),
}
COMMAND_NAMES = frozenset(n for names in COMMAND_MODULES.values() for n in names) | {"gui", "annotate"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paintgan", description="PaintGAN painting and annotation studio")
    parser.add_argument("--version", action="version", version=f"paintgan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="open the application window (the default)")
    gui.add_argument("files", nargs="*", help="images or .ora files to open")
    gui.set_defaults(func=_run_gui)
    ann = sub.add_parser("annotate", help="open a folder of images in annotation (dataset) mode")
    ann.add_argument("folder", help="folder of images; LabelMe JSON files are kept beside them")
    ann.add_argument("--output-dir", default=None, help="keep the LabelMe files in this folder instead")
    ann.set_defaults(func=_run_annotate)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a feature package not built into this install
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    _describe(parser)
    return parser


def _describe(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand that registered no description its one-line help as the description, so
    `paintgan COMMAND --help` always says what the command does."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, sub in action.choices.items():
            text = helps.get(name)
            if not sub.description and text:
                sub.description = text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")
            _describe(sub)


def _run_gui(args: argparse.Namespace) -> int:
    from paintgan.gui.app import run_app

    return run_app(list(args.files))


def _run_annotate(args: argparse.Namespace) -> int:
    from pathlib import Path

    if not Path(args.folder).is_dir():
        raise PaintGANError(f"Cannot annotate {args.folder}: not a folder")
    from paintgan.gui.annotate import launch

    return int(launch(args.folder, args.output_dir) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMAND_NAMES and not argv[0].startswith("-")):
        return _run_gui(argparse.Namespace(files=argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "selftest":
        from paintgan import app_selftest

        app_selftest.install()
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except PaintGANError as exc:
        print(f"paintgan: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:  # an input within the limits that still does not fit this machine
        print("paintgan: error: not enough memory for this input (a smaller image, or a lower "
              "PAINTGAN_MAX_PIXELS to refuse such files up front)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("paintgan: interrupted", file=sys.stderr)
        return 130
