"""Tests of actions.api.breaker: the client's circuit breaker, against mocked HTTP."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from typing import Iterator

import pybreaker
import pytest
import requests
import responses

from actions.api.breaker import (
    ConcurrentCircuitBreaker,
    backend_breaker,
    build_breaker,
    is_backend_fault,
)
from actions.api.client import BackendClient
from actions.api.exceptions import (
    BackendTimeout,
    BackendUnavailable,
    CircuitOpen,
    NotFound,
    RuleViolation,
)
from actions.api.models import Money
from actions.settings import Settings, get_settings
from tests.unit.actions.api import payloads

BASE = "http://backend.test"
BALANCE_URL = f"{BASE}/v1/balance"
CUSTOMER = "C-1001"
FAILURES = 3


def _settings(reset_seconds: float = 30.0) -> Settings:
    return Settings(
        backend_url=BASE,
        backend_timeout_seconds=1.0,
        backend_retries=0,
        backend_breaker_failures=FAILURES,
        backend_breaker_reset_seconds=reset_seconds,
    )


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _fail(client: BackendClient, times: int) -> None:
    for _ in range(times):
        with pytest.raises(BackendUnavailable):
            client.get_balance(CUSTOMER)


def test_opens_after_consecutive_faults_and_fails_fast_without_http(
    mocked: responses.RequestsMock,
) -> None:
    mocked.get(BALANCE_URL, status=503)
    client = BackendClient(_settings())

    _fail(client, FAILURES)
    assert len(mocked.calls) == FAILURES

    started = time.monotonic()
    with pytest.raises(CircuitOpen):
        client.get_balance(CUSTOMER)
    assert len(mocked.calls) == FAILURES  # not sent
    assert time.monotonic() - started < 0.1


def test_the_fault_that_trips_it_is_reported_as_itself(
    mocked: responses.RequestsMock,
) -> None:
    mocked.get(BALANCE_URL, body=requests.ReadTimeout("slow"))
    client = BackendClient(_settings())

    for _ in range(FAILURES):
        with pytest.raises(BackendTimeout):
            client.get_balance(CUSTOMER)
    with pytest.raises(CircuitOpen):
        client.get_balance(CUSTOMER)


def test_connection_errors_count_as_faults(mocked: responses.RequestsMock) -> None:
    mocked.get(BALANCE_URL, body=requests.ConnectionError("refused"))
    client = BackendClient(_settings())

    _fail(client, FAILURES)

    with pytest.raises(CircuitOpen):
        client.get_balance(CUSTOMER)


def test_posts_are_refused_too_while_open(mocked: responses.RequestsMock) -> None:
    mocked.get(BALANCE_URL, status=502)
    refunds = mocked.post(f"{BASE}/v1/refunds", json=payloads.REFUND, status=201)
    client = BackendClient(_settings())
    _fail(client, FAILURES)

    with pytest.raises(CircuitOpen):
        client.create_refund(
            CUSTOMER,
            "KL-482913",
            Money(Decimal("12.50"), "EUR"),
            "damaged",
            idempotency_key="refund-1",
        )
    assert refunds.call_count == 0


def test_business_answers_are_not_faults(mocked: responses.RequestsMock) -> None:
    mocked.get(BALANCE_URL, status=503)
    mocked.get(
        f"{BASE}/v1/orders/KL-1",
        status=404,
        json={"error": {"code": "not_found", "message": "No such order."}},
    )
    client = BackendClient(_settings())

    # Faults interleaved with business answers never add up to FAILURES in a row.
    for _ in range(3):
        _fail(client, FAILURES - 1)
        with pytest.raises(NotFound):
            client.get_order(CUSTOMER, "KL-1")

    _fail(client, 1)  # the breaker is still closed: the request is sent
    assert len(mocked.calls) == 3 * FAILURES + 1


def test_half_open_success_closes_it(mocked: responses.RequestsMock) -> None:
    down = mocked.get(BALANCE_URL, status=503)
    client = BackendClient(_settings(reset_seconds=0.2))
    _fail(client, FAILURES)
    with pytest.raises(CircuitOpen):
        client.get_balance(CUSTOMER)

    time.sleep(0.3)
    mocked.remove(down)
    mocked.get(BALANCE_URL, json=payloads.BALANCE)

    assert client.get_balance(CUSTOMER).outstanding.amount >= 0  # the trial call
    # Closed again: a single new fault does not open it.
    mocked.replace(responses.GET, BALANCE_URL, status=503)
    _fail(client, 1)
    mocked.replace(responses.GET, BALANCE_URL, json=payloads.BALANCE)
    client.get_balance(CUSTOMER)


def test_half_open_fault_opens_it_again(mocked: responses.RequestsMock) -> None:
    mocked.get(BALANCE_URL, status=503)
    client = BackendClient(_settings(reset_seconds=0.2))
    _fail(client, FAILURES)

    time.sleep(0.3)
    _fail(client, 1)  # the trial call is sent and fails
    sent = len(mocked.calls)

    with pytest.raises(CircuitOpen):
        client.get_balance(CUSTOMER)
    assert len(mocked.calls) == sent


def test_breaker_lets_concurrent_calls_run_together() -> None:
    # pybreaker's own `call` holds a lock around the call: this would time out.
    breaker = build_breaker(_settings())
    both_inside = threading.Barrier(2, timeout=2)
    results = []

    def call() -> None:
        results.append(breaker.call(both_inside.wait))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert sorted(results) == [0, 1]
    assert isinstance(breaker, ConcurrentCircuitBreaker)


def test_only_backend_unavailable_is_a_fault() -> None:
    assert is_backend_fault(BackendTimeout("slow"))
    assert is_backend_fault(BackendUnavailable("down"))
    assert not is_backend_fault(NotFound("missing"))
    assert not is_backend_fault(RuleViolation("no", code="refund_window_expired", status_code=422))
    assert not is_backend_fault(ValueError("bug"))


def test_breaker_takes_its_threshold_and_timeout_from_the_settings() -> None:
    breaker = build_breaker(_settings(reset_seconds=12.0))

    assert breaker.fail_max == FAILURES
    assert breaker.reset_timeout == 12.0
    assert breaker.current_state == pybreaker.STATE_CLOSED


def test_default_clients_share_the_process_breaker(
    mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKEND_URL", BASE)
    monkeypatch.setenv("BACKEND_RETRIES", "0")
    monkeypatch.setenv("BACKEND_BREAKER_FAILURES", str(FAILURES))
    get_settings.cache_clear()
    backend_breaker.cache_clear()
    try:
        mocked.get(BALANCE_URL, status=503)
        _fail(BackendClient(), FAILURES)

        with pytest.raises(CircuitOpen):  # another action's client
            BackendClient().get_balance(CUSTOMER)
        with pytest.raises(BackendUnavailable):  # a client with its own settings
            BackendClient(_settings()).get_balance(CUSTOMER)
        assert len(mocked.calls) == FAILURES + 1
    finally:
        get_settings.cache_clear()
        backend_breaker.cache_clear()
