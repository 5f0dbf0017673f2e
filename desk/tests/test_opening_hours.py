"""Opening hours: parsing, is_open and next_open_at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_desk.opening_hours import OpeningHours

SPEC = "mon-fri 08:00-20:00; sat 09:00-14:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_always_is_always_open() -> None:
    hours = OpeningHours.parse("always")
    assert hours.is_open(at("2025-06-22T03:00:00+00:00"))
    assert hours.next_open_at(at("2025-06-22T03:00:00+00:00")) is None


@pytest.mark.parametrize(
    ("now", "open_", "next_open"),
    [
        ("2025-06-18T12:00:00+00:00", True, None),  # Wednesday noon
        ("2025-06-18T07:59:00+00:00", False, "2025-06-18T08:00:00+00:00"),
        ("2025-06-18T20:00:00+00:00", False, "2025-06-19T08:00:00+00:00"),  # end is exclusive
        ("2025-06-20T21:00:00+00:00", False, "2025-06-21T09:00:00+00:00"),  # Friday night
        ("2025-06-21T14:30:00+00:00", False, "2025-06-23T08:00:00+00:00"),  # Saturday afternoon
        ("2025-06-22T10:00:00+00:00", False, "2025-06-23T08:00:00+00:00"),  # Sunday
    ],
)
def test_weekly_schedule(now: str, open_: bool, next_open: str | None) -> None:
    hours = OpeningHours.parse(SPEC)
    assert hours.is_open(at(now)) is open_
    expected = at(next_open) if next_open else None
    assert hours.next_open_at(at(now)) == expected


def test_hours_are_read_in_the_desk_zone() -> None:
    hours = OpeningHours.parse("mon-fri 09:00-17:00", "Europe/Berlin")
    # 07:30 UTC is 09:30 in Berlin in June (UTC+2).
    assert hours.is_open(datetime(2025, 6, 18, 7, 30, tzinfo=UTC))
    closed = datetime(2025, 6, 18, 15, 30, tzinfo=UTC)  # 17:30 in Berlin
    next_open = hours.next_open_at(closed)
    assert next_open is not None
    assert next_open.isoformat() == "2025-06-19T09:00:00+02:00"


def test_day_lists_wrapping_ranges_and_split_shifts() -> None:
    hours = OpeningHours.parse("sat-mon 10:00-12:00,13:00-15:00; wed 00:00-24:00")
    assert hours.is_open(at("2025-06-22T11:00:00+00:00"))  # Sunday
    assert not hours.is_open(at("2025-06-23T12:30:00+00:00"))  # Monday lunch
    assert hours.next_open_at(at("2025-06-23T12:30:00+00:00")) == at("2025-06-23T13:00:00+00:00")
    assert hours.is_open(at("2025-06-18T23:59:00+00:00"))  # Wednesday, until midnight
    assert not hours.is_open(at("2025-06-19T11:00:00+00:00"))  # Thursday


@pytest.mark.parametrize(
    ("spec", "zone", "message"),
    [
        ("mon-fri", "UTC", "Bad clause"),
        ("funday 08:00-10:00", "UTC", "Unknown day"),
        ("mon 8-10", "UTC", "Bad time range"),
        ("mon 10:00-09:00", "UTC", "ends before it starts"),
        ("mon 25:00-26:00", "UTC", "Bad time range"),
        (" ; ", "UTC", "never open"),
        ("always", "Mars/Olympus", "Unknown time zone"),
    ],
)
def test_bad_specifications_fail_with_one_sentence(spec: str, zone: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OpeningHours.parse(spec, zone)


def test_the_api_reports_when_the_desk_reopens(settings: object, db: object, rasa: object) -> None:
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from agent_desk.app import create_app
    from tests.support import API_KEY, Api, ManualClock, ticket_body

    closed_now = ManualClock(datetime(2025, 6, 21, 18, 0, tzinfo=UTC))  # Saturday evening
    app = create_app(replace(settings, opening_hours=SPEC), clock=closed_now)  # type: ignore[type-var]
    with TestClient(app) as client:
        body = Api(client).open(ticket_body("after-hours")).json()
        assert body["desk_open"] is False
        assert body["next_open_at"] == "2025-06-23T08:00:00Z"
        assert body["status"] == "waiting"  # kept for when agents are back
        status = client.get("/v1/status", headers={"Authorization": f"Bearer {API_KEY}"}).json()
        assert (status["desk_open"], status["next_open_at"]) == (False, "2025-06-23T08:00:00Z")
