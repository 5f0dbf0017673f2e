"""Tests of actions.order_forms: cancelling an order and reporting a return."""

from __future__ import annotations

from typing import Any, Optional

import pytest
from rasa_sdk.events import SlotSet

from actions.api import BackendError, BackendUnavailable, BadRequest
from actions.order_forms import (
    ActionAskCancelConfirmed,
    ActionAskCancelOrderFormOrderId,
    ActionAskReturnFormOrderId,
    ActionCancelOrder,
    ActionReportReturn,
    ValidateCancelOrderForm,
    ValidateReturnForm,
)
from tests.unit.actions.fakes import (
    FakeBackendClient,
    backend_handoff_events,
    backend_handoff_slots,
    form_events,
    make_tracker,
    order,
    rejected,
    run_action,
    validation_tracker,
)

#: What ending each form early returns: nothing asked, its required slots cleared.
STOP = {
    ValidateCancelOrderForm: [
        SlotSet("requested_slot", None),
        SlotSet("order_id", None),
        SlotSet("cancel_confirmed", None),
    ],
    ValidateReturnForm: [SlotSet("requested_slot", None), SlotSet("order_id", None)],
}


def _validate(action_class: type, backend: FakeBackendClient, order_id: Any, **kwargs: Any) -> Any:
    form = "cancel_order_form" if action_class is ValidateCancelOrderForm else "return_form"
    candidates = {} if order_id is None else {"order_id": order_id}
    return run_action(action_class(client=backend), validation_tracker(form, candidates, **kwargs))


def _status(backend: FakeBackendClient, order_id: str) -> str:
    return next(found.status for found in backend.orders if found.id == order_id)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("action_class", [ValidateCancelOrderForm, ValidateReturnForm])
def test_activation_with_a_qualifying_order_goes_on(
    backend: FakeBackendClient, action_class: type
) -> None:
    outcome = _validate(action_class, backend, None)
    assert outcome.responses == [] and outcome.events == []
    assert backend.method_names == ["list_orders"]


@pytest.mark.parametrize(
    ("action_class", "response"),
    [
        (ValidateCancelOrderForm, "utter_no_cancellable_orders"),
        (ValidateReturnForm, "utter_no_returnable_orders"),
    ],
)
def test_activation_without_a_qualifying_order_stops(
    backend: FakeBackendClient, action_class: type, response: str
) -> None:
    backend.orders = [order(id="KL-1", status="cancelled"), order(id="KL-2", status="returned")]
    outcome = _validate(action_class, backend, None)
    assert outcome.responses == [response]
    assert outcome.events == STOP[action_class]


@pytest.mark.parametrize("action_class", [ValidateCancelOrderForm, ValidateReturnForm])
def test_activation_without_identity_stops(backend: FakeBackendClient, action_class: type) -> None:
    outcome = _validate(action_class, backend, "KL-482913", customer_id=None)
    assert outcome.responses == ["utter_login_required"]
    assert outcome.events == STOP[action_class]
    assert backend.calls == []


@pytest.mark.parametrize("action_class", [ValidateCancelOrderForm, ValidateReturnForm])
def test_activation_backend_down_stops(backend: FakeBackendClient, action_class: type) -> None:
    backend.fail("list_orders", BackendUnavailable("down"))
    outcome = _validate(action_class, backend, None)
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.events == STOP[action_class] + backend_handoff_events()


def test_return_activation_refusal_names_returns_not_purchases(
    backend: FakeBackendClient,
) -> None:
    # The customer has purchases, only none that arrived and could go back.
    backend.orders = [order(id="KL-1", status="placed"), order(id="KL-2", status="shipped")]
    outcome = _validate(ValidateReturnForm, backend, None)
    assert outcome.responses == ["utter_no_returnable_orders"]
    assert backend.method_names == ["list_orders"]


@pytest.mark.parametrize("action_class", [ValidateCancelOrderForm, ValidateReturnForm])
def test_order_validation_backend_down_clears_the_named_order(
    backend: FakeBackendClient, action_class: type
) -> None:
    backend.fail("get_order", BackendUnavailable("down"))
    outcome = _validate(action_class, backend, "KL-482913", requested_slot="order_id")
    assert outcome.responses == ["utter_backend_unavailable_handoff"]
    assert outcome.events == STOP[action_class] + backend_handoff_events()


