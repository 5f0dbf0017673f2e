"""Tests of actions.account: balance, next payment, purchases, order status, invoices."""

from __future__ import annotations

import datetime as dt

import pytest
from rasa_sdk import Action

from actions.account import (
    RECENT_ORDERS_SHOWN,
    ActionCheckBalance,
    ActionGetInvoice,
    ActionListPurchases,
    ActionNextPayment,
    ActionOrderStatus,
)
from actions.api import BackendError, BackendTimeout, BackendUnavailable, BadRequest, NotFound
from tests.unit.actions.fakes import (
    FakeBackendClient,
    balance,
    instalment,
    invoice,
    make_tracker,
    order,
    run_action,
)

ACTIONS = [
    (ActionCheckBalance, "get_balance"),
    (ActionNextPayment, "get_next_instalment"),
    (ActionListPurchases, "list_orders"),
    (ActionOrderStatus, "get_order"),
    (ActionGetInvoice, "list_invoices"),
]


@pytest.mark.parametrize(("action_class", "method"), ACTIONS)
def test_without_identity_asks_to_log_in_and_calls_nothing(
    backend: FakeBackendClient, action_class: type, method: str
) -> None:
    tracker = make_tracker(slots={"order_id": "KL-482913"}, customer_id=None)
    outcome = run_action(action_class(client=backend), tracker)
    assert outcome.responses == ["utter_login_required"]
    assert backend.calls == []


@pytest.mark.parametrize(("action_class", "method"), ACTIONS)
@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BackendTimeout("slow"), "utter_backend_unavailable_handoff"),
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
    tracker = make_tracker(slots={"order_id": "KL-482913"})
    outcome = run_action(action_class(client=backend), tracker)
    assert outcome.responses == [response]


def test_actions_can_be_built_without_a_backend() -> None:
    for action_class, _ in ACTIONS:
        action: Action = action_class()
        assert action.name().startswith("action_")


# --------------------------------------------------------------------------- balance


def test_balance_with_overdue_amount(backend: FakeBackendClient) -> None:
    backend.balance = balance(outstanding="120.00", overdue="45.00", late_fees="5.00")
    outcome = run_action(ActionCheckBalance(client=backend), make_tracker())
    assert outcome.responses == ["utter_balance", "utter_balance_overdue", "utter_ask_csat_solved"]
    assert outcome.message("utter_balance")["outstanding"] == "€120.00"
    assert outcome.message("utter_balance")["open_plans"] == 2
    assert outcome.message("utter_balance")["next_due_date"] == "14 March 2025"
    assert outcome.message("utter_balance_overdue")["overdue"] == "€45.00"
    assert outcome.message("utter_balance_overdue")["late_fees"] == "€5.00"
    assert backend.calls_of("get_balance")[0].args == ("C1001",)


def test_balance_without_overdue(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionCheckBalance(client=backend), make_tracker())
    assert outcome.responses == ["utter_balance", "utter_ask_csat_solved"]


def test_balance_nothing_due(backend: FakeBackendClient) -> None:
    backend.balance = balance(outstanding="0.00", open_plans=0, next_due_date=None)
    outcome = run_action(ActionCheckBalance(client=backend), make_tracker())
    assert outcome.responses == ["utter_balance_nothing_due", "utter_ask_csat_solved"]


# --------------------------------------------------------------------------- next payment


def test_next_payment(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionNextPayment(client=backend), make_tracker())
    message = outcome.message("utter_next_payment")
    assert outcome.responses == ["utter_next_payment", "utter_ask_csat_solved"]
    assert message["amount"] == "€40.00"
    assert message["merchant"] == "Nordic Shoes"
    assert (message["sequence"], message["count"]) == (2, 4)
    assert message["due_date"] == "14 March 2025"


