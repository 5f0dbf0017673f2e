"""Typed input records: one tracker store event, one desk ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Rasa event types the insights read (``events.type_name``).
USER = "user"
BOT = "bot"
SLOT = "slot"
PAUSE = "pause"
RESUME = "resume"
SESSION_STARTED = "session_started"
READ_EVENT_TYPES = (USER, BOT, SLOT, PAUSE, RESUME, SESSION_STARTED)


@dataclass(frozen=True)
class TrackerEvent:
    """One row of Rasa's tracker store (``events`` table).

    Attributes:
        sender_id: The conversation id.
        type_name: Rasa's event type (``user``, ``bot``, ``slot``...).
        timestamp: UNIX time of the event (Rasa's clock).
        data: The event as Rasa serialised it (``Event.as_dict()``).
    """

    sender_id: str
    type_name: str
    timestamp: float
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def intent(self) -> str | None:
        """The intent of a user message, if any."""
        intent = (self.data.get("parse_data") or {}).get("intent") or {}
        name = intent.get("name")
        return name if isinstance(name, str) and name else None

    @property
    def metadata(self) -> dict[str, Any]:
        """The event's metadata (a user message's channel data, a bot message's response)."""
        metadata = self.data.get("metadata")
        return metadata if isinstance(metadata, dict) else {}


@dataclass(frozen=True)
class TicketRecord:
    """What the insights need from one desk ticket.

    Attributes:
        ticket_id: ``T-...``.
        conversation_id: Rasa's sender id.
        channel: The customer's channel, as the action server reported it.
        customer_id: Verified customer, if any.
        reason: Why the assistant handed over (``customer_request``, ``fraud``...).
        status: ``waiting``, ``claimed``, ``handed_back`` or ``closed``.
        created_at: When the desk received it (UTC).
        claimed_at: When an agent claimed it.
        ended_at: When it was handed back or closed.
    """

    ticket_id: str
    conversation_id: str
    channel: str | None
    customer_id: str | None
    reason: str
    status: str
    created_at: datetime
    claimed_at: datetime | None = None
    ended_at: datetime | None = None
