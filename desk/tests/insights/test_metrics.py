"""Each metric on the scenario (tests/insights/scenario.py), with values counted by hand."""

from __future__ import annotations

import pytest

from agent_desk.insights import metrics
from agent_desk.insights.conversations import Conversation, build_conversations
from agent_desk.insights.metrics import Count
from tests.insights.builders import Chat, at
from tests.insights.scenario import scenario


@pytest.fixture
def conversations() -> list[Conversation]:
    return scenario()


def test_the_scenario_has_six_conversations(conversations: list[Conversation]) -> None:
    assert [c.sender_id for c in conversations] == ["A", "C", "D", "B", "F", "E"]


def test_outcomes(conversations: list[Conversation]) -> None:
    # contained A, C, F; handed over B, D; unresolved E
    assert metrics.outcomes(conversations) == metrics.Outcomes(
        conversations=6,
        contained=3,
        handed_over=2,
        unresolved=1,
        containment_rate=0.5,
        handoff_rate=pytest.approx(2 / 6),
    )


def test_outcomes_of_nothing_have_no_rates() -> None:
    result = metrics.outcomes([])
    assert (result.conversations, result.containment_rate, result.handoff_rate) == (0, None, None)


def test_handoffs_by_reason_and_by_intent(conversations: list[Conversation]) -> None:
    assert metrics.handoffs_by_reason(conversations) == [
        Count("customer_request", 1, pytest.approx(1 / 6)),
        Count("repeated_fallback", 1, pytest.approx(1 / 6)),
    ]
    # B was about its balance; D never named a topic
    assert metrics.handoffs_by_intent(conversations) == [
        Count("(no topic)", 1, pytest.approx(1 / 6)),
        Count("check_balance", 1, pytest.approx(1 / 6)),
    ]


def test_resolution_times(conversations: list[Conversation]) -> None:
    # A 31-1 = 30 s, C 100-10 = 90 s, F 61-1 = 60 s
    assert metrics.bot_resolution_times(conversations) == metrics.Durations(3, 60.0, 60.0)
    # B's ticket: 4 -> 604; D's has not ended
    assert metrics.human_resolution_times(conversations) == metrics.Durations(1, 600.0, 600.0)


def test_resolution_times_mean_and_median_differ() -> None:
    chats = [
        Chat(name).session(at(0)).user(at(0), "check_balance").bot(at(seconds), "utter_balance")
        for name, seconds in (("x", 10), ("y", 20), ("z", 90))
    ]
    conversations = build_conversations([e for chat in chats for e in chat.events], [])
    assert metrics.bot_resolution_times(conversations) == metrics.Durations(3, 40.0, 20.0)
    assert metrics.human_resolution_times(conversations) == metrics.Durations(0, None, None)


def test_fallback_rate(conversations: list[Conversation]) -> None:
    # messages to the bot: A 3 (question and two button answers), B 3, C 1, D 3, E 1, F 1 = 12;
    # fallbacks B 1 + D 2 = 3 (B's message to the agent is not counted)
    assert metrics.fallbacks(conversations) == metrics.Fallbacks(12, 3, 0.25)


def test_top_intents(conversations: list[Conversation]) -> None:
    assert metrics.top_intents(conversations, limit=4) == [
        Count("nlu_fallback", 3, 0.25),
        Count("check_balance", 2, pytest.approx(2 / 12)),
        Count("request_refund", 2, pytest.approx(2 / 12)),
        Count("csat_rate", 1, pytest.approx(1 / 12)),
    ]


def test_top_journeys(conversations: list[Conversation]) -> None:
    # journeys: A, B check_balance; C, E request_refund; F make_payment; D none
    assert metrics.top_journeys(conversations) == [
        Count("check_balance", 2, 0.4),
        Count("request_refund", 2, 0.4),
        Count("make_payment", 1, 0.2),
    ]


def test_journeys_join_steps_in_order() -> None:
    chat = (
        Chat("j")
        .session(at(0))
        .user(at(1), "check_balance")
        .user(at(2), "affirm")
        .user(at(3), "make_payment")
    )
    conversations = build_conversations(chat.events, [])
    assert metrics.top_journeys(conversations) == [Count("check_balance > make_payment", 1, 1.0)]


def test_repeat_contacts(conversations: list[Conversation]) -> None:
    # eligible: A, B, C, E, F (D has no customer); B repeats A's check_balance
    # within 2 days; E comes 9 days after C; F's topic is new
    result = metrics.repeat_contacts(conversations, conversations)
    assert result == metrics.RepeatContacts(5, 1, 0.2, [Count("check_balance", 1, 1.0)])


def test_repeat_contacts_look_back_outside_the_selection(
    conversations: list[Conversation],
) -> None:
    only_b = [c for c in conversations if c.sender_id == "B"]
    assert metrics.repeat_contacts(only_b, conversations).repeats == 1
    assert metrics.repeat_contacts(only_b, only_b).repeats == 0


@pytest.mark.parametrize(("seconds", "repeat"), [(0, True), (1, False)])
def test_repeat_window_is_seven_days(seconds: int, repeat: bool) -> None:
    first = Chat("1", customer_id="C9").session(at(0)).user(at(0), "refund_status")
    second = (
        Chat("2", customer_id="C9")
        .session(at(seconds, days=7))
        .user(at(seconds, days=7), "refund_status")
    )
    conversations = build_conversations(first.events + second.events, [])
    assert metrics.repeat_contacts(conversations, conversations).repeats == int(repeat)


def test_other_customers_do_not_make_a_repeat() -> None:
    first = Chat("1", customer_id="C8").session(at(0)).user(at(0), "refund_status")
    second = Chat("2", customer_id="C9").session(at(60)).user(at(60), "refund_status")
    conversations = build_conversations(first.events + second.events, [])
    assert metrics.repeat_contacts(conversations, conversations).repeats == 0


def test_satisfaction(conversations: list[Conversation]) -> None:
    # asked A, C, F; answered A, C; solved: A yes, C no; ratings 5 and 2
    assert metrics.satisfaction(conversations) == metrics.Satisfaction(
        asked=3,
        responses=2,
        response_rate=pytest.approx(2 / 3),
        solved_answers=2,
        solved_yes=1,
        solved_share=0.5,
        ratings=2,
        mean_rating=3.5,
    )


def test_satisfaction_rating_alone_is_a_response() -> None:
    chat = (
        Chat("r")
        .session(at(0))
        .user(at(1), "check_balance")
        .bot(at(2), "utter_ask_csat_solved")
        .slot(at(3), "csat_rating", "3")
    )
    result = metrics.satisfaction(build_conversations(chat.events, []))
    assert (result.responses, result.solved_answers, result.mean_rating) == (1, 0, 3.0)
