"""Handing a conversation to a person at the agent desk, and back to the assistant."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest
import requests

from tests.integration.desk_agent import DeskAgent, wait_for
from tests.integration.journey import Conversation, backend_client, format_money

ADA, BEN = "ada@example.com", "ben@example.com"
# A Visa test number (passes Luhn): it must never reach the desk in full.
CARD = "4111 1111 1111 1111"
CARD_DIGITS = CARD.replace(" ", "")


@pytest.fixture(scope="module")
def maria(stack) -> DeskAgent:
    return DeskAgent(stack.desk_url, "maria")


@pytest.fixture(scope="module")
def tom(stack) -> DeskAgent:
    return DeskAgent(stack.desk_url, "tom")


def _paused(stack, conversation: Conversation) -> bool:
    return bool(stack.tracker(conversation.sender_id).get("paused"))


def _bot_texts(stack, conversation: Conversation) -> List[str]:
    events = stack.tracker(conversation.sender_id)["events"]
    return [e.get("text") or "" for e in events if e["event"] == "bot"]


def _silent_send(stack, conversation: Conversation, text: str) -> List[Dict[str, Any]]:
    return stack.send(conversation.sender_id, text, token=conversation.token)


def _no_secret_in(ticket: Dict[str, Any], messages: List[Dict[str, Any]]) -> None:
    everything = repr(ticket) + repr(messages)
    assert CARD_DIGITS not in everything.replace(" ", "").replace("-", "")


def test_asking_for_a_person_opens_a_ticket_pauses_the_bot_and_hands_back(
    stack, maria: DeskAgent, tom: DeskAgent
):
    conversation = Conversation(stack, ADA)
    balance = backend_client(stack).get_balance(stack.customer_id(ADA))
    assert format_money(balance.outstanding) in conversation.say("how much do I owe?")
    reply = conversation.say("I want to talk to a real person please")
    assert _paused(stack, conversation)

    ticket = maria.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "customer_request"
    assert ticket["customer_id"] == stack.customer_id(ADA)
    assert ticket["channel"] == "rest"
    assert ticket["status"] == "waiting"
    summary = ticket["summary"]
    assert summary["intents"][:1] == ["check_balance"]
    assert summary["intents"][-1] == "human_handoff"
    assert format_money(balance.outstanding) in summary["facts"]["amounts"]
    assert str(ticket["queue_position"]) in reply

    # Paused: the bot stays silent, and what the customer writes reaches the agent.
    assert _silent_send(stack, conversation, f"my card is {CARD}, is anyone there?") == []
    entry = maria.wait_for_message(ticket["ticket_id"], "customer", "is anyone there")
    assert CARD_DIGITS not in entry["text"].replace(" ", "")
    _no_secret_in(maria.ticket(ticket["ticket_id"]), maria.messages(ticket["ticket_id"]))

    # One agent at a time.
    assert maria.claim(ticket["ticket_id"]).status_code == 200
    assert tom.claim(ticket["ticket_id"]).status_code == 409
    assert tom.reply(ticket["ticket_id"], "Tom here").status_code == 409

    answer = f"Hi Ada, Maria here. Let me look at that for you ({uuid.uuid4().hex[:6]})."
    assert maria.reply(ticket["ticket_id"], answer).status_code == 201
    assert answer in _bot_texts(stack, conversation)
    assert _silent_send(stack, conversation, "thanks Maria") == []

    assert maria.hand_back(ticket["ticket_id"]).status_code == 200
    assert not _paused(stack, conversation)
    assert maria.ticket(ticket["ticket_id"])["status"] == "handed_back"
    assert format_money(balance.outstanding) in conversation.say("what do I owe again?")


def test_asking_for_a_person_inside_a_form_leaves_the_form(stack, maria: DeskAgent):
    conversation = Conversation(stack, ADA)
    conversation.say("I want a refund")
    assert stack.tracker(conversation.sender_id)["active_loop"].get("name") == "refund_form"
    conversation.say("actually can I speak to a human agent")
    tracker = stack.tracker(conversation.sender_id)
    assert not tracker["active_loop"].get("name")
    assert tracker["paused"]
    ticket = maria.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "customer_request"
    assert "request_refund" in ticket["summary"]["intents"]
    assert maria.claim(ticket["ticket_id"]).status_code == 200
    assert maria.close(ticket["ticket_id"]).status_code == 200
    assert maria.ticket(ticket["ticket_id"])["status"] == "closed"
    assert not _paused(stack, conversation)
    assert conversation.say("hello")


def test_complaint_is_handed_over_with_its_reason(stack, maria: DeskAgent):
    conversation = Conversation(stack, BEN)
    conversation.say("this is ridiculous, I want to make a formal complaint about your service")
    ticket = maria.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "complaint"
    assert ticket["customer_id"] == stack.customer_id(BEN)
    assert maria.close(ticket["ticket_id"]).status_code == 200


def test_dispute_and_fraud_are_handed_over(stack, maria: DeskAgent):
    for intent, reason in (("dispute_charge", "dispute"), ("report_fraud", "fraud")):
        conversation = Conversation(stack, BEN)
        conversation.say("there's a charge on my statement I don't recognise")
        button = [b for b in conversation.buttons() if b["payload"].startswith(f"/{intent}")][0]
        conversation.say(button["payload"])
        ticket = maria.ticket_of(conversation.sender_id)
        assert ticket["reason"] == reason
        assert ticket["summary"]["facts"]["payment_ids"], ticket["summary"]
        assert maria.close(ticket["ticket_id"]).status_code == 200


def test_two_misunderstandings_in_a_row_hand_over(stack, maria: DeskAgent):
    conversation = Conversation(stack, ADA)
    # Letter soup: no word the assistant knows, so NLU gives nlu_fallback.
    conversation.say("qqxz vvbrk ptth")
    assert not maria.tickets_of(conversation.sender_id)
    conversation.say("xxqv bbrrk zzpt")
    ticket = maria.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "repeated_fallback"
    assert maria.close(ticket["ticket_id"]).status_code == 200


def test_three_rejected_answers_in_a_form_hand_over(stack, maria: DeskAgent):
    conversation = Conversation(stack)
    conversation.say("what's my balance?")
    conversation.say("/verify_identity")
    for attempt in ("my email is ada at example", "it is ada example com", "ada@@example"):
        conversation.say(attempt)
    ticket = maria.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "form_validation_failed"
    assert ticket["customer_id"] is None
    assert not stack.tracker(conversation.sender_id)["active_loop"].get("name")
    assert maria.close(ticket["ticket_id"]).status_code == 200


def test_desk_down_still_answers_and_opens_the_ticket_once_it_is_back(
    stack, maria: DeskAgent
):
    conversation = Conversation(stack, ADA)
    conversation.say(f"my card {CARD} was charged for an order I cancelled")
    with stack.desk_down():
        reply = conversation.say("get me a human")
        assert reply
        assert not _paused(stack, conversation)  # nobody could answer yet
    ticket = maria.ticket_of(conversation.sender_id, timeout=45)
    assert ticket["reason"] == "customer_request"
    messages = maria.messages(ticket["ticket_id"])
    assert any("cancelled" in m["text"] for m in messages if m["author"] == "customer")
    _no_secret_in(ticket, messages)
    assert len(maria.tickets_of(conversation.sender_id)) == 1
    assert maria.close(ticket["ticket_id"]).status_code == 200


def test_the_desk_refuses_callers_without_its_keys(stack):
    anonymous = requests.get(f"{stack.desk_url}/v1/queue", timeout=10)
    assert anonymous.status_code == 401
    forged = requests.post(
        f"{stack.desk_url}/v1/tickets",
        json={},
        headers={"Authorization": "Bearer not-the-key", "Idempotency-Key": "k" * 12},
        timeout=10,
    )
    assert forged.status_code == 401


def test_a_kept_request_survives_an_action_server_restart(stack, maria: DeskAgent):
    conversation = Conversation(stack, BEN)
    with stack.desk_down():
        assert conversation.say("I need to speak with a human")
        stack.processes.stop_service("actions")
        stack.processes.restart_service("actions")
    # The desk is back and nobody asks for a person again: the restarted action
    # server sends what its predecessor kept, on its own.
    ticket = maria.ticket_of(conversation.sender_id, timeout=45)
    assert ticket["customer_id"] == stack.customer_id(BEN)
    assert maria.close(ticket["ticket_id"]).status_code == 200
