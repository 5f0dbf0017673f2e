"""Tests of actions.satisfaction: the question after a resolved journey, once."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.account import ActionCheckBalance, ActionNextPayment
from actions.charges import ActionChargedTwice
from actions.payments import ActionUpdatePaymentMethod
from actions.satisfaction import CSAT_QUESTION, ask_satisfaction, asked_in_this_session
from actions.api import BackendUnavailable, DuplicateCharge
from tests.unit.actions.fakes import (
    FakeBackendClient,
    balance,
    make_tracker,
    payment,
    run_action,
    user_event,
)


def _question(timestamp: float = 1001.0) -> Dict[str, Any]:
    """The question as Rasa logs it: a bot event naming its response in the metadata."""
    return {
        "event": "bot",
        "timestamp": timestamp,
        "text": "Did that solve your problem?",
        "metadata": {"utter_action": CSAT_QUESTION},
    }


def _session(timestamp: float) -> Dict[str, Any]:
    return {"event": "session_started", "timestamp": timestamp}


@pytest.mark.parametrize(
    ("events", "asked"),
    [
        ([], False),
        ([user_event("check_balance"), _question()], True),
        ([_session(1), user_event(), _question(2)], True),
        # asked in an earlier conversation (session) only
        ([_session(1), _question(2), _session(5000), user_event(timestamp=5001)], False),
        # another bot message is not the question
        ([{"event": "bot", "metadata": {"utter_action": "utter_balance"}}], False),
    ],
)
def test_asked_in_this_session(events: List[Dict[str, Any]], asked: bool) -> None:
    assert asked_in_this_session(events) is asked


def _asked(tracker_events: List[Dict[str, Any]], active_loop: str | None = None) -> List[str]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=tracker_events, active_loop=active_loop)
    ask_satisfaction(dispatcher, tracker)
    return [message["response"] for message in dispatcher.messages]


def test_asks_once_per_conversation() -> None:
    assert _asked([user_event("check_balance")]) == [CSAT_QUESTION]
    assert _asked([user_event("check_balance"), _question(), user_event("next_payment")]) == []


def test_never_inside_a_form() -> None:
    assert _asked([user_event("check_balance")], active_loop="payment_form") == []


def test_the_balance_answer_is_followed_by_the_question(backend: FakeBackendClient) -> None:
    backend.balance = balance("120.00", overdue="0.00")
    outcome = run_action(ActionCheckBalance(client=backend), make_tracker())
    assert outcome.responses == ["utter_balance", CSAT_QUESTION]


def test_a_balance_asked_inside_a_form_is_not_the_end_of_the_journey(
    backend: FakeBackendClient,
) -> None:
    backend.balance = balance("120.00", overdue="0.00")
    tracker = make_tracker(active_loop="payment_form")
    outcome = run_action(ActionCheckBalance(client=backend), tracker)
    assert outcome.responses == ["utter_balance"]


def test_a_second_resolved_question_is_not_asked_again(backend: FakeBackendClient) -> None:
    tracker = make_tracker(events=[user_event("check_balance"), _question()])
    outcome = run_action(ActionNextPayment(client=backend), tracker)
    assert CSAT_QUESTION not in outcome.responses
    assert outcome.responses


def test_a_refunded_duplicate_and_a_card_link_end_a_journey(backend: FakeBackendClient) -> None:
    backend.payments.insert(0, payment(id="PAY-5", amount="40.00"))
    backend.duplicates = [
        DuplicateCharge(original=backend.payments[1], duplicate=backend.payments[0])
    ]
    refunded = run_action(
        ActionChargedTwice(client=backend),
        make_tracker(events=[user_event("charged_twice", message_id="m-1")]),
    )
    assert refunded.responses == ["utter_duplicate_refunded", CSAT_QUESTION]
    link = run_action(
        ActionUpdatePaymentMethod(client=backend),
        make_tracker(events=[user_event("update_payment_method", message_id="m-1")]),
    )
    assert link.responses == ["utter_payment_update_link", CSAT_QUESTION]


def test_a_backend_failure_is_no_resolution(backend: FakeBackendClient) -> None:
    backend.fail("get_balance", BackendUnavailable("down"))
    outcome = run_action(ActionCheckBalance(client=backend), make_tracker())
    assert CSAT_QUESTION not in outcome.responses
