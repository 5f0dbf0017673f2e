"""Run the whole assistant locally (`make run`): `python scripts/run.py --help`."""

import sys
from pathlib import Path

# Run as a file, so make the repository's packages importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devstack.launcher import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
