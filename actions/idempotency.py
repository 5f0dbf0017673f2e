"""Idempotency keys for money-moving calls, derived from the conversation.

A key is the same for every retry of one submission (the backend then replays
its first answer) and different for a new submission, so nothing is created
twice and nothing legitimate is blocked.
"""

from __future__ import annotations

import hashlib
from typing import Any, Optional

from rasa_sdk import Tracker


def _hash(*parts: Any) -> str:
    raw = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


def _form_activation_timestamp(tracker: Tracker, form_name: str) -> Optional[float]:
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form_name:
            return event.get("timestamp")
    return None


def _latest_user_message_marker(tracker: Tracker) -> Any:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("message_id") or event.get("timestamp")
    return None


def form_submission_key(tracker: Tracker, form_name: str, *parts: Any) -> str:
    """Key of one submission of a form: the conversation, the form run, the payload.

    Args:
        tracker: The conversation tracker.
        form_name: The form whose activation identifies the submission.
        *parts: What is submitted (order, amount...): a changed payload is a new
            submission.

    Returns:
        The idempotency key.
    """
    activation = _form_activation_timestamp(tracker, form_name)
    return f"{form_name}-{_hash(tracker.sender_id, form_name, activation, *parts)}"


def message_key(tracker: Tracker, purpose: str, *parts: Any) -> str:
    """Key of a call made in answer to the latest user message.

    Args:
        tracker: The conversation tracker.
        purpose: What the call does, e.g. `duplicate-refund`.
        *parts: The objects it acts on.

    Returns:
        The idempotency key.
    """
    marker = _latest_user_message_marker(tracker)
    return f"{purpose}-{_hash(tracker.sender_id, purpose, marker, *parts)}"
