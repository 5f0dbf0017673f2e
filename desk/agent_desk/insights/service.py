"""Reading both stores and computing the insights: what the API and the report call."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine

from agent_desk.insights.conversations import build_conversations
from agent_desk.insights.filters import Filters
from agent_desk.insights.storage import read_only_engine
from agent_desk.insights.summary import Insights, compute_insights
from agent_desk.insights.tickets_source import read_tickets
from agent_desk.insights.tracker_store import read_events
from agent_desk.insights.vocabulary import REPEAT_WINDOW

# Read this much more than the repeat window before the first day, so that a
# session running over midnight at the window's edge is read whole.
_MARGIN = timedelta(days=1)


def read_since(filters: Filters) -> datetime | None:
    """From when events and tickets must be read for ``filters`` (None: everything)."""
    if filters.date_from is None:
        return None
    start = datetime.combine(filters.date_from, time.min, tzinfo=UTC)
    return start - REPEAT_WINDOW - _MARGIN


class InsightsService:
    """Computes insights from Rasa's tracker store and the desk's tickets.

    The tracker store engine is made on first use, so the desk starts (and its
    other routes work) before Rasa has created the store.
    """

    def __init__(self, tracker_store_url: str, desk_engine: Engine) -> None:
        """Create the service.

        Args:
            tracker_store_url: SQLAlchemy URL of Rasa's tracker store (read only).
            desk_engine: Engine of the desk's own database.
        """
        self._tracker_store_url = tracker_store_url
        self._desk_engine = desk_engine
        self._tracker_engine: Engine | None = None
        self._lock = threading.Lock()

    def _tracker(self) -> Engine:
        with self._lock:
            if self._tracker_engine is None:
                self._tracker_engine = read_only_engine(self._tracker_store_url)
            return self._tracker_engine

    def insights(self, filters: Filters) -> Insights:
        """Every figure for ``filters``.

        Args:
            filters: Date range and channel.

        Returns:
            The insights.

        Raises:
            StoreUnavailable: The tracker store or the desk's database cannot be read.
        """
        since = read_since(filters)
        events = read_events(self._tracker(), since.timestamp() if since else None)
        tickets = read_tickets(self._desk_engine, since)
        return compute_insights(build_conversations(events, tickets), filters)

    def close(self) -> None:
        """Release the tracker store's connections."""
        with self._lock:
            if self._tracker_engine is not None:
                self._tracker_engine.dispose()
                self._tracker_engine = None
