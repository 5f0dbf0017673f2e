"""Requesting a refund: order, amount, reason, confirmation, created exactly once."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.account import RECENT_ORDERS_SHOWN, order_button, orders_in
from actions.api import Money, NotFound, Order, RefundEligibility, RuleViolation
from actions.base import BackendFormValidationAction, FormAskAction, FormSubmitAction
from actions.formatting import format_date, format_money
from actions.satisfaction import ask_satisfaction
from rasa_plugins.nlu.normalization import parse_amount

FORM = "refund_form"

#: Backend refusals with an explanation of their own in the domain.
EXPLAINED_RULES = {
    "refund_window_expired",
    "already_refunded",
    "order_cancelled",
    "order_not_delivered",
}
_FULL_AMOUNT = re.compile(
    r"\b(full|all|everything|entire|whole|total|complete)\b", re.IGNORECASE
)


def money_to_slot(money: Money) -> str:
    """Keeps an amount in a text slot, e.g. `49.90 EUR`."""
    return f"{money.amount_text()} {money.currency}"


def money_from_slot(value: Optional[str]) -> Optional[Money]:
    """Reads an amount kept by `money_to_slot`."""
    if not value:
        return None
    amount, _, currency = str(value).partition(" ")
    return Money(amount=Decimal(amount), currency=currency)


def requested_refund(text: Any, refundable: Money) -> Optional[Money]:
    """Reads the refund amount the customer asked for.

    Args:
        text: What they typed or the button sent: "full", "25", "€12,50".
        refundable: What can still be refunded (its currency is the order's).

    Returns:
        The amount in the order's currency, or `None` when it can't be read or
        names another currency.
    """
    text = str(text or "")
    parsed = parse_amount(text)
    if parsed is None:
        return refundable if _FULL_AMOUNT.search(text) else None
    if parsed.currency is not None and parsed.currency.code != refundable.currency:
        return None
    return Money(amount=parsed.value, currency=refundable.currency)


def explain_refusal(
    dispatcher: CollectingDispatcher,
    order_id: str,
    code: Optional[str],
    reason: Optional[str],
    facts: Dict[str, Any],
) -> None:
    """Explains a refund rule of the backend to the customer.

    Args:
        dispatcher: Sends the explanation.
        order_id: The order refused.
        code: The backend's rule code.
        reason: The backend's own sentence, used for rules without a response.
        facts: Extra placeholders (merchant, window...).
    """
    response = (
        f"utter_refund_rule_{code}" if code in EXPLAINED_RULES else "utter_refund_rule_other"
    )
    dispatcher.utter_message(
        response=response, order_id=order_id, reason=reason or "", **facts
    )


def _eligibility_facts(eligibility: RefundEligibility, order: Order) -> Dict[str, Any]:
    return {
        "merchant": order.merchant.name,
        "window_days": eligibility.window_days,
        "window_ends": format_date(eligibility.window_ends),
    }


async def _refundable_orders(action: Any, customer_id: str) -> List[Order]:
    orders = await orders_in(action, customer_id, {"delivered", "returned"})
    return [order for order in orders if order.refundable.amount > 0]


class ValidateRefundForm(BackendFormValidationAction):
    """Checks the order against the backend's refund rules, and the amount and reason."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_refund_form"

    async def check_activation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: str,
    ) -> bool:
        """Refuses at once when no order could be refunded and none was named."""
        if tracker.get_slot("order_id"):
            return True
        if await _refundable_orders(self, customer_id):
            return True
        dispatcher.utter_message(response="utter_no_refundable_orders")
        return False

    async def validate_order_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Accepts an order of this customer that the backend would refund."""
        customer_id = self.customer(tracker)
        try:
            order = await self.call(self.client.get_order, customer_id, str(slot_value))
            eligibility = await self.call(
                self.client.get_refund_eligibility, customer_id, order.id
            )
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_id=slot_value)
            return {"order_id": None}
        if not eligibility.eligible:
            explain_refusal(
                dispatcher,
                order.id,
                eligibility.reason_code,
                eligibility.reason,
                _eligibility_facts(eligibility, order),
            )
            return {"order_id": None, REQUESTED_SLOT: None}
        return {
            "order_id": order.id,
            "merchant": order.merchant.name,
            "refundable_amount": money_to_slot(eligibility.refundable),
        }

    async def validate_refund_amount(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Accepts a positive amount up to what is still refundable."""
        refundable = money_from_slot(tracker.get_slot("refundable_amount"))
        if refundable is None:
            return {"refund_amount": None}
        amount = requested_refund(slot_value, refundable)
        if amount is None or amount.amount <= 0:
            dispatcher.utter_message(response="utter_refund_amount_invalid")
            return {"refund_amount": None}
        if amount.amount > refundable.amount:
            dispatcher.utter_message(
                response="utter_refund_amount_too_high", refundable=format_money(refundable)
            )
            return {"refund_amount": None}
        return {"refund_amount": money_to_slot(amount)}

    async def validate_refund_reason(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        """Keeps the reason as the customer gave it, trimmed to a sane length."""
        reason = " ".join(str(slot_value or "").split())[:300]
        return {"refund_reason": reason or None}


class ActionAskRefundFormOrderId(FormAskAction):
    """Asks which order, with the customer's refundable orders as buttons."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_refund_form_order_id"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Offers up to five orders that still have money to refund."""
        orders = await _refundable_orders(self, customer_id)
        dispatcher.utter_message(
            response="utter_ask_refund_order_id",
            buttons=[order_button(order, "inform") for order in orders[:RECENT_ORDERS_SHOWN]],
        )
        return []


class ActionAskRefundAmount(FormAskAction):
    """Asks for the full or a partial amount, naming what is refundable."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_refund_amount"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Asks with the refundable amount kept by the order's validation."""
        refundable = money_from_slot(tracker.get_slot("refundable_amount"))
        dispatcher.utter_message(
            response="utter_ask_refund_amount",
            order_id=tracker.get_slot("order_id"),
            refundable=format_money(refundable) if refundable else "-",
        )
        return []


class ActionAskRefundConfirmed(FormAskAction):
    """Summarises the refund and asks to confirm it."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_refund_confirmed"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Asks with the order, amount and reason collected."""
        amount = money_from_slot(tracker.get_slot("refund_amount"))
        dispatcher.utter_message(
            response="utter_ask_refund_confirmed",
            amount=format_money(amount) if amount else "-",
            order_id=tracker.get_slot("order_id"),
            merchant=tracker.get_slot("merchant") or "the shop",
            reason=tracker.get_slot("refund_reason"),
        )
        return []


class ActionRequestRefund(FormSubmitAction):
    """Creates the confirmed refund once and tells its id and expected date."""

    form_slots = [
        "order_id",
        "refund_amount",
        "refund_reason",
        "refund_confirmed",
        "refundable_amount",
    ]
    form_name = FORM

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_request_refund"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Submits when confirmed; explains a refusal by the backend's rules."""
        confirmed = tracker.get_slot("refund_confirmed")
        order_id = tracker.get_slot("order_id")
        amount = money_from_slot(tracker.get_slot("refund_amount"))
        reason = tracker.get_slot("refund_reason") or ""
        if confirmed is False:
            dispatcher.utter_message(response="utter_refund_not_submitted")
        if not confirmed or not order_id or amount is None:
            return self.clear_slots()
        payload = (customer_id, order_id, money_to_slot(amount), reason)
        try:
            refund = await self.submit(
                tracker,
                payload,
                self.client.create_refund,
                customer_id,
                order_id,
                amount,
                reason,
            )
        except RuleViolation as violation:
            explain_refusal(
                dispatcher,
                order_id,
                violation.code,
                violation.message,
                {
                    "merchant": tracker.get_slot("merchant") or "the shop",
                    "window_days": violation.details.get("window_days", "-"),
                    "window_ends": violation.details.get("window_ends", "-"),
                },
            )
            return self.clear_slots() + self.settled(tracker, payload)
        dispatcher.utter_message(
            response="utter_refund_created",
            refund_id=refund.id,
            amount=format_money(refund.amount),
            order_id=refund.order_id,
            expected_by=format_date(refund.expected_by),
        )
        ask_satisfaction(dispatcher, tracker)
        settled = self.settled(tracker, payload)
        return self.clear_slots() + settled + [SlotSet("order_id", refund.order_id)]
