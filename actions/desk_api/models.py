"""Typed, immutable views of the agent desk's JSON (see docs/agent-desk-api.md).

A `TicketRequest` turns into the body of `POST /v1/tickets` and back (the outbox
stores it as JSON); the desk's answers parse into `TicketReceipt` and
`DeskStatus`, raising `DeskInvalidResponse` (never KeyError or TypeError) on a
payload that breaks the contract. Money never appears as a number: the summary
carries amounts as the strings the customer was shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

from actions.desk_api.exceptions import DeskInvalidResponse

#: Who wrote a transcript entry.
AUTHORS = ("customer", "bot")


@dataclass(frozen=True)
class TicketFacts:
    """Backend facts the customer was shown, as shown.

    Attributes:
        order_ids: Orders, e.g. `KL-482913`.
        amounts: Amounts with their currency, e.g. `€25.00`.
        refund_ids: Refunds, e.g. `RF-3FA29C1B`.
        payment_ids: Payments, e.g. `PAY-100103`.
    """

    order_ids: Tuple[str, ...] = ()
    amounts: Tuple[str, ...] = ()
    refund_ids: Tuple[str, ...] = ()
    payment_ids: Tuple[str, ...] = ()

    def to_json(self) -> Dict[str, Any]:
        """The JSON object of the contract."""
        return {
            "order_ids": list(self.order_ids),
            "amounts": list(self.amounts),
            "refund_ids": list(self.refund_ids),
            "payment_ids": list(self.payment_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TicketFacts":
        """Reads what `to_json` wrote."""
        return cls(
            order_ids=tuple(data.get("order_ids", ())),
            amounts=tuple(data.get("amounts", ())),
            refund_ids=tuple(data.get("refund_ids", ())),
            payment_ids=tuple(data.get("payment_ids", ())),
        )


@dataclass(frozen=True)
class TicketSummary:
    """What the person taking over reads first.

    Attributes:
        intents: What the customer asked, in order.
        slots: Slots that are set (internal ones left out), masked.
        facts: Backend facts the customer was shown.
        last_message: The customer's latest message, masked.
    """

    intents: Tuple[str, ...] = ()
    slots: Mapping[str, Any] = field(default_factory=dict)
    facts: TicketFacts = field(default_factory=TicketFacts)
    last_message: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        """The JSON object of the contract."""
        return {
            "intents": list(self.intents),
            "slots": dict(self.slots),
            "facts": self.facts.to_json(),
            "last_message": self.last_message,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TicketSummary":
        """Reads what `to_json` wrote."""
        return cls(
            intents=tuple(data.get("intents", ())),
            slots=dict(data.get("slots") or {}),
            facts=TicketFacts.from_json(data.get("facts") or {}),
            last_message=data.get("last_message"),
        )


@dataclass(frozen=True)
class TranscriptEntry:
    """One message of the conversation.

    Attributes:
        author: `customer` or `bot`.
        text: What was written, masked.
        timestamp: Unix time of the message.
    """

    author: str
    text: str
    timestamp: float

    def __post_init__(self) -> None:
        """Refuses an unknown author."""
        if self.author not in AUTHORS:
            raise ValueError(f"author must be one of {AUTHORS}, got {self.author!r}.")

    def to_json(self) -> Dict[str, Any]:
        """The JSON object of the contract."""
        return {"author": self.author, "text": self.text, "timestamp": self.timestamp}


@dataclass(frozen=True)
class TicketRequest:
    """The body of `POST /v1/tickets`: one handover of one conversation.

    Attributes:
        conversation_id: Rasa's sender id.
        channel: The customer's input channel, e.g. `socketio`.
        customer_id: The verified customer, `None` for a visitor.
        language: Language tag of the conversation.
        reason: Why the assistant hands over (see `actions.handoff.config.REASONS`).
        summary: The structured summary.
        transcript: The messages, oldest first.
    """

    conversation_id: str
    channel: str
    customer_id: Optional[str]
    language: str
    reason: str
    summary: TicketSummary
    transcript: Tuple[TranscriptEntry, ...] = ()

    def to_json(self) -> Dict[str, Any]:
        """The JSON body of the contract."""
        return {
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "language": self.language,
            "reason": self.reason,
            "summary": self.summary.to_json(),
            "transcript": [entry.to_json() for entry in self.transcript],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "TicketRequest":
        """Reads what `to_json` wrote (the outbox keeps requests as JSON)."""
        return cls(
            conversation_id=data["conversation_id"],
            channel=data["channel"],
            customer_id=data.get("customer_id"),
            language=data["language"],
            reason=data["reason"],
            summary=TicketSummary.from_json(data.get("summary") or {}),
            transcript=tuple(
                TranscriptEntry(entry["author"], entry["text"], float(entry["timestamp"]))
                for entry in data.get("transcript", ())
            ),
        )


@dataclass(frozen=True)
class TicketReceipt:
    """The desk's answer to `POST /v1/tickets` (a new or the existing ticket).

    Attributes:
        ticket_id: e.g. `T-1A2B3C4D`.
        status: `waiting`, `claimed`, `handed_back` or `closed` (kept as text so a
            new status does not break parsing).
        created: Whether this request created it.
        queue_position: Waiting tickets before it plus one; 0 once claimed.
        expected_wait_minutes: The desk's estimate.
        desk_open: Whether agents are working now.
        next_open_at: When agents are back, when the desk is closed.
    """

    ticket_id: str
    status: str
    created: bool
    queue_position: int
    expected_wait_minutes: int
    desk_open: bool
    next_open_at: Optional[dt.datetime] = None

    @classmethod
    def from_json(cls, data: Any) -> "TicketReceipt":
        """Parses the response body.

        Raises:
            DeskInvalidResponse: The body breaks the contract.
        """
        reader = _Reader(data, "TicketReceipt")
        return cls(
            ticket_id=reader.text("ticket_id"),
            status=reader.text("status"),
            created=reader.boolean("created"),
            queue_position=reader.count("queue_position"),
            expected_wait_minutes=reader.count("expected_wait_minutes"),
            desk_open=reader.boolean("desk_open"),
            next_open_at=reader.timestamp("next_open_at"),
        )


@dataclass(frozen=True)
class DeskStatus:
    """The desk's answer to `GET /v1/status`.

    Attributes:
        desk_open: Whether agents are working now.
        next_open_at: When agents are back, when the desk is closed.
        waiting: Tickets waiting for an agent.
        agents_online: Agents logged in.
    """

    desk_open: bool
    next_open_at: Optional[dt.datetime]
    waiting: int
    agents_online: int

    @classmethod
    def from_json(cls, data: Any) -> "DeskStatus":
        """Parses the response body.

        Raises:
            DeskInvalidResponse: The body breaks the contract.
        """
        reader = _Reader(data, "DeskStatus")
        return cls(
            desk_open=reader.boolean("desk_open"),
            next_open_at=reader.timestamp("next_open_at"),
            waiting=reader.count("waiting"),
            agents_online=reader.count("agents_online"),
        )


class _Reader:
    """Typed access to a JSON object, raising `DeskInvalidResponse` on a mismatch."""

    def __init__(self, data: Any, model: str) -> None:
        if not isinstance(data, dict):
            raise DeskInvalidResponse(f"{model}: expected a JSON object.")
        self._data = data
        self._model = model

    def _fail(self, key: str, expected: str) -> DeskInvalidResponse:
        return DeskInvalidResponse(
            f"{self._model}.{key}: expected {expected}, got {self._data.get(key)!r}."
        )

    def text(self, key: str) -> str:
        value = self._data.get(key)
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def boolean(self, key: str) -> bool:
        value = self._data.get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def count(self, key: str) -> int:
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._fail(key, "a whole number >= 0")
        return value

    def timestamp(self, key: str) -> Optional[dt.datetime]:
        value = self._data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(key, "an ISO 8601 time or null")
        try:
            # Python 3.10's fromisoformat does not read a trailing "Z".
            parsed = dt.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            raise self._fail(key, "an ISO 8601 time or null") from None
        if parsed.tzinfo is None:
            raise self._fail(key, "a time with a UTC offset")
        return parsed
