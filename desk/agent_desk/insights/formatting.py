"""How figures are written for people (the report; the dashboard mirrors it in JS)."""

from __future__ import annotations

EMPTY = "—"


def percent(value: float | None) -> str:
    """``0.4567`` -> ``45.7 %``; None -> a dash."""
    return EMPTY if value is None else f"{value * 100:.1f} %"


def duration(seconds: float | None) -> str:
    """Seconds as ``49 s``, ``10.8 min`` or ``2.5 h``; None -> a dash."""
    if seconds is None:
        return EMPTY
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def decimal(value: float | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals; None -> a dash."""
    return EMPTY if value is None else f"{value:.{digits}f}"