@pytest.mark.parametrize(
    ("action_class", "order_id"),
    [(ValidateCancelOrderForm, "#100005"), (ValidateReturnForm, "KL-482913")],
)
def test_a_qualifying_order_is_kept_canonical(
    backend: FakeBackendClient, action_class: type, order_id: str
) -> None:
    outcome = _validate(action_class, backend, order_id, requested_slot="order_id")
    assert outcome.responses == []
    assert outcome.slots["order_id"].startswith("KL-")
    assert outcome.slots.get("requested_slot", "asked on") == "asked on"


@pytest.mark.parametrize(
    ("action_class", "order_id", "response"),
    [
        (ValidateCancelOrderForm, "KL-100004", "utter_cancel_not_possible_shipped"),
        (ValidateCancelOrderForm, "KL-482913", "utter_cancel_not_possible_shipped"),
        (ValidateCancelOrderForm, "KL-100001", "utter_cancel_already_cancelled"),
        (ValidateReturnForm, "KL-100002", "utter_return_exists"),
        (ValidateReturnForm, "KL-100005", "utter_return_not_delivered"),
        (ValidateReturnForm, "KL-100004", "utter_return_not_delivered"),
    ],
)
def test_an_order_that_cannot_be_acted_on_is_explained_and_stops(
    backend: FakeBackendClient, action_class: type, order_id: str, response: str
) -> None:
    outcome = _validate(action_class, backend, order_id, requested_slot="order_id")
    assert outcome.responses == [response]
    assert outcome.message(response)["order_id"] == order_id
    assert outcome.slots == {"order_id": None, "requested_slot": None}


@pytest.mark.parametrize("action_class", [ValidateCancelOrderForm, ValidateReturnForm])
def test_an_unknown_order_is_asked_again(backend: FakeBackendClient, action_class: type) -> None:
    outcome = _validate(action_class, backend, "KL-31337", requested_slot="order_id")
    assert outcome.responses == ["utter_order_not_found"]
    assert outcome.slots == {"order_id": None, **rejected("order_id")}


# --------------------------------------------------------------------------- asks


@pytest.mark.parametrize(
    ("action_class", "response", "payloads"),
    [
        (ActionAskCancelOrderFormOrderId, "utter_ask_cancel_order_id", ['/inform{"order_id":"KL-100005"}']),
        (ActionAskReturnFormOrderId, "utter_ask_return_order_id", ['/inform{"order_id":"KL-482913"}']),
    ],
)
def test_ask_order_offers_only_qualifying_orders(
    backend: FakeBackendClient, action_class: type, response: str, payloads: list
) -> None:
    outcome = run_action(action_class(client=backend), make_tracker())
    assert [b["payload"] for b in outcome.message(response)["buttons"]] == payloads


def test_ask_cancel_confirmed_shows_the_order(backend: FakeBackendClient) -> None:
    tracker = make_tracker(slots={"order_id": "KL-100005"})
    outcome = run_action(ActionAskCancelConfirmed(client=backend), tracker)
    message = outcome.message("utter_ask_cancel_confirmed")
    assert (message["order_id"], message["merchant"], message["total"]) == (
        "KL-100005",
        "Lamp Shop",
        "€59.00",
    )
    assert backend.writes == []


@pytest.mark.parametrize(
    "action_class", [ActionAskCancelOrderFormOrderId, ActionAskReturnFormOrderId, ActionAskCancelConfirmed]
)
@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_asks_end_the_form_on_backend_failure(
    backend: FakeBackendClient, action_class: type, error: BackendError, response: str
) -> None:
    backend.fail("list_orders", error).fail("get_order", error)
    tracker = make_tracker(slots={"order_id": "KL-100005"})
    outcome = run_action(action_class(client=backend), tracker)
    assert outcome.responses == [response]
    assert outcome.slots == {"requested_slot": None, **backend_handoff_slots(error)}


# --------------------------------------------------------------------------- cancel


def _cancel_tracker(
    confirmed: Optional[bool] = True,
    order_id: Optional[str] = "KL-100005",
    activated_at: float = 1000.0,
    **kwargs: Any,
) -> Any:
    slots = {"order_id": order_id, "cancel_confirmed": confirmed}
    return make_tracker(
        slots=slots, events=form_events("cancel_order_form", activated_at), **kwargs
    )


def test_confirmed_cancellation_is_made_once(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionCancelOrder(client=backend), _cancel_tracker())
    assert outcome.responses == ["utter_order_cancelled", "utter_ask_csat_solved"]
    assert outcome.message("utter_order_cancelled")["order_id"] == "KL-100005"
    assert outcome.slots == {"cancel_confirmed": None}
    [call] = backend.writes
    assert call.args == ("C1001", "KL-100005")
    assert call.idempotency_key and call.idempotency_key.startswith("cancel_order_form-")
    assert backend.orders[0].status == "cancelled"


