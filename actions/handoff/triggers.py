"""Why the assistant hands over now, and the events other actions use to ask for it.

Rules run `action_handoff` after the customer's own request, a complaint, a fraud
report or a dispute: the reason is read from the intent. Actions that decide by
themselves (repeated fallbacks, a form answer rejected too often, the backend
down) set the `handoff_reason` slot and queue `action_handoff` as a follow-up.
"""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.handoff.config import (
    COMPLAINT,
    CUSTOMER_REQUEST,
    DISPUTE,
    FRAUD,
    REASONS,
)

REASON_SLOT = "handoff_reason"
HANDOFF_ACTION = "action_handoff"

#: The intents that lead to a handoff through a rule, and the reason of each.
INTENT_REASONS = {
    "human_handoff": CUSTOMER_REQUEST,
    "complaint": COMPLAINT,
    "report_fraud": FRAUD,
    "dispute_charge": DISPUTE,
}


def handoff_reason(tracker: Tracker) -> str:
    """The reason of the handoff being made.

    The slot wins: whoever set it did so in this turn (`action_handoff` clears
    it every time). Otherwise the latest intent; a handoff with neither is the
    customer's request (e.g. a button).

    Args:
        tracker: The conversation tracker.

    Returns:
        One of `REASONS`.
    """
    slot = tracker.get_slot(REASON_SLOT)
    if slot in REASONS:
        return slot
    intent = _latest_intent(tracker)
    return INTENT_REASONS.get(intent or "", CUSTOMER_REQUEST)


def request_handoff(reason: str) -> List[EventType]:
    """Events with which an action hands the conversation over after itself.

    Args:
        reason: One of `REASONS`.

    Returns:
        The reason in its slot, then `action_handoff` as the follow-up action.
    """
    if reason not in REASONS:
        raise ValueError(f"Unknown handoff reason {reason!r}.")
    return [SlotSet(REASON_SLOT, reason), FollowupAction(HANDOFF_ACTION)]


def _latest_intent(tracker: Tracker) -> Optional[str]:
    # Not get_intent_of_latest_message(): it skips nlu_fallback.
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")
