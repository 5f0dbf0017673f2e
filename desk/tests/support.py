"""Test helpers: database URLs, data reset, clocks, an API wrapper, a live server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.models import Agent, Base
from agent_desk.security import hash_password
from service_kit import testing

API_KEY = "test-desk-key"
SIGNING_KEY = "test-desk-token-signing-key-of-32-bytes"
RASA_TOKEN = "test-rasa-token"
# A Wednesday, 12:00 UTC.
NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)
AGENTS = (("maria", "Maria"), ("tom", "Tom"))
PASSWORD = "demo"


class ManualClock(testing.ManualClock):
    """A clock that stands still (at ``NOW`` unless told) until a test moves it."""

    def __init__(self, instant: datetime = NOW) -> None:
        super().__init__(instant)


def fresh_database_url(tmp_dir: Path) -> tuple[str, Callable[[], None]]:
    """Create an empty database and return its URL and a cleanup callable.

    With ``DESK_TEST_DATABASE_URL`` set, a PostgreSQL schema of its own (so the
    backend's tests on the same database never clash); otherwise a SQLite file.
    """
    return testing.fresh_database_url(
        os.environ.get("DESK_TEST_DATABASE_URL"), tmp_dir / "desk-test.db", "desk_test_"
    )


@cache
def _password_hash() -> str:
    # scrypt is deliberately slow; tests reset the agents often.
    return hash_password(PASSWORD)


def reset_data(session_factory: sessionmaker[Session], now: datetime = NOW) -> None:
    """Empty every table and create the two test agents again."""
    with session_factory() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        for username, display_name in AGENTS:
            session.add(
                Agent(
                    username=username,
                    display_name=display_name,
                    password_hash=_password_hash(),
                    active=True,
                    created_at=now,
                )
            )
        session.commit()


def ticket_body(conversation_id: str = "conv-1", **overrides: Any) -> dict[str, Any]:
    """A valid ``POST /v1/tickets`` body."""
    body: dict[str, Any] = {
        "conversation_id": conversation_id,
        "channel": "socketio",
        "customer_id": "C1001",
        "language": "en",
        "reason": "customer_request",
        "summary": {
            "intents": ["check_balance", "human_handoff"],
            "slots": {"order_id": "KL-482913", "refund_amount": "25.00"},
            "facts": {"order_ids": ["KL-482913"], "amounts": ["€25.00"]},
            "last_message": "I want to talk to a person",
        },
        "transcript": [
            {"author": "customer", "text": "what do I owe", "timestamp": 1750248000.25},
            {"author": "bot", "text": "Your balance is €120.00.", "timestamp": 1750248000.5},
        ],
    }
    body.update(overrides)
    return body


class Api:
    """Sends the service key or an agent's token."""

    def __init__(self, client: TestClient | httpx.Client) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def open(self, body: dict[str, Any] | None = None, key: str | None = None) -> httpx.Response:
        """``POST /v1/tickets`` with the service key (a fresh key unless given)."""
        response: httpx.Response = self.client.post(
            "/v1/tickets",
            json=body or ticket_body(),
            headers={
                "Authorization": f"Bearer {API_KEY}",
                "Idempotency-Key": key or f"handoff-{uuid.uuid4()}",
            },
        )
        return response

    def token(self, agent: str) -> str:
        """Log an agent in once and remember the token."""
        if agent not in self._tokens:
            response = self.client.post(
                "/v1/agents/login", json={"username": agent, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._tokens[agent] = response.json()["token"]
        return self._tokens[agent]

    def as_agent(
        self, agent: str, method: str, path: str, body: Any = None, **params: Any
    ) -> httpx.Response:
        """A request with the agent's token."""
        response: httpx.Response = self.client.request(
            method,
            path,
            json=body,
            params=params or None,
            headers={"Authorization": f"Bearer {self.token(agent)}"},
        )
        return response
