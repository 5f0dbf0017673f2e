"""Counting a form's rejected answers, and handing over when one question fails too often.

A form validation action calls `track_rejections` with the events it is about to
return. An answer is rejected when the customer gave a value for the requested
slot and validation set that slot to `None`; the count is kept, per slot, in the
`form_rejections` slot (it does not influence the dialogue). At the threshold of
`handoff.yml` the form stops and `action_handoff` follows: Rasa's form action
passes the validation's events on, ends the form on `requested_slot: None`, and
the processor runs the queued follow-up action next.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions.handoff.config import FORM_VALIDATION_FAILED, HandoffConfig
from actions.handoff.triggers import request_handoff

REJECTIONS_SLOT = "form_rejections"


def rejection_count(tracker: Tracker, slot: str) -> int:
    """Answers rejected in a row for `slot`, before this validation."""
    counter = tracker.get_slot(REJECTIONS_SLOT)
    if isinstance(counter, dict) and counter.get("slot") == slot:
        count = counter.get("count")
        if isinstance(count, int) and not isinstance(count, bool):
            return count
    return 0


def _ends_form(events: List[EventType]) -> bool:
    for event in events:
        if event.get("event") == "slot" and event.get("name") == REQUESTED_SLOT:
            if event.get("value") is None:
                return True
        if event.get("event") == "active_loop" and event.get("name") is None:
            return True
    return False


def _validated_value(events: List[EventType], slot: str) -> tuple:
    """(found, value) of the last `SlotSet` of `slot` among `events`."""
    found, value = False, None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == slot:
            found, value = True, event.get("value")
    return found, value


def next_counter(tracker: Tracker, events: List[EventType]) -> Optional[Dict[str, Any]]:
    """The counter after this validation; `None` resets it.

    Args:
        tracker: The tracker the form sent its validation action.
        events: The events the validation is about to return.

    Returns:
        `{"slot": ..., "count": n}`, or `None` when the answer was accepted,
        the form is starting or ending, or another slot is asked.
    """
    requested = tracker.get_slot(REQUESTED_SLOT)
    if requested is None or _ends_form(events):
        return None
    if requested not in tracker.slots_to_validate():
        # No answer to the question (a side question, say): the count stands.
        count = rejection_count(tracker, requested)
        return {"slot": requested, "count": count} if count else None
    found, value = _validated_value(events, requested)
    if found and value is None:
        return {"slot": requested, "count": rejection_count(tracker, requested) + 1}
    return None


def track_rejections(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    events: List[EventType],
    stop_events: List[EventType],
    handoff: HandoffConfig,
) -> List[EventType]:
    """Adds the counter to a validation's events, or stops the form and hands over.

    Args:
        dispatcher: Sends the bridge to the handoff.
        tracker: The tracker the form sent its validation action.
        events: The validation's events.
        stop_events: Events ending the form (`requested_slot: None` and its slots).
        handoff: The triggers; `form_validation_failed` says whether and when.

    Returns:
        The events to return.
    """
    requested = tracker.get_slot(REQUESTED_SLOT)
    if (
        requested is not None
        and requested not in tracker.slots_to_validate()
        and not _ends_form(events)
    ):
        # Nothing answered the question. No event may be added: with no slot set,
        # Rasa's form rejects its own run and lets the policies pick an action.
        return events
    counter = next_counter(tracker, events)
    previous = tracker.get_slot(REJECTIONS_SLOT)
    trigger = handoff.trigger(FORM_VALIDATION_FAILED)
    if counter is not None and trigger.enabled and counter["count"] >= (trigger.threshold or 0):
        dispatcher.utter_message(response="utter_handoff_form_trouble")
        return (
            events
            + stop_events
            + [SlotSet(REJECTIONS_SLOT, None)]
            + request_handoff(FORM_VALIDATION_FAILED)
        )
    if counter == previous:
        return events
    return events + [SlotSet(REJECTIONS_SLOT, counter)]
