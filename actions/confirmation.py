"""A money-moving form goes ahead only on a clear yes.

The confirmation slots (`refund_confirmed`, `payment_confirmed`, ...) are filled
from the intent of the customer's answer. NLU accepts any intent above the
fallback threshold (0.35), which is right for understanding a question and wrong
for moving money: "I suppose" reads as affirm at 0.56, "fine I guess" at 0.9.
A yes to a confirmation counts only when NLU is sure of it and it carries no
hedge (a button press always counts); an unsure one is asked again, and the
form's rejection count applies as for any other rejected answer (docs/nlu.md,
"Confirmations").
"""

from __future__ import annotations

import re
from typing import Any, List, Mapping

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

CONFIRMATION_SUFFIX = "_confirmed"

# Measured on the trained model (docs/nlu.md, "Confirmations"): plain answers
# ("ok", "do it", "please do", "yes, go ahead and pay") score 0.68 and more; most
# hedges score below, and those that do not are caught by their words.
CLEAR_YES_CONFIDENCE = 0.6

# Words that make a yes conditional ("fine I guess" scores 0.9 as affirm), and a
# yes asked back as a question ("yes?").
_HEDGE = re.compile(
    r"\b(maybe|perhaps|probably|possibly|guess|suppose|think|believe|not sure|unsure"
    r"|kind of|sort of|i hope|hopefully|if)\b|\?\s*$",
    re.IGNORECASE,
)


def is_confirmation_slot(name: str) -> bool:
    """Whether `name` is a form's yes/no question before money moves."""
    return name.endswith(CONFIRMATION_SUFFIX)


def answer_confidence(latest_message: Mapping[str, Any]) -> float:
    """NLU's confidence in the intent of the customer's latest message (0 when none)."""
    intent = latest_message.get("intent") or {}
    confidence = intent.get("confidence")
    if isinstance(confidence, (int, float)) and not isinstance(confidence, bool):
        return float(confidence)
    return 0.0


def is_clear_yes(latest_message: Mapping[str, Any]) -> bool:
    """Whether the customer's latest message is a yes NLU is sure of, without a hedge.

    A button press (`/affirm`) has no text to hedge and confidence 1.
    """
    if answer_confidence(latest_message) < CLEAR_YES_CONFIDENCE:
        return False
    text = latest_message.get("text") or ""
    return text.startswith("/") or not _HEDGE.search(text)


def require_clear_yes(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    events: List[EventType],
) -> List[EventType]:
    """Turns an unsure yes to a confirmation back into an open question.

    Args:
        dispatcher: Tells the customer why the question comes again.
        tracker: The tracker the form sent its validation action.
        events: The validation's `SlotSet` events.

    Returns:
        The events, with every unsure `True` of a confirmation slot set to `None`.
    """
    if is_clear_yes(tracker.latest_message):
        return events
    checked: List[EventType] = []
    unsure = False
    for event in events:
        name = event.get("name")
        if (
            event.get("event") == "slot"
            and isinstance(name, str)
            and is_confirmation_slot(name)
            and event.get("value") is True
        ):
            unsure = True
            checked.append(SlotSet(name, None))
        else:
            checked.append(event)
    if unsure:
        dispatcher.utter_message(response="utter_confirmation_unclear")
    return checked
