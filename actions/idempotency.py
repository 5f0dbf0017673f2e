"""Idempotency keys for money-moving calls, derived from the conversation.

A key is the same for every retry of one submission (the backend then replays
its first answer) and different for a new submission, so nothing is created
twice and nothing legitimate is blocked.

A submission whose outcome is unknown (the connection was cut after sending, a
timeout, the same key still in flight) stays "in doubt" in the slot
`submissions_in_doubt`: when the customer submits the same payload again, even
in a new run of the form, it goes out with the same key, so a refund or payment
the backend committed before the cut is answered again instead of made twice.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.api import BackendError, BackendUnavailable, IdempotencyConflict

#: Slot holding `{"<form>:<payload fingerprint>": idempotency key}`.
IN_DOUBT_SLOT = "submissions_in_doubt"
#: Submissions in doubt kept per conversation.
MAX_IN_DOUBT = 10


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


def _in_doubt(tracker: Tracker) -> Dict[str, str]:
    value = tracker.get_slot(IN_DOUBT_SLOT)
    if not isinstance(value, dict):
        return {}
    return {
        payload: key
        for payload, key in value.items()
        if isinstance(payload, str) and isinstance(key, str) and key
    }


def _payload_fingerprint(tracker: Tracker, form_name: str, parts: Any) -> str:
    return f"{form_name}:{_hash(tracker.sender_id, form_name, 'payload', *parts)}"


def form_submission_key(tracker: Tracker, form_name: str, *parts: Any) -> str:
    """Key of one submission of a form: the conversation, the form run, the payload.

    The key of a submission left in doubt is reused for the same payload in this
    conversation (see `remember_in_doubt`).

    Args:
        tracker: The conversation tracker.
        form_name: The form whose activation identifies the submission.
        *parts: What is submitted (order, amount...): a changed payload is a new
            submission.

    Returns:
        The idempotency key.
    """
    pending = _in_doubt(tracker).get(_payload_fingerprint(tracker, form_name, parts))
    if pending:
        return pending
    activation = _form_activation_timestamp(tracker, form_name)
    return f"{form_name}-{_hash(tracker.sender_id, form_name, activation, *parts)}"


def outcome_unknown(error: BackendError) -> bool:
    """Whether a failed submission may still have been carried out by the backend.

    Args:
        error: What the client raised for the submission.

    Returns:
        True for no usable answer (cut connection, timeout, 5xx...) and for the
        same key still in flight; False for the backend's definitive answers.
    """
    return isinstance(error, (BackendUnavailable, IdempotencyConflict))


def remember_in_doubt(tracker: Tracker, form_name: str, key: str, *parts: Any) -> List[EventType]:
    """Events keeping a submission in doubt, so resubmitting it reuses `key`.

    Only the latest `MAX_IN_DOUBT` submissions are kept (the backend keeps a key's
    answer for 24 hours anyway).

    Args:
        tracker: The conversation tracker.
        form_name: The submitted form.
        key: The idempotency key the submission went out with.
        *parts: The payload, as given to `form_submission_key`.

    Returns:
        The slot event.
    """
    pending = _in_doubt(tracker)
    fingerprint = _payload_fingerprint(tracker, form_name, parts)
    pending.pop(fingerprint, None)
    pending[fingerprint] = key
    kept = dict(list(pending.items())[-MAX_IN_DOUBT:])
    return [SlotSet(IN_DOUBT_SLOT, kept)]


def settle_in_doubt(tracker: Tracker, form_name: str, *parts: Any) -> List[EventType]:
    """Events forgetting a submission in doubt once the backend answered it.

    Args:
        tracker: The conversation tracker.
        form_name: The submitted form.
        *parts: The payload that got a definitive answer.

    Returns:
        The slot event, or none when that payload was not in doubt.
    """
    pending = _in_doubt(tracker)
    if pending.pop(_payload_fingerprint(tracker, form_name, parts), None) is None:
        return []
    return [SlotSet(IN_DOUBT_SLOT, pending or None)]


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
