"""Concurrent duplicates against the real server: one refund or payment per key, never two.

Real threads send the same request at the same instant (a barrier) to uvicorn in a
subprocess, on SQLite and, with ``BACKEND_TEST_DATABASE_URL``, on PostgreSQL. Every
answer must be the stored one (201, same object) or 409 ``idempotency_in_progress``;
the database must then hold exactly one object per key. Different keys racing for
the same money must not overdraw it either.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.live_server import headers, live_server

THREADS = 12
REFUND_ROUNDS = 15
ADA, BEN = "C1001", "C1002"
REFUND_ORDER = "KL-482913"  # Ada's, delivered, €158.85 refundable


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real service with fresh demo data."""
    with live_server(tmp_path_factory.mktemp("concurrent")) as base:
        yield base


def hammer(
    send: Callable[[requests.Session], requests.Response], threads: int = THREADS
) -> list[requests.Response]:
    """Send from ``threads`` threads released together; each has its own connection."""
    barrier = threading.Barrier(threads)

    def one(_: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return send(session)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(threads)))


def poster(
    server: str, path: str, body: dict[str, Any], customer: str, key: str | None = None
) -> Callable[[requests.Session], requests.Response]:
    """A POST to send from every thread: with ``key``, or a fresh key per thread."""

    def send(session: requests.Session) -> requests.Response:
        sent_key = key or f"race-{uuid.uuid4()}"
        return session.post(
            f"{server}{path}", json=body, headers=headers(customer, sent_key), timeout=30
        )

    return send


def get(server: str, path: str, customer: str = ADA, **params: Any) -> Any:
    response = requests.get(
        f"{server}{path}", headers=headers(customer), params=params or None, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def assert_one_object_per_key(responses: list[requests.Response], created: int) -> str:
    """Every answer is the created object or an in-flight conflict; returns the id."""
    outcomes = Counter(r.status_code for r in responses)
    assert set(outcomes) <= {created, 409}, outcomes
    conflicts = [r.json()["error"]["code"] for r in responses if r.status_code == 409]
    assert set(conflicts) <= {"idempotency_in_progress"}, conflicts
    bodies = [r.json() for r in responses if r.status_code == created]
    assert bodies, "no request of the burst succeeded"
    assert all(body == bodies[0] for body in bodies), "a duplicate got another object"
    return str(bodies[0]["id"])


def test_a_burst_of_one_refund_request_creates_one_refund_per_key(server: str) -> None:
    before = get(server, f"/v1/orders/{REFUND_ORDER}")["refundable"]["amount"]
    created: list[str] = []
    for _round in range(REFUND_ROUNDS):
        key = f"burst-refund-{uuid.uuid4()}"
        body = {"order_id": REFUND_ORDER, "amount": "0.10", "currency": "EUR", "reason": "x"}
        responses = hammer(poster(server, "/v1/refunds", body, ADA, key))
        refund_id = assert_one_object_per_key(responses, 201)
        # Once the burst is over, a late retry replays the same refund.
        late = requests.post(
            f"{server}/v1/refunds", json=body, headers=headers(ADA, key), timeout=10
        )
        assert (late.status_code, late.json()["id"]) == (201, refund_id)
        assert late.headers["Idempotent-Replayed"] == "true"
        created.append(refund_id)
    refunds = get(server, "/v1/refunds", order_id=REFUND_ORDER)
    assert sorted(r["id"] for r in refunds) == sorted(created)
    after = get(server, f"/v1/orders/{REFUND_ORDER}")["refundable"]["amount"]
    assert Decimal(before) - Decimal(after) == Decimal("0.10") * REFUND_ROUNDS


def test_a_burst_of_one_payment_request_pays_once(server: str) -> None:
    due = get(server, "/v1/instalments", customer=BEN, status="overdue")
    assert due, "Ben's seed has overdue instalments"
    before = {p["id"] for p in get(server, "/v1/payments", customer=BEN, limit=100)}
    created = []
    for instalment in due:
        key = f"burst-pay-{uuid.uuid4()}"
        body = {"instalment_id": instalment["id"]}
        responses = hammer(poster(server, "/v1/payments", body, BEN, key))
        created.append(assert_one_object_per_key(responses, 201))
    after = {p["id"] for p in get(server, "/v1/payments", customer=BEN, limit=100)}
    assert sorted(after - before) == sorted(created)
    assert get(server, "/v1/balance", customer=BEN)["overdue"]["amount"] == "0.00"


def test_different_keys_racing_for_one_instalment_pay_it_once(server: str) -> None:
    instalment = get(server, "/v1/instalments/next")
    paid_before = len(get(server, "/v1/payments", status="succeeded", limit=100))
    body = {"instalment_id": instalment["id"]}
    responses = hammer(poster(server, "/v1/payments", body, ADA))
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes[201] == 1, outcomes
    assert {r.json()["error"]["code"] for r in responses if r.status_code != 201} == {
        "already_paid"
    }
    assert len(get(server, "/v1/payments", status="succeeded", limit=100)) == paid_before + 1


def test_different_keys_racing_for_the_whole_refundable_amount_refund_it_once(
    server: str,
) -> None:
    order = "KL-731846"  # Ada's, delivered, part refunded
    refundable = get(server, f"/v1/orders/{order}")["refundable"]["amount"]
    body = {"order_id": order, "amount": refundable, "currency": "EUR", "reason": "race"}
    responses = hammer(poster(server, "/v1/refunds", body, ADA))
    outcomes = Counter(r.status_code for r in responses)
    assert outcomes[201] == 1, outcomes
    refused = {r.json()["error"]["code"] for r in responses if r.status_code != 201}
    assert refused <= {"amount_exceeds_refundable", "already_refunded"}, refused
    assert get(server, f"/v1/orders/{order}")["refundable"]["amount"] == "0.00"
