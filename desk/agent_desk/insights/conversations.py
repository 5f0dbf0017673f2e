"""From tracker events and tickets to conversations: one Rasa session each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from agent_desk.insights.records import (
    BOT,
    PAUSE,
    RESUME,
    SESSION_STARTED,
    SLOT,
    USER,
    TicketRecord,
    TrackerEvent,
)
from agent_desk.insights.vocabulary import (
    CSAT_QUESTION_RESPONSE,
    CSAT_RATING_RANGE,
    CSAT_RATING_SLOT,
    CSAT_SOLVED_SLOT,
    IDENTITY_GRANT_SLOT,
    MONEY_INTENTS,
    NO_TOPIC,
    RESOLVING_RESPONSES,
    UNKNOWN_CHANNEL,
    VERIFIED_CUSTOMER_KEY,
)

_YES = frozenset({"true", "yes", "1"})
_NO = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class UserTurn:
    """One customer message.

    Attributes:
        timestamp: UNIX time.
        intent: The intent NLU (or the button payload) gave it.
        paused: Written while the bot was paused (to a person, not to the bot).
    """

    timestamp: float
    intent: str | None
    paused: bool = False


@dataclass(frozen=True)
class Conversation:
    """One conversation: the events of one Rasa session with at least one user message.

    Attributes:
        sender_id: Rasa's conversation id.
        session: 1 for the first session of this sender id, 2 for the next...
        session_begin: UNIX time of the session's first event (tickets created from
            then on, until the next session, belong to it).
        started_at: UNIX time of the first user message.
        channel: ``input_channel`` of the first user message.
        customer_id: The verified customer, if the conversation names one.
        turns: The customer's messages, oldest first.
        resolved_at: UNIX time of the first resolving answer (while not paused).
        csat_asked: Whether the satisfaction question was sent.
        csat_solved: The customer's last answer to "was your problem solved?".
        csat_rating: The customer's last 1-5 rating.
        tickets: The desk tickets of this session, oldest first.
    """

    sender_id: str
    session: int
    session_begin: float
    started_at: float
    channel: str
    customer_id: str | None
    turns: tuple[UserTurn, ...]
    resolved_at: float | None = None
    csat_asked: bool = False
    csat_solved: bool | None = None
    csat_rating: int | None = None
    tickets: tuple[TicketRecord, ...] = ()

    @property
    def day(self) -> date:
        """UTC date of the first user message."""
        return datetime.fromtimestamp(self.started_at, UTC).date()

    @property
    def bot_turns(self) -> tuple[UserTurn, ...]:
        """Messages written to the bot (not while a person had the conversation)."""
        return tuple(turn for turn in self.turns if not turn.paused)

    @property
    def journey(self) -> tuple[str, ...]:
        """The money intents in order, a repeated one counted once while it repeats."""
        steps: list[str] = []
        for turn in self.bot_turns:
            if turn.intent in MONEY_INTENTS and (not steps or steps[-1] != turn.intent):
                steps.append(turn.intent)
        return tuple(steps)

    @property
    def topics(self) -> frozenset[str]:
        """The money intents of the conversation."""
        return frozenset(self.journey)

    @property
    def handed_over(self) -> bool:
        """Whether the assistant handed the conversation to a person (a desk ticket)."""
        return bool(self.tickets)

    @property
    def contained(self) -> bool:
        """Resolved by the assistant and never handed over."""
        return self.resolved_at is not None and not self.handed_over

    @property
    def handoff(self) -> TicketRecord | None:
        """The first ticket, if any."""
        return self.tickets[0] if self.tickets else None

    @property
    def handoff_intent(self) -> str | None:
        """The last money intent before the first ticket was opened (``NO_TOPIC`` if none)."""
        ticket = self.handoff
        if ticket is None:
            return None
        opened = ticket.created_at.timestamp()
        last = NO_TOPIC
        for turn in self.bot_turns:
            if turn.timestamp > opened:
                break
            if turn.intent in MONEY_INTENTS:
                last = turn.intent
        return last

    @property
    def bot_resolution_seconds(self) -> float | None:
        """First user message to the resolving answer, for contained conversations."""
        if not self.contained or self.resolved_at is None:
            return None
        return max(0.0, self.resolved_at - self.started_at)

    @property
    def human_resolution_seconds(self) -> float | None:
        """First ticket's creation to its end (handed back or closed), if it ended."""
        ticket = self.handoff
        if ticket is None or ticket.ended_at is None:
            return None
        return max(0.0, (ticket.ended_at - ticket.created_at).total_seconds())


def customer_from_grant(grant: object) -> str | None:
    """The customer id inside an identity grant ``v1.<customer>.<expires>.<signature>``.

    The grant is only read, not verified: only the action server sets that slot.

    Args:
        grant: The slot value.

    Returns:
        The customer id, or None for anything that is not a grant.
    """
    if not isinstance(grant, str):
        return None
    parts = grant.split(".")
    if len(parts) < 4 or parts[0] != "v1":
        return None
    customer = ".".join(parts[1:-2])
    return customer or None


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
    return None


