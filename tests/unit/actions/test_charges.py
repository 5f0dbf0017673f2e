"""Tests of actions.charges: charged twice, unrecognised charges, disputes and fraud."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from actions.api import (
    BackendError,
    BackendUnavailable,
    BadRequest,
    DuplicateCharge,
    RuleViolation,
)
from actions.charges import (
    CHARGES_SHOWN,
    ActionChargedTwice,
    ActionOpenDispute,
    ActionUnrecognizedCharge,
)
from tests.unit.actions.fakes import (
    FakeBackendClient,
    make_tracker,
    payment,
    run_action,
    user_event,
)


@pytest.fixture
def duplicated(backend: FakeBackendClient) -> FakeBackendClient:
    """The backend with payment PAY-2 taken twice (PAY-5 is the duplicate)."""
    backend.payments.insert(0, payment(id="PAY-5", amount="40.00"))
    backend.duplicates = [
        DuplicateCharge(original=backend.payments[1], duplicate=backend.payments[0])
    ]
    return backend


def _tracker(intent: str = "charged_twice", message_id: str = "m-1", **kwargs: Any) -> Any:
    events = [user_event(intent, message_id=message_id)]
    return make_tracker(intent=intent, events=events, **kwargs)


@pytest.mark.parametrize(
    ("action_class", "method"),
    [
        (ActionChargedTwice, "list_duplicate_charges"),
        (ActionUnrecognizedCharge, "list_payments"),
    ],
)
def test_charges_need_identity(
    backend: FakeBackendClient, action_class: type, method: str
) -> None:
    tracker = make_tracker(slots={"payment_id": "PAY-2"}, customer_id=None)
    outcome = run_action(action_class(client=backend), tracker)
    assert outcome.responses == ["utter_login_required"]
    assert backend.calls == []


@pytest.mark.parametrize(
    ("action_class", "method"),
    [
        (ActionChargedTwice, "list_duplicate_charges"),
        (ActionChargedTwice, "refund_duplicate_charge"),
        (ActionUnrecognizedCharge, "list_payments"),
        (ActionOpenDispute, "get_payment"),
        (ActionOpenDispute, "open_dispute"),
    ],
)
@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_backend_errors_get_a_reply(
    duplicated: FakeBackendClient,
    action_class: type,
    method: str,
    error: BackendError,
    response: str,
) -> None:
    duplicated.fail(method, error)
    outcome = run_action(action_class(client=duplicated), _tracker(slots={"payment_id": "PAY-2"}))
    assert outcome.responses == [response]


# --------------------------------------------------------------------------- charged twice


def test_a_duplicate_is_refunded_once(duplicated: FakeBackendClient) -> None:
    outcome = run_action(ActionChargedTwice(client=duplicated), _tracker())
    message = outcome.message("utter_duplicate_refunded")
    assert (message["amount"], message["order_id"], message["merchant"]) == (
        "€40.00",
        "KL-482913",
        "Nordic Shoes",
    )
    assert message["refund_id"] == duplicated.refunds[0].id
    assert message["expected_by"] == "20 March 2025"
    [call] = duplicated.writes
    assert call.args == ("C1001", "PAY-5")
    assert call.idempotency_key and call.idempotency_key.startswith("duplicate-refund-")


def test_the_same_message_retried_refunds_once(duplicated: FakeBackendClient) -> None:
    tracker = _tracker()
    run_action(ActionChargedTwice(client=duplicated), tracker)
    duplicated.duplicates = [  # the retry saw the duplicate before the first call finished
        DuplicateCharge(original=duplicated.payments[1], duplicate=duplicated.payments[0])
    ]
    run_action(ActionChargedTwice(client=duplicated), tracker)
    first, retry = (call.idempotency_key for call in duplicated.writes)
    assert first == retry
    assert len(duplicated.refunds) == 1


def test_no_duplicates_found(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionChargedTwice(client=backend), _tracker())
    assert outcome.responses == ["utter_no_duplicate_found"]
    assert backend.writes == []


def test_a_duplicate_refused_by_the_backend_still_gets_a_reply(
    duplicated: FakeBackendClient,
) -> None:
    duplicated.fail(
        "refund_duplicate_charge",
        RuleViolation("Already refunded.", code="already_refunded", status_code=409),
    )
    outcome = run_action(ActionChargedTwice(client=duplicated), _tracker())
    assert outcome.responses == ["utter_something_went_wrong"]


# --------------------------------------------------------------------------- unrecognised


def test_unrecognised_charge_lists_charges_with_dispute_buttons(
    backend: FakeBackendClient,
) -> None:
    backend.payments.insert(0, payment(id="PAY-D", status="declined"))
    outcome = run_action(ActionUnrecognizedCharge(client=backend), _tracker("unrecognized_charge"))
    assert outcome.responses == [
        "utter_recent_charges_intro",
        "utter_charge_item",
        "utter_charge_item",
        "utter_ask_charge_recognised",
    ]
    first = outcome.messages[1]
    assert (first["amount"], first["merchant"], first["payment_id"]) == (
        "€40.00",
        "Nordic Shoes",
        "PAY-2",
    )
    buttons = outcome.message("utter_ask_charge_recognised")["buttons"]
    assert buttons[0] == {
        "title": "Dispute €40.00 Nordic Shoes",
        "payload": '/dispute_charge{"payment_id":"PAY-2"}',
    }
    assert buttons[1]["payload"] == '/report_fraud{"payment_id":"PAY-2"}'
    assert buttons[-1]["payload"] == "/affirm"
    assert len(buttons) == 2 * 2 + 1
    assert backend.calls_of("list_payments")[0].kwargs == {
        "status": "succeeded",
        "limit": CHARGES_SHOWN,
    }


def test_unrecognised_charge_without_payments(backend: FakeBackendClient) -> None:
    backend.payments = []
    outcome = run_action(ActionUnrecognizedCharge(client=backend), _tracker("unrecognized_charge"))
    assert outcome.responses == ["utter_no_payments"]


# --------------------------------------------------------------------------- disputes


def _dispute_tracker(
    intent: str = "dispute_charge", payment_id: Optional[str] = "PAY-2", **kwargs: Any
) -> Any:
    return _tracker(intent, slots={"payment_id": payment_id}, **kwargs)


def test_a_dispute_is_opened_once(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionOpenDispute(client=backend), _dispute_tracker())
    message = outcome.message("utter_dispute_opened")
    assert (message["dispute_id"], message["amount"], message["merchant"]) == (
        "DSP-1",
        "€40.00",
        "Nordic Shoes",
    )
    assert outcome.slots == {"payment_id": None}
    [call] = backend.writes
    assert call.args == ("C1001", "PAY-2", "unrecognized")
    assert call.idempotency_key and call.idempotency_key.startswith("dispute-")


def test_fraud_opens_a_fraud_case_and_says_how_to_block_the_card(
    backend: FakeBackendClient,
) -> None:
    outcome = run_action(ActionOpenDispute(client=backend), _dispute_tracker("report_fraud"))
    # No contact details here: action_handoff follows and brings the person.
    assert outcome.responses == ["utter_fraud_case_opened", "utter_fraud_line"]
    message = outcome.message("utter_fraud_case_opened")
    assert (message["dispute_id"], message["amount"]) == ("DSP-1", "€40.00")
    assert backend.writes[0].args[2] == "fraud"


def test_fraud_without_a_payment_only_gets_the_fraud_line(backend: FakeBackendClient) -> None:
    outcome = run_action(
        ActionOpenDispute(client=backend), _dispute_tracker("report_fraud", payment_id=None)
    )
    assert outcome.responses == ["utter_fraud_line"]
    assert backend.calls == []


def test_a_dispute_without_a_payment_is_left_to_the_person(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionOpenDispute(client=backend), _dispute_tracker(payment_id=None))
    assert outcome.messages == []
    assert outcome.events == []
    assert backend.calls == []


@pytest.mark.parametrize(
    ("intent", "responses"),
    [("dispute_charge", []), ("report_fraud", ["utter_fraud_line"])],
)
def test_a_visitor_is_not_asked_to_log_in_before_the_person_comes(
    backend: FakeBackendClient, intent: str, responses: list
) -> None:
    tracker = _dispute_tracker(intent, customer_id=None)
    outcome = run_action(ActionOpenDispute(client=backend), tracker)
    assert outcome.responses == responses
    assert outcome.slots == {"payment_id": None}
    assert backend.calls == []


def test_an_existing_dispute_is_said(backend: FakeBackendClient) -> None:
    backend.disputed_payment_ids.append("PAY-2")
    outcome = run_action(ActionOpenDispute(client=backend), _dispute_tracker())
    assert outcome.responses == ["utter_dispute_exists"]
    assert outcome.slots == {"payment_id": None}


def test_a_payment_of_someone_else_is_not_found(backend: FakeBackendClient) -> None:
    outcome = run_action(
        ActionOpenDispute(client=backend), _dispute_tracker(customer_id="C2002")
    )
    assert outcome.responses == ["utter_no_payments"]
    assert outcome.slots == {"payment_id": None}
    assert backend.writes == []


def test_other_dispute_rules_get_a_reply(backend: FakeBackendClient) -> None:
    refusal = RuleViolation("Too old.", code="dispute_too_late", status_code=422)
    backend.fail("open_dispute", refusal)
    outcome = run_action(ActionOpenDispute(client=backend), _dispute_tracker())
    assert outcome.responses == ["utter_something_went_wrong"]


def test_dispute_keys_are_per_message_payment_and_reason(backend: FakeBackendClient) -> None:
    tracker = _dispute_tracker(message_id="m-1")
    run_action(ActionOpenDispute(client=backend), tracker)
    run_action(ActionOpenDispute(client=backend), tracker)
    fraud_tracker = _dispute_tracker("report_fraud", message_id="m-1")
    run_action(ActionOpenDispute(client=backend), fraud_tracker)
    run_action(ActionOpenDispute(client=backend), _dispute_tracker(message_id="m-2"))
    first, retry, fraud, later = (call.idempotency_key for call in backend.writes)
    assert first == retry
    assert len({first, fraud, later}) == 3
