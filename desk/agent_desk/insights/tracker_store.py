"""Events of every conversation, read from Rasa's SQL tracker store (``events`` table)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import SQLAlchemyError

from agent_desk.insights.records import READ_EVENT_TYPES, TrackerEvent
from agent_desk.insights.storage import StoreUnavailable

logger = logging.getLogger(__name__)

# Rasa 3.6's SQLTrackerStore.SQLEvent; only read here, never created.
_EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def _decode(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def read_events(engine: Engine, since: float | None = None) -> list[TrackerEvent]:
    """The events the insights use, in the order Rasa wrote them.

    Args:
        engine: A (read-only) engine on the tracker store.
        since: Only events from this UNIX time on (None: all).

    Returns:
        User and bot messages, slot changes, pauses, resumes and session starts.

    Raises:
        StoreUnavailable: The store cannot be read.
    """
    query = select(
        _EVENTS.c.sender_id, _EVENTS.c.type_name, _EVENTS.c.timestamp, _EVENTS.c.data
    ).where(_EVENTS.c.type_name.in_(READ_EVENT_TYPES))
    if since is not None:
        query = query.where(_EVENTS.c.timestamp >= since)
    query = query.order_by(_EVENTS.c.id)
    try:
        with engine.connect() as connection:
            return list(_events(connection.execute(query)))
    except SQLAlchemyError as error:
        logger.warning("Cannot read the tracker store: %s", error)
        raise StoreUnavailable("The conversation store cannot be read.") from error


def _events(rows: Any) -> Iterator[TrackerEvent]:
    for sender_id, type_name, timestamp, data in rows:
        if timestamp is None:
            continue
        yield TrackerEvent(str(sender_id), str(type_name), float(timestamp), _decode(data))
