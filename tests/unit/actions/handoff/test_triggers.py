"""Tests of actions.handoff.triggers: the reason of a handoff, and queueing one."""

from __future__ import annotations

import pytest

from actions.handoff.config import REASONS
from actions.handoff.triggers import handoff_reason, request_handoff
from tests.unit.actions.fakes import handoff_events, make_tracker


@pytest.mark.parametrize(
    ("intent", "reason"),
    [
        ("human_handoff", "customer_request"),
        ("complaint", "complaint"),
        ("report_fraud", "fraud"),
        ("dispute_charge", "dispute"),
        # A handoff after another message (a button, a follow-up) is the customer's wish.
        ("affirm", "customer_request"),
        ("nlu_fallback", "customer_request"),
    ],
)
def test_the_reason_follows_the_intent(intent: str, reason: str) -> None:
    assert handoff_reason(make_tracker(intent=intent)) == reason


@pytest.mark.parametrize("reason", ["repeated_fallback", "form_validation_failed", "backend_unavailable"])
def test_the_slot_set_by_the_deciding_action_wins(reason: str) -> None:
    tracker = make_tracker(intent="human_handoff", slots={"handoff_reason": reason})
    assert handoff_reason(tracker) == reason


def test_an_unknown_slot_value_is_ignored() -> None:
    tracker = make_tracker(intent="complaint", slots={"handoff_reason": "because"})
    assert handoff_reason(tracker) == "complaint"


@pytest.mark.parametrize("reason", REASONS)
def test_request_handoff_sets_the_reason_and_queues_the_action(reason: str) -> None:
    assert request_handoff(reason) == handoff_events(reason)


def test_request_handoff_refuses_an_unknown_reason() -> None:
    with pytest.raises(ValueError):
        request_handoff("bored")
