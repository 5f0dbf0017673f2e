"""Exactly once: 1,000 refunds and payments whose answer is cut after the backend committed.

Each run goes through the real action, the real `BackendClient`, a TCP fault proxy
that resets the connection once the backend starts answering, and the real
backend; then the customer resubmits in a new run of the form. The backend must
end up with one refund or payment per run and not a cent more
(`tests/faults/lost_responses.py` has the details; `bench/exactly_once.py` prints
the same figures as a table). `EXACTLY_ONCE_RUNS` changes the number of runs.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Iterator

import pytest

from tests.faults.lost_responses import (
    FaultBackend,
    audit,
    fault_backend,
    orders_needed,
    run_lost_responses,
)

RUNS = int(os.environ.get("EXACTLY_ONCE_RUNS", "1000"))
#: About 60 ms a run on the project's 2-core machine; fail long before make test would.
SECONDS_BUDGET = 150.0


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultBackend]:
    """The backend with enough refundable orders, behind the fault proxy."""
    with fault_backend(tmp_path_factory.mktemp("exactly-once"), orders_needed(RUNS)) as running:
        yield running


def test_a_response_lost_after_the_commit_never_makes_a_second_refund_or_payment(
    backend: FaultBackend,
) -> None:
    tally = run_lost_responses(backend, RUNS)
    print(
        f"\n{tally.runs} runs, {tally.cut_after_commit} answers cut after commit, "
        f"{tally.seconds:.1f} s"
    )
    assert tally.unexpected == []
    assert tally.cut_after_commit == RUNS
    result = audit(backend, tally)
    assert result.refunds_made == len(tally.refund_ids) == (RUNS + 1) // 2
    assert result.payments_made == len(tally.payment_ids) == RUNS // 2
    assert (result.duplicate_refunds, result.duplicate_payments) == (0, 0)
    assert result.refund_totals_off == {}
    assert result.owed_off == {}
    assert result.instalments_not_paid == []
    assert sum(tally.refunded.values(), Decimal("0")) > 0
    assert tally.seconds < SECONDS_BUDGET, f"{RUNS} runs took {tally.seconds:.0f} s"
