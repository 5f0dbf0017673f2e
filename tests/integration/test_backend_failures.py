"""A failed or slow backend still gives the customer an answer and a person."""

from __future__ import annotations

import time

from tests.integration.desk_agent import DeskAgent
from tests.integration.journey import Conversation, backend_client, format_money

ADA = "ada@example.com"
APOLOGY = "can't reach our payment system"
QUEUED = "in the queue"


def test_backend_down_apologises_hands_over_and_the_bot_recovers(stack):
    conversation = Conversation(stack, ADA)  # logs in while the backend is up
    with stack.backend_down():
        reply = conversation.say("how much do I owe?")
    assert APOLOGY in reply and QUEUED in reply
    agent = DeskAgent(stack.desk_url, "maria")
    ticket = agent.ticket_of(conversation.sender_id)
    assert ticket["reason"] == "backend_unavailable"
    assert ticket["summary"]["intents"] == ["check_balance"]
    assert agent.claim(ticket["ticket_id"]).status_code == 200
    assert agent.hand_back(ticket["ticket_id"]).status_code == 200
    balance = backend_client(stack).get_balance(stack.customer_id(ADA))
    assert format_money(balance.outstanding) in conversation.say("how much do I owe?")


def test_backend_that_never_answers_times_out_with_an_apology(stack):
    conversation = Conversation(stack, ADA)
    with stack.backend_frozen():
        started = time.monotonic()
        reply = conversation.say("when is my next payment due?")
        elapsed = time.monotonic() - started
    assert APOLOGY in reply and QUEUED in reply
    # One read timeout (4 s by default, never retried) plus Rasa's own work,
    # far inside Rasa's 60 s conversation lock.
    assert elapsed < 30, f"the customer waited {elapsed:.0f} s"
    agent = DeskAgent(stack.desk_url, "maria")
    assert agent.close(agent.ticket_of(conversation.sender_id)["ticket_id"]).status_code == 200
