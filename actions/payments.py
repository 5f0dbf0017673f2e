"""Payments: status, failed payments, fees, payment methods."""

from __future__ import annotations

import datetime
from typing import List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import Payment
from actions.base import BackendAction
from actions.formatting import format_date, format_money
from actions.idempotency import message_key
from actions.satisfaction import ask_satisfaction

#: Decline reasons with advice of their own; others get the generic advice.
ADVISED_DECLINE_REASONS = {"insufficient_funds", "card_expired"}


def payment_facts(payment: Payment) -> dict:
    """The placeholders of the payment responses.

    Args:
        payment: The payment.

    Returns:
        Values for `{amount}`, `{merchant}`, `{date}`, `{status}`...
    """
    return {
        "amount": format_money(payment.amount),
        "merchant": payment.merchant_name,
        "date": format_date(payment.created_at),
        "status": payment.status,
        "receipt_number": payment.receipt_number or "-",
        "decline_message": payment.decline_message or "the bank gave no reason.",
        "order_id": payment.order_id,
        "payment_id": payment.id,
        "descriptor": payment.statement_descriptor or payment.merchant_name,
    }


class ActionPaymentStatus(BackendAction):
    """Tells whether the customer's latest payment went through."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_payment_status"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the newest payment in the backend."""
        payments = await self.call(self.client.list_payments, customer_id, limit=1)
        if not payments:
            dispatcher.utter_message(response="utter_no_payments")
            return []
        latest = payments[0]
        response = {
            "succeeded": "utter_payment_status_succeeded",
            "declined": "utter_payment_status_declined",
        }.get(latest.status, "utter_payment_status_other")
        dispatcher.utter_message(response=response, **payment_facts(latest))
        return []


class ActionPaymentProblem(BackendAction):
    """Explains why the latest payment failed and what to do about it."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_payment_problem"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the newest declined payment in the backend."""
        declined = await self.call(
            self.client.list_payments, customer_id, status="declined", limit=1
        )
        if not declined:
            dispatcher.utter_message(response="utter_no_failed_payments")
            return []
        payment = declined[0]
        dispatcher.utter_message(response="utter_payment_problem", **payment_facts(payment))
        reason = payment.decline_reason or ""
        advice = reason if reason in ADVISED_DECLINE_REASONS else "generic"
        dispatcher.utter_message(response=f"utter_payment_problem_advice_{advice}")
        return []


class ActionFeeQuestion(BackendAction):
    """Explains the customer's fees from the backend, and the fee policy."""

    requires_identity = False

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_fee_question"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Lists the customer's fees when identified, then the policy."""
        if customer_id is not None:
            fees = await self.call(self.client.list_fees, customer_id)
            if not fees:
                dispatcher.utter_message(response="utter_no_fees")
            for fee in fees:
                dispatcher.utter_message(
                    response="utter_fee_item",
                    kind=fee.kind.replace("_", " ").capitalize(),
                    amount=format_money(fee.amount),
                    charged_on=format_date(fee.charged_on),
                    order_id=fee.order_id or "-",
                    explanation=fee.explanation,
                )
        policy = await self.call(self.client.get_fee_policy)
        dispatcher.utter_message(
            response="utter_fee_policy",
            late_fee=format_money(policy.late_fee),
            grace_days=policy.late_fee_grace_days,
            extension_fee=format_money(policy.extension_fee),
        )
        return []


class ActionPaymentMethods(BackendAction):
    """Lists the payment methods we accept, and the customer's own."""

    requires_identity = False

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_payment_methods"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's catalogue and the customer's methods."""
        supported = await self.call(self.client.list_supported_payment_methods)
        dispatcher.utter_message(
            response="utter_payment_methods_supported",
            methods=", ".join(method.name for method in supported),
        )
        if customer_id is not None:
            for method in await self.call(self.client.list_payment_methods, customer_id):
                kind = method.kind.replace("_", " ")
                description = f"{method.brand or kind} ending in {method.last4}"
                if method.is_default:
                    description += " (default)"
                dispatcher.utter_message(
                    response="utter_your_payment_method", description=description
                )
        return []


class ActionUpdatePaymentMethod(BackendAction):
    """Sends a secure link to change the payment method: card numbers never go through chat."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_update_payment_method"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Creates a single-use link in the backend."""
        link = await self.call(
            self.client.create_payment_update_link,
            customer_id,
            idempotency_key=message_key(tracker, "payment-update-link", customer_id),
        )
        expires_at = link.expires_at.astimezone(datetime.timezone.utc)
        dispatcher.utter_message(
            response="utter_payment_update_link",
            url=link.url,
            expires_at=expires_at.strftime("%H:%M UTC"),
        )
        ask_satisfaction(dispatcher, tracker)
        return []
