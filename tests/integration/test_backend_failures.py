"""A failed or slow backend still gives the customer an answer and a way to a person."""

from __future__ import annotations

import time

from tests.integration.journey import Conversation, backend_client, format_money

ADA = "ada@example.com"
APOLOGY = "can't reach our payment system"


def _offers_a_person(conversation: Conversation) -> bool:
    return "/human_handoff" in {button["payload"] for button in conversation.buttons()}


def test_backend_down_apologises_offers_a_person_and_recovers(stack):
    conversation = Conversation(stack, ADA)  # logs in while the backend is up
    with stack.backend_down():
        reply = conversation.say("how much do I owe?")
        assert APOLOGY in reply
        assert _offers_a_person(conversation)
        refund = conversation.say("I want a refund for my last order")
        assert APOLOGY in refund
    balance = backend_client(stack).get_balance(stack.customer_id(ADA))
    assert format_money(balance.outstanding) in conversation.say("how much do I owe?")


def test_backend_that_never_answers_times_out_with_an_apology(stack):
    conversation = Conversation(stack, ADA)
    with stack.backend_frozen():
        started = time.monotonic()
        reply = conversation.say("when is my next payment due?")
        elapsed = time.monotonic() - started
    assert APOLOGY in reply
    assert _offers_a_person(conversation)
    # One read timeout (4 s by default, never retried) plus Rasa's own work,
    # far inside Rasa's 60 s conversation lock.
    assert elapsed < 30, f"the customer waited {elapsed:.0f} s"
