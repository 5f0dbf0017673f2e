"""How the desk's wait estimate and opening time read in the customer's chat."""

from __future__ import annotations

import datetime as dt
from typing import Optional

#: Said when the desk is closed without telling when it opens again.
NEXT_OPEN_UNKNOWN = "at the start of the next working day"


def format_wait(minutes: int) -> str:
    """Formats the expected wait, e.g. `about 6 minutes` or `about 2 hours`.

    Args:
        minutes: The desk's estimate in whole minutes.

    Returns:
        The wait in words.
    """
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def format_next_open(moment: Optional[dt.datetime]) -> str:
    """Formats when the desk opens again, e.g. `Monday 1 December, 08:00 (UTC+01:00)`.

    The time stays in the desk's own offset: the desk's opening hours are
    written in it, and the offset makes it unambiguous.

    Args:
        moment: The desk's `next_open_at` (with offset), or `None`.

    Returns:
        The moment in words.
    """
    if moment is None:
        return NEXT_OPEN_UNKNOWN
    offset = moment.utcoffset() or dt.timedelta(0)
    if offset == dt.timedelta(0):
        zone = "UTC"
    else:
        sign = "+" if offset > dt.timedelta(0) else "-"
        total = abs(int(offset.total_seconds())) // 60
        zone = f"UTC{sign}{total // 60:02d}:{total % 60:02d}"
    return f"{moment:%A} {moment.day} {moment:%B}, {moment:%H:%M} ({zone})"