def test_next_payment_overdue_names_the_late_fee(backend: FakeBackendClient) -> None:
    backend.instalments = [
        instalment(id="INS-9", status="overdue", amount="89.90", late_fee="5.00",
                   due_date=dt.date(2025, 2, 14)),
    ]
    outcome = run_action(ActionNextPayment(client=backend), make_tracker())
    message = outcome.message("utter_next_payment_overdue")
    assert message["amount"] == "€89.90"
    assert message["late_fee"] == "€5.00"
    assert message["due_date"] == "14 February 2025"


def test_next_payment_nothing_due(backend: FakeBackendClient) -> None:
    backend.instalments = []
    outcome = run_action(ActionNextPayment(client=backend), make_tracker())
    assert outcome.responses == ["utter_nothing_due", "utter_ask_csat_solved"]


# --------------------------------------------------------------------------- purchases


def test_list_purchases_shows_the_newest_few(backend: FakeBackendClient) -> None:
    backend.orders = [order(id=f"KL-2000{n}", total=f"{n}0.00") for n in range(1, 8)]
    outcome = run_action(ActionListPurchases(client=backend), make_tracker())
    items = [m for m in outcome.messages if m["response"] == "utter_purchase_item"]
    assert outcome.responses[0] == "utter_purchases_intro"
    assert len(items) == RECENT_ORDERS_SHOWN
    assert items[0]["order_id"] == "KL-20001"
    assert items[0]["total"] == "€10.00"
    assert items[0]["ordered_on"] == "1 February 2025"
    assert backend.calls_of("list_orders")[0].kwargs["limit"] == RECENT_ORDERS_SHOWN


