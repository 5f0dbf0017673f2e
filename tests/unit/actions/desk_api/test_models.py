"""Tests of actions.desk_api.models: the request's JSON and the desk's answers."""

from __future__ import annotations

import json

import pytest

from actions.desk_api import (
    DeskInvalidResponse,
    DeskStatus,
    TicketFacts,
    TicketRequest,
    TicketSummary,
    TranscriptEntry,
)

REQUEST = TicketRequest(
    conversation_id="conv-1",
    channel="rest",
    customer_id=None,
    language="en",
    reason="fraud",
    summary=TicketSummary(
        intents=("unrecognized_charge", "report_fraud"),
        slots={"payment_id": "PAY-100103", "refund_confirmed": True},
        facts=TicketFacts(payment_ids=("PAY-100103",), amounts=("€40.00", "120.00 SEK")),
        last_message="this is fraud",
    ),
    transcript=(TranscriptEntry("customer", "this is fraud", 1.5),),
)


def test_a_request_survives_json_unchanged() -> None:
    # The outbox keeps requests as JSON text: reading one back gives the same request.
    text = json.dumps(REQUEST.to_json())
    assert TicketRequest.from_json(json.loads(text)) == REQUEST


def test_a_visitor_has_a_null_customer() -> None:
    assert REQUEST.to_json()["customer_id"] is None


def test_amounts_stay_strings() -> None:
    facts = REQUEST.to_json()["summary"]["facts"]
    assert facts["amounts"] == ["€40.00", "120.00 SEK"]
    assert facts["order_ids"] == [] and facts["refund_ids"] == []


def test_an_unknown_author_is_refused() -> None:
    with pytest.raises(ValueError, match="author"):
        TranscriptEntry("agent", "hi", 1.0)


def test_desk_status_parses() -> None:
    status = DeskStatus.from_json(
        {"desk_open": False, "next_open_at": "2026-11-30T08:00:00+01:00", "waiting": 0, "agents_online": 0}
    )
    assert status.desk_open is False and status.next_open_at is not None
    assert status.next_open_at.utcoffset().total_seconds() == 3600


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {"desk_open": True, "next_open_at": None, "waiting": True, "agents_online": 1},
        {"desk_open": True, "next_open_at": 5, "waiting": 1, "agents_online": 1},
        {"desk_open": "yes", "next_open_at": None, "waiting": 1, "agents_online": 1},
    ],
)
def test_desk_status_breaking_the_contract_is_invalid(payload: object) -> None:
    with pytest.raises(DeskInvalidResponse):
        DeskStatus.from_json(payload)
