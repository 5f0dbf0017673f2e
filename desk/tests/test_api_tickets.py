"""Opening tickets: validation, idempotency, masking, queue position and wait."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_desk.models import Ticket, TicketMessage
from tests.support import Api, ManualClock, ticket_body


def test_a_new_handover_opens_a_waiting_ticket(api: Api, db: Session) -> None:
    response = api.open(ticket_body("conv-a"), key="key-conv-a-1")
    assert response.status_code == 201
    body = response.json()
    assert body["ticket_id"].startswith("T-") and len(body["ticket_id"]) == 10
    assert body == {
        "ticket_id": body["ticket_id"],
        "status": "waiting",
        "created": True,
        "queue_position": 1,
        "expected_wait_minutes": 3,
        "desk_open": True,
        "next_open_at": None,
    }
    ticket = db.scalar(select(Ticket).where(Ticket.ticket_id == body["ticket_id"]))
    assert ticket is not None
    assert (ticket.conversation_id, ticket.customer_id, ticket.reason) == (
        "conv-a",
        "C1001",
        "customer_request",
    )
    entries = db.scalars(
        select(TicketMessage)
        .where(TicketMessage.ticket_pk == ticket.id)
        .order_by(TicketMessage.seq)
    ).all()
    assert [(e.seq, e.author, e.text) for e in entries] == [
        (1, "customer", "what do I owe"),
        (2, "bot", "Your balance is €120.00."),
    ]


def test_the_same_key_returns_the_same_ticket(api: Api, db: Session) -> None:
    first = api.open(ticket_body("conv-a"), key="same-key-123")
    again = api.open(ticket_body("conv-a"), key="same-key-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["ticket_id"] == first.json()["ticket_id"]
    assert again.json()["created"] is False
    assert len(db.scalars(select(Ticket)).all()) == 1


def test_another_key_for_an_active_conversation_returns_its_ticket(api: Api) -> None:
    first = api.open(ticket_body("conv-a"), key="first-key-1")
    other = api.open(ticket_body("conv-a"), key="second-key-2")
    assert other.status_code == 200
    assert other.json()["ticket_id"] == first.json()["ticket_id"]


def test_an_ended_ticket_lets_the_conversation_open_a_new_one(api: Api) -> None:
    first = api.open(ticket_body("conv-a")).json()["ticket_id"]
    assert api.as_agent("maria", "POST", f"/v1/tickets/{first}/close").status_code == 200
    second = api.open(ticket_body("conv-a"))
    assert second.status_code == 201
    assert second.json()["ticket_id"] != first


def test_card_numbers_are_masked_on_arrival(api: Api, db: Session) -> None:
    body = ticket_body(
        "conv-card",
        summary={
            "intents": ["pay"],
            "slots": {"note": "card 4111 1111 1111 1111"},
            "facts": {},
            "last_message": "my card is 4111111111111111",
        },
        transcript=[
            {
                "author": "customer",
                "text": "it is 4111 1111 1111 1111 cvv 123",
                "timestamp": 1750248000.0,
            }
        ],
    )
    assert api.open(body).status_code == 201
    stored = db.scalars(select(TicketMessage.text)).all()
    ticket = db.scalars(select(Ticket)).one()
    everything = " ".join([*stored, str(ticket.summary)])
    assert everything.count("[card •••• 1111]") == 3
    assert "4111 1111 1111 1111" not in everything
    assert "4111111111111111" not in everything
    assert "123" not in stored[0] and "[cvv]" in stored[0]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"reason": "bored"}, "reason"),
        ({"conversation_id": ""}, "conversation_id"),
        ({"transcript": [{"author": "agent", "text": "x"}]}, "transcript"),
        ({"extra": 1}, "extra"),
    ],
)
def test_an_invalid_body_is_422_with_one_sentence(
    api: Api, change: dict[str, object], fragment: str
) -> None:
    response = api.open(ticket_body(**change))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and fragment in detail and detail.endswith(".")


@pytest.mark.parametrize("key", [None, "short", "x" * 201, "bad\tkey-123"])
def test_a_missing_or_malformed_key_is_422(api: Api, key: str | None) -> None:
    headers = {"Authorization": "Bearer test-desk-key"}
    if key is not None:
        headers["Idempotency-Key"] = key
    response = api.client.post("/v1/tickets", json=ticket_body(), headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]


def test_queue_position_counts_waiting_tickets_before(api: Api) -> None:
    ids = [api.open(ticket_body(f"conv-{n}")).json()["ticket_id"] for n in range(3)]
    positions = {
        t["ticket_id"]: t["queue_position"] for t in api.as_agent("tom", "GET", "/v1/queue").json()
    }
    assert [positions[i] for i in ids] == [1, 2, 3]
    assert api.as_agent("maria", "POST", f"/v1/tickets/{ids[0]}/claim").status_code == 200
    queue = api.as_agent("tom", "GET", "/v1/queue").json()
    assert [(t["ticket_id"], t["status"], t["queue_position"]) for t in queue] == [
        (ids[1], "waiting", 1),
        (ids[2], "waiting", 2),
        (ids[0], "claimed", 0),
    ]
    assert queue[2]["claimed_by"] == "maria"
    again = api.open(ticket_body("conv-2"))  # the third ticket again
    assert again.json()["queue_position"] == 2


def test_expected_wait_uses_recent_claim_times(api: Api, clock: ManualClock) -> None:
    # Two tickets claimed after 4 and 8 minutes: 6 minutes on average.
    for minutes, name in ((4, "a"), (8, "b")):
        ticket = api.open(ticket_body(f"done-{name}")).json()["ticket_id"]
        clock.advance(timedelta(minutes=minutes))
        assert api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim").status_code == 200
        assert api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/close").status_code == 200
    first = api.open(ticket_body("wait-1")).json()
    second = api.open(ticket_body("wait-2")).json()
    assert (first["queue_position"], first["expected_wait_minutes"]) == (1, 6)
    assert (second["queue_position"], second["expected_wait_minutes"]) == (2, 12)


def test_queue_shows_the_latest_customer_message(api: Api) -> None:
    api.open(ticket_body("conv-a"))
    [ticket] = api.as_agent("maria", "GET", "/v1/queue").json()
    assert ticket["last_message"] == "what do I owe"
    assert ticket["summary"]["slots"] == {"order_id": "KL-482913", "refund_amount": "25.00"}
    assert ticket["conversation_id"] == "conv-a"
    assert set(ticket) == {
        "ticket_id",
        "conversation_id",
        "status",
        "reason",
        "channel",
        "customer_id",
        "language",
        "summary",
        "claimed_by",
        "created_at",
        "queue_position",
        "last_message",
    }


def test_unknown_ticket_is_404(api: Api) -> None:
    response = api.as_agent("maria", "GET", "/v1/tickets/T-00000000")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no ticket T-00000000."}


def test_status_counts_waiting_tickets(api: Api) -> None:
    api.open(ticket_body("conv-a"))
    api.open(ticket_body("conv-b"))
    body = api.as_agent("maria", "GET", "/v1/status").json()
    assert body == {"desk_open": True, "next_open_at": None, "waiting": 2, "agents_online": 1}


def test_health_needs_no_authentication(api: Api) -> None:
    response = api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
