"""Cancelling an order and reporting a return: forms that pick an order and act once."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.account import RECENT_ORDERS_SHOWN, order_button, order_facts, orders_in
from actions.api import NotFound, Order, RuleViolation
from actions.base import BackendFormValidationAction, FormAskAction, FormSubmitAction
from actions.formatting import format_date
from actions.idempotency import form_submission_key
from actions.satisfaction import ask_satisfaction

CANCELLABLE = {"placed"}
RETURNABLE = {"delivered"}


class OrderFormValidation(BackendFormValidationAction):
    """Validates a form whose first slot is one of the customer's orders."""

    #: Statuses the form can act on.
    statuses: Set[str] = set()
    #: Said when the customer has no such order.
    none_response: Text = ""

    async def check_activation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: str,
    ) -> bool:
        """Refuses at once when no order qualifies and none was named."""
        if tracker.get_slot("order_id"):
            return True
        if await orders_in(self, customer_id, self.statuses):
            return True
        dispatcher.utter_message(response=self.none_response)
        return False

    def refuse(self, dispatcher: CollectingDispatcher, order: Order) -> None:
        """Explains why this order can't be acted on."""

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Accepts an order of this customer in one of `statuses`."""
        try:
            order = await self.call(
                self.client.get_order, self.customer(tracker), str(slot_value)
            )
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_id=slot_value)
            return {"order_id": None}
        if order.status not in self.statuses:
            self.refuse(dispatcher, order)
            return {"order_id": None, REQUESTED_SLOT: None}
        return {"order_id": order.id}


class ValidateCancelOrderForm(OrderFormValidation):
    """Only orders not yet shipped can be cancelled."""

    statuses = CANCELLABLE
    none_response = "utter_no_cancellable_orders"

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_cancel_order_form"

    def refuse(self, dispatcher: CollectingDispatcher, order: Order) -> None:
        """Explains that a shipped or cancelled order can't be cancelled."""
        response = (
            "utter_cancel_already_cancelled"
            if order.status == "cancelled"
            else "utter_cancel_not_possible_shipped"
        )
        dispatcher.utter_message(response=response, order_id=order.id)


class ValidateReturnForm(OrderFormValidation):
    """Only delivered orders can be returned."""

    statuses = RETURNABLE
    none_response = "utter_no_returnable_orders"

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_return_form"

    def refuse(self, dispatcher: CollectingDispatcher, order: Order) -> None:
        """Explains why the order can't be returned."""
        response = (
            "utter_return_exists" if order.status == "returned" else "utter_return_not_delivered"
        )
        dispatcher.utter_message(response=response, order_id=order.id)


class OrderAskAction(FormAskAction):
    """Asks for an order with the qualifying orders as buttons."""

    statuses: Set[str] = set()
    ask_response: Text = ""

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Offers up to five orders."""
        orders = await orders_in(self, customer_id, self.statuses)
        dispatcher.utter_message(
            response=self.ask_response,
            buttons=[order_button(order, "inform") for order in orders[:RECENT_ORDERS_SHOWN]],
        )
        return []


class ActionAskCancelOrderFormOrderId(OrderAskAction):
    """Asks which order to cancel."""

    statuses = CANCELLABLE
    ask_response = "utter_ask_cancel_order_id"

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_cancel_order_form_order_id"


class ActionAskReturnFormOrderId(OrderAskAction):
    """Asks which order was sent back."""

    statuses = RETURNABLE
    ask_response = "utter_ask_return_order_id"

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_return_form_order_id"


class ActionAskCancelConfirmed(FormAskAction):
    """Shows the order to cancel and asks to confirm."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_cancel_confirmed"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Asks with the order's facts."""
        order = await self.call(self.client.get_order, customer_id, tracker.get_slot("order_id"))
        dispatcher.utter_message(response="utter_ask_cancel_confirmed", **order_facts(order))
        return []


class ActionCancelOrder(FormSubmitAction):
    """Cancels the confirmed order once."""

    form_slots = ["cancel_confirmed"]

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_cancel_order"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Cancels when confirmed; explains the backend's refusal."""
        confirmed = tracker.get_slot("cancel_confirmed")
        order_id = tracker.get_slot("order_id")
        if confirmed is False:
            dispatcher.utter_message(response="utter_cancel_kept")
        if not confirmed or not order_id:
            return self.clear_slots()
        key = form_submission_key(tracker, "cancel_order_form", customer_id, order_id)
        try:
            order = await self.call(
                self.client.cancel_order, customer_id, order_id, idempotency_key=key
            )
        except RuleViolation as violation:
            response = (
                "utter_cancel_already_cancelled"
                if violation.code == "order_already_cancelled"
                else "utter_cancel_not_possible_shipped"
            )
            dispatcher.utter_message(response=response, order_id=order_id)
            return self.clear_slots()
        dispatcher.utter_message(response="utter_order_cancelled", order_id=order.id)
        ask_satisfaction(dispatcher, tracker)
        return self.clear_slots()


class ActionReportReturn(FormSubmitAction):
    """Registers the return once; the backend pauses the order's payments."""

    form_slots: List[Text] = []

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_report_return"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Reports the return of the chosen order."""
        order_id = tracker.get_slot("order_id")
        if not order_id or tracker.get_slot(REQUESTED_SLOT):
            return []
        key = form_submission_key(tracker, "return_form", customer_id, order_id)
        try:
            returned = await self.call(
                self.client.report_return,
                customer_id,
                order_id,
                "reported in chat",
                idempotency_key=key,
            )
        except RuleViolation as violation:
            response = (
                "utter_return_exists"
                if violation.code == "return_exists"
                else "utter_return_not_delivered"
            )
            dispatcher.utter_message(response=response, order_id=order_id)
            return []
        order = await self.call(self.client.get_order, customer_id, order_id)
        dispatcher.utter_message(
            response="utter_return_reported",
            order_id=order_id,
            return_id=returned.id,
            paused_until=format_date(returned.payments_paused_until),
            merchant=order.merchant.name,
        )
        ask_satisfaction(dispatcher, tracker)
        return [SlotSet("order_id", order_id)]
