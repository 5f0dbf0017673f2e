"""Six conversations over ten days whose figures are counted by hand in the tests.

| id | customer | channel  | day | what happens                                                    |
|----|----------|----------|-----|-----------------------------------------------------------------|
| A  | C1       | rest     | 0   | balance answered after 30 s; CSAT asked: solved yes, rating 5   |
| B  | C1       | rest     | 2   | balance again (repeat of A), one fallback, asks for a person:   |
|    |          |          |     | ticket customer_request, closed 600 s later                     |
| C  | C2       | socketio | 0   | refund created after 90 s; CSAT asked: solved no, rating 2      |
| D  | -        | socketio | 0   | greet, two fallbacks: ticket repeated_fallback, still waiting   |
| E  | C2       | rest     | 9   | refund again, 9 days after C (no repeat), not resolved          |
| F  | C1       | socketio | 8   | payment made after 60 s; CSAT asked, not answered               |
"""

from __future__ import annotations

from agent_desk.insights.conversations import Conversation, build_conversations
from agent_desk.insights.records import TicketRecord, TrackerEvent
from tests.insights.builders import Chat, at, ticket


def scenario_inputs() -> tuple[list[TrackerEvent], list[TicketRecord]]:
    """The events and tickets of the table above."""
    a = (
        Chat("A", "rest", "C1")
        .session(at(0))
        .user(at(1), "check_balance")
        .bot(at(31), "utter_balance")
        .bot(at(31.5), "utter_ask_csat_solved")
        .user(at(40), "csat_solved")
        .slot(at(40.1), "csat_solved", True)
        .user(at(50), "csat_rate")
        .slot(at(50.1), "csat_rating", "5")
    )
    b = (
        Chat("B", "rest", "C1")
        .session(at(0, days=2))
        .user(at(1, days=2), "check_balance")
        .user(at(2, days=2), "nlu_fallback")
        .user(at(3, days=2), "human_handoff")
        .pause(at(4.5, days=2))
        .user(at(100, days=2), "nlu_fallback")  # to the agent: not counted
        .resume(at(604, days=2))
    )
    c = (
        Chat("C", "socketio", "C2")
        .session(at(0))
        .user(at(10), "request_refund")
        .bot(at(100), "utter_refund_created")
        .bot(at(100.5), "utter_ask_csat_solved")
        .slot(at(110), "csat_solved", False)
        .slot(at(120), "csat_rating", "2")
    )
    # C's answers came from buttons: their user turns are left out to keep the
    # intent counts small; slots alone carry the answers.
    d = (
        Chat("D", "socketio")
        .session(at(0))
        .user(at(200), "greet")
        .user(at(210), "nlu_fallback")
        .user(at(220), "nlu_fallback")
    )
    e = Chat("E", "rest", "C2").session(at(0, days=9)).user(at(5, days=9), "request_refund")
    f = (
        Chat("F", "socketio", "C1")
        .session(at(0, days=8))
        .user(at(1, days=8), "make_payment")
        .bot(at(61, days=8), "utter_payment_receipt")
        .bot(at(61.5, days=8), "utter_ask_csat_solved")
    )
    tickets = [
        ticket("B", at(4, days=2), "customer_request", ended=at(604, days=2), customer_id="C1"),
        ticket("D", at(221), "repeated_fallback"),
    ]
    events = [event for chat in (a, b, c, d, e, f) for event in chat.events]
    return events, tickets


def scenario() -> list[Conversation]:
    """The six conversations, ordered by start."""
    events, tickets = scenario_inputs()
    return build_conversations(events, tickets)
