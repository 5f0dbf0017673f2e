"""Account facts: balance, next payment, purchases, order status, invoices."""

from __future__ import annotations

from typing import Any, List, Optional, Set, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import NotFound, Order
from actions.base import BackendAction
from actions.formatting import format_date, format_money
from actions.satisfaction import ask_satisfaction

#: How many purchases a list shows; more would flood a chat window.
RECENT_ORDERS_SHOWN = 5
#: Statuses with a response of their own; a new backend status gets the generic line.
ORDER_STATUSES = {"placed", "shipped", "delivered", "cancelled", "returned"}


def order_named_now(tracker: Tracker) -> Optional[str]:
    """The order the customer's latest message names, if any.

    Not the `order_id` slot: it keeps an order from an earlier turn (an order
    status), and filtering lists by that one hides the refunds or invoices of
    the customer's other orders when they just ask "where is my refund?".

    Args:
        tracker: The conversation.

    Returns:
        The order reference of the latest message's `order_id` entity (typed
        or from a button payload), or `None`.
    """
    value = next(tracker.get_latest_entity_values("order_id"), None)
    # A button payload may carry the digits as a JSON number.
    return str(value) if value not in (None, "") else None


def order_facts(order: Order) -> dict:
    """The placeholders of the order responses.

    Args:
        order: The order.

    Returns:
        Values for `{order_id}`, `{merchant}`, `{total}`, dates and `{status}`.
    """
    return {
        "order_id": order.id,
        "merchant": order.merchant.name,
        "total": format_money(order.total),
        "status": order.status,
        "ordered_on": format_date(order.created_at),
        "shipped_on": format_date(order.shipped_at),
        "delivered_on": format_date(order.delivered_at),
        "paused_until": format_date(order.payments_paused_until),
    }


def order_button(order: Order, intent: Text) -> dict:
    """A button choosing `order` for `intent`.

    Args:
        order: The order offered.
        intent: The intent the button triggers, with the order as entity.

    Returns:
        A Rasa button.
    """
    title = f"{order.id} · {order.merchant.name} · {format_money(order.total)}"
    return {"title": title, "payload": f'/{intent}{{"order_id":"{order.id}"}}'}


async def orders_in(action: Any, customer_id: str, statuses: Set[str]) -> List[Order]:
    """The customer's orders in one of `statuses`, newest first.

    Args:
        action: An action using the backend (`UsesBackend`).
        customer_id: The verified customer.
        statuses: Order statuses to keep.

    Returns:
        The matching orders.
    """
    orders = await action.call(action.client.list_orders, customer_id)
    return [order for order in orders if order.status in statuses]


class ActionCheckBalance(BackendAction):
    """Tells the customer what they owe, and what is overdue."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_check_balance"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's balance."""
        balance = await self.call(self.client.get_balance, customer_id)
        if balance.outstanding.amount == 0:
            dispatcher.utter_message(response="utter_balance_nothing_due")
            ask_satisfaction(dispatcher, tracker)
            return []
        dispatcher.utter_message(
            response="utter_balance",
            outstanding=format_money(balance.outstanding),
            open_plans=balance.open_plans,
            next_due_date=format_date(balance.next_due_date),
        )
        if balance.overdue.amount > 0:
            dispatcher.utter_message(
                response="utter_balance_overdue",
                overdue=format_money(balance.overdue),
                late_fees=format_money(balance.late_fees),
            )
        ask_satisfaction(dispatcher, tracker)
        return []


class ActionNextPayment(BackendAction):
    """Tells the customer which instalment is due next, for how much and when."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_next_payment"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's next instalment."""
        instalment = await self.call(self.client.get_next_instalment, customer_id)
        if instalment is None:
            dispatcher.utter_message(response="utter_nothing_due")
            ask_satisfaction(dispatcher, tracker)
            return []
        facts = {
            "amount": format_money(instalment.amount),
            "merchant": instalment.merchant_name,
            "sequence": instalment.sequence,
            "count": instalment.count,
            "due_date": format_date(instalment.due_date),
            "late_fee": format_money(instalment.late_fee),
        }
        response = (
            "utter_next_payment_overdue"
            if instalment.status == "overdue"
            else "utter_next_payment"
        )
        dispatcher.utter_message(response=response, **facts)
        ask_satisfaction(dispatcher, tracker)
        return []


class ActionListPurchases(BackendAction):
    """Lists the customer's recent purchases."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_list_purchases"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's orders, newest first."""
        orders = await self.call(
            self.client.list_orders, customer_id, limit=RECENT_ORDERS_SHOWN
        )
        if not orders:
            dispatcher.utter_message(response="utter_no_purchases")
            return []
        dispatcher.utter_message(response="utter_purchases_intro")
        for order in orders[:RECENT_ORDERS_SHOWN]:
            dispatcher.utter_message(response="utter_purchase_item", **order_facts(order))
        return []


class ActionOrderStatus(BackendAction):
    """Tells the status of the order named, or asks which order with buttons."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_order_status"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's order, or offers the recent orders."""
        order_ref = tracker.get_slot("order_id")
        if not order_ref:
            orders = await self.call(
                self.client.list_orders, customer_id, limit=RECENT_ORDERS_SHOWN
            )
            if not orders:
                dispatcher.utter_message(response="utter_no_purchases")
                return []
            dispatcher.utter_message(
                response="utter_ask_which_order",
                buttons=[order_button(order, "order_status") for order in orders],
            )
            return []
        try:
            order = await self.call(self.client.get_order, customer_id, order_ref)
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_id=order_ref)
            return [SlotSet("order_id", None)]
        response = (
            f"utter_order_status_{order.status}"
            if order.status in ORDER_STATUSES
            else "utter_purchase_item"
        )
        dispatcher.utter_message(response=response, **order_facts(order))
        return [SlotSet("order_id", order.id)]


class ActionGetInvoice(BackendAction):
    """Gives the invoice of the order named, or the latest invoices."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_get_invoice"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's invoices."""
        order_ref = order_named_now(tracker)
        try:
            invoices = await self.call(
                self.client.list_invoices, customer_id, order_id=order_ref
            )
        except NotFound:
            invoices = []
        if not invoices:
            dispatcher.utter_message(response="utter_no_invoices")
            return []
        for invoice in invoices[:3]:
            dispatcher.utter_message(
                response="utter_invoice",
                number=invoice.number,
                order_id=invoice.order_id,
                merchant=invoice.merchant_name,
                amount=format_money(invoice.amount),
                issued_on=format_date(invoice.issued_on),
                url=invoice.url,
            )
        ask_satisfaction(dispatcher, tracker)
        return []