def test_a_retried_cancellation_reuses_its_key(backend: FakeBackendClient) -> None:
    tracker = _cancel_tracker()
    run_action(ActionCancelOrder(client=backend), tracker)
    again = run_action(ActionCancelOrder(client=backend), tracker)
    run_action(ActionCancelOrder(client=backend), _cancel_tracker(activated_at=5000.0))
    first, retry, new_run = (call.idempotency_key for call in backend.writes)
    assert first == retry != new_run
    assert again.responses == ["utter_order_cancelled", "utter_ask_csat_solved"]


def test_denied_cancellation_keeps_the_order(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionCancelOrder(client=backend), _cancel_tracker(confirmed=False))
    assert outcome.responses == ["utter_cancel_kept"]
    assert outcome.slots == {"cancel_confirmed": None}
    assert backend.calls == []


@pytest.mark.parametrize(("confirmed", "order_id"), [(None, "KL-100005"), (True, None)])
def test_form_stopped_early_cancels_nothing(
    backend: FakeBackendClient, confirmed: Optional[bool], order_id: Optional[str]
) -> None:
    outcome = run_action(
        ActionCancelOrder(client=backend), _cancel_tracker(confirmed=confirmed, order_id=order_id)
    )
    assert outcome.responses == []
    assert outcome.slots == {"cancel_confirmed": None}
    assert backend.calls == []


