"""`python -m paintgan` is the `paintgan` command."""

import sys

from paintgan.cli import main

sys.exit(main())
