"""Tests of actions.refund_form: order, amount, reason, confirmation, one refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, Optional

import pytest
from rasa_sdk.events import SlotSet

from actions.api import BackendError, BackendUnavailable, BadRequest, Money, RuleViolation
from actions.idempotency import IN_DOUBT_SLOT, outcome_unknown
from actions.refund_form import (
    ActionAskRefundAmount,
    ActionAskRefundConfirmed,
    ActionAskRefundFormOrderId,
    ActionRequestRefund,
    ValidateRefundForm,
    money_from_slot,
    money_to_slot,
    requested_refund,
)
from tests.unit.actions.fakes import (
    cut_after_commit,
    FakeBackendClient,
    backend_handoff_events,
    backend_handoff_slots,
    eligibility,
    form_events,
    make_tracker,
    money,
    order,
    rejected,
    run_action,
    validation_tracker,
)

CLEARED = {
    "order_id": None,
    "refund_amount": None,
    "refund_reason": None,
    "refund_confirmed": None,
    "refundable_amount": None,
}
#: What an ask action returns when it ends the form.
STOP = {"requested_slot": None}
#: What the validation returns when it ends the form: its required slots cleared too.
STOPPED = [
    SlotSet("requested_slot", None),
    SlotSet("order_id", None),
    SlotSet("refund_amount", None),
    SlotSet("refund_reason", None),
    SlotSet("refund_confirmed", None),
]


# --------------------------------------------------------------------------- amounts


def test_money_survives_a_text_slot_exactly() -> None:
    for amount in [money("89.90"), money("0.01", "USD"), money("1499", "SEK")]:
        assert money_from_slot(money_to_slot(amount)) == amount
    assert money_to_slot(money("89.90")) == "89.90 EUR"
    assert money_from_slot(None) is None and money_from_slot("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("full", "89.90"),
        ("The whole amount please", "89.90"),
        ("everything", "89.90"),
        ("25", "25"),
        ("25.50", "25.50"),
        ("€12,50", "12.50"),
        ("12.50 EUR", "12.50"),
        ("30 euros", "30"),
        ("$20", None),
        ("20 USD", None),
        ("some of it", None),
        ("10 or 20", None),
        ("", None),
        (None, None),
    ],
)
def test_requested_refund(text: Any, expected: Optional[str]) -> None:
    result = requested_refund(text, money("89.90"))
    if expected is None:
        assert result is None
    else:
        assert result == money(expected)
        assert isinstance(result.amount, Decimal)


# --------------------------------------------------------------------------- validation


def _validate(backend: FakeBackendClient, candidates: Dict[str, Any], **kwargs: Any) -> Any:
    tracker = validation_tracker("refund_form", candidates, **kwargs)
    return run_action(ValidateRefundForm(client=backend), tracker)


def test_activation_with_refundable_orders_goes_on(backend: FakeBackendClient) -> None:
    outcome = _validate(backend, {})
    assert outcome.responses == [] and outcome.events == []
    assert backend.method_names == ["list_orders"]


def test_activation_without_refundable_orders_stops(backend: FakeBackendClient) -> None:
    backend.orders = [order(id="KL-1", status="placed"), order(id="KL-2", refunded="89.90")]
    outcome = _validate(backend, {})
    assert outcome.responses == ["utter_no_refundable_orders"]
    assert outcome.events == STOPPED


def test_activation_without_identity_stops(backend: FakeBackendClient) -> None:
    outcome = _validate(backend, {"order_id": "KL-482913"}, customer_id=None)
    assert outcome.responses == ["utter_login_required"]
    assert outcome.events == STOPPED
    assert backend.calls == []


def test_activation_with_a_named_order_validates_it(backend: FakeBackendClient) -> None:
    outcome = _validate(backend, {"order_id": "#482913"})
    assert outcome.responses == []
    assert outcome.slots == {
        "order_id": "KL-482913",
        "merchant": "Nordic Shoes",
        "refundable_amount": "89.90 EUR",
    }
    assert backend.method_names == ["get_order", "get_refund_eligibility"]


def test_a_partly_refunded_order_keeps_what_is_left(backend: FakeBackendClient) -> None:
    backend.orders = [order(id="KL-5", total="100.00", refunded="30.00")]
    outcome = _validate(backend, {"order_id": "KL-5"}, requested_slot="order_id")
    assert outcome.slots["refundable_amount"] == "70.00 EUR"


def test_an_unknown_order_is_asked_again(backend: FakeBackendClient) -> None:
    outcome = _validate(backend, {"order_id": "KL-999"}, requested_slot="order_id")
    assert outcome.responses == ["utter_order_not_found"]
    assert outcome.message("utter_order_not_found")["order_id"] == "KL-999"
    assert outcome.slots == {"order_id": None, **rejected("order_id")}


def test_refund_window_expired_is_explained_and_stops(backend: FakeBackendClient) -> None:
    backend.eligibility["KL-482913"] = eligibility(
        eligible=False,
        reason_code="refund_window_expired",
        reason="The refund window ended.",
        window_days=14,
    )
    outcome = _validate(backend, {"order_id": "KL-482913"}, requested_slot="order_id")
    message = outcome.message("utter_refund_rule_refund_window_expired")
    assert outcome.responses == ["utter_refund_rule_refund_window_expired"]
    assert (message["merchant"], message["window_days"], message["window_ends"]) == (
        "Nordic Shoes",
        14,
        "7 March 2025",
    )
    assert outcome.slots == {"order_id": None, "requested_slot": None}


@pytest.mark.parametrize(
    ("order_id", "response"),
    [
        ("KL-100001", "utter_refund_rule_order_cancelled"),
        ("KL-100005", "utter_refund_rule_order_not_delivered"),
        ("KL-100004", "utter_refund_rule_order_not_delivered"),
    ],
)
def test_order_status_rules_are_explained_and_stop(
    backend: FakeBackendClient, order_id: str, response: str
) -> None:
    outcome = _validate(backend, {"order_id": order_id}, requested_slot="order_id")
    assert outcome.responses == [response]
    assert outcome.message(response)["order_id"] == order_id
    assert outcome.slots == {"order_id": None, "requested_slot": None}


def test_already_refunded_is_explained_and_stops(backend: FakeBackendClient) -> None:
    backend.orders = [order(id="KL-6", refunded="89.90")]
    outcome = _validate(backend, {"order_id": "KL-6"}, requested_slot="order_id")
    assert outcome.responses == ["utter_refund_rule_already_refunded"]
    assert outcome.slots == {"order_id": None, "requested_slot": None}


def test_an_unknown_rule_gives_the_backends_reason(backend: FakeBackendClient) -> None:
    backend.eligibility["KL-482913"] = eligibility(
        eligible=False, reason_code="merchant_closed", reason="The shop has closed."
    )
    outcome = _validate(backend, {"order_id": "KL-482913"}, requested_slot="order_id")
    assert outcome.message("utter_refund_rule_other")["reason"] == "The shop has closed."
    assert outcome.slots["requested_slot"] is None


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_order_validation_backend_failure_stops(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("get_refund_eligibility", error)
    outcome = _validate(backend, {"order_id": "KL-482913"}, requested_slot="order_id")
    assert outcome.responses == [response]
    assert outcome.events == STOPPED + backend_handoff_events(error)


REFUNDABLE = {"order_id": "KL-482913", "refundable_amount": "89.90 EUR"}


@pytest.mark.parametrize(
    ("text", "kept"),
    [("full", "89.90 EUR"), ("25", "25 EUR"), ("€12,50", "12.50 EUR"), ("89.90", "89.90 EUR")],
)
def test_a_valid_amount_is_kept(backend: FakeBackendClient, text: str, kept: str) -> None:
    outcome = _validate(
        backend, {"refund_amount": text}, slots=REFUNDABLE, requested_slot="refund_amount"
    )
    assert outcome.responses == []
    assert outcome.slots == {"refund_amount": kept}
    assert backend.calls == []


def test_an_amount_above_the_refundable_is_refused(backend: FakeBackendClient) -> None:
    outcome = _validate(
        backend, {"refund_amount": "89.91"}, slots=REFUNDABLE, requested_slot="refund_amount"
    )
    assert outcome.responses == ["utter_refund_amount_too_high"]
    assert outcome.message("utter_refund_amount_too_high")["refundable"] == "€89.90"
    assert outcome.slots == {"refund_amount": None, **rejected("refund_amount")}


@pytest.mark.parametrize("text", ["a lot", "0", "0.00", "$20", "20 GBP", "5 or 6"])
def test_an_invalid_amount_or_another_currency_is_refused(
    backend: FakeBackendClient, text: str
) -> None:
    outcome = _validate(
        backend, {"refund_amount": text}, slots=REFUNDABLE, requested_slot="refund_amount"
    )
    assert outcome.responses == ["utter_refund_amount_invalid"]
    assert outcome.slots == {"refund_amount": None, **rejected("refund_amount")}


def test_order_and_amount_given_together_are_both_validated(backend: FakeBackendClient) -> None:
    outcome = _validate(backend, {"order_id": "KL-482913", "refund_amount": "20 euros"})
    assert outcome.slots["refund_amount"] == "20 EUR"
    assert outcome.slots["order_id"] == "KL-482913"


def test_the_reason_is_trimmed(backend: FakeBackendClient) -> None:
    outcome = _validate(
        backend,
        {"refund_reason": "  arrived\n   damaged " + "x" * 400},
        slots=REFUNDABLE,
        requested_slot="refund_reason",
    )
    reason = outcome.slots["refund_reason"]
    assert reason.startswith("arrived damaged x") and len(reason) == 300


def test_an_empty_reason_is_asked_again(backend: FakeBackendClient) -> None:
    outcome = _validate(
        backend, {"refund_reason": "   "}, slots=REFUNDABLE, requested_slot="refund_reason"
    )
    assert outcome.slots == {"refund_reason": None, **rejected("refund_reason")}


# --------------------------------------------------------------------------- asks


def test_ask_order_offers_only_refundable_orders(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionAskRefundFormOrderId(client=backend), make_tracker())
    buttons = outcome.message("utter_ask_refund_order_id")["buttons"]
    assert [b["payload"] for b in buttons] == [
        '/inform{"order_id":"KL-482913"}',
        '/inform{"order_id":"KL-100002"}',
    ]
    assert buttons[0]["title"] == "KL-482913 · Nordic Shoes · €89.90"


def test_ask_order_backend_down_ends_the_form(backend: FakeBackendClient) -> None:
    backend.fail("list_orders", BackendUnavailable("down"))
    outcome = run_action(ActionAskRefundFormOrderId(client=backend), make_tracker())
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.slots == {**STOP, **backend_handoff_slots()}


def test_ask_amount_names_the_refundable_amount(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionAskRefundAmount(client=backend), make_tracker(slots=REFUNDABLE))
    message = outcome.message("utter_ask_refund_amount")
    assert (message["order_id"], message["refundable"]) == ("KL-482913", "€89.90")
    assert backend.calls == []


def test_ask_confirmed_summarises_the_refund(backend: FakeBackendClient) -> None:
    slots = {**REFUNDABLE, "refund_amount": "25 EUR", "merchant": "Nordic Shoes",
             "refund_reason": "Arrived damaged"}
    outcome = run_action(ActionAskRefundConfirmed(client=backend), make_tracker(slots=slots))
    message = outcome.message("utter_ask_refund_confirmed")
    assert (message["amount"], message["order_id"], message["merchant"], message["reason"]) == (
        "€25.00",
        "KL-482913",
        "Nordic Shoes",
        "Arrived damaged",
    )


@pytest.mark.parametrize(
    "action_class", [ActionAskRefundFormOrderId, ActionAskRefundAmount, ActionAskRefundConfirmed]
)
def test_asks_without_identity_end_the_form(
    backend: FakeBackendClient, action_class: type
) -> None:
    outcome = run_action(action_class(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert outcome.slots == STOP
    assert backend.calls == []


# --------------------------------------------------------------------------- submit


def _submit_tracker(
    confirmed: Optional[bool] = True,
    amount: Optional[str] = "25 EUR",
    order_id: Optional[str] = "KL-482913",
    reason: str = "Arrived damaged",
    activated_at: float = 1000.0,
    **kwargs: Any,
) -> Any:
    slots = {
        "order_id": order_id,
        "merchant": "Nordic Shoes",
        "refundable_amount": "89.90 EUR",
        "refund_amount": amount,
        "refund_reason": reason,
        "refund_confirmed": confirmed,
    }
    return make_tracker(slots=slots, events=form_events("refund_form", activated_at), **kwargs)


def test_confirmed_refund_is_created_once(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker())
    created = outcome.message("utter_refund_created")
    assert outcome.responses == ["utter_refund_created", "utter_ask_csat_solved"]
    assert created["amount"] == "€25.00"
    assert created["order_id"] == "KL-482913"
    assert created["refund_id"] == backend.refunds[0].id
    assert created["expected_by"] == "17 March 2025"
    [call] = backend.writes
    assert call.method == "create_refund"
    assert call.args == ("C1001", "KL-482913", Money(Decimal("25"), "EUR"), "Arrived damaged")
    assert call.idempotency_key and call.idempotency_key.startswith("refund_form-")
    assert outcome.slots == {**CLEARED, "order_id": "KL-482913"}


def test_a_full_refund_sends_the_exact_refundable_amount(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker(amount="89.90 EUR"))
    assert outcome.message("utter_refund_created")["amount"] == "€89.90"
    assert backend.writes[0].args[2] == Money(Decimal("89.90"), "EUR")


def test_the_same_submission_reuses_its_key_and_refunds_once(backend: FakeBackendClient) -> None:
    tracker = _submit_tracker()
    first = run_action(ActionRequestRefund(client=backend), tracker)
    again = run_action(ActionRequestRefund(client=backend), tracker)
    first_key, second_key = (call.idempotency_key for call in backend.writes)
    assert first_key == second_key
    assert len(backend.refunds) == 1
    assert again.message("utter_refund_created") == first.message("utter_refund_created")


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "30 EUR"},
        {"reason": "Wrong size"},
        {"order_id": "KL-100002"},
        {"activated_at": 7000.0},
        {"sender_id": "another-conversation"},
    ],
)
def test_a_different_submission_gets_a_different_key(
    backend: FakeBackendClient, changes: Dict[str, Any]
) -> None:
    run_action(ActionRequestRefund(client=backend), _submit_tracker())
    run_action(ActionRequestRefund(client=backend), _submit_tracker(**changes))
    first, second = (call.idempotency_key for call in backend.writes)
    assert first != second


def test_denied_refund_is_not_submitted(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker(confirmed=False))
    assert outcome.responses == ["utter_refund_not_submitted"]
    assert outcome.slots == CLEARED
    assert backend.calls == []


@pytest.mark.parametrize(
    ("confirmed", "amount", "order_id"),
    [(None, "25 EUR", "KL-482913"), (True, None, "KL-482913"), (True, "25 EUR", None)],
)
def test_form_stopped_early_submits_nothing_and_clears(
    backend: FakeBackendClient,
    confirmed: Optional[bool],
    amount: Optional[str],
    order_id: Optional[str],
) -> None:
    tracker = _submit_tracker(confirmed=confirmed, amount=amount, order_id=order_id)
    outcome = run_action(ActionRequestRefund(client=backend), tracker)
    assert outcome.responses == []
    assert outcome.slots == CLEARED
    assert backend.calls == []


def test_window_expired_at_submission_is_explained(backend: FakeBackendClient) -> None:
    backend.fail(
        "create_refund",
        RuleViolation(
            "The refund window ended.",
            code="refund_window_expired",
            status_code=409,
            details={"window_days": 30, "window_ends": "7 March 2025"},
        ),
    )
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker())
    message = outcome.message("utter_refund_rule_refund_window_expired")
    assert (message["window_days"], message["window_ends"]) == (30, "7 March 2025")
    assert outcome.slots == CLEARED


def test_refunded_meanwhile_is_explained(backend: FakeBackendClient) -> None:
    backend.orders = [order(id="KL-482913", refunded="89.90")]
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker())
    assert outcome.responses == ["utter_refund_rule_already_refunded"]
    assert outcome.slots == CLEARED


def test_amount_refused_by_the_backend_gives_its_reason(backend: FakeBackendClient) -> None:
    backend.orders = [order(id="KL-482913", refunded="80.00")]
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker(amount="25 EUR"))
    assert outcome.message("utter_refund_rule_other")["reason"] == "More than refundable."


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_refund_failures_get_a_reply_and_clear(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("create_refund", error)
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker())
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


def test_submit_without_identity_submits_nothing(backend: FakeBackendClient) -> None:
    # The validation asked to log in already: the submit only clears the form.
    outcome = run_action(ActionRequestRefund(client=backend), _submit_tracker(customer_id=None))
    assert outcome.messages == []
    assert outcome.events == [SlotSet(slot, None) for slot in CLEARED]
    assert backend.calls == []


#: A whole refund request given in one message, as the validation receives it.
EVERYTHING_AT_ONCE = {
    "order_id": "KL-482913",
    "refund_amount": "25 EUR",
    "refund_reason": "Arrived damaged",
    "refund_confirmed": True,
}


def _submit_after(validation: Any, **kwargs: Any) -> Any:
    """The submit's tracker with the slots the validation left."""
    return _submit_tracker(
        confirmed=validation.slots["refund_confirmed"],
        amount=validation.slots["refund_amount"],
        order_id=validation.slots["order_id"],
        reason=validation.slots["refund_reason"] or "",
        **kwargs,
    )


