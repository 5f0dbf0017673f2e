"""Opening hours of the desk: ``always`` or ``mon-fri 08:00-20:00; sat 09:00-14:00``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Interval:
    """Open from ``start`` to ``end`` (local wall-clock minutes since midnight)."""

    start: int
    end: int


def _day_index(word: str, spec: str) -> int:
    try:
        return DAYS.index(word)
    except ValueError:
        raise ValueError(
            f"Unknown day {word!r} in opening hours {spec!r}; use mon, tue, ... sun."
        ) from None


def _parse_days(text: str, spec: str) -> set[int]:
    """Parse ``mon-fri``, ``sat``, ``mon,wed,fri`` or ``fri-mon`` (wraps around)."""
    days: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            first, last = (_day_index(word, spec) for word in part.split("-", 1))
            day = first
            days.add(day)
            while day != last:
                day = (day + 1) % 7
                days.add(day)
        else:
            days.add(_day_index(part, spec))
    return days


def _parse_interval(text: str, spec: str) -> Interval:
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"Bad time range {text!r} in opening hours {spec!r}; use HH:MM-HH:MM.")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or end > 24 * 60:
        raise ValueError(f"Bad time range {text!r} in opening hours {spec!r}.")
    if end <= start:
        raise ValueError(f"Time range {text!r} in opening hours {spec!r} ends before it starts.")
    return Interval(start, end)


class OpeningHours:
    """Weekly opening hours in one time zone."""

    def __init__(self, week: dict[int, list[Interval]] | None, zone: ZoneInfo) -> None:
        """Create the schedule.

        Args:
            week: Intervals per weekday (0 = Monday); ``None`` means always open.
            zone: Time zone the intervals are written in.
        """
        self._week = week
        self.zone = zone

    @classmethod
    def parse(cls, spec: str, timezone: str = "UTC") -> OpeningHours:
        """Parse an opening-hours specification.

        Args:
            spec: ``always``, or clauses ``<days> <HH:MM-HH:MM>[,<HH:MM-HH:MM>]``
                separated by ``;``.
            timezone: IANA time zone name, e.g. ``Europe/Berlin``.

        Returns:
            The schedule.

        Raises:
            ValueError: If the specification or the zone is invalid (one sentence).
        """
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Unknown time zone {timezone!r} in DESK_TIMEZONE.") from None
        text = spec.strip().lower()
        if text == "always":
            return cls(None, zone)
        week: dict[int, list[Interval]] = {day: [] for day in range(7)}
        for clause in filter(None, (part.strip() for part in text.split(";"))):
            pieces = clause.split()
            if len(pieces) != 2:
                raise ValueError(
                    f"Bad clause {clause!r} in opening hours {spec!r}; "
                    "use e.g. 'mon-fri 08:00-20:00'."
                )
            intervals = [_parse_interval(item, spec) for item in pieces[1].split(",")]
            for day in _parse_days(pieces[0], spec):
                week[day].extend(intervals)
        if not any(week.values()):
            raise ValueError(f"Opening hours {spec!r} never open; use 'always' or day ranges.")
        return cls(week, zone)

    def is_open(self, now: datetime) -> bool:
        """Tell whether the desk is open at ``now`` (timezone-aware)."""
        if self._week is None:
            return True
        local = now.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(
            interval.start <= minute < interval.end for interval in self._week[local.weekday()]
        )

    def next_open_at(self, now: datetime) -> datetime | None:
        """When the desk opens next, in the desk's zone; ``None`` while it is open.

        Args:
            now: The current instant (timezone-aware).

        Returns:
            The next opening instant, or ``None`` when open now.
        """
        if self._week is None or self.is_open(now):
            return None
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            for interval in sorted(self._week[day.weekday()], key=lambda item: item.start):
                start = datetime.combine(
                    day, time(interval.start // 60, interval.start % 60), tzinfo=self.zone
                )
                if start > local:
                    return start
        return None  # pragma: no cover - parse() guarantees one interval a week
