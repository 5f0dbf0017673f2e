"""Tests of actions.handoff.wording: the wait and the opening time in words."""

from __future__ import annotations

import datetime as dt

import pytest

from actions.handoff.wording import NEXT_OPEN_UNKNOWN, format_next_open, format_wait


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "about a minute"),
        (1, "about a minute"),
        (6, "about 6 minutes"),
        (59, "about 59 minutes"),
        (75, "about an hour"),
        (150, "about 2 hours"),
    ],
)
def test_format_wait(minutes: int, text: str) -> None:
    assert format_wait(minutes) == text


@pytest.mark.parametrize(
    ("offset", "zone"),
    [(dt.timedelta(hours=1), "UTC+01:00"), (dt.timedelta(0), "UTC"), (dt.timedelta(hours=-5, minutes=-30), "UTC-05:30")],
)
def test_format_next_open_keeps_the_desks_offset(offset: dt.timedelta, zone: str) -> None:
    moment = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone(offset))
    assert format_next_open(moment) == f"Monday 30 November, 08:00 ({zone})"


def test_an_unknown_opening_time_still_reads() -> None:
    assert format_next_open(None) == NEXT_OPEN_UNKNOWN
