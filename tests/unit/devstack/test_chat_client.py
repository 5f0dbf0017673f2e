"""Tests of the chat's HTTP client against a fake transport."""

import datetime as dt
from typing import Iterator

import pytest
import requests

from devstack.chat_client import (
    ChatClient,
    ChatError,
    Credentials,
    LoginError,
    RasaUnavailable,
    parse_timestamp,
)
from tests.unit.devstack.conftest import Call, Clock, FakeResponse, FakeTransport

START = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def _login_handler() -> "Iterator[str]":
    number = 0
    while True:
        number += 1
        yield f"token-{number}"


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def backend(transport: FakeTransport, clock: Clock) -> FakeTransport:
    tokens = _login_handler()

    def login(call: Call) -> FakeResponse:
        if call.json != {"email": "ada@example.com", "password": "demo"}:
            return FakeResponse(401, {"error": {"code": "invalid_credentials"}})
        expires = clock.now + dt.timedelta(minutes=15)
        return FakeResponse(
            200,
            {
                "customer_id": "cus_ada",
                "token": next(tokens),
                "expires_at": expires.isoformat().replace("+00:00", "Z"),
            },
        )

    def webhook(call: Call) -> FakeResponse:
        return FakeResponse(
            200, [{"recipient_id": "s", "text": f"echo {call.json['message']}"}]
        )

    transport.handlers["/v1/auth/login"] = login
    transport.handlers["/webhooks/rest/webhook"] = webhook
    return transport


def client(
    transport: FakeTransport, clock: Clock, password: str = "demo"
) -> ChatClient:
    return ChatClient(
        rasa_url="http://rasa:5005/",
        backend_url="http://backend:8080",
        sender_id="s",
        credentials=Credentials("ada@example.com", password),
        transport=transport,
        clock=clock,
        timeout=7.0,
    )


def test_messages_carry_the_login_token(backend: FakeTransport, clock: Clock) -> None:
    chat = client(backend, clock)
    chat.login()

    replies = chat.send("where is my refund")

    assert replies == [{"recipient_id": "s", "text": "echo where is my refund"}]
    [call] = backend.calls_to("/webhooks/rest/webhook")
    assert call.url == "http://rasa:5005/webhooks/rest/webhook"
    assert call.json == {"sender": "s", "message": "where is my refund"}
    assert call.headers == {"Authorization": "Bearer token-1"}
    assert call.timeout == 7.0
    assert chat.customer_id == "cus_ada"
    [login] = backend.calls_to("/v1/auth/login")
    assert login.url == "http://backend:8080/v1/auth/login"
    assert login.headers["Idempotency-Key"].startswith("chat-login-")


def test_token_is_refreshed_before_it_expires(
    backend: FakeTransport, clock: Clock
) -> None:
    chat = client(backend, clock)
    chat.login()
    chat.send("one")

    clock.now = START + dt.timedelta(minutes=14, seconds=30)
    chat.send("two")

    webhook_calls = backend.calls_to("/webhooks/rest/webhook")
    assert [call.headers["Authorization"] for call in webhook_calls] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    logins = backend.calls_to("/v1/auth/login")
    assert len(logins) == 2
    # A reused key would replay the first (expiring) token.
    assert logins[0].headers["Idempotency-Key"] != logins[1].headers["Idempotency-Key"]


def test_token_is_reused_while_fresh(backend: FakeTransport, clock: Clock) -> None:
    chat = client(backend, clock)
    chat.login()
    clock.now = START + dt.timedelta(minutes=10)

    chat.send("one")
    chat.send("two")

    assert len(backend.calls_to("/v1/auth/login")) == 1


def test_anonymous_chat_sends_no_token(backend: FakeTransport, clock: Clock) -> None:
    chat = ChatClient("http://rasa", "http://backend", "s", None, backend, clock)
    chat.login()

    chat.send("hello")

    assert backend.calls_to("/v1/auth/login") == []
    assert backend.calls_to("/webhooks/rest/webhook")[0].headers == {}


def test_wrong_password_is_a_login_error(backend: FakeTransport, clock: Clock) -> None:
    with pytest.raises(LoginError, match="refused the login of ada@example.com"):
        client(backend, clock, password="wrong").login()


def test_unreachable_backend_is_explained(
    transport: FakeTransport, clock: Clock
) -> None:
    def refuse(call: Call) -> FakeResponse:
        raise requests.ConnectionError("connection refused")

    transport.handlers["/v1/auth/login"] = refuse

    with pytest.raises(
        ChatError, match="cannot reach the payments backend at http://backend:8080"
    ):
        client(transport, clock).login()


def test_unreachable_rasa_is_explained(backend: FakeTransport, clock: Clock) -> None:
    def refuse(call: Call) -> FakeResponse:
        raise requests.ConnectionError("connection refused")

    backend.handlers["/webhooks/rest/webhook"] = refuse
    chat = client(backend, clock)
    chat.login()

    with pytest.raises(
        RasaUnavailable, match="Rasa server at http://rasa:5005 does not answer"
    ):
        chat.send("hi")


def test_rasa_error_status_is_reported(backend: FakeTransport, clock: Clock) -> None:
    backend.handlers["/webhooks/rest/webhook"] = lambda call: FakeResponse(500, None)
    chat = client(backend, clock)

    with pytest.raises(ChatError, match="HTTP 500"):
        chat.send("hi")


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-01T12:15:00Z",
        "2025-03-01T12:15:00+00:00",
        "2025-03-01T12:15:00",
        "2025-03-01T13:15:00+01:00",
    ],
)
def test_timestamps_are_read_as_utc(text: str) -> None:
    assert parse_timestamp(text) == dt.datetime(
        2025, 3, 1, 12, 15, tzinfo=dt.timezone.utc
    )
