"""Charges: taken twice, not recognised, disputed."""

from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import NotFound, RuleViolation
from actions.base import BackendAction
from actions.formatting import format_date, format_money
from actions.idempotency import message_key
from actions.payments import payment_facts
from actions.satisfaction import ask_satisfaction

#: Latest charges shown to a customer who doesn't recognise one.
CHARGES_SHOWN = 3


class ActionChargedTwice(BackendAction):
    """Finds a duplicate charge in the backend and refunds it, or offers a person."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_charged_twice"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Refunds the newest duplicate the backend found."""
        duplicates = await self.call(self.client.list_duplicate_charges, customer_id)
        if not duplicates:
            dispatcher.utter_message(response="utter_no_duplicate_found")
            return []
        duplicate = duplicates[0].duplicate
        refund = await self.call(
            self.client.refund_duplicate_charge,
            customer_id,
            duplicate.id,
            idempotency_key=message_key(tracker, "duplicate-refund", duplicate.id),
        )
        dispatcher.utter_message(
            response="utter_duplicate_refunded",
            amount=format_money(duplicate.amount),
            order_id=duplicate.order_id,
            merchant=duplicate.merchant_name,
            refund_id=refund.id,
            expected_by=format_date(refund.expected_by),
        )
        ask_satisfaction(dispatcher, tracker)
        return []


class ActionUnrecognizedCharge(BackendAction):
    """Shows the latest charges with the shops behind them, and offers a dispute."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_unrecognized_charge"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Lists charges; each has a dispute and a fraud button."""
        charges = await self.call(
            self.client.list_payments, customer_id, status="succeeded", limit=CHARGES_SHOWN
        )
        if not charges:
            dispatcher.utter_message(response="utter_no_payments")
            return []
        dispatcher.utter_message(response="utter_recent_charges_intro")
        buttons = []
        for charge in charges:
            facts = payment_facts(charge)
            dispatcher.utter_message(response="utter_charge_item", **facts)
            label = f"{facts['amount']} {charge.merchant_name}"
            entity = f'{{"payment_id":"{charge.id}"}}'
            buttons.append({"title": f"Dispute {label}", "payload": f"/dispute_charge{entity}"})
            buttons.append({"title": f"Fraud: {label}", "payload": f"/report_fraud{entity}"})
        buttons.append({"title": "I recognise it now", "payload": "/affirm"})
        dispatcher.utter_message(response="utter_ask_charge_recognised", buttons=buttons)
        return []


class ActionOpenDispute(BackendAction):
    """Opens a dispute (or a fraud case) for the chosen charge.

    A person takes over next (`action_handoff` follows in the rules), so this
    action does not point to support itself. A fraud report always gets the fraud
    line's advice to block the card; without a chosen charge or a verified
    customer nothing is opened here and the person sorts it out.
    """

    requires_identity = False

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_open_dispute"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Disputes the payment in the slot; the backend checks it is the customer's."""
        payment_id = tracker.get_slot("payment_id")
        fraud = tracker.get_intent_of_latest_message() == "report_fraud"
        if not payment_id or customer_id is None:
            if fraud:
                dispatcher.utter_message(response="utter_fraud_line")
            return [SlotSet("payment_id", None)] if payment_id else []
        reason = "fraud" if fraud else "unrecognized"
        try:
            payment = await self.call(self.client.get_payment, customer_id, payment_id)
            dispute = await self.call(
                self.client.open_dispute,
                customer_id,
                payment_id,
                reason,
                idempotency_key=message_key(tracker, "dispute", payment_id, reason),
            )
        except NotFound:
            dispatcher.utter_message(response="utter_no_payments")
            return [SlotSet("payment_id", None)]
        except RuleViolation as violation:
            if violation.code != "dispute_exists":
                raise
            dispatcher.utter_message(response="utter_dispute_exists")
            return [SlotSet("payment_id", None)]
        response = "utter_fraud_case_opened" if fraud else "utter_dispute_opened"
        dispatcher.utter_message(
            response=response,
            dispute_id=dispute.id,
            amount=format_money(payment.amount),
            merchant=payment.merchant_name,
        )
        if fraud:
            dispatcher.utter_message(response="utter_fraud_line")
        return [SlotSet("payment_id", None)]
