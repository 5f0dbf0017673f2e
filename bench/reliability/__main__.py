"""Entry point: `python -m bench.reliability` (options: `--help`)."""

import sys

from bench.reliability.cli import main

sys.exit(main())
