"""Entry point of the frozen application (PyInstaller)."""

import sys

from paintgan.cli import main

if __name__ == "__main__":
    sys.exit(main())
