"""Tests of actions.desk_api.client against mocked HTTP (the `responses` library)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, Iterator, List

import pytest
import requests
import responses
from responses import matchers

from actions.desk_api import (
    AgentDesk,
    DeskAuthenticationError,
    DeskInvalidResponse,
    DeskRejected,
    DeskStatus,
    DeskTimeout,
    DeskUnavailable,
    HttpAgentDesk,
    TicketFacts,
    TicketRequest,
    TicketSummary,
    TranscriptEntry,
)
from actions.settings import Settings

BASE = "http://desk.test"
KEY = "handoff-0123456789abcdef"
SETTINGS = Settings(desk_url=BASE, desk_api_key="desk-service-key", desk_timeout_seconds=1.5)
REQUEST = TicketRequest(
    conversation_id="conv-1",
    channel="socketio",
    customer_id="C1001",
    language="en",
    reason="customer_request",
    summary=TicketSummary(
        intents=("check_balance", "human_handoff"),
        slots={"order_id": "KL-482913"},
        facts=TicketFacts(order_ids=("KL-482913",), amounts=("€25.00",)),
        last_message="a person please",
    ),
    transcript=(
        TranscriptEntry("customer", "what do I owe", 1764220000.12),
        TranscriptEntry("bot", "You have €120.00 left to pay.", 1764220000.53),
    ),
)
RECEIPT = {
    "ticket_id": "T-1A2B3C4D",
    "status": "waiting",
    "created": True,
    "queue_position": 2,
    "expected_wait_minutes": 6,
    "desk_open": True,
    "next_open_at": None,
}


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def desk() -> Iterator[HttpAgentDesk]:
    client = HttpAgentDesk(SETTINGS)
    yield client
    client.close()


def test_open_ticket_posts_the_request_with_key_and_service_key(
    mocked: responses.RequestsMock, desk: HttpAgentDesk
) -> None:
    mocked.post(
        f"{BASE}/v1/tickets",
        json=RECEIPT,
        status=201,
        match=[
            matchers.header_matcher(
                {"Authorization": "Bearer desk-service-key", "Idempotency-Key": KEY}
            ),
            matchers.json_params_matcher(REQUEST.to_json()),
        ],
    )
    receipt = desk.open_ticket(REQUEST, KEY)
    assert (receipt.ticket_id, receipt.status, receipt.created) == ("T-1A2B3C4D", "waiting", True)
    assert (receipt.queue_position, receipt.expected_wait_minutes) == (2, 6)
    assert receipt.desk_open is True and receipt.next_open_at is None


def test_the_body_follows_the_contract(mocked: responses.RequestsMock, desk: HttpAgentDesk) -> None:
    mocked.post(f"{BASE}/v1/tickets", json=RECEIPT, status=201)
    desk.open_ticket(REQUEST, KEY)
    body = json.loads(mocked.calls[0].request.body)
    assert set(body) == {
        "conversation_id",
        "channel",
        "customer_id",
        "language",
        "reason",
        "summary",
        "transcript",
    }
    assert set(body["summary"]) == {"intents", "slots", "facts", "last_message"}
    assert set(body["summary"]["facts"]) == {"order_ids", "amounts", "refund_ids", "payment_ids"}
    assert body["transcript"][0] == {
        "author": "customer",
        "text": "what do I owe",
        "timestamp": 1764220000.12,
    }


def test_an_existing_ticket_comes_back_with_200(
    mocked: responses.RequestsMock, desk: HttpAgentDesk
) -> None:
    mocked.post(f"{BASE}/v1/tickets", json={**RECEIPT, "created": False}, status=200)
    assert desk.open_ticket(REQUEST, KEY).created is False


def test_a_closed_desk_says_when_it_opens(mocked: responses.RequestsMock, desk: HttpAgentDesk) -> None:
    body = {**RECEIPT, "desk_open": False, "next_open_at": "2026-11-30T08:00:00+01:00"}
    mocked.post(f"{BASE}/v1/tickets", json=body, status=201)
    receipt = desk.open_ticket(REQUEST, KEY)
    assert receipt.desk_open is False
    assert receipt.next_open_at == dt.datetime(
        2026, 11, 30, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )


def test_status(mocked: responses.RequestsMock, desk: HttpAgentDesk) -> None:
    mocked.get(
        f"{BASE}/v1/status",
        json={"desk_open": True, "next_open_at": None, "waiting": 3, "agents_online": 1},
        match=[matchers.header_matcher({"Authorization": "Bearer desk-service-key"})],
    )
    assert desk.status() == DeskStatus(
        desk_open=True, next_open_at=None, waiting=3, agents_online=1
    )


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_and_overload_are_unavailable(
    mocked: responses.RequestsMock, desk: HttpAgentDesk, status: int
) -> None:
    mocked.post(f"{BASE}/v1/tickets", json={"detail": "database locked"}, status=status)
    with pytest.raises(DeskUnavailable) as raised:
        desk.open_ticket(REQUEST, KEY)
    assert raised.value.status_code == status
    assert not isinstance(raised.value, DeskRejected)


def test_a_refused_connection_is_unavailable(mocked: responses.RequestsMock, desk: HttpAgentDesk) -> None:
    mocked.post(f"{BASE}/v1/tickets", body=requests.ConnectionError("refused"))
    with pytest.raises(DeskUnavailable):
        desk.open_ticket(REQUEST, KEY)


def test_a_timeout_is_a_desk_timeout(mocked: responses.RequestsMock, desk: HttpAgentDesk) -> None:
    mocked.post(f"{BASE}/v1/tickets", body=requests.ReadTimeout("slow"))
    with pytest.raises(DeskTimeout, match="1.5 s"):
        desk.open_ticket(REQUEST, KEY)


@pytest.mark.parametrize("status", [401, 403])
def test_a_wrong_service_key_is_an_authentication_error(
    mocked: responses.RequestsMock, desk: HttpAgentDesk, status: int
) -> None:
    mocked.post(f"{BASE}/v1/tickets", json={"detail": "Wrong service key."}, status=status)
    with pytest.raises(DeskAuthenticationError, match="Wrong service key"):
        desk.open_ticket(REQUEST, KEY)


def test_an_invalid_body_is_rejected_naming_fields_not_values(
    mocked: responses.RequestsMock, desk: HttpAgentDesk
) -> None:
    detail = [{"loc": ["body", "reason"], "msg": "bad", "input": "secret text 4111"}]
    mocked.post(f"{BASE}/v1/tickets", json={"detail": detail}, status=422)
    with pytest.raises(DeskRejected) as raised:
        desk.open_ticket(REQUEST, KEY)
    assert "body.reason" in raised.value.message
    assert "4111" not in raised.value.message
    assert not isinstance(raised.value, DeskUnavailable)


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({**RECEIPT, "ticket_id": ""}),
        json.dumps({**RECEIPT, "queue_position": -1}),
        json.dumps({**RECEIPT, "desk_open": 1}),
        json.dumps({**RECEIPT, "next_open_at": "tomorrow"}),
        json.dumps({**RECEIPT, "next_open_at": "2026-11-30T08:00:00"}),
        json.dumps([RECEIPT]),
    ],
)
def test_a_body_breaking_the_contract_is_invalid(
    mocked: responses.RequestsMock, desk: HttpAgentDesk, body: str
) -> None:
    mocked.post(f"{BASE}/v1/tickets", body=body, status=201, content_type="application/json")
    with pytest.raises(DeskInvalidResponse):
        desk.open_ticket(REQUEST, KEY)


def test_a_utc_time_with_z_is_read(mocked: responses.RequestsMock, desk: HttpAgentDesk) -> None:
    body = {**RECEIPT, "desk_open": False, "next_open_at": "2026-11-30T07:00:00Z"}
    mocked.post(f"{BASE}/v1/tickets", json=body, status=201)
    moment = desk.open_ticket(REQUEST, KEY).next_open_at
    assert moment == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("key", ["short", "x" * 201, "has\nnewline", " padded-key "])
def test_an_invalid_idempotency_key_sends_nothing(
    mocked: responses.RequestsMock, desk: HttpAgentDesk, key: str
) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        desk.open_ticket(REQUEST, key)
    assert len(mocked.calls) == 0


class _RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.sent: List[Dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append({"method": method, "url": url, **kwargs})
        response = requests.Response()
        response.status_code = 201
        response._content = json.dumps(RECEIPT).encode()
        return response


def test_every_call_has_the_configured_timeout_and_the_given_session() -> None:
    session = _RecordingSession()
    desk = HttpAgentDesk(SETTINGS, session=session)
    desk.open_ticket(REQUEST, KEY)
    assert session.sent[0]["timeout"] == 1.5
    assert session.sent[0]["url"] == f"{BASE}/v1/tickets"


def test_nothing_is_built_until_the_first_call() -> None:
    desk = HttpAgentDesk()
    assert desk._session is None and desk._settings is None


def test_the_built_session_ignores_proxy_settings_of_the_environment() -> None:
    assert HttpAgentDesk(SETTINGS).session.trust_env is False


def test_the_interface_cannot_be_used_unimplemented() -> None:
    with pytest.raises(TypeError):
        AgentDesk()  # type: ignore[abstract]