def _as_rating(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not number.is_integer():
        return None
    rating = int(number)
    return rating if rating in CSAT_RATING_RANGE else None


class _SessionBuilder:
    """Collects one session's events (kept mutable while reading, frozen at the end)."""

    def __init__(self, sender_id: str, session: int, begin: float) -> None:
        self.sender_id = sender_id
        self.session = session
        self.begin = begin
        self.paused = False
        self.turns: list[UserTurn] = []
        self.channel: str | None = None
        self.customer_id: str | None = None
        self.resolved_at: float | None = None
        self.csat_asked = False
        self.csat_solved: bool | None = None
        self.csat_rating: int | None = None

    def add(self, event: TrackerEvent) -> None:
        kind = event.type_name
        if kind == PAUSE:
            self.paused = True
        elif kind == RESUME:
            self.paused = False
        elif kind == USER:
            self._user(event)
        elif kind == BOT:
            self._bot(event)
        elif kind == SLOT:
            self._slot(event)

    def _user(self, event: TrackerEvent) -> None:
        self.turns.append(UserTurn(event.timestamp, event.intent, self.paused))
        if self.channel is None:
            channel = event.data.get("input_channel")
            self.channel = channel if isinstance(channel, str) and channel else UNKNOWN_CHANNEL
        customer = event.metadata.get(VERIFIED_CUSTOMER_KEY)
        if self.customer_id is None and isinstance(customer, str) and customer.strip():
            self.customer_id = customer.strip()

    def _bot(self, event: TrackerEvent) -> None:
        response = event.metadata.get("utter_action")
        if response == CSAT_QUESTION_RESPONSE:
            self.csat_asked = True
        if response in RESOLVING_RESPONSES and self.resolved_at is None and not self.paused:
            self.resolved_at = event.timestamp

    def _slot(self, event: TrackerEvent) -> None:
        name, value = event.data.get("name"), event.data.get("value")
        if name == IDENTITY_GRANT_SLOT and self.customer_id is None:
            self.customer_id = customer_from_grant(value)
        elif name == CSAT_SOLVED_SLOT and _as_bool(value) is not None:
            self.csat_solved = _as_bool(value)
        elif name == CSAT_RATING_SLOT and _as_rating(value) is not None:
            self.csat_rating = _as_rating(value)

    def build(self, end: float | None, tickets: Sequence[TicketRecord]) -> Conversation | None:
        if not self.turns:
            return None
        mine = tuple(
            ticket
            for ticket in tickets
            if ticket.created_at.timestamp() >= self.begin
            and (end is None or ticket.created_at.timestamp() < end)
        )
        customer = self.customer_id or next(
            (ticket.customer_id for ticket in mine if ticket.customer_id), None
        )
        return Conversation(
            sender_id=self.sender_id,
            session=self.session,
            session_begin=self.begin,
            started_at=self.turns[0].timestamp,
            channel=self.channel or UNKNOWN_CHANNEL,
            customer_id=customer,
            turns=tuple(self.turns),
            resolved_at=self.resolved_at,
            csat_asked=self.csat_asked,
            csat_solved=self.csat_solved,
            csat_rating=self.csat_rating,
            tickets=mine,
        )


def _sessions(sender_id: str, events: Sequence[TrackerEvent]) -> list[_SessionBuilder]:
    sessions: list[_SessionBuilder] = []
    for event in events:
        if not sessions or (event.type_name == SESSION_STARTED and sessions[-1].turns):
            sessions.append(_SessionBuilder(sender_id, len(sessions) + 1, event.timestamp))
        elif event.type_name == SESSION_STARTED:
            # A session nobody wrote in: the new one starts here.
            sessions[-1].begin = event.timestamp
        sessions[-1].add(event)
    return sessions


def build_conversations(
    events: Iterable[TrackerEvent], tickets: Iterable[TicketRecord]
) -> list[Conversation]:
    """Group events by sender id, split them into sessions and attach the tickets.

    Events must come in the order the tracker store wrote them (per sender id).
    A session without a user message is no conversation. A ticket belongs to the
    session of its conversation id that was running when the desk created it.

    Args:
        events: Tracker store events.
        tickets: Desk tickets.

    Returns:
        The conversations, ordered by their first user message.
    """
    by_sender: dict[str, list[TrackerEvent]] = defaultdict(list)
    for event in events:
        by_sender[event.sender_id].append(event)
    tickets_by_sender: dict[str, list[TicketRecord]] = defaultdict(list)
    for ticket in sorted(tickets, key=lambda ticket: ticket.created_at):
        tickets_by_sender[ticket.conversation_id].append(ticket)

    conversations: list[Conversation] = []
    for sender_id, sender_events in by_sender.items():
        sessions = _sessions(sender_id, sender_events)
        for index, session in enumerate(sessions):
            end = sessions[index + 1].begin if index + 1 < len(sessions) else None
            conversation = session.build(end, tickets_by_sender.get(sender_id, ()))
            if conversation is not None:
                conversations.append(conversation)
    conversations.sort(key=lambda conversation: (conversation.started_at, conversation.sender_id))
    return conversations
