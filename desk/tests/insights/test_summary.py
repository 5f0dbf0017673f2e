"""Selections, per-day and per-channel figures of the scenario (tests/insights/scenario.py)."""

from __future__ import annotations

from datetime import date

import pytest

from agent_desk.insights.filters import Filters, select
from agent_desk.insights.summary import compute_insights
from tests.insights.scenario import scenario

DAY0 = date(2025, 6, 16)


def test_filters_select_by_day_and_channel() -> None:
    conversations = scenario()
    chosen = select(conversations, Filters(date(2025, 6, 17), date(2025, 6, 24), "socketio"))
    assert [c.sender_id for c in chosen] == ["F"]
    assert [c.sender_id for c in select(conversations, Filters(channel="rest"))] == [
        "A",
        "B",
        "E",
    ]


def test_an_empty_range_is_refused() -> None:
    with pytest.raises(ValueError, match="start date"):
        Filters(date(2025, 6, 2), date(2025, 6, 1))


def test_totals_days_and_channels() -> None:
    insights = compute_insights(scenario(), Filters())

    assert insights.channels == ["rest", "socketio"]
    assert insights.totals.outcomes.conversations == 6
    # one entry per day from the first to the last conversation: days 0..9
    assert [d.day for d in insights.days][:3] == [DAY0, date(2025, 6, 17), date(2025, 6, 18)]
    assert len(insights.days) == 10
    conversations_per_day = [d.figures.outcomes.conversations for d in insights.days]
    assert conversations_per_day == [3, 0, 1, 0, 0, 0, 0, 0, 1, 1]
    day0 = insights.days[0].figures
    # A and C contained, D handed over; messages A 3, C 1, D 3 with 2 fallbacks
    assert (day0.outcomes.contained, day0.outcomes.handed_over) == (2, 1)
    assert day0.fallbacks.fallback_rate == pytest.approx(2 / 7)
    assert insights.days[1].figures.outcomes.containment_rate is None

    by_channel = {c.channel: c.figures for c in insights.by_channel}
    assert by_channel["rest"].outcomes.conversations == 3  # A, B, E
    assert by_channel["rest"].outcomes.containment_rate == pytest.approx(1 / 3)
    assert by_channel["socketio"].outcomes.contained == 2  # C, F
    assert by_channel["socketio"].satisfaction.asked == 2


def test_a_selection_keeps_the_history_for_repeat_contacts() -> None:
    insights = compute_insights(scenario(), Filters(date_from=date(2025, 6, 17), channel="rest"))

    # B and E are selected; B repeats A (day 0, outside the range)
    assert insights.totals.outcomes.conversations == 2
    assert insights.totals.repeat_contacts.repeats == 1
    assert insights.channels == ["rest", "socketio"]
    # the range has no end: the series runs to the last selected conversation (day 9)
    assert insights.days[0].day == date(2025, 6, 17) and len(insights.days) == 9
    assert [c.key for c in insights.handoff_by_reason] == ["customer_request"]
    assert [c.key for c in insights.top_journeys] == ["check_balance", "request_refund"]


def test_a_range_without_conversations_has_empty_days() -> None:
    insights = compute_insights(scenario(), Filters(date(2025, 7, 1), date(2025, 7, 3)))
    assert [d.figures.outcomes.conversations for d in insights.days] == [0, 0, 0]
    assert insights.totals.outcomes.conversations == 0
    assert insights.top_intents == []
