"""A visitor without login verifies in chat with e-mail and a one-time code."""

from __future__ import annotations

import re

from tests.integration.desk_agent import DeskAgent
from tests.integration.journey import Conversation, backend_client, format_money

ADA = "ada@example.com"


def _latest_code(stack, email: str) -> str:
    messages = backend_client(stack).read_dev_outbox(email)
    assert messages, f"no code was sent to {email}"
    return re.search(r"\b(\d{6})\b", messages[0].body).group(1)


def _start(conversation: Conversation, email: str) -> None:
    reply = conversation.say("what's my balance?")
    assert "log in" in reply
    verify = next(b for b in conversation.buttons() if b["payload"] == "/verify_identity")
    assert "e-mail address" in conversation.say(verify["payload"])
    assert "6-digit code" in conversation.say(email)


def test_visitor_verifies_and_then_sees_their_account(stack):
    conversation = Conversation(stack)
    _start(conversation, ADA)
    wrong = "000000" if _latest_code(stack, ADA) != "000000" else "111111"
    assert "isn't right" in conversation.say(f"it's {wrong}")
    assert "verified" in conversation.say(_latest_code(stack, ADA))
    balance = backend_client(stack).get_balance(stack.customer_id(ADA))
    assert format_money(balance.outstanding) in conversation.say("so how much do I owe?")


def test_the_code_of_one_conversation_does_not_identify_another(stack):
    first = Conversation(stack)
    _start(first, ADA)
    first.say(_latest_code(stack, ADA))
    other = Conversation(stack)
    assert "log in" in other.say("what's my balance?")


def test_three_wrong_codes_stop_the_verification_and_bring_a_person(stack):
    conversation = Conversation(stack)
    _start(conversation, ADA)
    code = _latest_code(stack, ADA)
    wrong = [c for c in ("000000", "111111", "222222", "333333") if c != code]
    replies = [conversation.say(c) for c in wrong[:3]]
    assert all("isn't right" in reply for reply in replies[:2])
    assert "in the queue" in replies[-1]
    agent = DeskAgent(stack.desk_url, "maria")
    ticket = agent.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "form_validation_failed"
    assert ticket["customer_id"] is None
    assert agent.close(ticket["ticket_id"]).status_code == 200
    # The right code is worthless now: the form is over and no account data is shown.
    assert "log in" in conversation.say("what's my balance?")


def test_unknown_email_gets_the_same_answer_and_no_access(stack):
    conversation = Conversation(stack)
    _start(conversation, "nobody@example.com")
    assert backend_client(stack).read_dev_outbox("nobody@example.com") == []
    # The same words as for a real account: nothing tells whether the e-mail exists.
    assert "isn't right" in conversation.say("123456")
    assert "log in" in conversation.say("what's my balance?")


def test_invalid_email_is_asked_again(stack):
    conversation = Conversation(stack)
    conversation.say("what's my balance?")
    conversation.say("/verify_identity")
    assert "doesn't look like an e-mail" in conversation.say("my email is ada at example")
