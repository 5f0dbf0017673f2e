"""All figures for a selection: totals, per day, per channel, and the rankings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from agent_desk.insights import metrics
from agent_desk.insights.conversations import Conversation
from agent_desk.insights.filters import Filters, select

#: At most this many days in a series (a longer range keeps its last days).
MAX_SERIES_DAYS = 400


@dataclass(frozen=True)
class Figures:
    """The headline figures of a set of conversations.

    Attributes:
        outcomes: Containment and handoff.
        bot_resolution_seconds: Time to resolution by the assistant.
        human_resolution_seconds: Time to resolution by a person.
        fallbacks: Fallback rate.
        repeat_contacts: Repeat contacts within 7 days.
        satisfaction: Answers to the satisfaction questions.
    """

    outcomes: metrics.Outcomes
    bot_resolution_seconds: metrics.Durations
    human_resolution_seconds: metrics.Durations
    fallbacks: metrics.Fallbacks
    repeat_contacts: metrics.RepeatContacts
    satisfaction: metrics.Satisfaction


@dataclass(frozen=True)
class DayFigures:
    """Figures of the conversations that started on one UTC day."""

    day: date
    figures: Figures


@dataclass(frozen=True)
class ChannelFigures:
    """Figures of the conversations of one channel."""

    channel: str
    figures: Figures


@dataclass(frozen=True)
class Insights:
    """Everything the dashboard and the report show.

    Attributes:
        filters: The selection.
        channels: Every channel seen in the data (for the filter's choices).
        totals: Figures of the whole selection.
        days: One entry per day of the range (days without conversations included).
        by_channel: Figures per channel within the selection.
        handoff_by_reason: Handed-over conversations by reason.
        handoff_by_intent: Handed-over conversations by the intent that led there.
        top_intents: Most frequent intents.
        top_journeys: Most frequent journeys.
    """

    filters: Filters
    channels: list[str]
    totals: Figures
    days: list[DayFigures] = field(default_factory=list)
    by_channel: list[ChannelFigures] = field(default_factory=list)
    handoff_by_reason: list[metrics.Count] = field(default_factory=list)
    handoff_by_intent: list[metrics.Count] = field(default_factory=list)
    top_intents: list[metrics.Count] = field(default_factory=list)
    top_journeys: list[metrics.Count] = field(default_factory=list)


def figures(conversations: Sequence[Conversation], history: Sequence[Conversation]) -> Figures:
    """The headline figures of ``conversations`` (``history`` for repeat contacts)."""
    return Figures(
        outcomes=metrics.outcomes(conversations),
        bot_resolution_seconds=metrics.bot_resolution_times(conversations),
        human_resolution_seconds=metrics.human_resolution_times(conversations),
        fallbacks=metrics.fallbacks(conversations),
        repeat_contacts=metrics.repeat_contacts(conversations, history),
        satisfaction=metrics.satisfaction(conversations),
    )


def _days(selected: Sequence[Conversation], filters: Filters) -> list[date]:
    first = filters.date_from or min((c.day for c in selected), default=None)
    last = filters.date_to or max((c.day for c in selected), default=None)
    if first is None or last is None or first > last:
        return []
    count = min((last - first).days + 1, MAX_SERIES_DAYS)
    start = last - timedelta(days=count - 1)
    return [start + timedelta(days=offset) for offset in range(count)]


def compute_insights(history: Sequence[Conversation], filters: Filters) -> Insights:
    """Every figure of the conversations the filters select.

    Args:
        history: Every conversation read (also those outside the filters: the
            repeat contact look-back uses them).
        filters: The selection.

    Returns:
        The insights.
    """
    selected = select(history, filters)
    by_day = metrics.group_by(selected, lambda c: c.day.isoformat())
    by_channel = metrics.group_by(selected, lambda c: c.channel)
    return Insights(
        filters=filters,
        channels=sorted({c.channel for c in history}),
        totals=figures(selected, history),
        days=[
            DayFigures(day, figures(by_day.get(day.isoformat(), []), history))
            for day in _days(selected, filters)
        ],
        by_channel=[
            ChannelFigures(channel, figures(group, history))
            for channel, group in by_channel.items()
        ],
        handoff_by_reason=metrics.handoffs_by_reason(selected),
        handoff_by_intent=metrics.handoffs_by_intent(selected),
        top_intents=metrics.top_intents(selected),
        top_journeys=metrics.top_journeys(selected),
    )
