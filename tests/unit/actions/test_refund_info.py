"""Tests of actions.refund_info: refund status and refund policy."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.api import BackendError, BackendUnavailable, BadRequest, NotFound
from actions.refund_info import REFUNDS_SHOWN, ActionRefundPolicy, ActionRefundStatus
from tests.unit.actions.fakes import FakeBackendClient, make_tracker, refund, run_action

COMPLETED = refund(
    id="RF-2",
    order_id="KL-100002",
    amount="120.00",
    status="completed",
    completed_at=dt.datetime(2025, 3, 8, 12, tzinfo=dt.timezone.utc),
)


# --------------------------------------------------------------------------- status


def test_refund_status_of_the_latest_refunds(backend: FakeBackendClient) -> None:
    backend.refunds = [refund(), COMPLETED] + [refund(id=f"RF-{n}") for n in range(3, 7)]
    outcome = run_action(ActionRefundStatus(client=backend), make_tracker())
    assert outcome.responses == [
        "utter_refund_status",
        "utter_refund_status_completed",
        "utter_refund_status",
        "utter_ask_csat_solved",
    ]
    assert len(outcome.messages) == REFUNDS_SHOWN + 1
    pending = outcome.messages[0]
    assert (pending["refund_id"], pending["amount"], pending["status"]) == (
        "RF-1",
        "€89.90",
        "pending",
    )
    assert pending["expected_by"] == "20 March 2025"
    assert outcome.messages[1]["completed_on"] == "8 March 2025"
    assert backend.calls_of("list_refunds")[0].kwargs == {"order_id": None}


def _naming(order_id: str) -> dict:
    """Tracker arguments of a message that names the order (slot filled from it)."""
    return {
        "intent": "refund_status",
        "slots": {"order_id": order_id},
        "entities": [{"entity": "order_id", "value": order_id}],
    }


def test_refund_status_of_one_order(backend: FakeBackendClient) -> None:
    backend.refunds = [refund(), COMPLETED]
    tracker = make_tracker(**_naming("KL-100002"))
    outcome = run_action(ActionRefundStatus(client=backend), tracker)
    assert outcome.responses == ["utter_refund_status_completed", "utter_ask_csat_solved"]
    assert outcome.messages[0]["amount"] == "€120.00"
    assert backend.calls_of("list_refunds")[0].kwargs == {"order_id": "KL-100002"}


def test_an_order_of_an_earlier_turn_does_not_hide_the_refunds(
    backend: FakeBackendClient,
) -> None:
    # "where is my order #482913?" left the slot set; then "where is my refund?"
    # names no order: the refunds of every order are shown, not none.
    backend.refunds = [COMPLETED]
    tracker = make_tracker(
        intent="refund_status",
        text="where is my refund? it's been ages",
        slots={"order_id": "KL-482913"},
    )
    outcome = run_action(ActionRefundStatus(client=backend), tracker)
    assert outcome.responses == ["utter_refund_status_completed", "utter_ask_csat_solved"]
    assert outcome.messages[0]["refund_id"] == "RF-2"
    assert backend.calls_of("list_refunds")[0].kwargs == {"order_id": None}


def test_an_order_number_from_a_button_payload_filters(backend: FakeBackendClient) -> None:
    backend.refunds = [refund(), COMPLETED]
    tracker = make_tracker(
        intent="refund_status", entities=[{"entity": "order_id", "value": 100002}]
    )
    outcome = run_action(ActionRefundStatus(client=backend), tracker)
    assert [m["refund_id"] for m in outcome.messages[:-1]] == ["RF-2"]
    assert backend.calls_of("list_refunds")[0].kwargs == {"order_id": "100002"}


def test_no_refunds(backend: FakeBackendClient) -> None:
    backend.refunds = []
    outcome = run_action(ActionRefundStatus(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_refunds"]


@pytest.mark.parametrize("order_id", ["KL-482913", "KL-999999"])
def test_no_refunds_for_the_order_named(backend: FakeBackendClient, order_id: str) -> None:
    # Other orders have refunds: "none on your account" would be wrong.
    backend.refunds = [COMPLETED]
    outcome = run_action(ActionRefundStatus(client=backend), make_tracker(**_naming(order_id)))
    assert outcome.responses == ["utter_no_refunds_for_order"]
    assert outcome.messages[0]["order_id"] == order_id


def test_refund_status_needs_identity(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionRefundStatus(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert backend.calls == []


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_refund_status_backend_errors(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("list_refunds", error)
    outcome = run_action(ActionRefundStatus(client=backend), make_tracker())
    assert outcome.responses == [response]


# --------------------------------------------------------------------------- policy


def test_policy_of_the_shop_named(backend: FakeBackendClient) -> None:
    tracker = make_tracker(slots={"merchant": "urban"}, customer_id=None)
    outcome = run_action(ActionRefundPolicy(client=backend), tracker)
    message = outcome.message("utter_refund_policy")
    assert (message["merchant"], message["window_days"], message["refund_days"]) == (
        "Urban Outfit",
        14,
        10,
    )
    assert message["conditions"] == "Items must be unworn."
    assert backend.method_names == ["find_merchants", "get_refund_policy"]


def test_policy_of_the_order_in_context(backend: FakeBackendClient) -> None:
    tracker = make_tracker(slots={"order_id": "KL-482913"})
    outcome = run_action(ActionRefundPolicy(client=backend), tracker)
    assert outcome.message("utter_refund_policy")["merchant"] == "Nordic Shoes"
    assert backend.calls_of("get_refund_policy")[0].args == ("M-1",)


def test_an_unknown_shop_falls_back_to_the_order(backend: FakeBackendClient) -> None:
    tracker = make_tracker(slots={"merchant": "Nowhere Ltd", "order_id": "KL-100001"})
    outcome = run_action(ActionRefundPolicy(client=backend), tracker)
    assert outcome.message("utter_refund_policy")["merchant"] == "Urban Outfit"


@pytest.mark.parametrize(
    ("slots", "customer_id"),
    [
        ({}, "C1001"),
        ({}, None),
        ({"merchant": "Nowhere Ltd"}, None),
        ({"order_id": "KL-482913"}, None),  # an order is account data: not without identity
        ({"order_id": "KL-999999"}, "C1001"),
    ],
)
def test_general_policy_when_no_shop_is_known(
    backend: FakeBackendClient, slots: dict, customer_id: str
) -> None:
    tracker = make_tracker(slots=slots, customer_id=customer_id)
    outcome = run_action(ActionRefundPolicy(client=backend), tracker)
    assert outcome.responses == ["utter_refund_policy_general"]
    assert "get_order" not in backend.method_names or customer_id is not None


@pytest.mark.parametrize(
    ("method", "error", "response"),
    [
        ("find_merchants", BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        ("get_refund_policy", BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        ("get_refund_policy", NotFound("gone", status_code=404), "utter_something_went_wrong"),
    ],
)
def test_policy_backend_errors(
    backend: FakeBackendClient, method: str, error: BackendError, response: str
) -> None:
    backend.fail(method, error)
    tracker = make_tracker(slots={"merchant": "Nordic"})
    outcome = run_action(ActionRefundPolicy(client=backend), tracker)
    assert outcome.responses == [response]
