"""SQLAlchemy models: agents, tickets and the transcript of each ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service_kit.columns import UTCDateTime

WAITING = "waiting"
CLAIMED = "claimed"
HANDED_BACK = "handed_back"
CLOSED = "closed"
ACTIVE_STATUSES = (WAITING, CLAIMED)


class Base(DeclarativeBase):
    """Declarative base of all tables."""


class Agent(Base):
    """A person who works the queue."""

    __tablename__ = "agents"

    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Ticket(Base):
    """One handover of one conversation.

    ``active_conversation`` holds the conversation id while the ticket is waiting or
    claimed and is NULL once it ended: its unique constraint is what keeps a
    conversation at one active ticket, on SQLite and PostgreSQL alike.
    """

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    active_conversation: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    claimed_by: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("agents.username"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Timestamp of the newest tracker event already read from Rasa.
    sync_cursor: Mapped[float] = mapped_column(Double)
    # Highest transcript seq handed out (incremented atomically).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class TicketMessage(Base):
    """One transcript entry of a ticket.

    ``source_key`` names the tracker event a customer or bot entry came from, so a
    re-read tracker never stores the same event twice; NULL for agent and system
    entries, which the desk writes itself.
    """

    __tablename__ = "ticket_messages"
    __table_args__ = (
        UniqueConstraint("ticket_pk", "seq", name="uq_ticket_messages_seq"),
        UniqueConstraint("ticket_pk", "source_key", name="uq_ticket_messages_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_pk: Mapped[int] = mapped_column(Integer, ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    agent: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