@pytest.mark.parametrize(
    ("order_id", "response"),
    [
        ("KL-100004", "utter_cancel_not_possible_shipped"),
        ("KL-100001", "utter_cancel_already_cancelled"),
    ],
)
def test_cancellation_refused_by_the_backend_is_explained(
    backend: FakeBackendClient, order_id: str, response: str
) -> None:
    outcome = run_action(ActionCancelOrder(client=backend), _cancel_tracker(order_id=order_id))
    assert outcome.responses == [response]
    assert outcome.slots == {"cancel_confirmed": None}


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_cancellation_failures_get_a_reply(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("cancel_order", error)
    outcome = run_action(ActionCancelOrder(client=backend), _cancel_tracker())
    assert outcome.responses == [response]
    assert outcome.slots == {"cancel_confirmed": None, **backend_handoff_slots(error)}


def test_cancel_without_identity(backend: FakeBackendClient) -> None:
    # The validation asked to log in already: the submit only clears the form.
    outcome = run_action(ActionCancelOrder(client=backend), _cancel_tracker(customer_id=None))
    assert outcome.messages == []
    assert outcome.events == [SlotSet("cancel_confirmed", None)]
    assert backend.calls == []


def test_cancel_after_a_failed_validation_cancels_nothing(backend: FakeBackendClient) -> None:
    # Order and confirmation came in one message; checking the order failed.
    backend.fail("get_order", BackendUnavailable("down"))
    tracker = validation_tracker(
        "cancel_order_form",
        {"order_id": "KL-100005", "cancel_confirmed": True},
        requested_slot="order_id",
    )
    validation = run_action(ValidateCancelOrderForm(client=backend), tracker)
    assert validation.responses == ["utter_backend_unavailable_handoff"]
    assert validation.events == STOP[ValidateCancelOrderForm] + backend_handoff_events()
    backend.errors.clear()
    tracker = _cancel_tracker(
        confirmed=validation.slots["cancel_confirmed"], order_id=validation.slots["order_id"]
    )
    submit = run_action(ActionCancelOrder(client=backend), tracker)
    assert submit.messages == []
    assert submit.slots == {"cancel_confirmed": None}
    assert backend.writes == []
    assert _status(backend, "KL-100005") == "placed"


def test_cancel_without_identity_asks_to_log_in_once(backend: FakeBackendClient) -> None:
    validation = _validate(ValidateCancelOrderForm, backend, "KL-100005", customer_id=None)
    tracker = _cancel_tracker(
        confirmed=validation.slots["cancel_confirmed"],
        order_id=validation.slots["order_id"],
        customer_id=None,
    )
    submit = run_action(ActionCancelOrder(client=backend), tracker)
    assert validation.responses + submit.responses == ["utter_login_required"]
    assert backend.calls == []


# --------------------------------------------------------------------------- return


def _return_tracker(
    order_id: Optional[str] = "KL-482913",
    requested_slot: Optional[str] = None,
    activated_at: float = 1000.0,
    **kwargs: Any,
) -> Any:
    slots = {"order_id": order_id, "requested_slot": requested_slot}
    return make_tracker(slots=slots, events=form_events("return_form", activated_at), **kwargs)


def test_return_is_reported_once_and_payments_paused(backend: FakeBackendClient) -> None:
    outcome = run_action(ActionReportReturn(client=backend), _return_tracker())
    message = outcome.message("utter_return_reported")
    assert outcome.responses == ["utter_return_reported", "utter_ask_csat_solved"]
    assert (message["order_id"], message["return_id"], message["merchant"]) == (
        "KL-482913",
        "RET-1",
        "Nordic Shoes",
    )
    assert message["paused_until"] == "31 March 2025"
    assert outcome.slots == {"order_id": "KL-482913"}
    [call] = backend.writes
    assert call.args[:2] == ("C1001", "KL-482913")
    assert call.idempotency_key and call.idempotency_key.startswith("return_form-")


def test_a_retried_return_reuses_its_key(backend: FakeBackendClient) -> None:
    tracker = _return_tracker()
    first = run_action(ActionReportReturn(client=backend), tracker)
    again = run_action(ActionReportReturn(client=backend), tracker)
    first_key, second_key = (call.idempotency_key for call in backend.writes)
    assert first_key == second_key
    assert again.responses == first.responses == ["utter_return_reported", "utter_ask_csat_solved"]


@pytest.mark.parametrize(
    ("order_id", "response"),
    [("KL-100002", "utter_return_exists"), ("KL-100004", "utter_return_not_delivered")],
)
def test_return_refused_by_the_backend_is_explained(
    backend: FakeBackendClient, order_id: str, response: str
) -> None:
    outcome = run_action(ActionReportReturn(client=backend), _return_tracker(order_id=order_id))
    assert outcome.responses == [response]
    assert outcome.message(response)["order_id"] == order_id


@pytest.mark.parametrize(("order_id", "requested_slot"), [(None, None), ("KL-482913", "order_id")])
def test_form_stopped_early_reports_nothing(
    backend: FakeBackendClient, order_id: Optional[str], requested_slot: Optional[str]
) -> None:
    tracker = _return_tracker(order_id=order_id, requested_slot=requested_slot)
    outcome = run_action(ActionReportReturn(client=backend), tracker)
    assert outcome.responses == [] and outcome.events == []
    assert backend.calls == []


@pytest.mark.parametrize(
    ("error", "response"),
    [
        (BackendUnavailable("down"), "utter_backend_unavailable_handoff"),
        (BadRequest("bug", status_code=400), "utter_something_went_wrong"),
    ],
)
def test_return_failures_get_a_reply(
    backend: FakeBackendClient, error: BackendError, response: str
) -> None:
    backend.fail("report_return", error)
    outcome = run_action(ActionReportReturn(client=backend), _return_tracker())
    assert outcome.responses == [response]


def test_return_without_identity(backend: FakeBackendClient) -> None:
    # The validation asked to log in already; the form has no slot to clear.
    outcome = run_action(ActionReportReturn(client=backend), _return_tracker(customer_id=None))
    assert outcome.messages == [] and outcome.events == []
    assert backend.calls == []


@pytest.mark.parametrize("requested_slot", [None, "order_id"])
def test_return_after_a_failed_validation_reports_nothing(
    backend: FakeBackendClient, requested_slot: Optional[str]
) -> None:
    # At activation (order named up front) or mid-form, checking the order failed.
    backend.fail("get_order", BackendUnavailable("down"))
    validation = _validate(
        ValidateReturnForm, backend, "KL-482913", requested_slot=requested_slot
    )
    assert validation.responses == ["utter_backend_unavailable_handoff"]
    backend.errors.clear()
    tracker = _return_tracker(
        order_id=validation.slots["order_id"],
        requested_slot=validation.slots["requested_slot"],
    )
    submit = run_action(ActionReportReturn(client=backend), tracker)
    assert submit.messages == [] and submit.events == []
    assert backend.writes == []
    assert _status(backend, "KL-482913") == "delivered"


def test_return_without_identity_asks_to_log_in_once(backend: FakeBackendClient) -> None:
    validation = _validate(ValidateReturnForm, backend, "KL-482913", customer_id=None)
    tracker = _return_tracker(
        order_id=validation.slots["order_id"],
        requested_slot=validation.slots["requested_slot"],
        customer_id=None,
    )
    submit = run_action(ActionReportReturn(client=backend), tracker)
    assert validation.responses + submit.responses == ["utter_login_required"]
    assert backend.calls == []
