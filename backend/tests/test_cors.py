"""CORS: off by default; when configured, browser pages of the listed origins may log in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from payments_backend.app import create_app
from payments_backend.clock import FixedClock
from payments_backend.settings import Settings
from tests.support import NOW, Api

CHAT_ORIGIN = "http://localhost:5005"
LOGIN = {"email": "ada@example.com", "password": "demo"}


def preflight(client: TestClient, origin: str, headers: str) -> dict[str, str]:
    response = client.options(
        "/v1/auth/login",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )
    return {"status": str(response.status_code), **response.headers}


@pytest.fixture
def cors_client(settings: Settings, db: Session) -> Iterator[TestClient]:
    configured = replace(settings, cors_origins=(CHAT_ORIGIN,))
    with TestClient(create_app(configured, clock=FixedClock(NOW))) as client:
        yield client


def test_no_cors_headers_by_default(api: Api) -> None:
    response = api.client.post(
        "/v1/auth/login", json=LOGIN, headers={"Idempotency-Key": "k", "Origin": CHAT_ORIGIN}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    answer = preflight(api.client, CHAT_ORIGIN, "content-type,idempotency-key")
    assert "access-control-allow-origin" not in answer


def test_a_configured_origin_may_log_in_from_the_browser(cors_client: TestClient) -> None:
    answer = preflight(cors_client, CHAT_ORIGIN, "content-type,idempotency-key")
    assert answer["status"] == "200"
    assert answer["access-control-allow-origin"] == CHAT_ORIGIN
    assert "POST" in answer["access-control-allow-methods"]

    response = cors_client.post(
        "/v1/auth/login", json=LOGIN, headers={"Idempotency-Key": "k", "Origin": CHAT_ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CHAT_ORIGIN
    assert "idempotent-replayed" in response.headers["access-control-expose-headers"].lower()


def test_other_origins_and_the_service_key_header_are_not_allowed(
    cors_client: TestClient,
) -> None:
    other = preflight(cors_client, "https://evil.example", "content-type,idempotency-key")
    assert other["status"] == "400"
    assert "access-control-allow-origin" not in other
    response = cors_client.post(
        "/v1/auth/login",
        json=LOGIN,
        headers={"Idempotency-Key": "k2", "Origin": "https://evil.example"},
    )
    assert "access-control-allow-origin" not in response.headers
    # The service key must never be sent from a browser.
    authorization = preflight(cors_client, CHAT_ORIGIN, "authorization")
    assert authorization["status"] == "400"
