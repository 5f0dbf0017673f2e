"""Conversation actions: fallbacks and leaving a form."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

FALLBACK_INTENT = "nlu_fallback"

#: The slots every form fills; leaving a form clears them.
FORM_SLOTS = [
    "order_id",
    "merchant",
    "refund_amount",
    "refund_reason",
    "refund_confirmed",
    "refundable_amount",
    "payment_confirmed",
    "extension_days",
    "extension_confirmed",
    "cancel_confirmed",
    "instalment_id",
    "verification_email",
    "verification_code",
]


def consecutive_fallbacks(tracker: Tracker) -> int:
    """Counts the latest user messages in a row that NLU could not classify.

    Args:
        tracker: The conversation tracker.

    Returns:
        How many of the latest user messages, in a row, were `nlu_fallback`.
    """
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandleFallback(Action):
    """First asks to rephrase; after a second miss in a row offers a person."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_handle_fallback"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Dict[Text, Any]]:
        """Replies by the number of misses in a row."""
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(response="utter_offer_human")
            return []
        dispatcher.utter_message(response="utter_please_rephrase")
        return []


class ActionStopForm(Action):
    """Leaves the active form without submitting anything."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_stop_form"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Deactivates the form and clears its answers."""
        dispatcher.utter_message(response="utter_form_stopped")
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] + [
            SlotSet(slot, None) for slot in FORM_SLOTS
        ]
