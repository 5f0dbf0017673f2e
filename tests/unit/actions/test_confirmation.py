"""Tests of actions.confirmation: money moves on a clear yes only."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.confirmation import (
    CLEAR_YES_CONFIDENCE,
    answer_confidence,
    is_clear_yes,
    is_confirmation_slot,
    require_clear_yes,
)
from actions.extension_form import ValidateExtensionForm
from actions.order_forms import ValidateCancelOrderForm
from actions.payment_form import ValidatePaymentForm
from actions.refund_form import ValidateRefundForm
from tests.unit.actions.fakes import (
    FakeBackendClient,
    make_tracker,
    rejected,
    run_action,
    validation_tracker,
)

UNSURE = CLEAR_YES_CONFIDENCE - 0.01


def _checked(events: List[Dict[str, Any]], confidence: float) -> Any:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", confidence=confidence, text="yes")
    return require_clear_yes(dispatcher, tracker, events), dispatcher.messages


def test_confirmation_slots_are_the_forms_yes_no_questions() -> None:
    assert is_confirmation_slot("refund_confirmed")
    assert is_confirmation_slot("payment_confirmed")
    assert not is_confirmation_slot("refund_amount")
    assert not is_confirmation_slot("confirmed_at")


def test_confidence_of_the_latest_message() -> None:
    assert answer_confidence({"intent": {"name": "affirm", "confidence": 0.93}}) == 0.93
    assert answer_confidence({"intent": {"name": "affirm", "confidence": 1}}) == 1.0
    assert answer_confidence({"intent": None}) == 0.0
    assert answer_confidence({}) == 0.0
    assert answer_confidence({"intent": {"name": "affirm", "confidence": True}}) == 0.0
    assert answer_confidence({"intent": {"name": "affirm", "confidence": "0.9"}}) == 0.0


def _affirm(text: str, confidence: float = 0.95) -> Dict[str, Any]:
    return {"text": text, "intent": {"name": "affirm", "confidence": confidence}}


@pytest.mark.parametrize(
    "text", ["yes", "ok", "please do", "Yes, go ahead and pay", "yep, submit it", "/affirm"]
)
def test_plain_answers_are_clear(text: str) -> None:
    assert is_clear_yes(_affirm(text))


@pytest.mark.parametrize(
    "text",
    [
        "fine I guess",
        "hmm maybe",
        "Perhaps",
        "yes I think so",
        "probably",
        "kind of",
        "I'm not sure",
        "yes?",
        "yes if the amount is right",
    ],
)
def test_hedged_answers_are_not_clear_however_sure_nlu_is(text: str) -> None:
    assert not is_clear_yes(_affirm(text, confidence=0.99))


def test_a_button_press_is_clear_and_an_unsure_intent_is_not() -> None:
    assert is_clear_yes(_affirm("/affirm", confidence=1.0))
    assert not is_clear_yes(_affirm("yes", confidence=UNSURE))
    assert is_clear_yes(_affirm("yes", confidence=CLEAR_YES_CONFIDENCE))


def test_a_sure_yes_stands() -> None:
    events = [SlotSet("refund_confirmed", True)]
    checked, messages = _checked(events, CLEAR_YES_CONFIDENCE)
    assert checked == events and messages == []


def test_an_unsure_yes_is_asked_again() -> None:
    checked, messages = _checked([SlotSet("payment_confirmed", True)], UNSURE)
    assert checked == [SlotSet("payment_confirmed", None)]
    assert [m["response"] for m in messages] == ["utter_confirmation_unclear"]


def test_an_unsure_no_and_other_slots_stand() -> None:
    # Declining needs no certainty: nothing moves either way.
    events = [
        SlotSet("refund_confirmed", False),
        SlotSet("refund_amount", "25 EUR"),
        SlotSet("requested_slot", "refund_confirmed"),
    ]
    checked, messages = _checked(events, 0.4)
    assert checked == events and messages == []


VALIDATIONS = [
    (ValidateRefundForm, "refund_form", "refund_confirmed"),
    (ValidatePaymentForm, "payment_form", "payment_confirmed"),
    (ValidateExtensionForm, "extension_form", "extension_confirmed"),
    (ValidateCancelOrderForm, "cancel_order_form", "cancel_confirmed"),
]


def _answer(
    backend: FakeBackendClient,
    validation: Any,
    form: str,
    slot: str,
    confidence: float,
    text: str = "yes please",
    **kwargs: Any,
) -> Any:
    tracker = validation_tracker(
        form,
        {slot: True},
        requested_slot=slot,
        intent="affirm",
        confidence=confidence,
        text=text,
        **kwargs,
    )
    return run_action(validation(client=backend), tracker)


@pytest.mark.parametrize(("validation", "form", "slot"), VALIDATIONS)
def test_every_money_form_asks_again_after_an_unsure_yes(
    backend: FakeBackendClient, validation: Any, form: str, slot: str
) -> None:
    outcome = _answer(backend, validation, form, slot, UNSURE)
    assert outcome.responses == ["utter_confirmation_unclear"]
    assert outcome.slots == {slot: None, **rejected(slot)}
    assert backend.writes == []


@pytest.mark.parametrize(("validation", "form", "slot"), VALIDATIONS)
def test_every_money_form_takes_a_clear_yes(
    backend: FakeBackendClient, validation: Any, form: str, slot: str
) -> None:
    outcome = _answer(backend, validation, form, slot, 0.97)
    assert outcome.responses == []
    assert outcome.slots == {slot: True}


def test_a_hedged_yes_is_asked_again(backend: FakeBackendClient) -> None:
    outcome = _answer(
        backend, ValidatePaymentForm, "payment_form", "payment_confirmed", 0.9, "fine I guess"
    )
    assert outcome.responses == ["utter_confirmation_unclear"]
    assert outcome.slots["payment_confirmed"] is None


def test_unsure_answers_in_a_row_hand_over(backend: FakeBackendClient) -> None:
    # The form's rejection count applies: an unsure yes is a rejected answer.
    outcome = _answer(
        backend,
        ValidateRefundForm,
        "refund_form",
        "refund_confirmed",
        UNSURE,
        slots={"form_rejections": {"slot": "refund_confirmed", "count": 2}},
    )
    assert outcome.responses == ["utter_confirmation_unclear", "utter_handoff_form_trouble"]
    assert outcome.slots["requested_slot"] is None
    assert outcome.slots["handoff_reason"] == "form_validation_failed"