def test_list_purchases_none(backend: FakeBackendClient) -> None:
    backend.orders = []
    outcome = run_action(ActionListPurchases(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_purchases"]


# --------------------------------------------------------------------------- order status


@pytest.mark.parametrize(
    ("order_id", "response", "fact", "value"),
    [
        ("KL-100005", "utter_order_status_placed", "ordered_on", "1 February 2025"),
        ("KL-100004", "utter_order_status_shipped", "shipped_on", "3 February 2025"),
        ("KL-482913", "utter_order_status_delivered", "delivered_on", "5 February 2025"),
        ("KL-100001", "utter_order_status_cancelled", "total", "€25.00"),
        ("KL-100002", "utter_order_status_returned", "paused_until", "30 March 2025"),
    ],
)
def test_order_status_of_each_status(
    backend: FakeBackendClient, order_id: str, response: str, fact: str, value: str
) -> None:
    outcome = run_action(
        ActionOrderStatus(client=backend), make_tracker(slots={"order_id": order_id})
    )
    assert outcome.responses == [response]
    assert outcome.message(response)[fact] == value
    assert outcome.slots == {"order_id": order_id}


def test_order_status_keeps_the_canonical_reference(backend: FakeBackendClient) -> None:
    outcome = run_action(
        ActionOrderStatus(client=backend), make_tracker(slots={"order_id": "#482913"})
    )
    assert outcome.responses == ["utter_order_status_delivered"]
    assert outcome.slots == {"order_id": "KL-482913"}


def test_order_status_of_an_unknown_status_still_answers(backend: FakeBackendClient) -> None:
    # Statuses are plain strings so a new backend value parses; it must not go silent.
    backend.orders = [order(id="KL-7", status="on_hold")]
    tracker = make_tracker(slots={"order_id": "KL-7"})
    outcome = run_action(ActionOrderStatus(client=backend), tracker)
    assert outcome.responses == ["utter_purchase_item"]
    assert outcome.message("utter_purchase_item")["status"] == "on_hold"
    assert outcome.slots == {"order_id": "KL-7"}


def test_order_status_not_found_clears_the_order(backend: FakeBackendClient) -> None:
    outcome = run_action(
        ActionOrderStatus(client=backend), make_tracker(slots={"order_id": "KL-999999"})
    )
    assert outcome.responses == ["utter_order_not_found"]
    assert outcome.message("utter_order_not_found")["order_id"] == "KL-999999"
    assert outcome.slots == {"order_id": None}


def test_order_status_of_another_customers_order_is_not_found(
    backend: FakeBackendClient,
) -> None:
    tracker = make_tracker(slots={"order_id": "KL-482913"}, customer_id="C2002")
    outcome = run_action(ActionOrderStatus(client=backend), tracker)
    assert outcome.responses == ["utter_order_not_found"]
    assert backend.calls_of("get_order")[0].args == ("C2002", "KL-482913")


def test_order_status_without_an_order_offers_buttons(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionOrderStatus(client=backend), make_tracker())
    buttons = outcome.message("utter_ask_which_order")["buttons"]
    assert len(buttons) == RECENT_ORDERS_SHOWN
    assert buttons[0] == {
        "title": "KL-100005 · Lamp Shop · €59.00",
        "payload": '/order_status{"order_id":"KL-100005"}',
    }
    assert outcome.events == []


def test_order_status_without_an_order_nor_purchases(backend: FakeBackendClient) -> None:
    backend.orders = []
    outcome = run_action(ActionOrderStatus(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_purchases"]


# --------------------------------------------------------------------------- invoices


def test_invoice_of_the_order(backend: FakeBackendClient) -> None:
    backend.invoices = [invoice(), invoice(id="INV-2", number="2025-0002", order_id="KL-100004")]
    tracker = make_tracker(
        intent="get_invoice", entities=[{"entity": "order_id", "value": "KL-482913"}]
    )
    outcome = run_action(ActionGetInvoice(client=backend), tracker)
    message = outcome.message("utter_invoice")
    assert message["number"] == "2025-0001"
    assert message["amount"] == "€89.90"
    assert message["issued_on"] == "3 February 2025"
    assert message["url"] == "https://invoices.example.com/2025-0001.pdf"
    assert backend.calls_of("list_invoices")[0].kwargs == {"order_id": "KL-482913"}


def test_latest_invoices_without_an_order(backend: FakeBackendClient) -> None:
    backend.invoices = [invoice(id=f"INV-{n}", number=f"2025-000{n}") for n in range(1, 6)]
    outcome = run_action(ActionGetInvoice(client=backend), make_tracker())
    assert outcome.responses == ["utter_invoice"] * 3 + ["utter_ask_csat_solved"]


@pytest.mark.parametrize("order_id", ["KL-999999", "KL-100005"])
def test_no_invoice_for_an_unknown_or_unshipped_order(
    backend: FakeBackendClient, order_id: str
) -> None:
    backend.invoices = [invoice()]
    tracker = make_tracker(
        intent="get_invoice", entities=[{"entity": "order_id", "value": order_id}]
    )
    outcome = run_action(ActionGetInvoice(client=backend), tracker)
    assert outcome.responses == ["utter_no_invoices"]


def test_an_order_of_an_earlier_turn_does_not_hide_the_invoices(
    backend: FakeBackendClient,
) -> None:
    # An order status left the slot set; "my invoices" names no order: the latest
    # invoices are shown, not only (or none of) that order's.
    backend.invoices = [invoice(), invoice(id="INV-2", number="2025-0002", order_id="KL-100004")]
    tracker = make_tracker(
        intent="get_invoice", text="send me my invoices", slots={"order_id": "KL-999999"}
    )
    outcome = run_action(ActionGetInvoice(client=backend), tracker)
    assert [m["number"] for m in outcome.messages[:-1]] == ["2025-0001", "2025-0002"]
    assert backend.calls_of("list_invoices")[0].kwargs == {"order_id": None}


def test_not_found_while_listing_invoices_is_no_invoice(backend: FakeBackendClient) -> None:
    backend.fail("list_invoices", NotFound("gone", status_code=404))
    outcome = run_action(ActionGetInvoice(client=backend), make_tracker())
    assert outcome.responses == ["utter_no_invoices"]
