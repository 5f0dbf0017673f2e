"""Time source, passed in so tests can pin "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime

# Re-exported: the services' code takes a Clock from this module.
from service_kit.clock import Clock as Clock
from service_kit.clock import SystemClock as SystemClock


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
