"""The real service: ``python -m payments_backend`` in a subprocess, over real HTTP."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from payments_backend.settings import BACKEND_DIR
from service_kit.testing import free_port, running_service, service_pythonpath
from tests.support import fresh_database_url

API_KEY = "server-test-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the service on a free port with a fresh database; yield its base URL."""
    url, cleanup = fresh_database_url(tmp_path_factory.mktemp("server"))
    port = free_port()
    env = {
        **os.environ,
        # The service imports the shared `service_kit` from the repository root.
        "PYTHONPATH": service_pythonpath(BACKEND_DIR),
        "DATABASE_URL": url,
        "BACKEND_API_KEY": API_KEY,
        "IDENTITY_SIGNING_KEY": "server-test-identity-signing-key-32b",
        "BACKEND_SEED": "true",
        "BACKEND_PORT": "1",  # overridden by --port
        "BACKEND_DEV_OUTBOX": "true",
        "BACKEND_CORS_ORIGINS": "http://localhost:5005",
        # The repository root: the backend masks its logs with the shared `redaction`.
        "PYTHONPATH": os.pathsep.join([str(BACKEND_DIR), str(BACKEND_DIR.parent)]),
    }
    try:
        with running_service(
            [sys.executable, "-m", "payments_backend", "--port", str(port)],
            cwd=BACKEND_DIR,
            env=env,
            port=port,
            log_path=tmp_path_factory.getbasetemp() / "server.log",
        ) as base:
            yield base
    finally:
        cleanup()


def customer_headers(customer_id: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {API_KEY}", "X-Customer-Id": customer_id}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def test_health_and_openapi(server: str) -> None:
    assert requests.get(f"{server}/health", timeout=5).json() == {"status": "ok", "database": "ok"}
    assert "/v1/refunds" in requests.get(f"{server}/openapi.json", timeout=5).json()["paths"]


def test_login_then_refund_exactly_once_when_retried(server: str) -> None:
    login = requests.post(
        f"{server}/v1/auth/login",
        json={"email": "ada@example.com", "password": "demo"},
        headers={"Idempotency-Key": "server-login"},
        timeout=10,
    )
    assert login.status_code == 200
    customer = login.json()["customer_id"]
    assert customer == "C1001"
    body = {
        "order_id": "KL-482913",
        "amount": "19.90",
        "currency": "EUR",
        "reason": "Socks arrived torn",
    }
    first = requests.post(
        f"{server}/v1/refunds",
        json=body,
        headers=customer_headers(customer, "retry-me"),
        timeout=10,
    )
    retry = requests.post(
        f"{server}/v1/refunds",
        json=body,
        headers=customer_headers(customer, "retry-me"),
        timeout=10,
    )
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    refunds = requests.get(
        f"{server}/v1/refunds",
        params={"order_id": "KL-482913"},
        headers=customer_headers(customer),
        timeout=10,
    ).json()
    assert [r["id"] for r in refunds] == [first.json()["id"]]
    order = requests.get(
        f"{server}/v1/orders/482913", headers=customer_headers(customer), timeout=10
    ).json()
    assert order["refundable"] == {"amount": "138.95", "currency": "EUR"}


def test_concurrent_retries_create_one_refund(server: str) -> None:
    body = {
        "order_id": "KL-731846",
        "amount": "10.00",
        "currency": "EUR",
        "reason": "Jacket seam is loose",
    }

    def send(_: int) -> requests.Response:
        return requests.post(
            f"{server}/v1/refunds", json=body, headers=customer_headers("C1001", "race"), timeout=10
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(send, range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    refunds = requests.get(
        f"{server}/v1/refunds",
        params={"order_id": "KL-731846"},
        headers=customer_headers("C1001"),
        timeout=10,
    ).json()
    assert len([r for r in refunds if r["amount"]["amount"] == "10.00"]) == 1


def test_unauthenticated_requests_are_refused(server: str) -> None:
    response = requests.get(f"{server}/v1/balance", headers={"X-Customer-Id": "C1001"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_verification_by_email_with_the_dev_outbox_and_cors(server: str) -> None:
    service = {"Authorization": f"Bearer {API_KEY}"}
    started = requests.post(
        f"{server}/v1/auth/verification",
        json={"email": "chen@example.com"},
        headers={**service, "Idempotency-Key": "server-verify"},
        timeout=10,
    )
    assert started.status_code == 202
    [message] = requests.get(
        f"{server}/v1/dev/outbox",
        params={"recipient": "chen@example.com"},
        headers=service,
        timeout=5,
    ).json()
    code = re.search(r"\b\d{6}\b", message["body"])
    assert code is not None
    confirmed = requests.post(
        f"{server}/v1/auth/verification/confirm",
        json={"email": "chen@example.com", "code": code.group()},
        headers={**service, "Idempotency-Key": "server-confirm"},
        timeout=10,
    )
    assert confirmed.json()["customer_id"] == "C1003"
    login = requests.post(
        f"{server}/v1/auth/login",
        json={"email": "chen@example.com", "password": "demo"},
        headers={"Idempotency-Key": "server-cors-login", "Origin": "http://localhost:5005"},
        timeout=10,
    )
    assert login.headers["Access-Control-Allow-Origin"] == "http://localhost:5005"
