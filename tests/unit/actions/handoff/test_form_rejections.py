"""Tests of actions.handoff.form_rejections, alone and inside the real form validations."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff.form_rejections import next_counter, rejection_count, track_rejections
from actions.refund_form import ValidateRefundForm
from actions.verification import ValidateVerificationForm
from tests.unit.actions.fakes import (
    FakeBackendClient,
    handoff_config,
    handoff_events,
    handoff_settings,
    run_action,
    validation_tracker,
)

STOP = [SlotSet("requested_slot", None), SlotSet("refund_amount", None)]
REFUNDABLE = {"order_id": "KL-482913", "refundable_amount": "89.90 EUR"}


def _tracker(
    candidates: Dict[str, Any],
    requested: Optional[str] = "refund_amount",
    counter: Optional[Dict[str, Any]] = None,
) -> Any:
    slots = {"form_rejections": counter} if counter else {}
    return validation_tracker("refund_form", candidates, slots=slots, requested_slot=requested)


def _counter(slot: str = "refund_amount", count: int = 1) -> Dict[str, Any]:
    return {"slot": slot, "count": count}


def _track(tracker: Any, events: List[Dict[str, Any]], **config: Any) -> Any:
    dispatcher = CollectingDispatcher()
    result = track_rejections(dispatcher, tracker, events, STOP, handoff_config(**config))
    return [m["response"] for m in dispatcher.messages], result


def test_a_rejected_answer_counts_one() -> None:
    tracker = _tracker({"refund_amount": "a lot"})
    assert next_counter(tracker, [SlotSet("refund_amount", None)]) == _counter(count=1)


def test_rejections_in_a_row_add_up() -> None:
    tracker = _tracker({"refund_amount": "a lot"}, counter=_counter(count=1))
    assert next_counter(tracker, [SlotSet("refund_amount", None)]) == _counter(count=2)


def test_an_accepted_answer_resets() -> None:
    tracker = _tracker({"refund_amount": "25"}, counter=_counter(count=2))
    assert next_counter(tracker, [SlotSet("refund_amount", "25 EUR")]) is None


def test_an_answer_kept_without_validation_resets() -> None:
    tracker = _tracker({"refund_amount": "25"}, counter=_counter(count=2))
    assert next_counter(tracker, []) is None


def test_rejections_of_another_question_start_over() -> None:
    tracker = _tracker({"refund_amount": "a lot"}, counter=_counter("order_id", 2))
    assert next_counter(tracker, [SlotSet("refund_amount", None)]) == _counter(count=1)


def test_a_side_question_keeps_the_count() -> None:
    # The form runs again after answering it, without an answer to its question.
    tracker = _tracker({}, counter=_counter(count=2))
    assert next_counter(tracker, []) == _counter(count=2)


def test_another_slot_rejected_in_passing_does_not_count() -> None:
    tracker = _tracker({"refund_amount": "25", "refund_reason": " "})
    events = [SlotSet("refund_amount", "25 EUR"), SlotSet("refund_reason", None)]
    assert next_counter(tracker, events) is None


@pytest.mark.parametrize(
    "events",
    [
        [SlotSet("refund_amount", None), SlotSet("requested_slot", None)],
        [SlotSet("refund_amount", None), {"event": "active_loop", "name": None}],
    ],
)
def test_a_form_ended_by_its_validation_resets(events: List[Dict[str, Any]]) -> None:
    tracker = _tracker({"refund_amount": "a lot"}, counter=_counter(count=2))
    assert next_counter(tracker, events) is None


def test_activation_does_not_count() -> None:
    tracker = _tracker({"refund_amount": "a lot"}, requested=None)
    assert next_counter(tracker, [SlotSet("refund_amount", None)]) is None


@pytest.mark.parametrize("counter", [None, {"slot": "refund_amount", "count": True}, "3", {"count": 2}])
def test_a_missing_or_odd_counter_reads_as_zero(counter: Any) -> None:
    tracker = validation_tracker("refund_form", {}, slots={"form_rejections": counter}, requested_slot="refund_amount")
    assert rejection_count(tracker, "refund_amount") == 0


def test_below_the_threshold_only_the_counter_is_added() -> None:
    tracker = _tracker({"refund_amount": "a lot"}, counter=_counter(count=1))
    responses, events = _track(tracker, [SlotSet("refund_amount", None)])
    assert responses == []
    assert events == [SlotSet("refund_amount", None), SlotSet("form_rejections", _counter(count=2))]


def test_at_the_threshold_the_form_stops_and_a_person_takes_over() -> None:
    tracker = _tracker({"refund_amount": "a lot"}, counter=_counter(count=2))
    responses, events = _track(tracker, [SlotSet("refund_amount", None)])
    assert responses == ["utter_handoff_form_trouble"]
    assert events == [
        SlotSet("refund_amount", None),
        *STOP,
        SlotSet("form_rejections", None),
        *handoff_events("form_validation_failed"),
    ]


def test_the_threshold_comes_from_the_trigger() -> None:
    tracker = _tracker({"refund_amount": "a lot"})
    responses, events = _track(
        tracker, [SlotSet("refund_amount", None)], thresholds={"form_validation_failed": 1}
    )
    assert responses == ["utter_handoff_form_trouble"]
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_handoff"}


def test_with_the_trigger_off_the_form_keeps_asking() -> None:
    tracker = _tracker({"refund_amount": "a lot"}, counter=_counter(count=5))
    responses, events = _track(
        tracker, [SlotSet("refund_amount", None)], disabled=["form_validation_failed"]
    )
    assert responses == []
    assert events[-1] == SlotSet("form_rejections", _counter(count=6))


def test_an_unchanged_counter_adds_no_event() -> None:
    responses, events = _track(_tracker({}), [])
    assert (responses, events) == ([], [])


# --------------------------------------------------------------------------- real forms


def test_the_refund_forms_third_bad_amount_hands_over(backend: FakeBackendClient) -> None:
    slots = {**REFUNDABLE, "form_rejections": _counter(count=2)}
    tracker = validation_tracker(
        "refund_form", {"refund_amount": "a lot"}, slots=slots, requested_slot="refund_amount"
    )
    outcome = run_action(ValidateRefundForm(client=backend), tracker)
    assert outcome.responses == ["utter_refund_amount_invalid", "utter_handoff_form_trouble"]
    assert outcome.slots["requested_slot"] is None
    assert outcome.slots["handoff_reason"] == "form_validation_failed"
    assert outcome.events[-1] == {"event": "followup", "timestamp": None, "name": "action_handoff"}


def test_the_refund_form_counts_with_its_own_settings(backend: FakeBackendClient) -> None:
    settings = handoff_settings(thresholds={"form_validation_failed": 5})
    slots = {**REFUNDABLE, "form_rejections": _counter(count=2)}
    tracker = validation_tracker(
        "refund_form", {"refund_amount": "a lot"}, slots=slots, requested_slot="refund_amount"
    )
    outcome = run_action(ValidateRefundForm(client=backend, settings=settings), tracker)
    assert outcome.responses == ["utter_refund_amount_invalid"]
    assert outcome.slots["form_rejections"] == _counter(count=3)


def test_the_verification_forms_third_bad_code_hands_over(backend: FakeBackendClient) -> None:
    slots = {"verification_email": "ada@example.com", "form_rejections": _counter("verification_code", 2)}
    tracker = validation_tracker(
        "verification_form",
        {"verification_code": "12"},
        slots=slots,
        requested_slot="verification_code",
        customer_id=None,
    )
    outcome = run_action(ValidateVerificationForm(client=backend), tracker)
    assert outcome.responses == ["utter_verification_code_format", "utter_handoff_form_trouble"]
    assert outcome.slots["handoff_reason"] == "form_validation_failed"
    assert outcome.slots["requested_slot"] is None
    assert backend.calls == []


def test_no_answer_to_the_question_adds_no_event_whatever_the_counter() -> None:
    # Rasa's form rejects its run when nothing was extracted and no slot was set;
    # a counter event would count as a validated slot and hide that.
    tracker = _tracker({}, counter=_counter("order_id", 2))
    responses, events = _track(tracker, [])
    assert (responses, events) == ([], [])
