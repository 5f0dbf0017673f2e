"""Conversation actions: fallbacks and leaving a form."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.handoff.config import REPEATED_FALLBACK
from actions.handoff.triggers import request_handoff
from actions.settings import Settings, get_settings

FALLBACK_INTENT = "nlu_fallback"
#: Misses in a row after which a person is offered when handing over is disabled.
OFFER_HUMAN_AFTER_MISSES = 2

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
    # The count of rejected answers belongs to the form being left.
    "form_rejections",
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
    """Asks to rephrase; after too many misses in a row hands over to a person.

    The number of misses is `repeated_fallback`'s threshold in `handoff.yml`. With
    that trigger disabled it offers a person with buttons instead, after two misses.
    """

    def __init__(self, settings: Optional[Settings] = None) -> None:
        """Creates the action.

        Args:
            settings: The handoff triggers; `get_settings()` on first use.
        """
        self._settings = settings

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
        trigger = (self._settings or get_settings()).handoff.trigger(REPEATED_FALLBACK)
        misses = consecutive_fallbacks(tracker)
        if trigger.enabled and misses >= (trigger.threshold or 0):
            dispatcher.utter_message(response="utter_fallback_handoff")
            return request_handoff(REPEATED_FALLBACK)
        if not trigger.enabled and misses >= OFFER_HUMAN_AFTER_MISSES:
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
