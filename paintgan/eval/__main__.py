"""`python -m paintgan.eval COMMAND [ARGS]`: dispatch to an evaluation module (`main(argv) -> int`)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from paintgan.errors import PaintGANError

# command name -> module exposing `main(argv: list[str]) -> int`
COMMANDS: dict[str, str] = {
    "segment": "paintgan.eval.segment",
    "colorize": "paintgan.eval.colorize",
    "colorize-reference": "paintgan.eval.colorize_reference",
    "ganpaint": "paintgan.eval.ganpaint",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in COMMANDS:
        names = ", ".join(sorted(COMMANDS))
        out = sys.stdout if args and args[0] in ("-h", "--help") else sys.stderr
        print(f"usage: python -m paintgan.eval {{{names}}} [options]", file=out)
        if args and args[0] not in ("-h", "--help"):
            print(f"paintgan.eval: error: unknown command '{args[0]}' (one of: {names})", file=sys.stderr)
            return 2
        return 0 if args else 2
    module = importlib.import_module(COMMANDS[args[0]])
    try:
        return int(module.main(args[1:]) or 0)
    except PaintGANError as exc:
        print(f"paintgan.eval: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
