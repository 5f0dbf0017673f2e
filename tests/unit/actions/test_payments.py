"""Tests of actions.payments: payment status, failed payments, fees, payment methods."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import pytest

from actions.api import BackendError, BackendUnavailable, BadRequest, UpdateLink
from actions.payments import (
    ActionFeeQuestion,
    ActionPaymentMethods,
    ActionPaymentProblem,
    ActionPaymentStatus,
    ActionUpdatePaymentMethod,
)
from tests.unit.actions.fakes import (
    NOW,
    FakeBackendClient,
    fee,
    make_tracker,
    payment,
    payment_method,
    run_action,
    user_event,
)

DECLINED = payment(
    id="PAY-3",
    amount="40.00",
    status="declined",
    decline_reason="insufficient_funds",
    decline_message="The card had insufficient funds.",
    created_at=dt.datetime(2025, 3, 5, 10, tzinfo=dt.timezone.utc),
)


@pytest.mark.parametrize(
    ("action_class", "method"),
    [
        (ActionPaymentStatus, "list_payments"),
        (ActionPaymentProblem, "list_payments"),
        (ActionUpdatePaymentMethod, "create_payment_update_link"),
    ],
)
def test_account_actions_need_identity(
    backend: FakeBackendClient, action_class: type, method: str
) -> None:
    outcome = run_action(action_class(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert backend.calls == []


@pytest.mark.parametrize(
    ("action_class", "method"),
    [
        (ActionPaymentStatus, "list_payments"),
        (ActionPaymentProblem, "list_payments"),
        (ActionUpdatePaymentMethod, "create_payment_update_link"),
        (ActionFeeQuestion, "list_fees"),
        (ActionFeeQuestion, "get_fee_policy"),
        (ActionPaymentMethods, "list_supported_payment_methods"),
        (ActionPaymentMethods, "list_payment_methods"),
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
    backend: FakeBackendClient,
    action_class: type,
    method: str,
    error: BackendError,
    response: str,
) -> None:
    backend.fail(method, error)
    outcome = run_action(action_class(client=backend), make_tracker())
    assert outcome.responses[-1] == response


# --------------------------------------------------------------------------- status


def test_payment_status_succeeded(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionPaymentStatus(client=backend), make_tracker())
    message = outcome.message("utter_payment_status_succeeded")
    assert message["amount"] == "€40.00"
    assert message["merchant"] == "Nordic Shoes"
    assert message["date"] == "1 March 2025"
    assert message["receipt_number"] == "R-PAY-2"
    assert backend.calls_of("list_payments")[0].kwargs == {"status": None, "limit": 1}


def test_payment_status_declined(backend: FakeBackendClient) -> None:
    backend.payments.insert(0, DECLINED)
    outcome = run_action(ActionPaymentStatus(client=backend), make_tracker())
    message = outcome.message("utter_payment_status_declined")
    assert message["decline_message"] == "The card had insufficient funds."


def test_payment_status_other(backend: FakeBackendClient) -> None:
    backend.payments.insert(0, payment(id="PAY-9", status="refunded"))
    outcome = run_action(ActionPaymentStatus(client=backend), make_tracker())
    assert outcome.message("utter_payment_status_other")["status"] == "refunded"


def test_payment_status_without_payments(backend: FakeBackendClient) -> None:
    backend.payments = []
    outcome = run_action(ActionPaymentStatus(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_payments"]


# --------------------------------------------------------------------------- problem


@pytest.mark.parametrize(
    ("reason", "advice"),
    [
        ("insufficient_funds", "utter_payment_problem_advice_insufficient_funds"),
        ("card_expired", "utter_payment_problem_advice_card_expired"),
        ("do_not_honor", "utter_payment_problem_advice_generic"),
        (None, "utter_payment_problem_advice_generic"),
    ],
)
def test_payment_problem_explains_the_decline(
    backend: FakeBackendClient, reason: str, advice: str
) -> None:
    backend.payments.insert(
        0, payment(id="PAY-4", status="declined", decline_reason=reason, decline_message=None)
    )
    outcome = run_action(ActionPaymentProblem(client=backend), make_tracker())
    assert outcome.responses == ["utter_payment_problem", advice]
    problem = outcome.message("utter_payment_problem")
    assert problem["payment_id"] == "PAY-4"
    assert problem["decline_message"] == "the bank gave no reason."
    assert backend.calls_of("list_payments")[0].kwargs == {"status": "declined", "limit": 1}


def test_payment_problem_picks_the_newest_declined_payment(backend: FakeBackendClient) -> None:
    backend.payments.insert(1, DECLINED)
    outcome = run_action(ActionPaymentProblem(client=backend), make_tracker())
    assert outcome.message("utter_payment_problem")["payment_id"] == "PAY-3"
    assert outcome.message("utter_payment_problem")["date"] == "5 March 2025"


def test_payment_problem_without_failed_payments(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionPaymentProblem(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_failed_payments"]


# --------------------------------------------------------------------------- fees


def test_fees_of_the_customer_then_the_policy(backend: FakeBackendClient) -> None:
    backend.fees = [fee(), fee(id="FEE-2", kind="extension_fee", amount="2.50", order_id=None)]
    outcome = run_action(ActionFeeQuestion(client=backend), make_tracker())
    assert outcome.responses == ["utter_fee_item", "utter_fee_item", "utter_fee_policy"]
    first, second = outcome.messages[:2]
    assert (first["kind"], first["amount"], first["charged_on"]) == (
        "Late fee",
        "€5.00",
        "20 February 2025",
    )
    assert (second["kind"], second["amount"], second["order_id"]) == (
        "Extension fee",
        "€2.50",
        "-",
    )
    policy = outcome.message("utter_fee_policy")
    assert (policy["late_fee"], policy["grace_days"], policy["extension_fee"]) == (
        "€5.00",
        7,
        "€2.50",
    )


def test_no_fees_then_the_policy(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionFeeQuestion(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_fees", "utter_fee_policy"]


def test_fee_policy_without_identity(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionFeeQuestion(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_fee_policy"]
    assert backend.method_names == ["get_fee_policy"]


# --------------------------------------------------------------------------- methods


def test_payment_methods_supported_and_the_customers(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionPaymentMethods(client=backend), make_tracker())
    assert outcome.responses == [
        "utter_payment_methods_supported",
        "utter_your_payment_method",
        "utter_your_payment_method",
    ]
    assert outcome.messages[0]["methods"] == "Card, Bank account"
    assert outcome.messages[1]["description"] == "Visa ending in 4242 (default)"
    assert outcome.messages[2]["description"] == "bank account ending in 1234"


@pytest.mark.parametrize(
    ("kind", "brand", "description"),
    [
        ("bank_account", None, "bank account ending in 5678"),
        ("bank_account", "ING", "ING ending in 5678"),
        ("card", None, "card ending in 5678"),
    ],
)
def test_a_payment_method_is_named_by_brand_else_kind_in_words(
    backend: FakeBackendClient, kind: str, brand: Optional[str], description: str
) -> None:
    backend.payment_methods = [
        payment_method("PM-9", kind, brand=brand, last4="5678", is_default=False)
    ]
    outcome = run_action(ActionPaymentMethods(client=backend), make_tracker())
    assert outcome.message("utter_your_payment_method")["description"] == description


def test_payment_methods_without_identity_are_only_the_supported_ones(
    backend: FakeBackendClient,
) -> None:
    outcome = run_action(ActionPaymentMethods(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_payment_methods_supported"]
    assert backend.method_names == ["list_supported_payment_methods"]


# --------------------------------------------------------------------------- update link


def test_update_link_is_created_once_per_message(backend: FakeBackendClient) -> None:
    tracker = make_tracker(events=[user_event("update_payment_method", message_id="m-1")])
    first = run_action(ActionUpdatePaymentMethod(client=backend), tracker)
    again = run_action(ActionUpdatePaymentMethod(client=backend), tracker)
    message = first.message("utter_payment_update_link")
    assert message["url"].startswith("https://pay.example.com/update/")
    assert message["expires_at"] == "10:00 UTC"
    assert again.message("utter_payment_update_link")["url"] == message["url"]
    keys = [call.idempotency_key for call in backend.writes]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]

    tracker.events.append(user_event("update_payment_method", message_id="m-2"))
    run_action(ActionUpdatePaymentMethod(client=backend), tracker)
    assert backend.writes[-1].idempotency_key != keys[0]


def test_update_link_expiry_is_shown_in_utc(backend: FakeBackendClient) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    link = UpdateLink(url="https://pay.example.com/u/1", expires_at=NOW.astimezone(berlin))
    def create_link(customer_id: str, *, idempotency_key: str) -> UpdateLink:
        return link

    backend.create_payment_update_link = create_link  # type: ignore[method-assign]
    outcome = run_action(ActionUpdatePaymentMethod(client=backend), make_tracker())
    assert outcome.message("utter_payment_update_link")["expires_at"] == "09:30 UTC"
