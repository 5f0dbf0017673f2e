"""Tests of rasa_plugins.stores.sql_store on SQLite, and against a closed PostgreSQL port.

The store against a real PostgreSQL behind a cut proxy:
tests/integration/test_infrastructure_faults.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine.url import make_url
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from devstack.ports import find_free_port
from rasa_plugins.stores.offload import OffloadTimeout
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore, TrackerStoreUnavailable
from rasa_plugins.stores.tracker_store import MaskingTrackerStore

pytestmark = pytest.mark.timeout(60)

DOMAIN = Domain.from_dict({"intents": ["greet"]})


def _tracker(sender: str, *texts: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    for text in texts:
        events += [UserUttered(text, {"name": "greet"}), BotUttered(f"re: {text}")]
    return DialogueStateTracker.from_events(sender, events)


def _store(path: Path, **kwargs: object) -> NonBlockingSQLTrackerStore:
    return NonBlockingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path), **kwargs)


def test_trackers_round_trip_and_queries_run_off_the_event_loop(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    threads = set()
    original = store.session_scope

    def recording_scope():  # type: ignore[no-untyped-def]
        threads.add(threading.get_ident())
        return original()

    store.session_scope = recording_scope  # type: ignore[method-assign]

    async def scenario() -> tuple:
        await store.save(_tracker("c1", "hi"))
        await store.save(_tracker("c1", "hi", "again"))  # only the new events are added
        await store.save(_tracker("c2", "hello"))
        return (
            threading.get_ident(),
            await store.retrieve("c1"),
            sorted(await store.keys()),
            await store.exists("nobody"),
        )

    loop_thread, tracker, keys, exists = asyncio.run(scenario())
    store.close()

    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["hi", "again"]
    assert keys == ["c1", "c2"]
    assert exists is False
    assert threads and loop_thread not in threads
    with sqlite3.connect(tmp_path / "t.db") as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id='c1'").fetchone()[0] == 5


def test_a_locked_database_fails_the_call_at_its_deadline(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = _store(path, call_timeout=0.3)
    asyncio.run(store.save(_tracker("c1", "hi")))
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(OffloadTimeout):
            await store.save(_tracker("c1", "hi", "more"))
        return time.monotonic() - started

    try:
        elapsed = asyncio.run(scenario())
    finally:
        blocker.rollback()
        blocker.close()
    store.close()

    assert elapsed < 1.5


def test_ping_answers_for_a_working_database(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    asyncio.run(store.ping())
    store.close()


def test_an_unreachable_postgres_fails_the_start_after_the_startup_timeout() -> None:
    port = find_free_port()  # nothing listens: connections are refused
    started = time.monotonic()
    with pytest.raises(TrackerStoreUnavailable, match="not starting"):
        NonBlockingSQLTrackerStore(
            domain=DOMAIN,
            dialect="postgresql",
            host="127.0.0.1",
            port=port,
            db="rasa",
            username="postgres",
            startup_timeout=1.0,
        )
    elapsed = time.monotonic() - started

    assert 0.9 < elapsed < 5.0


def test_the_pool_checks_connections_and_postgres_connects_time_out() -> None:
    store = NonBlockingSQLTrackerStore.__new__(NonBlockingSQLTrackerStore)
    store._postgres = True
    options = store._engine_options("postgresql://u@h:5432/db", connect_timeout=0.5)

    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["connect_timeout"] == 2  # libpq's minimum
    configured = make_url("postgresql://u@h:5432/db?connect_timeout=5")
    assert "connect_args" not in store._engine_options(configured, connect_timeout=3)


def test_masking_store_builds_the_non_blocking_store_for_type_sql(tmp_path: Path) -> None:
    config = EndpointConfig.from_dict(
        {
            "type": "rasa_plugins.stores.tracker_store.MaskingTrackerStore",
            "mask_logs": False,
            "wrapped": {
                "type": "SQL",
                "dialect": "sqlite",
                "db": str(tmp_path / "t.db"),
                "call_timeout": 2.5,
            },
        }
    )

    store = TrackerStore.create(config, DOMAIN)

    assert isinstance(store, MaskingTrackerStore)
    assert isinstance(store.wrapped, NonBlockingSQLTrackerStore)
    assert store.wrapped._calls.timeout_seconds == 2.5
    asyncio.run(store.ping())


def test_an_unreachable_postgres_never_becomes_an_in_memory_store() -> None:
    config = EndpointConfig.from_dict(
        {
            "type": "rasa_plugins.stores.tracker_store.MaskingTrackerStore",
            "mask_logs": False,
            "wrapped": {
                "type": "SQL",
                "dialect": "postgresql",
                "url": "127.0.0.1",
                "port": find_free_port(),
                "db": "rasa",
                "username": "postgres",
                "startup_timeout": 0.5,
            },
        }
    )

    # What `rasa run` calls while loading the agent: the error stops the server.
    with pytest.raises(TrackerStoreUnavailable):
        TrackerStore.create(config, DOMAIN)


def test_masking_store_ping_falls_back_to_a_lookup() -> None:
    store = MaskingTrackerStore(domain=DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN),
                                mask_logs=False)
    asyncio.run(store.ping())
