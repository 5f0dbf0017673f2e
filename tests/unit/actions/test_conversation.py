"""Tests of actions.conversation: fallbacks and leaving a form."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from actions.conversation import (
    FORM_SLOTS,
    ActionHandleFallback,
    ActionStopForm,
    consecutive_fallbacks,
)
from tests.unit.actions.fakes import (
    bot_event,
    handoff_events,
    handoff_settings,
    make_tracker,
    run_action,
    user_event,
)


def _events(*intents: str) -> List[Dict[str, Any]]:
    events: List[Dict[str, Any]] = []
    for number, intent in enumerate(intents):
        events += [user_event(intent, timestamp=float(number)), bot_event(float(number))]
    return events


@pytest.mark.parametrize(
    ("intents", "count"),
    [
        ((), 0),
        (("greet",), 0),
        (("nlu_fallback",), 1),
        (("greet", "nlu_fallback"), 1),
        (("nlu_fallback", "nlu_fallback"), 2),
        (("nlu_fallback", "greet", "nlu_fallback"), 1),
        (("nlu_fallback", "nlu_fallback", "nlu_fallback"), 3),
        (("nlu_fallback", "greet"), 0),
    ],
)
def test_consecutive_fallbacks(intents: tuple, count: int) -> None:
    assert consecutive_fallbacks(make_tracker(events=_events(*intents))) == count


def test_a_user_event_without_parse_data_is_not_a_fallback() -> None:
    tracker = make_tracker(events=[{"event": "user", "parse_data": None}])
    assert consecutive_fallbacks(tracker) == 0


def test_first_miss_asks_to_rephrase() -> None:
    tracker = make_tracker(intent="nlu_fallback", events=_events("greet", "nlu_fallback"))
    outcome = run_action(ActionHandleFallback(), tracker)
    assert outcome.responses == ["utter_please_rephrase"]
    assert outcome.events == []


@pytest.mark.parametrize("misses", [2, 3])
def test_second_miss_in_a_row_hands_over_to_a_person(misses: int) -> None:
    tracker = make_tracker(intent="nlu_fallback", events=_events(*["nlu_fallback"] * misses))
    outcome = run_action(ActionHandleFallback(), tracker)
    assert outcome.responses == ["utter_fallback_handoff"]
    assert outcome.events == handoff_events("repeated_fallback")


@pytest.mark.parametrize(("threshold", "misses", "hands_over"), [(3, 2, False), (3, 3, True), (1, 1, True)])
def test_the_number_of_misses_comes_from_the_trigger(
    threshold: int, misses: int, hands_over: bool
) -> None:
    settings = handoff_settings(thresholds={"repeated_fallback": threshold})
    tracker = make_tracker(intent="nlu_fallback", events=_events(*["nlu_fallback"] * misses))
    outcome = run_action(ActionHandleFallback(settings), tracker)
    if hands_over:
        assert outcome.events == handoff_events("repeated_fallback")
    else:
        assert outcome.responses == ["utter_please_rephrase"]
        assert outcome.events == []


@pytest.mark.parametrize("misses", [2, 3])
def test_with_the_trigger_off_the_second_miss_offers_a_person(misses: int) -> None:
    settings = handoff_settings(disabled=["repeated_fallback"])
    tracker = make_tracker(intent="nlu_fallback", events=_events(*["nlu_fallback"] * misses))
    outcome = run_action(ActionHandleFallback(settings), tracker)
    assert outcome.responses == ["utter_offer_human"]
    assert outcome.events == []


def test_with_the_trigger_off_the_first_miss_still_asks_to_rephrase() -> None:
    settings = handoff_settings(disabled=["repeated_fallback"])
    tracker = make_tracker(intent="nlu_fallback", events=_events("nlu_fallback"))
    outcome = run_action(ActionHandleFallback(settings), tracker)
    assert outcome.responses == ["utter_please_rephrase"]


def test_a_miss_after_an_understood_message_starts_over() -> None:
    tracker = make_tracker(
        intent="nlu_fallback", events=_events("nlu_fallback", "check_balance", "nlu_fallback")
    )
    assert run_action(ActionHandleFallback(), tracker).responses == ["utter_please_rephrase"]


def test_fallback_needs_no_identity() -> None:
    tracker = make_tracker(intent="nlu_fallback", customer_id=None, events=_events("nlu_fallback"))
    assert run_action(ActionHandleFallback(), tracker).responses == ["utter_please_rephrase"]


def test_stop_form_deactivates_and_clears_without_submitting() -> None:
    slots = {slot: "something" for slot in FORM_SLOTS}
    tracker = make_tracker(intent="stop", slots=slots, active_loop="refund_form")
    outcome = run_action(ActionStopForm(), tracker)
    assert outcome.responses == ["utter_form_stopped"]
    assert outcome.events[0] == {"event": "active_loop", "name": None, "timestamp": None}
    assert outcome.slots == {"requested_slot": None, **{slot: None for slot in FORM_SLOTS}}


def test_stop_form_clears_every_form_slot_of_the_domain(domain: Dict[str, Any]) -> None:
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    custom_slots = {
        name
        for name, slot in domain["slots"].items()
        if any(mapping["type"] == "custom" for mapping in slot["mappings"])
    }
    # The order and shop of an abandoned form must not prefill the next one; the
    # identity grant is no form answer: it stays, and the handoff reason belongs to
    # action_handoff, which clears it itself. A submission in doubt keeps its key
    # across a stopped form, so resubmitting it later cannot pay twice.
    assert set(FORM_SLOTS) == (form_slots | custom_slots | {"merchant"}) - {
        "identity_grant",
        "handoff_reason",
        "submissions_in_doubt",
    }
