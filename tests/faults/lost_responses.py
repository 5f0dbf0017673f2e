"""Refunds and payments whose answer is lost after the backend committed, many times over.

The real actions (`action_request_refund`, `action_make_payment`) with the real
`BackendClient` (`requests`) talk to the real backend (uvicorn, SQLite prepared
by `tests/faults/bulk_orders.py`) through `FaultProxy`. In every run the proxy
forwards the POST, the backend commits and starts answering, and the proxy
resets the connection instead: the action gets a connection error, apologises
and keeps the submission in doubt. The customer then submits the same thing again
in a new run of the form, and the action must reuse the key so the backend answers
with what it already made. Refunds (a few cents, across many orders of three
customers) and payments (one instalment each) alternate.

`audit` then counts, from the backend, what was made: one refund or payment per
run and not a cent more. Shared by `tests/integration/test_exactly_once.py` and
`bench/exactly_once.py`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests

from actions.api import BackendClient
from actions.idempotency import IN_DOUBT_SLOT
from actions.payment_form import ActionMakePayment
from actions.refund_form import ActionRequestRefund
from actions.settings import Settings
from devstack.paths import RepoPaths
from devstack.ports import find_free_port
from devstack.processes import Stack
from devstack.services import backend_service, url
from tests.faults.tcp_proxy import FaultProxy
from tests.unit.actions.fakes import Outcome, form_events, make_tracker, run_action

BACKEND_DOWN_REPLIES = frozenset({"utter_backend_unavailable_handoff", "utter_backend_unavailable"})


@dataclass
class FaultBackend:
    """The backend behind the fault proxy, and the objects prepared for the runs."""

    direct_url: str
    api_key: str
    proxy: FaultProxy
    orders: Dict[str, List[str]]
    instalments: Dict[str, List[str]]

    def get(self, path: str, customer: str) -> Any:
        """GETs a route straight from the backend (not through the proxy)."""
        response = requests.get(
            f"{self.direct_url}{path}",
            headers={"Authorization": f"Bearer {self.api_key}", "X-Customer-Id": customer},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def outstanding(self, customer: str) -> Decimal:
        """What the customer owes in all."""
        return Decimal(self.get("/v1/balance", customer)["outstanding"]["amount"])


@dataclass
class Tally:
    """What the runs asked for and what they were answered."""

    runs: int = 0
    cut_after_commit: int = 0
    unexpected: List[str] = field(default_factory=list)
    refund_ids: List[str] = field(default_factory=list)
    payment_ids: List[str] = field(default_factory=list)
    refunded: Dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    paid: Dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    paid_instalments: Dict[str, List[str]] = field(default_factory=lambda: defaultdict(list))
    owed_before: Dict[str, Decimal] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Audit:
    """What the backend holds after the runs, against what they asked for."""

    refunds_made: int
    payments_made: int
    duplicate_refunds: int
    duplicate_payments: int
    refund_totals_off: Dict[str, Decimal]
    owed_off: Dict[str, Decimal]
    instalments_not_paid: List[str]


def _fast_directory(fallback: Path) -> Path:
    """A directory in memory when there is one: the runs measure faults, not fsync."""
    shm = Path("/dev/shm")
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else fallback
    return Path(tempfile.mkdtemp(prefix="lost-responses-", dir=parent))


@contextlib.contextmanager
def fault_backend(work_dir: Path, extra_orders: int) -> Iterator[FaultBackend]:
    """Starts a backend with many refundable orders, and a fault proxy in front of it.

    Args:
        work_dir: Fallback directory for the database when /dev/shm is missing.
        extra_orders: Orders to add to the demo data (four unpaid instalments each).

    Yields:
        The backend and its proxy; both stop and the database goes when the block ends.
    """
    paths = RepoPaths()
    data_dir = _fast_directory(work_dir)
    database_url = f"sqlite:///{data_dir / 'payments.db'}"
    api_key = f"lost-responses-{secrets.token_hex(8)}"
    try:
        prepared = subprocess.run(
            [
                str(paths.backend_python),
                str(paths.root / "tests" / "faults" / "bulk_orders.py"),
                database_url,
                str(extra_orders),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        summary = json.loads(prepared.stdout)
        port = find_free_port()
        service = backend_service(paths, port, database_url, api_key, secrets.token_urlsafe(32))
        with Stack([service], paths.log_dir / "lost-responses", handle_signals=False):
            with FaultProxy("127.0.0.1", port) as proxy:
                yield FaultBackend(
                    url(port), api_key, proxy, summary["orders"], summary["instalments"]
                )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def orders_needed(runs: int) -> int:
    """Extra orders for `runs` runs: half are payments, four instalments per order."""
    return max(30, runs // 6 + 10)


def _submit_twice(action: Any, slots: Dict[str, Any], customer: str, run: int) -> Outcome:
    """Submits with the answer cut off, then resubmits in a new run of the form."""
    form = "refund_form" if isinstance(action, ActionRequestRefund) else "payment_form"
    sender = f"lost-response-{run}"
    first = make_tracker(
        slots=slots, events=form_events(form, 1000.0), sender_id=sender, customer_id=customer
    )
    cut = run_action(action, first)
    if not cut.responses or not set(cut.responses) <= BACKEND_DOWN_REPLIES:
        raise AssertionError(f"run {run}: no apology for the cut answer: {cut.responses}")
    again = make_tracker(
        slots={**slots, IN_DOUBT_SLOT: cut.slots.get(IN_DOUBT_SLOT)},
        events=form_events(form, 5000.0),
        sender_id=sender,
        customer_id=customer,
    )
    return run_action(action, again)


def _answer(outcome: Outcome, response: str) -> Optional[Dict[str, Any]]:
    found = [m for m in outcome.messages if m.get("response") == response]
    return found[0] if len(found) == 1 else None


def run_lost_responses(backend: FaultBackend, runs: int) -> Tally:
    """Runs `runs` submissions whose first answer is cut after the commit.

    Args:
        backend: The backend behind its fault proxy.
        runs: How many runs (even: refund, odd: payment).

    Returns:
        What was asked and answered.
    """
    settings = Settings(backend_url=backend.proxy.url, backend_api_key=backend.api_key)
    client = BackendClient(settings)  # its own breaker: a fault, then a success, each run
    refund = ActionRequestRefund(client=client, settings=settings)
    pay = ActionMakePayment(client=client, settings=settings)
    customers = sorted(backend.orders)
    unpaid = {customer: list(backend.instalments[customer]) for customer in customers}
    tally = Tally(owed_before={c: backend.outstanding(c) for c in customers})
    started = time.monotonic()
    for run in range(runs):
        customer = customers[run % len(customers)]
        withheld_before = len(backend.proxy.withheld)
        backend.proxy.cut_next_response()
        if run % 2 == 0:
            orders = backend.orders[customer]
            order_id = orders[(run // 2) % len(orders)]
            amount = Decimal("0.01") * (1 + run % 7)
            slots = {
                "order_id": order_id,
                "merchant": "Alpine Outfitters",
                "refundable_amount": "100.00 EUR",
                "refund_amount": f"{amount:.2f} EUR",
                "refund_reason": f"fault run {run}",
                "refund_confirmed": True,
            }
            outcome = _submit_twice(refund, slots, customer, run)
            created = _answer(outcome, "utter_refund_created")
            if created is None:
                tally.unexpected.append(f"run {run}: {outcome.responses}")
            else:
                tally.refund_ids.append(created["refund_id"])
                tally.refunded[order_id] += amount
        else:
            instalment_id = unpaid[customer].pop(0)
            slots = {"payment_confirmed": True, "instalment_id": instalment_id}
            outcome = _submit_twice(pay, slots, customer, run)
            receipt = _answer(outcome, "utter_payment_receipt")
            if receipt is None:
                tally.unexpected.append(f"run {run}: {outcome.responses}")
            else:
                tally.payment_ids.append(receipt["payment_id"])
                tally.paid_instalments[customer].append(instalment_id)
                tally.paid[customer] += Decimal(receipt["amount"].lstrip("€"))
        if outcome.slots.get(IN_DOUBT_SLOT) is not None:
            tally.unexpected.append(f"run {run}: the answered submission stayed in doubt")
        withheld = backend.proxy.withheld[withheld_before:]
        if (
            backend.proxy.armed == 0
            and len(withheld) == 1
            and withheld[0].startswith(b"HTTP/1.1 201")
        ):
            tally.cut_after_commit += 1
        else:
            tally.unexpected.append(f"run {run}: the fault did not fire as planned: {withheld}")
            backend.proxy.disarm()
        tally.runs += 1
    tally.seconds = time.monotonic() - started
    return tally


def audit(backend: FaultBackend, tally: Tally) -> Audit:
    """Counts in the backend what the runs made, against what they asked for.

    Args:
        backend: The backend (read directly, not through the proxy).
        tally: What the runs asked for.

    Returns:
        The audit.
    """
    refunds_made, refund_totals_off, owed_off, not_paid = 0, {}, {}, []
    for customer in sorted(backend.orders):
        extra = set(backend.orders[customer])
        mine = [r for r in backend.get("/v1/refunds", customer) if r["order_id"] in extra]
        refunds_made += len(mine)
        totals: Dict[str, Decimal] = defaultdict(Decimal)
        for row in mine:
            totals[row["order_id"]] += Decimal(row["amount"]["amount"])
        for order_id in extra:
            asked = tally.refunded.get(order_id, Decimal("0"))
            if totals.get(order_id, Decimal("0")) != asked:
                refund_totals_off[order_id] = totals.get(order_id, Decimal("0")) - asked
        moved = tally.owed_before[customer] - backend.outstanding(customer)
        if moved != tally.paid.get(customer, Decimal("0")):
            owed_off[customer] = moved - tally.paid.get(customer, Decimal("0"))
        paid_now = {row["id"] for row in backend.get("/v1/instalments?status=paid", customer)}
        not_paid += [i for i in tally.paid_instalments.get(customer, []) if i not in paid_now]
    instalment_price = Decimal("25.00")  # €100.00 in four
    extra_charges = sum(owed_off.values(), Decimal("0")) / instalment_price
    return Audit(
        refunds_made=refunds_made,
        payments_made=len(set(tally.payment_ids)),
        duplicate_refunds=refunds_made - len(set(tally.refund_ids)),
        duplicate_payments=len(tally.payment_ids)
        - len(set(tally.payment_ids))
        + int(extra_charges),
        refund_totals_off=refund_totals_off,
        owed_off=owed_off,
        instalments_not_paid=not_paid,
    )
