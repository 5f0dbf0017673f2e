"""The metrics: pure functions over conversations (definitions in docs/insights.md)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from agent_desk.insights.conversations import Conversation
from agent_desk.insights.vocabulary import FALLBACK_INTENT, REPEAT_WINDOW

JOURNEY_SEPARATOR = " > "


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Outcomes:
    """How conversations ended: contained, handed over or neither.

    Attributes:
        conversations: All conversations.
        contained: Resolved by the assistant, never handed over.
        handed_over: With at least one desk ticket.
        unresolved: Neither (no resolving answer, no person).
        containment_rate: ``contained / conversations``.
        handoff_rate: ``handed_over / conversations``.
    """

    conversations: int
    contained: int
    handed_over: int
    unresolved: int
    containment_rate: float | None
    handoff_rate: float | None


def outcomes(conversations: Sequence[Conversation]) -> Outcomes:
    """Containment and handoff counts and rates."""
    total = len(conversations)
    contained = sum(1 for conversation in conversations if conversation.contained)
    handed = sum(1 for conversation in conversations if conversation.handed_over)
    return Outcomes(
        conversations=total,
        contained=contained,
        handed_over=handed,
        unresolved=total - contained - handed,
        containment_rate=rate(contained, total),
        handoff_rate=rate(handed, total),
    )


@dataclass(frozen=True)
class Count:
    """A row of a ranking: a key, how often, and its share of the whole.

    Attributes:
        key: Reason, intent or journey.
        count: How many.
        rate: ``count`` divided by the table's denominator (see each function).
    """

    key: str
    count: int
    rate: float | None


def _ranking(keys: Iterable[str], whole: int, limit: int | None = None) -> list[Count]:
    counted = Counter(keys)
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return [Count(key, count, rate(count, whole)) for key, count in ordered[:limit]]


def handoffs_by_reason(conversations: Sequence[Conversation]) -> list[Count]:
    """Handed-over conversations by the reason of their first ticket.

    ``rate`` is the share of all conversations.
    """
    return _ranking(
        (c.handoff.reason for c in conversations if c.handoff is not None), len(conversations)
    )


def handoffs_by_intent(conversations: Sequence[Conversation]) -> list[Count]:
    """Handed-over conversations by the last money intent before the first ticket.

    ``rate`` is the share of all conversations.
    """
    return _ranking(
        (c.handoff_intent for c in conversations if c.handoff_intent is not None),
        len(conversations),
    )


@dataclass(frozen=True)
class Durations:
    """Resolution times in seconds.

    Attributes:
        count: How many conversations have one.
        mean: Arithmetic mean (None without any).
        median: Median (None without any).
    """

    count: int
    mean: float | None
    median: float | None


def _durations(values: Sequence[float]) -> Durations:
    if not values:
        return Durations(0, None, None)
    return Durations(len(values), statistics.fmean(values), statistics.median(values))


def bot_resolution_times(conversations: Sequence[Conversation]) -> Durations:
    """Contained conversations: first user message to the first resolving answer."""
    return _durations(
        [
            seconds
            for seconds in (c.bot_resolution_seconds for c in conversations)
            if seconds is not None
        ]
    )


def human_resolution_times(conversations: Sequence[Conversation]) -> Durations:
    """Handed-over conversations whose first ticket ended: creation to hand-back/close."""
    return _durations(
        [
            seconds
            for seconds in (c.human_resolution_seconds for c in conversations)
            if seconds is not None
        ]
    )


@dataclass(frozen=True)
class Fallbacks:
    """Messages the assistant did not understand.

    Attributes:
        user_messages: Messages written to the bot (not while paused).
        fallback_messages: Of those, the ones classified ``nlu_fallback``.
        fallback_rate: ``fallback_messages / user_messages``.
    """

    user_messages: int
    fallback_messages: int
    fallback_rate: float | None


def fallbacks(conversations: Sequence[Conversation]) -> Fallbacks:
    """The fallback rate over messages written to the bot."""
    turns = [turn for c in conversations for turn in c.bot_turns]
    missed = sum(1 for turn in turns if turn.intent == FALLBACK_INTENT)
    return Fallbacks(len(turns), missed, rate(missed, len(turns)))


def top_intents(conversations: Sequence[Conversation], limit: int = 10) -> list[Count]:
    """Intents of messages written to the bot, most frequent first.

    ``rate`` is the share of those messages.
    """
    turns = [turn for c in conversations for turn in c.bot_turns]
    return _ranking((turn.intent or FALLBACK_INTENT for turn in turns), len(turns), limit)


def top_journeys(conversations: Sequence[Conversation], limit: int = 10) -> list[Count]:
    """Journeys (money intents in order, e.g. ``check_balance > make_payment``).

    ``rate`` is the share of conversations with at least one money intent.
    """
    journeys = [JOURNEY_SEPARATOR.join(c.journey) for c in conversations if c.journey]
    return _ranking(journeys, len(journeys), limit)


def repeated_topics(conversation: Conversation, history: Sequence[Conversation]) -> frozenset[str]:
    """The topics the customer already raised shortly before this conversation.

    Args:
        conversation: The conversation judged.
        history: Earlier conversations to look at (any day, any channel); others
            are ignored.

    Returns:
        The topics this conversation shares with conversations of the same customer
        that started in the ``REPEAT_WINDOW`` before its first message (empty when
        the customer is unknown).
    """
    if conversation.customer_id is None or not conversation.topics:
        return frozenset()
    window_start = conversation.started_at - REPEAT_WINDOW.total_seconds()
    shared: set[str] = set()
    for earlier in history:
        if (
            earlier.customer_id == conversation.customer_id
            and earlier is not conversation
            and window_start <= earlier.started_at < conversation.started_at
        ):
            shared |= earlier.topics & conversation.topics
    return frozenset(shared)


def _by_customer(history: Iterable[Conversation]) -> dict[str, list[Conversation]]:
    grouped: dict[str, list[Conversation]] = {}
    for conversation in history:
        if conversation.customer_id is not None:
            grouped.setdefault(conversation.customer_id, []).append(conversation)
    return grouped


@dataclass(frozen=True)
class RepeatContacts:
    """Customers coming back with the same problem.

    Attributes:
        eligible: Conversations with a known customer and at least one topic.
        repeats: Of those, repeat contacts.
        repeat_rate: ``repeats / eligible``.
        by_topic: Repeat contacts by the topic they repeat (a conversation repeating
            two topics counts for both); ``rate`` is the share of repeats.
    """

    eligible: int
    repeats: int
    repeat_rate: float | None
    by_topic: list[Count]


def repeat_contacts(
    conversations: Sequence[Conversation], history: Sequence[Conversation]
) -> RepeatContacts:
    """Repeat contacts among ``conversations``, looking back into ``history``."""
    by_customer = _by_customer(history)
    eligible = [c for c in conversations if c.customer_id is not None and c.topics]
    repeated = [repeated_topics(c, by_customer.get(c.customer_id or "", [])) for c in eligible]
    repeats = sum(1 for topics in repeated if topics)
    return RepeatContacts(
        eligible=len(eligible),
        repeats=repeats,
        repeat_rate=rate(repeats, len(eligible)),
        by_topic=_ranking((topic for topics in repeated for topic in sorted(topics)), repeats),
    )


@dataclass(frozen=True)
class Satisfaction:
    """Answers to the satisfaction questions.

    Attributes:
        asked: Conversations in which the question was sent.
        responses: Of those, conversations with an answer (solved or rating).
        response_rate: ``responses / asked``.
        solved_answers: Conversations with a yes/no answer.
        solved_yes: Of those, "yes".
        solved_share: ``solved_yes / solved_answers``.
        ratings: Conversations with a 1-5 rating.
        mean_rating: Mean of those ratings.
    """

    asked: int
    responses: int
    response_rate: float | None
    solved_answers: int
    solved_yes: int
    solved_share: float | None
    ratings: int
    mean_rating: float | None


def _answered(conversation: Conversation) -> bool:
    return conversation.csat_solved is not None or conversation.csat_rating is not None


def satisfaction(conversations: Sequence[Conversation]) -> Satisfaction:
    """Share solved, mean rating and response rate (last answer of each conversation)."""
    asked = [c for c in conversations if c.csat_asked]
    responses = sum(1 for c in asked if _answered(c))
    solved = [c.csat_solved for c in conversations if c.csat_solved is not None]
    ratings = [c.csat_rating for c in conversations if c.csat_rating is not None]
    return Satisfaction(
        asked=len(asked),
        responses=responses,
        response_rate=rate(responses, len(asked)),
        solved_answers=len(solved),
        solved_yes=sum(1 for answer in solved if answer),
        solved_share=rate(sum(1 for answer in solved if answer), len(solved)),
        ratings=len(ratings),
        mean_rating=statistics.fmean(ratings) if ratings else None,
    )


def group_by(
    conversations: Iterable[Conversation], key: Callable[[Conversation], str]
) -> dict[str, list[Conversation]]:
    """Conversations grouped by ``key``, keys sorted."""
    groups: dict[str, list[Conversation]] = {}
    for conversation in conversations:
        groups.setdefault(key(conversation), []).append(conversation)
    return dict(sorted(groups.items()))
