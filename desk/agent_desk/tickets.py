"""Tickets and their transcripts in the database (synchronous; run off the event loop).

Race safety comes from the database, not from Python locks: unique constraints on
the idempotency key and on the active conversation make concurrent openings converge
on one ticket, and conditional UPDATEs make a claim or an ending happen once.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.errors import DeskError, not_found
from agent_desk.models import (
    ACTIVE_STATUSES,
    CLAIMED,
    WAITING,
    Agent,
    Ticket,
    TicketMessage,
)
from agent_desk.schemas import MessageOut, OpenTicket, TicketOut
from redaction import mask_data, mask_text

DEFAULT_WAIT_MINUTES = 3.0
WAIT_SAMPLE = 20
AGENT_ONLINE_WINDOW = timedelta(minutes=2)
_OPEN_ATTEMPTS = 5


def new_ticket_id() -> str:
    """Return a new random ticket id such as ``T-1A2B3C4D``."""
    return f"T-{secrets.token_hex(4).upper()}"


def source_key(event: str, timestamp: float) -> str:
    """Name a tracker event so that reading it twice stores it once.

    The action server's transcript uses the same key for the same event, so the
    sync never repeats a message the ticket arrived with.

    Args:
        event: Rasa's event type (``user`` or ``bot``).
        timestamp: The event's timestamp.

    Returns:
        The key, e.g. ``user:1764220000.120000``.
    """
    return f"{event}:{timestamp:.6f}"


@dataclass(frozen=True)
class SyncTarget:
    """An active ticket whose conversation the sync reads."""

    ticket_pk: int
    ticket_id: str
    conversation_id: str
    cursor: float


@dataclass(frozen=True)
class SyncedEntry:
    """A customer or bot message read from a tracker (already masked)."""

    author: str
    text: str
    timestamp: float
    source_key: str


@dataclass(frozen=True)
class AgentInfo:
    """An agent's username and display name."""

    username: str
    display_name: str


def _from_timestamp(timestamp: float | None, fallback: datetime) -> datetime:
    if timestamp is None:
        return fallback
    try:
        return datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return fallback


