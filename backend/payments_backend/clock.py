"""Time source, passed in so tests can pin "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...  # pragma: no cover - protocol


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that always answers the same instant (tests, demos)."""

    def __init__(self, instant: datetime) -> None:
        """Create the clock.

        Args:
            instant: The timezone-aware instant to report.
        """
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._instant = instant.astimezone(UTC)

    def now(self) -> datetime:
        """Return the pinned instant."""
        return self._instant


def today(clock: Clock) -> date:
    """Return the current UTC date of ``clock``."""
    return clock.now().date()
