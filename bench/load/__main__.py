"""Entry point: `python -m bench.load` (options: `--help`)."""

import sys

from bench.load.cli import main

sys.exit(main())