def test_submit_after_a_failed_validation_refunds_nothing(backend: FakeBackendClient) -> None:
    backend.fail("get_refund_eligibility", BackendUnavailable("down"))
    validation = _validate(backend, EVERYTHING_AT_ONCE)
    assert validation.responses == ["utter_backend_unavailable_handoff"]
    assert validation.events == STOPPED + backend_handoff_events()
    backend.errors.clear()
    submit = run_action(ActionRequestRefund(client=backend), _submit_after(validation))
    assert submit.messages == []
    assert submit.slots == CLEARED
    assert backend.writes == [] and backend.refunds == []


def test_without_identity_login_is_asked_once_and_nothing_refunded(
    backend: FakeBackendClient,
) -> None:
    validation = _validate(backend, EVERYTHING_AT_ONCE, customer_id=None)
    submit = run_action(
        ActionRequestRefund(client=backend), _submit_after(validation, customer_id=None)
    )
    assert validation.responses + submit.responses == ["utter_login_required"]
    assert backend.calls == []


def test_a_resubmission_after_a_cut_connection_reuses_the_key_and_refunds_once(
    backend: FakeBackendClient,
) -> None:
    cut_after_commit(backend, "create_refund")
    cut = run_action(ActionRequestRefund(client=backend), _submit_tracker(activated_at=1000.0))
    assert cut.responses == ["utter_backend_unavailable_handoff"]
    assert len(backend.refunds) == 1  # committed, but the answer was lost
    # The customer asks again: a new run of the form with the same order, amount, reason.
    again = _submit_tracker(activated_at=9000.0)
    again.slots[IN_DOUBT_SLOT] = cut.slots[IN_DOUBT_SLOT]
    answered = run_action(ActionRequestRefund(client=backend), again)
    first_key, second_key = (call.idempotency_key for call in backend.writes)
    assert first_key == second_key
    assert len(backend.refunds) == 1
    assert answered.message("utter_refund_created")["refund_id"] == backend.refunds[0].id
    assert answered.slots[IN_DOUBT_SLOT] is None


def test_a_changed_resubmission_after_a_cut_is_a_new_refund(backend: FakeBackendClient) -> None:
    cut_after_commit(backend, "create_refund")
    cut = run_action(ActionRequestRefund(client=backend), _submit_tracker())
    changed = _submit_tracker(amount="10 EUR", activated_at=9000.0)
    changed.slots[IN_DOUBT_SLOT] = cut.slots[IN_DOUBT_SLOT]
    outcome = run_action(ActionRequestRefund(client=backend), changed)
    first_key, second_key = (call.idempotency_key for call in backend.writes)
    assert first_key != second_key
    assert len(backend.refunds) == 2
    # The first payload is still in doubt: its key stays for its own resubmission.
    assert IN_DOUBT_SLOT not in outcome.slots
    first = _submit_tracker(activated_at=12000.0)
    first.slots[IN_DOUBT_SLOT] = cut.slots[IN_DOUBT_SLOT]
    run_action(ActionRequestRefund(client=backend), first)
    assert backend.writes[-1].idempotency_key == first_key
    assert len(backend.refunds) == 2
