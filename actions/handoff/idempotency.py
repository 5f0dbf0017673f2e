"""The idempotency key of a handoff: one ticket per handoff, however often it is retried.

The key is the conversation plus the number of handoffs that already happened in
it. A retried `action_handoff` (Rasa logs the action only once it succeeded, so
the count is unchanged) sends the same key and gets the same ticket back; a later
handoff in the same conversation counts one more and may open a new ticket (the
desk still answers with the active one while it is open).
"""

from __future__ import annotations

import hashlib

from rasa_sdk import Tracker

ACTION_NAME = "action_handoff"
KEY_PREFIX = "handoff-"


def handoffs_so_far(tracker: Tracker) -> int:
    """How many times `action_handoff` ran in this conversation (all sessions)."""
    return sum(
        1
        for event in tracker.events
        if event.get("event") == "action" and event.get("name") == ACTION_NAME
    )


def handoff_key(tracker: Tracker) -> str:
    """The key of the handoff being made now.

    Args:
        tracker: The conversation tracker.

    Returns:
        `handoff-<40 hex digits>`: the conversation id is hashed, so a key in a
        log or a header does not reveal it.
    """
    raw = f"{tracker.sender_id}\x1f{handoffs_so_far(tracker)}"
    return KEY_PREFIX + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]
