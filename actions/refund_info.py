"""Refund status and refund policy."""

from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import NotFound
from actions.account import order_named_now
from actions.base import BackendAction
from actions.formatting import format_date, format_money
from actions.satisfaction import ask_satisfaction

#: Latest refunds shown when the customer names no order.
REFUNDS_SHOWN = 3


class ActionRefundStatus(BackendAction):
    """Tells where the customer's refunds are (of the order named now, or the latest)."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_refund_status"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend's refunds."""
        order_ref = order_named_now(tracker)
        try:
            refunds = await self.call(
                self.client.list_refunds, customer_id, order_id=order_ref
            )
        except NotFound:
            refunds = []
        if not refunds:
            if order_ref:
                dispatcher.utter_message(
                    response="utter_no_refunds_for_order", order_id=order_ref
                )
            else:
                dispatcher.utter_message(response="utter_no_refunds")
            return []
        for refund in refunds[:REFUNDS_SHOWN]:
            facts = {
                "refund_id": refund.id,
                "amount": format_money(refund.amount),
                "order_id": refund.order_id,
                "status": refund.status,
                "expected_by": format_date(refund.expected_by),
                "completed_on": format_date(refund.completed_at),
            }
            response = (
                "utter_refund_status_completed"
                if refund.status == "completed"
                else "utter_refund_status"
            )
            dispatcher.utter_message(response=response, **facts)
        ask_satisfaction(dispatcher, tracker)
        return []


class ActionRefundPolicy(BackendAction):
    """Gives the refund policy of the shop named or of the order in context."""

    requires_identity = False

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_refund_policy"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Finds the merchant, then answers from its policy."""
        merchant_id = await self._merchant_id(tracker, customer_id)
        if merchant_id is None:
            dispatcher.utter_message(response="utter_refund_policy_general")
            return []
        policy = await self.call(self.client.get_refund_policy, merchant_id)
        dispatcher.utter_message(
            response="utter_refund_policy",
            merchant=policy.merchant_name,
            window_days=policy.window_days,
            conditions=policy.conditions,
            refund_days=policy.refund_days,
        )
        return []

    async def _merchant_id(
        self, tracker: Tracker, customer_id: Optional[str]
    ) -> Optional[str]:
        merchant_name = tracker.get_slot("merchant")
        if merchant_name:
            merchants = await self.call(self.client.find_merchants, merchant_name)
            if merchants:
                return merchants[0].id
        order_ref = tracker.get_slot("order_id")
        if order_ref and customer_id:
            try:
                order = await self.call(self.client.get_order, customer_id, order_ref)
            except NotFound:
                return None
            return order.merchant.id
        return None
