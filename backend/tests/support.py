"""Test helpers: database URLs, demo-data reset, an API client wrapper."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from payments_backend.models import Base
from payments_backend.seed import seed_demo_data
from service_kit import testing

API_KEY = "test-backend-key"
SIGNING_KEY = "test-identity-signing-key-of-32-bytes-at-least"
# A fixed "now": the seed and every rule are relative to it.
NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)


class ManualClock(testing.ManualClock):
    """A clock that stands still (at ``NOW`` unless told) until a test moves it."""

    def __init__(self, instant: datetime = NOW) -> None:
        super().__init__(instant)


def fresh_database_url(tmp_dir: Path) -> tuple[str, Callable[[], None]]:
    """Create an empty database and return its URL and a cleanup callable.

    Args:
        tmp_dir: Directory for a SQLite file.

    Returns:
        (url, cleanup).
    """
    return testing.fresh_database_url(
        os.environ.get("BACKEND_TEST_DATABASE_URL"), tmp_dir / "payments-test.db", "pb_test_"
    )


def reset_demo_data(session_factory: sessionmaker[Session], now: datetime = NOW) -> None:
    """Empty every table and load the demo data again."""
    with session_factory() as session:
        testing.empty_tables(session, Base.metadata)
        seed_demo_data(session, now)


class Api:
    """Small helper that sends the service key, the customer and idempotency keys."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def headers(
        self, customer: str | None = "C1001", key: str | None = None, auth: bool = True
    ) -> dict[str, str]:
        """Headers for a request."""
        headers: dict[str, str] = {}
        if auth:
            headers["Authorization"] = f"Bearer {API_KEY}"
        if customer is not None:
            headers["X-Customer-Id"] = customer
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, customer: str | None = "C1001", **params: Any) -> httpx.Response:
        """GET as a customer."""
        response: httpx.Response = self.client.get(
            path, headers=self.headers(customer), params=params or None
        )
        return response

    def post(
        self,
        path: str,
        body: Any = None,
        customer: str | None = "C1001",
        key: str | None = "auto",
    ) -> httpx.Response:
        """POST as a customer with a fresh Idempotency-Key unless one is given."""
        if key == "auto":
            key = str(uuid.uuid4())
        response: httpx.Response = self.client.post(
            path, json=body, headers=self.headers(customer, key)
        )
        return response


def error_code(response: httpx.Response) -> str:
    """The envelope's error code of a response."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return str(body["error"]["code"])
