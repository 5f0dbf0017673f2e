"""What the person taking over gets: the ticket request built from the tracker.

Only what the customer wrote and what the bot showed is used; every text and slot
value goes through `redaction` before it leaves the action server (the desk
masks again on arrival).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from rasa_sdk import Tracker

from actions.desk_api import TicketFacts, TicketRequest, TicketSummary, TranscriptEntry
from actions.identity import verified_customer_id
from actions.identity_grant import GRANT_SLOT
from redaction import mask_data, mask_text

#: Slots of the machinery, not of the customer's request.
INTERNAL_SLOTS = frozenset(
    {
        "requested_slot",
        GRANT_SLOT,
        "handoff_reason",
        "form_rejections",
        "session_started_metadata",
    }
)
#: The newest transcript entries sent; older ones stay in Rasa's tracker.
MAX_TRANSCRIPT_ENTRIES = 200
UNKNOWN_CHANNEL = "unknown"

# Identifiers as the backend writes them (docs/backend-api.md) and amounts as
# actions.formatting.format_money shows them: "€89.90", "$5.00", "120.00 SEK".
_ORDER_ID = re.compile(r"\bKL-\d{4,12}\b")
_REFUND_ID = re.compile(r"\bRF-[0-9A-Z]{4,16}\b")
_PAYMENT_ID = re.compile(r"\bPAY-[0-9A-Z]{4,16}\b")
_AMOUNT = re.compile(r"[€$£]\d[\d,]*\.\d{2}\b|\b\d[\d,]*\.\d{2} [A-Z]{3}\b")


def conversation_events(tracker: Tracker) -> List[Dict[str, Any]]:
    """The events of the current session (after the latest restart and session start)."""
    events = tracker.events_after_latest_restart()
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index + 1 :]
    return events


def extract_facts(bot_texts: Iterable[str]) -> TicketFacts:
    """Finds orders, amounts, refunds and payments in what the bot showed.

    Args:
        bot_texts: The bot's messages, oldest first.

    Returns:
        Each kind of fact once, in order of first appearance.
    """
    texts = list(bot_texts)
    return TicketFacts(
        order_ids=_unique(_ORDER_ID, texts),
        amounts=_unique(_AMOUNT, texts),
        refund_ids=_unique(_REFUND_ID, texts),
        payment_ids=_unique(_PAYMENT_ID, texts),
    )


def intents_in_order(events: Sequence[Dict[str, Any]]) -> Tuple[str, ...]:
    """The intents of the customer's messages, oldest first."""
    intents = []
    for event in events:
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name:
            intents.append(name)
    return tuple(intents)


def set_slots(tracker: Tracker) -> Dict[str, Any]:
    """The slots with a value, internal ones left out, masked."""
    return {
        name: mask_data(value)
        for name, value in sorted(tracker.slots.items())
        if value is not None and name not in INTERNAL_SLOTS
    }


def transcript(events: Sequence[Dict[str, Any]]) -> Tuple[TranscriptEntry, ...]:
    """The customer's and the bot's messages with text, masked, newest `MAX_TRANSCRIPT_ENTRIES`."""
    entries = []
    for event in events:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
            continue
        author = "customer" if kind == "user" else "bot"
        entries.append(
            TranscriptEntry(author, mask_text(text), float(event.get("timestamp") or 0.0))
        )
    return tuple(entries[-MAX_TRANSCRIPT_ENTRIES:])


def build_ticket_request(tracker: Tracker, reason: str, language: str) -> TicketRequest:
    """Builds the ticket for handing this conversation over.

    Args:
        tracker: The conversation tracker.
        reason: Why (one of `actions.handoff.config.REASONS`).
        language: Language tag of the conversation.

    Returns:
        The request, with every text and slot value masked.
    """
    events = conversation_events(tracker)
    bot_texts = [
        event["text"]
        for event in events
        if event.get("event") == "bot" and isinstance(event.get("text"), str)
    ]
    facts = extract_facts(bot_texts)
    last_message = _latest_user_text(events)
    summary = TicketSummary(
        intents=intents_in_order(events),
        slots=set_slots(tracker),
        facts=TicketFacts(**mask_data(dataclasses.asdict(facts))),
        last_message=mask_text(last_message) if last_message is not None else None,
    )
    return TicketRequest(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or UNKNOWN_CHANNEL,
        customer_id=verified_customer_id(tracker),
        language=language,
        reason=reason,
        summary=summary,
        transcript=transcript(events),
    )


def _latest_user_text(events: Sequence[Dict[str, Any]]) -> Optional[str]:
    for event in reversed(events):
        if event.get("event") == "user" and isinstance(event.get("text"), str):
            return event["text"]
    return None


def _unique(pattern: "re.Pattern[str]", texts: Sequence[str]) -> Tuple[str, ...]:
    found: Dict[str, None] = {}
    for text in texts:
        for match in pattern.finditer(text):
            found.setdefault(match.group())
    return tuple(found)
