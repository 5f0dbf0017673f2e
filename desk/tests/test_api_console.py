"""Claim, reply, hand back and close: the desk's state and the calls to Rasa."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_desk.models import Ticket, TicketMessage
from tests.fake_rasa import FakeRasa
from tests.support import RASA_TOKEN, Api, ticket_body


def open_ticket(api: Api, conversation: str = "conv-1") -> str:
    response = api.open(ticket_body(conversation))
    assert response.status_code == 201, response.text
    return str(response.json()["ticket_id"])


def transcript(api: Api, ticket: str, after: int = 0) -> list[dict[str, object]]:
    response = api.as_agent("maria", "GET", f"/v1/tickets/{ticket}/messages", after=after)
    assert response.status_code == 200
    return list(response.json())


def test_claim_pauses_the_bot_and_tells_the_customer_who_joined(api: Api, rasa: FakeRasa) -> None:
    ticket = open_ticket(api)
    response = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["claimed_by"]) == ("claimed", "maria")
    posts = rasa.posts("conv-1")
    assert [p.body for p in posts] == [
        [{"event": "pause"}],
        [
            {
                "event": "bot",
                "data": {"custom": {"handoff": {"state": "agent_joined", "agent_name": "Maria"}}},
                "metadata": {"desk_ticket": ticket, "desk_agent": "maria"},
            }
        ],
    ]
    for post in posts:
        assert post.path == "/conversations/conv-1/tracker/events"
        assert post.query == {
            "output_channel": "latest",
            "execute_side_effects": "true",
            "token": RASA_TOKEN,
        }
    assert rasa.conversation("conv-1").paused is True
    assert transcript(api, ticket, after=2)[0]["author"] == "system"


def test_claiming_again_is_fine_for_the_owner_and_409_for_others(api: Api, rasa: FakeRasa) -> None:
    ticket = open_ticket(api)
    assert api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim").status_code == 200
    again = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    assert again.status_code == 200 and again.json()["claimed_by"] == "maria"
    assert len(rasa.posts()) == 2  # the customer is told once
    other = api.as_agent("tom", "POST", f"/v1/tickets/{ticket}/claim")
    assert other.status_code == 409
    assert other.json() == {"detail": f"Ticket {ticket} is claimed by maria."}


def test_a_claim_rasa_refuses_leaves_the_ticket_waiting(api: Api, rasa: FakeRasa) -> None:
    ticket = open_ticket(api)
    rasa.fail_status = 500
    response = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    assert response.status_code == 502
    assert response.json()["detail"].endswith("please try again.")
    state = api.as_agent("maria", "GET", f"/v1/tickets/{ticket}").json()
    assert (state["status"], state["claimed_by"]) == ("waiting", None)
    rasa.fail_status = None
    assert api.as_agent("tom", "POST", f"/v1/tickets/{ticket}/claim").status_code == 200


def test_only_the_owner_replies_and_the_reply_reaches_rasa(
    api: Api, rasa: FakeRasa, db: Session
) -> None:
    ticket = open_ticket(api)
    text = "Hi, I'm Maria <b>&</b> I'll look at KL-482913."
    waiting = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": text})
    assert waiting.status_code == 409
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    other = api.as_agent("tom", "POST", f"/v1/tickets/{ticket}/messages", {"text": text})
    assert other.status_code == 409
    sent = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": text})
    assert sent.status_code == 201
    entry = sent.json()
    assert (entry["author"], entry["text"], entry["agent"]) == ("agent", text, "maria")
    last = rasa.posts("conv-1")[-1]
    assert last.body == [
        {"event": "bot", "text": text, "metadata": {"desk_ticket": ticket, "desk_agent": "maria"}}
    ]
    assert last.query["output_channel"] == "latest"
    assert last.query["execute_side_effects"] == "true"
    assert transcript(api, ticket, after=entry["seq"] - 1) == [entry]


def test_a_reply_rasa_refuses_is_502_and_not_stored(api: Api, rasa: FakeRasa, db: Session) -> None:
    ticket = open_ticket(api)
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    before = len(transcript(api, ticket))
    rasa.fail_status = 503
    response = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": "hello"})
    assert response.status_code == 502
    assert len(transcript(api, ticket)) == before
    rasa.fail_status = None
    assert (
        api.as_agent(
            "maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": "hello"}
        ).status_code
        == 201
    )


def test_a_reply_while_rasa_is_down_is_502(api: Api, rasa: FakeRasa) -> None:
    ticket = open_ticket(api)
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    rasa.delay_seconds = 3  # longer than the client's 2 s timeout
    response = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": "hi"})
    assert response.status_code == 502


def test_reply_text_is_validated(api: Api) -> None:
    ticket = open_ticket(api)
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    for text in ("", "   ", "x" * 2001):
        response = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": text})
        assert response.status_code == 422, text
    assert (
        api.as_agent(
            "maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": "x" * 2000}
        ).status_code
        == 201
    )


def test_handback_resumes_then_runs_the_response(api: Api, rasa: FakeRasa, db: Session) -> None:
    ticket = open_ticket(api)
    assert api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/handback").status_code == 409
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    assert api.as_agent("tom", "POST", f"/v1/tickets/{ticket}/handback").status_code == 409
    response = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/handback")
    assert response.status_code == 200
    assert response.json()["status"] == "handed_back"
    posts = rasa.posts("conv-1")[2:]
    assert [(p.path, p.body) for p in posts] == [
        ("/conversations/conv-1/tracker/events", [{"event": "resume"}]),
        ("/conversations/conv-1/execute", {"name": "utter_handoff_bot_resumed"}),
        ("/conversations/conv-1/tracker/events", [{"event": "action", "name": "action_listen"}]),
    ]
    assert posts[1].query == {"output_channel": "latest", "token": RASA_TOKEN}
    assert rasa.conversation("conv-1").paused is False
    row = db.scalars(select(Ticket)).one()
    assert row.active_conversation is None and row.ended_at is not None
    again = api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/handback")
    assert again.status_code == 409
    assert again.json() == {"detail": f"Ticket {ticket} has ended (handed_back)."}


def test_a_failed_handback_keeps_the_ticket_claimed(api: Api, rasa: FakeRasa) -> None:
    ticket = open_ticket(api)
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    rasa.fail_status, rasa.fail_match = 500, "/execute"
    assert api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/handback").status_code == 502
    assert api.as_agent("maria", "GET", f"/v1/tickets/{ticket}").json()["status"] == "claimed"


def test_close_by_the_owner_or_any_agent_while_waiting(api: Api, rasa: FakeRasa) -> None:
    waiting = open_ticket(api, "conv-w")
    response = api.as_agent("tom", "POST", f"/v1/tickets/{waiting}/close")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert [(p.path, p.body) for p in rasa.posts("conv-w")] == [
        ("/conversations/conv-w/tracker/events", [{"event": "resume"}]),
        ("/conversations/conv-w/execute", {"name": "utter_handoff_closed"}),
        ("/conversations/conv-w/tracker/events", [{"event": "action", "name": "action_listen"}]),
    ]
    claimed = open_ticket(api, "conv-c")
    api.as_agent("maria", "POST", f"/v1/tickets/{claimed}/claim")
    assert api.as_agent("tom", "POST", f"/v1/tickets/{claimed}/close").status_code == 409
    assert api.as_agent("maria", "POST", f"/v1/tickets/{claimed}/close").status_code == 200
    assert api.as_agent("maria", "GET", "/v1/queue").json() == []


def test_messages_after_returns_only_newer_entries(api: Api, db: Session) -> None:
    ticket = open_ticket(api)
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": "one"})
    everything = transcript(api, ticket)
    assert [m["seq"] for m in everything] == list(range(1, len(everything) + 1))
    assert [m["text"] for m in transcript(api, ticket, after=3)] == ["one"]
    assert transcript(api, ticket, after=len(everything)) == []
    seqs = db.scalars(select(TicketMessage.seq)).all()
    assert len(seqs) == len(set(seqs))
