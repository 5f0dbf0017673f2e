"""Tests of actions.payment_form: show the amount, confirm, pay exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Dict, Optional

import pytest
from rasa_sdk.events import SlotSet

from actions.api import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    IdempotencyConflict,
    PaymentDeclined,
)
from actions.idempotency import IN_DOUBT_SLOT, outcome_unknown
from actions.payment_form import (
    ActionAskPaymentConfirmed,
    ActionMakePayment,
    ValidatePaymentForm,
    amount_due,
)
from tests.unit.actions.fakes import (
    cut_after_commit,
    FakeBackendClient,
    backend_handoff_events,
    backend_handoff_slots,
    form_events,
    instalment,
    make_tracker,
    payment_method,
    run_action,
    validation_tracker,
)

CLEARED = {"payment_confirmed": None, "instalment_id": None}
#: Ending the form early: nothing asked, and its one required slot cleared.
STOPPED = [SlotSet("requested_slot", None), SlotSet("payment_confirmed", None)]


def _submit_tracker(
    confirmed: Optional[bool] = True,
    instalment_id: Optional[str] = "INS-1",
    activated_at: float = 1000.0,
    **kwargs: Any,
) -> Any:
    slots: Dict[str, Any] = {"payment_confirmed": confirmed, "instalment_id": instalment_id}
    return make_tracker(
        slots=slots, events=form_events("payment_form", activated_at), **kwargs
    )


def test_amount_due_adds_the_late_fee_exactly() -> None:
    due = amount_due(instalment(amount="29.97", late_fee="5.03", currency="SEK"))
    assert (due.amount, due.currency) == (Decimal("35.00"), "SEK")


# --------------------------------------------------------------------------- validation


def test_validation_starts_the_form_when_something_is_due(backend: FakeBackendClient) -> None:
    tracker = validation_tracker("payment_form", {})
    outcome = run_action(ValidatePaymentForm(client=backend), tracker)
    assert outcome.responses == []
    assert outcome.events == []  # the form goes on and asks
    assert backend.method_names == ["get_next_instalment"]


def test_validation_refuses_when_nothing_is_due(backend: FakeBackendClient) -> None:
    backend.instalments = []
    outcome = run_action(ValidatePaymentForm(client=backend), validation_tracker("payment_form"))
    assert outcome.responses == ["utter_nothing_due"]
    assert outcome.events == STOPPED


def test_validation_without_identity_stops_the_form(backend: FakeBackendClient) -> None:
    tracker = validation_tracker("payment_form", {}, customer_id=None)
    outcome = run_action(ValidatePaymentForm(client=backend), tracker)
    assert outcome.responses == ["utter_login_required"]
    assert outcome.events == STOPPED
    assert backend.calls == []


def test_validation_backend_down_stops_the_form(backend: FakeBackendClient) -> None:
    backend.fail("get_next_instalment", BackendUnavailable("down"))
    outcome = run_action(ValidatePaymentForm(client=backend), validation_tracker("payment_form"))
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.events == STOPPED + backend_handoff_events()


def test_a_confirmation_given_up_front_is_cleared_when_the_form_stops(
    backend: FakeBackendClient,
) -> None:
    # "Yes, pay it" started the form, but the backend could not say what is due.
    backend.fail("get_next_instalment", BackendUnavailable("down"))
    tracker = validation_tracker(
        "payment_form", {"payment_confirmed": True}, slots={"instalment_id": "INS-1"}
    )
    validation = run_action(ValidatePaymentForm(client=backend), tracker)
    assert validation.events == STOPPED + backend_handoff_events()
    backend.errors.clear()
    submit = run_action(
        ActionMakePayment(client=backend),
        _submit_tracker(confirmed=validation.slots["payment_confirmed"]),
    )
    assert submit.messages == []
    assert submit.slots == CLEARED
    assert backend.writes == []


def test_without_identity_login_is_asked_once_and_nothing_paid(
    backend: FakeBackendClient,
) -> None:
    tracker = validation_tracker("payment_form", {"payment_confirmed": True}, customer_id=None)
    validation = run_action(ValidatePaymentForm(client=backend), tracker)
    submit = run_action(
        ActionMakePayment(client=backend),
        _submit_tracker(confirmed=validation.slots["payment_confirmed"], customer_id=None),
    )
    assert validation.responses + submit.responses == ["utter_login_required"]
    assert backend.calls == []


def test_validation_keeps_the_answer_mid_form(backend: FakeBackendClient) -> None:
    tracker = validation_tracker(
        "payment_form", {"payment_confirmed": True}, requested_slot="payment_confirmed"
    )
    outcome = run_action(ValidatePaymentForm(client=backend), tracker)
    assert outcome.slots == {"payment_confirmed": True}
    assert backend.calls == []


# --------------------------------------------------------------------------- ask


def test_ask_shows_amount_merchant_and_masked_card(backend: FakeBackendClient) -> None:
    backend.instalments = [instalment("INS-7", amount="84.90", late_fee="5.00", status="overdue")]
    outcome = run_action(ActionAskPaymentConfirmed(client=backend), make_tracker())
    message = outcome.message("utter_ask_payment_confirmed")
    assert message["amount"] == "€89.90"
    assert message["merchant"] == "Nordic Shoes"
    assert (message["sequence"], message["count"]) == (2, 4)
    assert message["due_date"] == "14 March 2025"
    assert message["card"] == "Visa ending in 4242"
    assert outcome.slots == {"instalment_id": "INS-7"}
    assert backend.writes == []


def test_ask_names_a_default_bank_account_in_words(backend: FakeBackendClient) -> None:
    backend.payment_methods = [
        payment_method(is_default=False),
        payment_method("PM-2", "bank_account", brand=None, last4="1234", is_default=True),
    ]
    outcome = run_action(ActionAskPaymentConfirmed(client=backend), make_tracker())
    assert outcome.message("utter_ask_payment_confirmed")["card"] == "bank account ending in 1234"


def test_ask_without_a_default_method(backend: FakeBackendClient) -> None:
    backend.payment_methods = [payment_method(is_default=False)]
    outcome = run_action(ActionAskPaymentConfirmed(client=backend), make_tracker())
    assert outcome.message("utter_ask_payment_confirmed")["card"] == "default payment method"


def test_ask_when_nothing_is_due_ends_the_form(backend: FakeBackendClient) -> None:
    backend.instalments = []
    outcome = run_action(ActionAskPaymentConfirmed(client=backend), make_tracker())
    assert outcome.responses == ["utter_nothing_due"]
    assert outcome.slots == {"requested_slot": None}
    assert {"event": "active_loop", "name": None, "timestamp": None} in outcome.events


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_ask_backend_failure_ends_the_form(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("list_payment_methods", error)
    outcome = run_action(ActionAskPaymentConfirmed(client=backend), make_tracker())
    assert outcome.responses == [response]
    assert outcome.slots == {"requested_slot": None, **backend_handoff_slots(error)}


def test_ask_without_identity(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionAskPaymentConfirmed(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert backend.calls == []


# --------------------------------------------------------------------------- submit


def test_confirmed_payment_is_made_once_with_a_receipt(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker())
    receipt = outcome.message("utter_payment_receipt")
    assert outcome.responses == ["utter_payment_receipt", "utter_ask_csat_solved"]
    assert receipt["amount"] == "€40.00"
    assert receipt["merchant"] == "Nordic Shoes"
    assert receipt["payment_id"] == backend.payments[0].id
    assert receipt["receipt_number"] == backend.payments[0].receipt_number
    assert receipt["paid_on"] == "10 March 2025"
    assert outcome.slots == CLEARED
    [call] = backend.writes
    assert call.method == "pay_instalment"
    assert call.args == ("C1001", "INS-1")
    assert call.idempotency_key and call.idempotency_key.startswith("payment_form-")


def test_the_late_fee_is_paid_with_the_instalment(backend: FakeBackendClient) -> None:
    backend.instalments = [instalment(id="INS-1", amount="84.90", late_fee="5.00")]
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker())
    assert outcome.message("utter_payment_receipt")["amount"] == "€89.90"


def test_a_retried_submission_reuses_the_key_and_pays_once(backend: FakeBackendClient) -> None:
    tracker = _submit_tracker()
    first = run_action(ActionMakePayment(client=backend), tracker)
    again = run_action(ActionMakePayment(client=backend), tracker)
    keys = [call.idempotency_key for call in backend.writes]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert again.message("utter_payment_receipt") == first.message("utter_payment_receipt")
    assert len([p for p in backend.payments if p.created_at.date() == dt.date(2025, 3, 10)]) == 1


def test_a_new_form_run_gets_a_new_key(backend: FakeBackendClient) -> None:
    run_action(ActionMakePayment(client=backend), _submit_tracker(activated_at=1000.0))
    backend.instalments = [instalment(id="INS-1")]  # due again, e.g. a later run
    run_action(ActionMakePayment(client=backend), _submit_tracker(activated_at=5000.0))
    first, second = (call.idempotency_key for call in backend.writes)
    assert first != second


def test_another_instalment_or_conversation_gets_a_new_key(backend: FakeBackendClient) -> None:
    run_action(ActionMakePayment(client=backend), _submit_tracker(instalment_id="INS-1"))
    run_action(ActionMakePayment(client=backend), _submit_tracker(instalment_id="INS-2"))
    run_action(ActionMakePayment(client=backend), _submit_tracker(sender_id="other-chat"))
    keys = [call.idempotency_key for call in backend.writes]
    assert len(set(keys)) == 3


def test_denied_payment_is_not_made(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker(confirmed=False))
    assert outcome.responses == ["utter_payment_not_made"]
    assert outcome.slots == CLEARED
    assert backend.calls == []


@pytest.mark.parametrize(
    ("confirmed", "instalment_id"), [(None, "INS-1"), (None, None), (True, None)]
)
def test_form_stopped_early_pays_nothing_and_clears(
    backend: FakeBackendClient, confirmed: Optional[bool], instalment_id: Optional[str]
) -> None:
    tracker = _submit_tracker(confirmed=confirmed, instalment_id=instalment_id)
    outcome = run_action(ActionMakePayment(client=backend), tracker)
    assert outcome.responses == []
    assert outcome.slots == CLEARED
    assert backend.calls == []


def test_declined_payment_explains_and_takes_nothing(backend: FakeBackendClient) -> None:
    backend.instalments = [instalment(id="INS-1", amount="84.90", late_fee="5.00")]
    backend.fail(
        "pay_instalment",
        PaymentDeclined(
            "The card was declined by the bank.",
            code="payment_declined",
            status_code=422,
            details={"decline_reason": "do_not_honor"},
        ),
    )
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker())
    declined = outcome.message("utter_payment_declined")
    assert declined["amount"] == "€89.90"
    assert declined["decline_message"] == "The card was declined by the bank."
    assert outcome.responses == ["utter_payment_declined"]
    assert outcome.slots == CLEARED


def test_already_paid_is_said_without_charging(backend: FakeBackendClient) -> None:
    backend.instalments = [instalment(id="INS-1", status="paid")]
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker())
    assert outcome.responses == ["utter_payment_already_made"]
    assert outcome.slots == CLEARED


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendTimeout("slow"), "utter_backend_unavailable_handoff"),
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (
            IdempotencyConflict("in flight", code="idempotency_in_progress", status_code=409),
            "utter_something_went_wrong",
        ),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_payment_failures_get_a_reply_and_clear(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("pay_instalment", error)
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker())
    assert outcome.responses == [response]
    slots = outcome.slots
    in_doubt = slots.pop(IN_DOUBT_SLOT, None)
    assert slots == {**CLEARED, **backend_handoff_slots(error)}
    # Without a definitive answer the key is kept for a resubmission; with one, not.
    if outcome_unknown(error):
        [call] = backend.writes
        assert list(in_doubt.values()) == [call.idempotency_key]
    else:
        assert in_doubt is None


def test_submit_without_identity_pays_nothing(backend: FakeBackendClient) -> None:
    # The validation asked to log in already: the submit only clears the form.
    outcome = run_action(ActionMakePayment(client=backend), _submit_tracker(customer_id=None))
    assert outcome.messages == []
    assert outcome.events == [SlotSet("payment_confirmed", None), SlotSet("instalment_id", None)]
    assert backend.calls == []


def test_a_resubmission_after_a_cut_connection_reuses_the_key_and_pays_once(
    backend: FakeBackendClient,
) -> None:
    paid_before = len(backend.payments)
    cut_after_commit(backend, "pay_instalment")
    cut = run_action(ActionMakePayment(client=backend), _submit_tracker(activated_at=1000.0))
    assert cut.responses == ["utter_backend_unavailable_handoff"]
    again = _submit_tracker(activated_at=9000.0)
    again.slots[IN_DOUBT_SLOT] = cut.slots[IN_DOUBT_SLOT]
    answered = run_action(ActionMakePayment(client=backend), again)
    first_key, second_key = (call.idempotency_key for call in backend.writes)
    assert first_key == second_key
    assert len(backend.payments) == paid_before + 1
    assert answered.responses[0] == "utter_payment_receipt"
    assert answered.slots[IN_DOUBT_SLOT] is None