class TicketStore:
    """All reads and writes of tickets, transcripts and agents."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        """Create the store.

        Args:
            session_factory: Session factory of the desk's database.
        """
        self._sessions = session_factory

    # Opening ---------------------------------------------------------------------

    def open_ticket(self, key: str, request: OpenTicket, now: datetime) -> tuple[Ticket, bool]:
        """Open a ticket, or return the one this key or conversation already has.

        Args:
            key: The Idempotency-Key.
            request: The validated body (masked again here).
            now: Creation time.

        Returns:
            (ticket, created).

        Raises:
            DeskError: 503 if concurrent writers kept winning (practically never).
        """
        for _attempt in range(_OPEN_ATTEMPTS):
            with self._sessions() as session:
                existing = self._existing(session, key, request.conversation_id)
                if existing is not None:
                    return existing, False
                ticket = self._new_ticket(key, request, now)
                session.add(ticket)
                try:
                    session.flush()
                    self._add_transcript(session, ticket, request, now)
                    session.commit()
                except IntegrityError:
                    # Another request inserted the same key or conversation first:
                    # read again and return its ticket.
                    session.rollback()
                    continue
                return ticket, True
        raise DeskError(503, "The ticket could not be opened; please try again.")

    @staticmethod
    def _existing(session: Session, key: str, conversation_id: str) -> Ticket | None:
        by_key = session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
        if by_key is not None:
            return by_key
        return session.scalar(select(Ticket).where(Ticket.active_conversation == conversation_id))

    @staticmethod
    def _new_ticket(key: str, request: OpenTicket, now: datetime) -> Ticket:
        stamps = [entry.timestamp for entry in request.transcript if entry.timestamp is not None]
        summary = mask_data(request.summary.model_dump(mode="json"))
        return Ticket(
            ticket_id=new_ticket_id(),
            idempotency_key=key,
            conversation_id=request.conversation_id,
            active_conversation=request.conversation_id,
            channel=request.channel,
            customer_id=request.customer_id,
            language=request.language,
            reason=request.reason,
            summary=summary,
            status=WAITING,
            claimed_by=None,
            created_at=now,
            updated_at=now,
            # The tracker is read from the newest event the transcript covers.
            sync_cursor=max(stamps) if stamps else now.timestamp(),
            last_seq=0,
        )

    def _add_transcript(
        self, session: Session, ticket: Ticket, request: OpenTicket, now: datetime
    ) -> None:
        for entry in request.transcript:
            event = "user" if entry.author == "customer" else "bot"
            self._append(
                session,
                ticket.id,
                author=entry.author,
                text=mask_text(entry.text),
                agent=None,
                created_at=_from_timestamp(entry.timestamp, now),
                source=None if entry.timestamp is None else source_key(event, entry.timestamp),
            )

    # Reading ---------------------------------------------------------------------

    def get(self, ticket_id: str) -> TicketOut:
        """One ticket as the console shows it.

        Raises:
            DeskError: 404 for an unknown ticket.
        """
        with self._sessions() as session:
            ticket = self._load(session, ticket_id)
            return self._present(session, ticket)

    def present(self, ticket: Ticket) -> TicketOut:
        """Present a ticket object read earlier (queue position computed now)."""
        with self._sessions() as session:
            return self._present(session, ticket)

    def queue(self) -> list[TicketOut]:
        """Waiting tickets (oldest first), then claimed ones (oldest claim first)."""
        with self._sessions() as session:
            waiting = session.scalars(
                select(Ticket).where(Ticket.status == WAITING).order_by(Ticket.id)
            ).all()
            claimed = session.scalars(
                select(Ticket).where(Ticket.status == CLAIMED).order_by(Ticket.claimed_at)
            ).all()
            last = self._last_customer_messages(session, [*waiting, *claimed])
            result = [
                self._present(session, ticket, position, last.get(ticket.id))
                for position, ticket in enumerate(waiting, start=1)
            ]
            result.extend(
                self._present(session, ticket, 0, last.get(ticket.id)) for ticket in claimed
            )
            return result

    def queue_position(self, ticket: Ticket) -> int:
        """Waiting tickets opened before this one, plus one (0 unless waiting)."""
        with self._sessions() as session:
            return self._position(session, ticket)

    def expected_wait_minutes(self, position: int) -> int:
        """Position times the mean creation-to-claim time of the last claimed tickets.

        Args:
            position: Queue position (0: no wait).

        Returns:
            Whole minutes, rounded up.
        """
        if position <= 0:
            return 0
        with self._sessions() as session:
            rows = session.execute(
                select(Ticket.created_at, Ticket.claimed_at)
                .where(Ticket.claimed_at.is_not(None))
                .order_by(Ticket.claimed_at.desc())
                .limit(WAIT_SAMPLE)
            ).all()
        waits = [
            (claimed - created).total_seconds() / 60
            for created, claimed in rows
            if claimed is not None
        ]
        average = sum(waits) / len(waits) if waits else DEFAULT_WAIT_MINUTES
        return max(1, math.ceil(position * average - 1e-9))

    def counts(self, now: datetime) -> tuple[int, int]:
        """(waiting tickets, agents seen in the last two minutes)."""
        with self._sessions() as session:
            waiting = session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.status == WAITING)
            )
            online = session.scalar(
                select(func.count())
                .select_from(Agent)
                .where(Agent.last_seen_at >= now - AGENT_ONLINE_WINDOW)
            )
        return int(waiting or 0), int(online or 0)

    def messages(self, ticket_id: str, after: int) -> list[MessageOut]:
        """Transcript entries with ``seq > after``, oldest first.

        Raises:
            DeskError: 404 for an unknown ticket.
        """
        with self._sessions() as session:
            ticket = self._load(session, ticket_id)
            rows = session.scalars(
                select(TicketMessage)
                .where(TicketMessage.ticket_pk == ticket.id, TicketMessage.seq > after)
                .order_by(TicketMessage.seq)
            ).all()
            return [self._message_out(row) for row in rows]

    # Claiming and ending ---------------------------------------------------------

    def claim(self, ticket_id: str, agent: str, now: datetime) -> tuple[Ticket, bool]:
        """Claim a waiting ticket for ``agent``; exactly one of concurrent claims wins.

        Args:
            ticket_id: The ticket.
            agent: The claiming agent's username.
            now: Claim time.

        Returns:
            (ticket, newly claimed); claiming one's own ticket again is not new.

        Raises:
            DeskError: 404 unknown, 409 claimed by someone else or ended.
        """
        with self._sessions() as session:
            won = session.execute(
                update(Ticket)
                .where(Ticket.ticket_id == ticket_id, Ticket.status == WAITING)
                .values(status=CLAIMED, claimed_by=agent, claimed_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            ticket = self._load(session, ticket_id)
            if won.rowcount == 1:  # type: ignore[attr-defined]
                return ticket, True
            if ticket.status == CLAIMED and ticket.claimed_by == agent:
                return ticket, False
            raise self._conflict(ticket, agent)

    def release(self, ticket_id: str, agent: str, now: datetime) -> None:
        """Put a ticket the agent just claimed back in the queue (Rasa refused the claim).

        Args:
            ticket_id: The ticket.
            agent: The agent who claimed it.
            now: Update time.
        """
        with self._sessions() as session:
            session.execute(
                update(Ticket)
                .where(
                    Ticket.ticket_id == ticket_id,
                    Ticket.status == CLAIMED,
                    Ticket.claimed_by == agent,
                )
                .values(status=WAITING, claimed_by=None, claimed_at=None, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def check_owner(self, ticket_id: str, agent: str, allow_waiting: bool = False) -> Ticket:
        """Make sure ``agent`` may act on the ticket.

        Args:
            ticket_id: The ticket.
            agent: The agent's username.
            allow_waiting: Also accept a waiting ticket (closing one).

        Returns:
            The ticket.

        Raises:
            DeskError: 404 unknown, 409 not the agent's.
        """
        with self._sessions() as session:
            ticket = self._load(session, ticket_id)
        if ticket.status == CLAIMED and ticket.claimed_by == agent:
            return ticket
        if allow_waiting and ticket.status == WAITING:
            return ticket
        raise self._conflict(ticket, agent)

    def end(
        self, ticket_id: str, agent: str, status: str, now: datetime, allow_waiting: bool = False
    ) -> Ticket:
        """End a ticket (``handed_back`` or ``closed``) if it is still the agent's.

        Args:
            ticket_id: The ticket.
            agent: The acting agent.
            status: The final status.
            now: End time.
            allow_waiting: Also end a waiting ticket (closing one).

        Returns:
            The ended ticket.

        Raises:
            DeskError: 404 unknown, 409 someone else's or already ended.
        """
        mine = (Ticket.status == CLAIMED) & (Ticket.claimed_by == agent)
        condition = or_(mine, Ticket.status == WAITING) if allow_waiting else mine
        with self._sessions() as session:
            changed = session.execute(
                update(Ticket)
                .where(Ticket.ticket_id == ticket_id, condition)
                .values(status=status, active_conversation=None, ended_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()
            ticket = self._load(session, ticket_id)
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise self._conflict(ticket, agent)
            return ticket

    # Transcript ------------------------------------------------------------------

    def add_message(
        self, ticket_pk: int, author: str, text: str, agent: str | None, now: datetime
    ) -> MessageOut:
        """Store an agent or system entry the desk wrote itself.

        Args:
            ticket_pk: The ticket's primary key.
            author: ``agent`` or ``system``.
            text: The text (stored as given: agents write to the customer).
            agent: The agent's username, if any.
            now: Time of the entry.

        Returns:
            The stored entry.
        """
        with self._sessions() as session:
            row = self._append(session, ticket_pk, author, text, agent, now, None)
            session.commit()
            return self._message_out(row)

    def sync_targets(self) -> list[SyncTarget]:
        """The active tickets, whose conversations the sync reads."""
        with self._sessions() as session:
            rows = session.execute(
                select(Ticket.id, Ticket.ticket_id, Ticket.conversation_id, Ticket.sync_cursor)
                .where(Ticket.status.in_(ACTIVE_STATUSES))
                .order_by(Ticket.id)
            ).all()
        return [SyncTarget(row[0], row[1], row[2], row[3]) for row in rows]

    def record_synced(
        self, ticket_pk: int, entries: Sequence[SyncedEntry], cursor: float, now: datetime
    ) -> int:
        """Store the messages read from a tracker and move the ticket's cursor.

        Entries whose source key is already stored are skipped.

        Args:
            ticket_pk: The ticket's primary key.
            entries: New customer and bot messages, oldest first.
            cursor: Timestamp of the newest tracker event read.
            now: Fallback time for entries.

        Returns:
            How many entries were stored.
        """
        with self._sessions() as session:
            known = set(
                session.scalars(
                    select(TicketMessage.source_key).where(
                        TicketMessage.ticket_pk == ticket_pk,
                        TicketMessage.source_key.in_([entry.source_key for entry in entries]),
                    )
                ).all()
            )
            stored = 0
            for entry in entries:
                if entry.source_key in known:
                    continue
                known.add(entry.source_key)
                self._append(
                    session,
                    ticket_pk,
                    entry.author,
                    entry.text,
                    None,
                    _from_timestamp(entry.timestamp, now),
                    entry.source_key,
                )
                stored += 1
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_pk, Ticket.sync_cursor < cursor)
                .values(sync_cursor=cursor)
                .execution_options(synchronize_session=False)
            )
            session.commit()
        return stored

    # Agents ----------------------------------------------------------------------

    def agent(self, username: str) -> AgentInfo | None:
        """An active agent by username, or None."""
        with self._sessions() as session:
            agent = session.get(Agent, username)
            if agent is None or not agent.active:
                return None
            return AgentInfo(agent.username, agent.display_name)

    def password_hash(self, username: str) -> tuple[AgentInfo, str] | None:
        """An active agent and their password hash, or None."""
        with self._sessions() as session:
            agent = session.get(Agent, username)
            if agent is None or not agent.active:
                return None
            return AgentInfo(agent.username, agent.display_name), agent.password_hash

    def touch_agent(self, username: str, now: datetime, every: timedelta) -> None:
        """Record that the agent is online (at most one write per ``every``)."""
        with self._sessions() as session:
            session.execute(
                update(Agent)
                .where(
                    Agent.username == username,
                    or_(Agent.last_seen_at.is_(None), Agent.last_seen_at < now - every),
                )
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    # Helpers ---------------------------------------------------------------------

    @staticmethod
    def _load(session: Session, ticket_id: str) -> Ticket:
        ticket = session.scalar(select(Ticket).where(Ticket.ticket_id == ticket_id))
        if ticket is None:
            raise not_found(ticket_id)
        return ticket

    @staticmethod
    def _conflict(ticket: Ticket, agent: str) -> DeskError:
        if ticket.status == CLAIMED and ticket.claimed_by != agent:
            return DeskError(409, f"Ticket {ticket.ticket_id} is claimed by {ticket.claimed_by}.")
        if ticket.status == WAITING:
            return DeskError(409, f"Claim ticket {ticket.ticket_id} first.")
        return DeskError(409, f"Ticket {ticket.ticket_id} has ended ({ticket.status}).")

    @staticmethod
    def _append(
        session: Session,
        ticket_pk: int,
        author: str,
        text: str,
        agent: str | None,
        created_at: datetime,
        source: str | None,
    ) -> TicketMessage:
        # The counter row is updated first, which serialises writers of one ticket.
        seq = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_pk)
            .values(last_seq=Ticket.last_seq + 1)
            .returning(Ticket.last_seq)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        row = TicketMessage(
            ticket_pk=ticket_pk,
            seq=seq,
            author=author,
            text=text,
            agent=agent,
            created_at=created_at,
            source_key=source,
        )
        session.add(row)
        session.flush()
        return row

    @staticmethod
    def _message_out(row: TicketMessage) -> MessageOut:
        return MessageOut(
            seq=row.seq,
            author=row.author,
            text=row.text,
            agent=row.agent,
            created_at=row.created_at,
        )

    @staticmethod
    def _position(session: Session, ticket: Ticket) -> int:
        if ticket.status != WAITING:
            return 0
        before = session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.status == WAITING, Ticket.id < ticket.id)
        )
        return int(before or 0) + 1

    @staticmethod
    def _last_customer_messages(session: Session, tickets: Sequence[Ticket]) -> dict[int, str]:
        if not tickets:
            return {}
        newest = (
            select(TicketMessage.ticket_pk, func.max(TicketMessage.seq).label("seq"))
            .where(
                TicketMessage.ticket_pk.in_([ticket.id for ticket in tickets]),
                TicketMessage.author == "customer",
            )
            .group_by(TicketMessage.ticket_pk)
            .subquery()
        )
        rows = session.execute(
            select(TicketMessage.ticket_pk, TicketMessage.text).join(
                newest,
                (TicketMessage.ticket_pk == newest.c.ticket_pk)
                & (TicketMessage.seq == newest.c.seq),
            )
        ).all()
        return {row[0]: row[1] for row in rows}

    def _present(
        self,
        session: Session,
        ticket: Ticket,
        position: int | None = None,
        last_message: str | None = None,
    ) -> TicketOut:
        if position is None:
            position = self._position(session, ticket)
        if last_message is None:
            last_message = self._last_customer_messages(session, [ticket]).get(ticket.id)
        summary: dict[str, Any] = ticket.summary or {}
        if last_message is None and isinstance(summary.get("last_message"), str):
            last_message = summary["last_message"]
        return TicketOut(
            ticket_id=ticket.ticket_id,
            conversation_id=ticket.conversation_id,
            status=ticket.status,
            reason=ticket.reason,
            channel=ticket.channel,
            customer_id=ticket.customer_id,
            language=ticket.language,
            summary=summary,
            claimed_by=ticket.claimed_by,
            created_at=ticket.created_at,
            queue_position=position,
            last_message=last_message,
        )
