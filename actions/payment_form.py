"""Paying the next instalment now: show the amount, confirm, pay once, give a receipt."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import Instalment, Money, PaymentDeclined, RuleViolation
from actions.base import BackendFormValidationAction, FormAskAction, FormSubmitAction
from actions.formatting import format_date, format_money
from actions.satisfaction import ask_satisfaction

FORM = "payment_form"


def amount_due(instalment: Instalment) -> Money:
    """What paying the instalment costs now: its amount plus any late fee."""
    return Money(
        amount=instalment.amount.amount + instalment.late_fee.amount,
        currency=instalment.amount.currency,
    )


class ValidatePaymentForm(BackendFormValidationAction):
    """Starts the payment form only when something is due."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "validate_payment_form"

    async def check_activation(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: str,
    ) -> bool:
        """Refuses when nothing is due."""
        if await self.call(self.client.get_next_instalment, customer_id) is None:
            dispatcher.utter_message(response="utter_nothing_due")
            return False
        return True


class ActionAskPaymentConfirmed(FormAskAction):
    """Shows what will be paid, with which card, and asks to confirm."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_ask_payment_confirmed"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Looks up the instalment and the default method, then asks."""
        instalment = await self.call(self.client.get_next_instalment, customer_id)
        if instalment is None:
            dispatcher.utter_message(response="utter_nothing_due")
            return self.on_failure()
        methods = await self.call(self.client.list_payment_methods, customer_id)
        default = next((m for m in methods if m.is_default), None)
        card = (
            f"{default.brand or default.kind.replace('_', ' ')} ending in {default.last4}"
            if default
            else "default payment method"
        )
        dispatcher.utter_message(
            response="utter_ask_payment_confirmed",
            amount=format_money(amount_due(instalment)),
            merchant=instalment.merchant_name,
            sequence=instalment.sequence,
            count=instalment.count,
            due_date=format_date(instalment.due_date),
            card=card,
        )
        return [SlotSet("instalment_id", instalment.id)]


class ActionMakePayment(FormSubmitAction):
    """Pays the confirmed instalment exactly once and gives the receipt."""

    form_slots = ["payment_confirmed", "instalment_id"]
    form_name = FORM

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_make_payment"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Pays when confirmed; explains a decline."""
        confirmed = tracker.get_slot("payment_confirmed")
        instalment_id = tracker.get_slot("instalment_id")
        if confirmed is False:
            dispatcher.utter_message(response="utter_payment_not_made")
        if not confirmed or not instalment_id:
            return self.clear_slots()
        payload = (customer_id, instalment_id)
        try:
            payment = await self.submit(
                tracker,
                payload,
                self.client.pay_instalment,
                customer_id,
                instalment_id,
            )
        except PaymentDeclined as declined:
            facts: Dict[str, Any] = {"decline_message": declined.message}
            instalment = await self.call(self.client.get_instalment, customer_id, instalment_id)
            facts["amount"] = format_money(amount_due(instalment))
            dispatcher.utter_message(response="utter_payment_declined", **facts)
            return self.clear_slots() + self.settled(tracker, payload)
        except RuleViolation as violation:
            if violation.code != "already_paid":
                raise
            dispatcher.utter_message(response="utter_payment_already_made")
            return self.clear_slots() + self.settled(tracker, payload)
        dispatcher.utter_message(
            response="utter_payment_receipt",
            amount=format_money(payment.amount),
            merchant=payment.merchant_name,
            receipt_number=payment.receipt_number or "-",
            payment_id=payment.id,
            paid_on=format_date(payment.created_at),
        )
        ask_satisfaction(dispatcher, tracker)
        return self.clear_slots() + self.settled(tracker, payload)
