"""Prints how refunds and payments fare when their answer is lost after the commit.

Starts the payments backend (SQLite, demo data plus many refundable orders) behind
`tests.faults.tcp_proxy.FaultProxy`, then runs the real actions with the real
backend client: every submission's answer is cut after the backend committed, and
the customer submits again (`tests/faults/lost_responses.py`). Prints the faults
injected, what the backend made and the duplicates, as a table.

    .venv/bin/python bench/exactly_once.py
    .venv/bin/python bench/exactly_once.py --runs 200
"""

import argparse
import logging
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.lost_responses import (  # noqa: E402
    audit,
    fault_backend,
    orders_needed,
    run_lost_responses,
)


def main() -> int:
    """Runs the benchmark; exits 1 when anything was made twice or went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="submissions (default 1000)")
    args = parser.parse_args()
    # Each injected fault logs a warning by design; the table is the report.
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as work:
        with fault_backend(Path(work), orders_needed(args.runs)) as backend:
            tally = run_lost_responses(backend, args.runs)
            result = audit(backend, tally)
    moved = sum(result.owed_off.values(), Decimal("0")) + sum(
        result.refund_totals_off.values(), Decimal("0")
    )
    rows = [
        ("runs (refunds and payments alternating)", tally.runs),
        ("faults injected: answer cut after the commit", tally.cut_after_commit),
        ("resubmissions with the same key", tally.runs),
        ("refunds made", result.refunds_made),
        ("payments made", result.payments_made),
        ("duplicate refunds", result.duplicate_refunds),
        ("duplicate payments", result.duplicate_payments),
        ("money moved beyond what was asked", f"€{moved:.2f}"),
        ("unexpected answers", len(tally.unexpected)),
        (
            "time",
            f"{tally.seconds:.1f} s ({1000 * tally.seconds / max(tally.runs, 1):.0f} ms a run)",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'figure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    for line in tally.unexpected[:10]:
        print(line, file=sys.stderr)
    failed = tally.unexpected or result.duplicate_refunds or result.duplicate_payments or moved
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
