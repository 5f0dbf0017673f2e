from __future__ import annotations

from datetime import date

import pytest

from agent_desk.insights.conversations import build_conversations, customer_from_grant
from tests.insights.builders import Chat, at, ticket


def test_one_session_with_channel_customer_and_journey() -> None:
    chat = (
        Chat("a", channel="socketio", customer_id="C1")
        .session(at(0))
        .user(at(1), "greet")
        .bot(at(2), "utter_greet")
        .user(at(10), "check_balance")
        .bot(at(11), "utter_balance")
        .user(at(20), "check_balance")
        .user(at(30), "make_payment")
        .user(at(40), "check_balance")
    )

    [conversation] = build_conversations(chat.events, [])

    assert conversation.channel == "socketio"
    assert conversation.customer_id == "C1"
    assert conversation.started_at == at(1)
    assert conversation.day == date(2025, 6, 16)
    assert conversation.resolved_at == at(11)
    # repeats in a row count once; a topic coming back later is a new step
    assert conversation.journey == ("check_balance", "make_payment", "check_balance")
    assert conversation.topics == {"check_balance", "make_payment"}
    assert conversation.contained
    assert conversation.bot_resolution_seconds == 10.0


def test_sessions_split_conversations_and_empty_sessions_are_dropped() -> None:
    chat = (
        Chat("a")
        .session(at(0))
        .user(at(1), "greet")
        .session(at(5000))  # nobody writes in this one
        .session(at(9000))
        .user(at(9001), "refund_status")
    )

    first, second = build_conversations(chat.events, [])

    assert (first.session, second.session) == (1, 2)
    assert second.session_begin == at(9000)
    assert [turn.intent for turn in second.turns] == ["refund_status"]


def test_tickets_belong_to_the_session_running_when_they_were_created() -> None:
    chat = (
        Chat("a")
        .session(at(0))
        .user(at(1), "human_handoff")
        .session(at(4000))
        .user(at(4001), "greet")
    )

    first, second = build_conversations(
        chat.events, [ticket("a", at(2)), ticket("a", at(4002), reason="complaint")]
    )

    assert [t.reason for t in first.tickets] == ["customer_request"]
    assert [t.reason for t in second.tickets] == ["complaint"]


def test_messages_while_paused_are_for_the_agent() -> None:
    chat = (
        Chat("a")
        .session(at(0))
        .user(at(1), "request_refund")
        .user(at(2), "human_handoff")
        .pause(at(3))
        .user(at(10), "nlu_fallback")
        .bot(at(11), None)  # the agent's reply
        .bot(at(12), "utter_refund_created")  # not the bot's doing while paused
        .resume(at(20))
        .user(at(30), "order_status")
    )

    [conversation] = build_conversations(chat.events, [ticket("a", at(3), ended=at(20))])

    assert [turn.paused for turn in conversation.turns] == [False, False, True, False]
    assert [turn.intent for turn in conversation.bot_turns] == [
        "request_refund",
        "human_handoff",
        "order_status",
    ]
    assert conversation.resolved_at is None
    assert conversation.handoff_intent == "request_refund"
    assert conversation.human_resolution_seconds == 17.0
    assert conversation.bot_resolution_seconds is None


def test_handoff_intent_is_no_topic_before_any_money_intent() -> None:
    chat = Chat("a").session(at(0)).user(at(1), "greet").user(at(2), "complaint")
    [conversation] = build_conversations(chat.events, [ticket("a", at(3), "complaint")])
    assert conversation.handoff_intent == "(no topic)"


def test_handoff_intent_ignores_intents_after_the_ticket() -> None:
    chat = (
        Chat("a")
        .session(at(0))
        .user(at(1), "unrecognized_charge")
        .user(at(2), "report_fraud")
        .user(at(100), "check_balance")
    )
    [conversation] = build_conversations(chat.events, [ticket("a", at(3), "fraud")])
    assert conversation.handoff_intent == "unrecognized_charge"


def test_customer_from_an_identity_grant_or_a_ticket() -> None:
    verified = (
        Chat("v")
        .session(at(0))
        .user(at(1), "verify_identity")
        .slot(at(2), "identity_grant", "v1.C1002.1750000000.abcdef")
        .user(at(3), "check_balance")
    )
    anonymous = Chat("t").session(at(0)).user(at(1), "human_handoff")
    nobody = Chat("n").session(at(0)).user(at(1), "greet")

    by_id = {
        c.sender_id: c
        for c in build_conversations(
            verified.events + anonymous.events + nobody.events,
            [ticket("t", at(2), customer_id="C1003")],
        )
    }

    assert by_id["v"].customer_id == "C1002"
    assert by_id["t"].customer_id == "C1003"
    assert by_id["n"].customer_id is None


@pytest.mark.parametrize(
    ("grant", "customer"),
    [
        ("v1.C1001.1750000000.ff", "C1001"),
        ("v1.C.1.2.1750000000.ff", "C.1.2"),
        ("v2.C1001.1750000000.ff", None),
        ("v1.1750000000.ff", None),
        (None, None),
        (42, None),
    ],
)
def test_customer_from_grant(grant: object, customer: str | None) -> None:
    assert customer_from_grant(grant) == customer


def test_satisfaction_answers_keep_the_last_valid_value() -> None:
    chat = (
        Chat("a")
        .session(at(0))
        .user(at(1), "check_balance")
        .bot(at(2), "utter_balance")
        .bot(at(2.1), "utter_ask_csat_solved")
        .slot(at(3), "csat_solved", False)
        .slot(at(4), "csat_solved", True)
        .slot(at(5), "csat_rating", "4")
        .slot(at(6), "csat_rating", "7")  # out of range: ignored
        .slot(at(7), "csat_rating", None)  # a reset is no answer
    )

    [conversation] = build_conversations(chat.events, [])

    assert conversation.csat_asked
    assert conversation.csat_solved is True
    assert conversation.csat_rating == 4


@pytest.mark.parametrize(
    ("value", "expected"), [("5", 5), (3.0, 3), (2, 2), ("2.5", None), (True, None), ("x", None)]
)
def test_rating_values(value: object, expected: int | None) -> None:
    chat = Chat("a").session(at(0)).user(at(1), "greet").slot(at(2), "csat_rating", value)
    [conversation] = build_conversations(chat.events, [])
    assert conversation.csat_rating == expected


def test_unknown_channel_and_order_by_start() -> None:
    late = Chat("late").session(at(0)).user(at(50), "greet")
    early = Chat("early").session(at(0)).user(at(5), "greet")
    early.events[-1].data.pop("input_channel")

    conversations = build_conversations(late.events + early.events, [])

    assert [c.sender_id for c in conversations] == ["early", "late"]
    assert conversations[0].channel == "unknown"
