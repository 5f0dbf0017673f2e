"""Reading Rasa's SQL tracker store (a table written like Rasa 3.6 writes it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from agent_desk.insights.conversations import build_conversations
from agent_desk.insights.storage import StoreUnavailable, read_only_engine
from agent_desk.insights.tracker_store import read_events
from tests.insights.builders import at, write_tracker_store
from tests.insights.scenario import scenario, scenario_inputs
from tests.support import fresh_database_url


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    url, cleanup = fresh_database_url(tmp_path)
    events, _ = scenario_inputs()
    write_tracker_store(url, events, extra_rows=3)
    try:
        yield url
    finally:
        cleanup()


def test_events_come_back_in_order_and_typed(store_url: str) -> None:
    events, tickets = scenario_inputs()
    engine = read_only_engine(store_url)
    try:
        read = read_events(engine)
    finally:
        engine.dispose()

    # the action rows are skipped; everything else is read as written
    assert [(e.sender_id, e.type_name, e.timestamp) for e in read] == [
        (e.sender_id, e.type_name, e.timestamp) for e in events
    ]
    assert read[1].intent == "check_balance"
    assert build_conversations(read, tickets) == scenario()


def test_since_skips_older_events(store_url: str) -> None:
    engine = read_only_engine(store_url)
    try:
        read = read_events(engine, since=at(0, days=8))
    finally:
        engine.dispose()
    assert {e.sender_id for e in read} == {"E", "F"}


def test_a_sqlite_store_is_opened_read_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_tracker_store(url, [])
    engine = read_only_engine(url)
    try:
        with pytest.raises(OperationalError, match="readonly"):
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM events"))
    finally:
        engine.dispose()


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="no database file"):
        read_only_engine(f"sqlite:///{tmp_path / 'nothing.db'}")
    assert not (tmp_path / "nothing.db").exists()


def test_a_database_without_the_events_table_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    engine = read_only_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with pytest.raises(StoreUnavailable, match="conversation store cannot be read"):
            read_events(engine)
    finally:
        engine.dispose()


def test_undecodable_data_is_read_as_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_tracker_store(url, [])
    writer = create_engine(url)
    with writer.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO events (sender_id, type_name, timestamp, data)"
                " VALUES ('x', 'user', 1.0, 'not json')"
            )
        )
    writer.dispose()
    engine = read_only_engine(url)
    try:
        [event] = read_events(engine)
    finally:
        engine.dispose()
    assert (event.sender_id, event.data, event.intent) == ("x", {}, None)
