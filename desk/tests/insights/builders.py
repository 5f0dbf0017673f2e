"""Hand-written tracker events, shaped like the rows Rasa's SQL tracker store writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from agent_desk.insights.records import TicketRecord, TrackerEvent
from agent_desk.models import Ticket

# A Monday, 09:00 UTC.
T0 = datetime(2025, 6, 16, 9, 0, tzinfo=UTC)


def at(seconds: float = 0, days: int = 0) -> float:
    """UNIX time ``days`` days and ``seconds`` seconds after T0."""
    return (T0 + timedelta(days=days, seconds=seconds)).timestamp()


@dataclass
class Chat:
    """Builds the events of one conversation id, in order."""

    sender_id: str
    channel: str = "rest"
    customer_id: str | None = None
    events: list[TrackerEvent] = field(default_factory=list)

    def _add(self, type_name: str, timestamp: float, data: dict[str, Any]) -> Chat:
        self.events.append(
            TrackerEvent(self.sender_id, type_name, timestamp, {"event": type_name, **data})
        )
        return self

    def session(self, timestamp: float) -> Chat:
        return self._add("session_started", timestamp, {})

    def user(self, timestamp: float, intent: str | None) -> Chat:
        metadata: dict[str, Any] = {"model_id": "m"}
        if self.customer_id:
            metadata["verified_customer_id"] = self.customer_id
        return self._add(
            "user",
            timestamp,
            {
                "text": "...",
                "input_channel": self.channel,
                "metadata": metadata,
                "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
            },
        )

    def bot(self, timestamp: float, response: str | None) -> Chat:
        metadata = {"utter_action": response} if response else {"desk_agent": "maria"}
        return self._add("bot", timestamp, {"text": "...", "metadata": metadata})

    def slot(self, timestamp: float, name: str, value: Any) -> Chat:
        return self._add("slot", timestamp, {"name": name, "value": value})

    def pause(self, timestamp: float) -> Chat:
        return self._add("pause", timestamp, {})

    def resume(self, timestamp: float) -> Chat:
        return self._add("resume", timestamp, {})


def ticket(
    conversation_id: str,
    created: float,
    reason: str = "customer_request",
    ended: float | None = None,
    status: str | None = None,
    customer_id: str | None = None,
) -> TicketRecord:
    """A ticket created (and maybe ended) at UNIX times."""
    return TicketRecord(
        ticket_id=f"T-{conversation_id[:8].upper()}",
        conversation_id=conversation_id,
        channel="rest",
        customer_id=customer_id,
        reason=reason,
        status=status or ("closed" if ended is not None else "waiting"),
        created_at=datetime.fromtimestamp(created, UTC),
        ended_at=datetime.fromtimestamp(ended, UTC) if ended is not None else None,
    )


RASA_EVENTS_DDL = """
CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


def write_tracker_store(url: str, events: list[TrackerEvent], extra_rows: int = 0) -> None:
    """Create Rasa 3.6's ``events`` table at ``url`` and write ``events`` as Rasa would.

    Args:
        url: SQLAlchemy URL (an empty database).
        events: The events, in order.
        extra_rows: Also write this many ``action`` rows, which the insights skip.
    """
    import json

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(RASA_EVENTS_DDL))
            rows = [
                {
                    "id": index + 1,
                    "sender_id": event.sender_id,
                    "type_name": event.type_name,
                    "timestamp": event.timestamp,
                    "intent_name": event.intent,
                    "action_name": event.data.get("name"),
                    "data": json.dumps({**event.data, "timestamp": event.timestamp}),
                }
                for index, event in enumerate(events)
            ]
            rows += [
                {
                    "id": len(events) + index + 1,
                    "sender_id": "A",
                    "type_name": "action",
                    "timestamp": 0.0,
                    "intent_name": None,
                    "action_name": "action_listen",
                    "data": json.dumps({"event": "action", "name": "action_listen"}),
                }
                for index in range(extra_rows)
            ]
            if rows:
                connection.execute(
                    text(
                        "INSERT INTO events (id, sender_id, type_name, timestamp, intent_name,"
                        " action_name, data) VALUES (:id, :sender_id, :type_name, :timestamp,"
                        " :intent_name, :action_name, :data)"
                    ),
                    rows,
                )
    finally:
        engine.dispose()


def store_ticket(db: Session, record: TicketRecord) -> None:
    """Write a ticket record into the desk's database as the desk would."""
    db.add(
        Ticket(
            ticket_id=record.ticket_id,
            idempotency_key=f"key-{record.ticket_id}",
            conversation_id=record.conversation_id,
            active_conversation=None if record.ended_at else record.conversation_id,
            channel=record.channel,
            customer_id=record.customer_id,
            language="en",
            reason=record.reason,
            summary={},
            status=record.status,
            created_at=record.created_at,
            updated_at=record.ended_at or record.created_at,
            ended_at=record.ended_at,
            sync_cursor=0.0,
        )
    )
    db.commit()
