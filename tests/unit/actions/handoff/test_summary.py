"""Tests of actions.handoff.summary: what the person taking over gets."""

from __future__ import annotations

from typing import Any, Dict, List

from actions.handoff.summary import (
    MAX_TRANSCRIPT_ENTRIES,
    build_ticket_request,
    extract_facts,
)
from tests.unit.actions.fakes import CUSTOMER_ID, SENDER_ID, make_tracker, slot_event, user_event

CARD = "4111 1111 1111 1111"


def _bot(text: str, timestamp: float = 1000.0) -> Dict[str, Any]:
    return {"event": "bot", "timestamp": timestamp, "text": text}


def _user(intent: str, text: str, timestamp: float, channel: str = "socketio") -> Dict[str, Any]:
    return {**user_event(intent, text, timestamp), "input_channel": channel}


def _conversation() -> List[Dict[str, Any]]:
    return [
        _user("check_balance", "what do I owe", 1.0),
        _bot("You have €120.00 left to pay across 2 payment plan(s).", 2.0),
        _user("request_refund", f"refund KL-100001 please, my card is {CARD}", 3.0),
        _bot(
            "Your refund RF-3FA29C1B of €25.00 for order KL-482913 is submitted. "
            "Payment PAY-100103 of 120.00 SEK.",
            4.0,
        ),
        {"event": "action", "timestamp": 4.5, "name": "action_listen"},
        _user("human_handoff", "I want to talk to a person", 5.0),
    ]


def _request(**kwargs: Any) -> Any:
    tracker = make_tracker(intent="human_handoff", events=_conversation(), **kwargs)
    return build_ticket_request(tracker, "customer_request", "en")


def test_the_request_names_conversation_channel_customer_language_and_reason() -> None:
    request = _request()
    assert request.conversation_id == SENDER_ID
    assert request.channel == "socketio"
    assert request.customer_id == CUSTOMER_ID
    assert (request.language, request.reason) == ("en", "customer_request")


def test_a_visitor_has_no_customer_id() -> None:
    assert _request(customer_id=None).customer_id is None


def test_a_conversation_without_a_channel_says_unknown() -> None:
    tracker = make_tracker(events=[user_event("human_handoff", "a person")])
    assert build_ticket_request(tracker, "customer_request", "en").channel == "unknown"


def test_intents_in_order() -> None:
    assert _request().summary.intents == ("check_balance", "request_refund", "human_handoff")


def test_facts_come_from_what_the_bot_showed_only() -> None:
    facts = _request().summary.facts
    # KL-100001 was only typed by the customer: not a backend fact.
    assert facts.order_ids == ("KL-482913",)
    assert facts.amounts == ("€120.00", "€25.00", "120.00 SEK")
    assert facts.refund_ids == ("RF-3FA29C1B",)
    assert facts.payment_ids == ("PAY-100103",)


def test_facts_are_listed_once_in_order_of_appearance() -> None:
    facts = extract_facts(
        ["order KL-2 no, KL-482913 and KL-100001", "again KL-482913 for $5.00, £7.50", "RF-100001"]
    )
    assert facts.order_ids == ("KL-482913", "KL-100001")
    assert facts.amounts == ("$5.00", "£7.50")
    assert facts.refund_ids == ("RF-100001",)


def test_set_slots_without_internal_ones_masked() -> None:
    slots = {
        "order_id": "KL-482913",
        "refund_reason": f"card {CARD} was charged",
        "refund_confirmed": True,
        "merchant": None,
        "requested_slot": "refund_reason",
        "identity_grant": "grant.signature",
        "handoff_reason": "repeated_fallback",
        "form_rejections": {"slot": "refund_amount", "count": 1},
    }
    summary = _request(slots=slots).summary
    assert set(summary.slots) == {"order_id", "refund_reason", "refund_confirmed"}
    assert CARD not in summary.slots["refund_reason"]
    assert "1111" in summary.slots["refund_reason"]  # the masked form keeps the last four
    assert summary.slots["refund_confirmed"] is True


def test_the_transcript_is_masked_with_authors_and_times() -> None:
    transcript = _request().transcript
    assert [(entry.author, entry.timestamp) for entry in transcript] == [
        ("customer", 1.0),
        ("bot", 2.0),
        ("customer", 3.0),
        ("bot", 4.0),
        ("customer", 5.0),
    ]
    assert all(CARD not in entry.text for entry in transcript)
    assert transcript[2].text.startswith("refund KL-100001 please, my card is ")


def test_the_last_message_is_the_customers_latest_masked() -> None:
    events = _conversation()[:-2] + [_user("human_handoff", f"call me, card {CARD}", 6.0)]
    tracker = make_tracker(intent="human_handoff", events=events)
    last = build_ticket_request(tracker, "customer_request", "en").summary.last_message
    assert last is not None and last.startswith("call me, card ") and CARD not in last


def test_only_the_current_session_is_summarised() -> None:
    events = [
        _user("get_invoice", "old question", 1.0),
        _bot("Invoice for order KL-100002: €10.00", 2.0),
        {"event": "session_started", "timestamp": 3.0},
        slot_event("order_id", None, 3.5),
        _user("human_handoff", "a person please", 4.0),
    ]
    request = build_ticket_request(make_tracker(events=events), "customer_request", "en")
    assert request.summary.intents == ("human_handoff",)
    assert request.summary.facts.order_ids == ()
    assert [entry.text for entry in request.transcript] == ["a person please"]


def test_messages_without_text_are_left_out() -> None:
    events = [_user("greet", "hi", 1.0), {"event": "bot", "timestamp": 2.0, "text": None}]
    request = build_ticket_request(make_tracker(events=events), "customer_request", "en")
    assert [entry.author for entry in request.transcript] == ["customer"]


def test_a_long_transcript_keeps_the_newest_entries() -> None:
    events = [_user("inform", f"message {n}", float(n)) for n in range(MAX_TRANSCRIPT_ENTRIES + 5)]
    transcript = build_ticket_request(make_tracker(events=events), "complaint", "en").transcript
    assert len(transcript) == MAX_TRANSCRIPT_ENTRIES
    assert transcript[-1].text == f"message {MAX_TRANSCRIPT_ENTRIES + 4}"
    assert transcript[0].text == "message 5"
