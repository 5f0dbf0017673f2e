"""Tests of rasa_plugins.stores.sql_store on SQLite, and against a closed PostgreSQL port.

The store against a real PostgreSQL behind a cut proxy:
tests/integration/test_infrastructure_faults.py.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from sqlalchemy.engine.url import make_url
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from devstack.ports import find_free_port
from rasa_plugins.stores.offload import OffloadTimeout
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore, TrackerStoreUnavailable
from rasa_plugins.stores.tracker_store import MaskingTrackerStore
from tests.secret_sinks import strings_in

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


# ------------------------------------------------ same trackers and events as Rasa's store

FORM_DOMAIN = Domain.from_dict(
    {
        "intents": ["request_refund", "inform", "affirm", "greet"],
        "entities": ["order_id"],
        "slots": {
            "order_id": {
                "type": "text",
                "mappings": [{"type": "from_entity", "entity": "order_id"}],
            },
            "refund_confirmed": {"type": "bool", "mappings": [{"type": "custom"}]},
        },
        "forms": {"refund_form": {"required_slots": ["order_id"]}},
        "responses": {"utter_greet": [{"text": "Hi"}]},
    }
)


def _user(text: str, intent: str, order_id: Optional[str] = None) -> UserUttered:
    entities = (
        [{"entity": "order_id", "value": order_id, "start": 0, "end": len(order_id),
          "extractor": "RegexEntityExtractor"}]
        if order_id
        else []
    )
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities,
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
    }
    return UserUttered(text, parse_data["intent"], entities, parse_data,
                       input_channel="rest", message_id=f"m-{intent}-{len(text)}",
                       metadata={"channel": "rest"})


def _session_start(carried: Optional[str] = None) -> List[Event]:
    events: List[Event] = [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted()]
    if carried:
        events.append(SlotSet("order_id", carried))
    return events + [ActionExecuted(ACTION_LISTEN_NAME)]


def _script() -> List[List[Event]]:
    """A conversation of three sessions, as the batches a processor saves, timestamped."""
    batches: List[List[Event]] = [
        _session_start(),
        [
            _user("refund please", "request_refund"),
            ActionExecuted("refund_form", policy="RulePolicy", confidence=1.0),
            ActiveLoop("refund_form"),
            SlotSet("requested_slot", "order_id"),
            BotUttered("Which order?", {"buttons": [{"title": "A1", "payload": "/inform"}]},
                       {"utter_action": "utter_ask_order_id"}),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
        [
            _user("A123", "inform", order_id="A123"),
            SlotSet("order_id", "A123"),
            ActionExecuted("refund_form"),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("refund_confirmed", True),
            BotUttered("Done.", metadata={"utter_action": "utter_refund_done"}),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
        _session_start(carried="A123")
        + [
            _user("hello", "greet"),
            UserUtteranceReverted(),
            _user("hello again", "greet"),
            ActionExecuted("utter_greet"),
            BotUttered("Hi"),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
        _session_start(carried="A123")
        + [
            _user("yes", "affirm"),
            ActionExecuted("action_handoff"),
            ConversationPaused(),
            ActionExecuted(ACTION_LISTEN_NAME),
        ],
    ]
    timestamp = 1_700_000_000.0
    for batch in batches:
        for event in batch:
            timestamp += 1.5
            event.timestamp = timestamp
    return batches


def _state(tracker: Optional[DialogueStateTracker]) -> Dict[str, Any]:
    """Everything a tracker holds, for comparing two of them."""
    assert tracker is not None
    return {
        "state": tracker.current_state(EventVerbosity.ALL),
        "types": [type(event) for event in tracker.events],
        "slots": {name: (type(slot), slot.value) for name, slot in tracker.slots.items()},
        "max_event_history": tracker._max_event_history,
    }


def _saved_by(store: TrackerStore, sender: str, batches: List[List[Event]]) -> None:
    """Saves the batches one turn at a time, reading the tracker back between turns."""

    async def scenario() -> None:
        tracker = DialogueStateTracker(sender, store.domain.slots)
        for batch in batches:
            tracker.update_with_events(copy.deepcopy(batch), store.domain, override_timestamp=False)
            await store.save(tracker)
            tracker = await store.retrieve(sender)

    asyncio.run(scenario())


class CollectingBroker(EventBroker):
    """A broker keeping every `publish` call."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Dict[str, Any], Optional[Dict[str, str]]]] = []
        self.fail = False

    def publish(self, event: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        if self.fail:
            raise sqlite3.OperationalError("disk I/O error")
        self.calls.append((copy.deepcopy(event), headers))

    @property
    def bodies(self) -> List[Dict[str, Any]]:
        return [event for event, _ in self.calls]


def _rasa_store(path: Path, broker: Optional[EventBroker] = None) -> SQLTrackerStore:
    return SQLTrackerStore(FORM_DOMAIN, dialect="sqlite", db=str(path), event_broker=broker)


def test_retrieve_gives_the_tracker_of_rasa_s_store(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    rasa_store = _rasa_store(path)
    _saved_by(rasa_store, "c1", _script())
    ours = NonBlockingSQLTrackerStore(domain=FORM_DOMAIN, dialect="sqlite", db=str(path))

    async def read(store: TrackerStore) -> tuple:
        return (await store.retrieve("c1"), await store.retrieve_full_tracker("c1"),
                await store.retrieve("nobody"))

    expected_latest, expected_full, expected_none = asyncio.run(read(rasa_store))
    latest, full, none = asyncio.run(read(ours))
    ours.close()

    assert _state(latest) == _state(expected_latest)
    assert _state(full) == _state(expected_full)
    assert none is None and expected_none is None
    # The latest session only (from its SessionStarted), paused; the full tracker
    # holds the three sessions.
    assert [type(e) for e in latest.events][:2] == [SessionStarted, SlotSet]
    assert latest.is_paused() and latest.get_slot("order_id") == "A123"
    assert sum(isinstance(e, SessionStarted) for e in full.events) == 3
    assert SlotSet("refund_confirmed", True) in full.events
    assert full.get_slot("refund_confirmed") is None  # a new session resets the slots


def test_retrieve_skips_and_rejects_stored_rows_as_rasa_s_store_does(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    _saved_by(_rasa_store(path), "c1", _script()[:2])
    with sqlite3.connect(path) as db:  # rows written by something else than a tracker store
        for type_name, data in (("topic", {"event": "topic", "topic": "x"}),
                                ("odd", {"no_event_key": 1})):
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) "
                       "VALUES ('c1', ?, 1800000000.0, ?)", (type_name, json.dumps(data)))
        db.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES "
                   "('c2', 'nope', 1.0, '{\"event\": \"nope\"}')")
    rasa_store = _rasa_store(path)
    ours = NonBlockingSQLTrackerStore(domain=FORM_DOMAIN, dialect="sqlite", db=str(path))

    async def read(store: TrackerStore) -> DialogueStateTracker:
        return await store.retrieve("c1")

    async def unknown_type() -> None:
        await ours.retrieve("c2")

    expected = asyncio.run(read(rasa_store))
    tracker = asyncio.run(read(ours))
    # Rasa raises this inside its session scope, which takes any ValueError for a
    # missing PostgreSQL schema and exits the process; here the turn fails.
    with pytest.raises(ValueError, match="Unknown event name 'nope'"):
        asyncio.run(unknown_type())
    ours.close()

    assert len(tracker.events) == len(expected.events) == 8
    assert _state(tracker) == _state(expected)


def test_retrieve_looks_each_event_class_up_once_per_type(
    tmp_path: Path, class_lookups: List[str]
) -> None:
    path = tmp_path / "t.db"
    _saved_by(_rasa_store(path), "c1", _script())
    del class_lookups[:]  # Rasa's own store looks classes up on its own
    ours = NonBlockingSQLTrackerStore(domain=FORM_DOMAIN, dialect="sqlite", db=str(path))
    full = asyncio.run(ours.retrieve_full_tracker("c1"))
    ours.close()

    assert len(full.events) == sum(len(batch) for batch in _script()) == 35
    assert sorted(class_lookups) == sorted({e.type_name for e in full.events})


def _published_in_turns(store: TrackerStore, broker: CollectingBroker) -> List[Dict[str, Any]]:
    _saved_by(store, "c1", _script())

    async def save_again() -> None:  # nothing new: nothing published
        await store.save(await store.retrieve("c1"))

    asyncio.run(save_again())
    return broker.bodies


def test_save_publishes_exactly_the_new_events_as_rasa_s_store(tmp_path: Path) -> None:
    rasa_broker, broker = CollectingBroker(), CollectingBroker()
    expected = _published_in_turns(_rasa_store(tmp_path / "rasa.db", rasa_broker), rasa_broker)
    ours = NonBlockingSQLTrackerStore(domain=FORM_DOMAIN, dialect="sqlite",
                                      db=str(tmp_path / "ours.db"), event_broker=broker)
    reads: List[bool] = []
    original = ours._retrieve_sync

    def recording(sender_id: str, fetch_all: bool) -> Any:
        reads.append(fetch_all)
        return original(sender_id, fetch_all)

    ours._retrieve_sync = recording  # type: ignore[method-assign]
    published = _published_in_turns(ours, broker)
    ours.close()

    every_event = [event for batch in _script() for event in batch]
    assert published == expected
    assert published == [{"sender_id": "c1", **event.as_dict()} for event in every_event]
    assert all(headers is None for _, headers in broker.calls)
    # One read per turn (`_saved_by`), none to find the new events on save.
    assert len(reads) == len(_script()) + 1
    with sqlite3.connect(tmp_path / "ours.db") as db, \
            sqlite3.connect(tmp_path / "rasa.db") as rasa_db:
        query = ("SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                 "FROM events ORDER BY id")
        assert db.execute(query).fetchall() == rasa_db.execute(query).fetchall()


def test_a_failing_broker_fails_the_save_before_anything_is_stored(tmp_path: Path) -> None:
    broker = CollectingBroker()
    store = NonBlockingSQLTrackerStore(domain=FORM_DOMAIN, dialect="sqlite",
                                       db=str(tmp_path / "t.db"), event_broker=broker)
    batches = _script()

    async def scenario() -> Tuple[int, DialogueStateTracker]:
        tracker = DialogueStateTracker("c1", FORM_DOMAIN.slots)
        tracker.update_with_events(batches[0], FORM_DOMAIN, override_timestamp=False)
        await store.save(tracker)
        tracker = await store.retrieve("c1")
        tracker.update_with_events(copy.deepcopy(batches[1]), FORM_DOMAIN)
        broker.fail = True
        with pytest.raises(sqlite3.OperationalError):
            await store.save(tracker)  # the turn fails
        broker.fail = False
        stored_after_failure = len((await store.retrieve_full_tracker("c1")).events)
        # The next turn starts from the store and gets the same message again.
        tracker = await store.retrieve("c1")
        tracker.update_with_events(copy.deepcopy(batches[1]), FORM_DOMAIN)
        await store.save(tracker)
        return stored_after_failure, await store.retrieve_full_tracker("c1")

    stored_after_failure, full = asyncio.run(scenario())
    store.close()

    assert stored_after_failure == len(batches[0])
    assert len(full.events) == len(batches[0]) + len(batches[1])
    # Every stored event was published once, in order; nothing else was.
    assert broker.bodies == [{"sender_id": "c1", **e.as_dict()} for e in full.events]


def body_without_sender(body: Dict[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in body.items() if key != "sender_id"}


def test_the_masking_store_publishes_each_masked_event_once(tmp_path: Path) -> None:
    broker = CollectingBroker()
    path = tmp_path / "t.db"
    store = MaskingTrackerStore(
        domain=FORM_DOMAIN,
        wrapped={"type": "SQL", "dialect": "sqlite", "db": str(path)},
        event_broker=broker,
        mask_logs=False,
    )
    card = "4111 1111 1111 1111"

    async def scenario() -> None:
        tracker = await store.get_or_create_tracker("c1")
        for text in (f"my card is {card}", "and again", f"it was {card}"):
            tracker.update_with_events(
                [_user(text, "inform"), BotUttered("Noted."), ActionExecuted(ACTION_LISTEN_NAME)],
                FORM_DOMAIN,
            )
            await store.save(tracker)
            await store.save(tracker)  # nothing new
            tracker = await store.retrieve("c1")

    asyncio.run(scenario())
    store.wrapped.close()

    with sqlite3.connect(path) as db:
        rows = [json.loads(data) for (data,) in db.execute("SELECT data FROM events ORDER BY id")]
    assert len(rows) == 1 + 3 * 3
    assert [body_without_sender(body) for body in broker.bodies] == rows
    assert all(body["sender_id"] == "c1" for body in broker.bodies)
    assert not [text for text in strings_in(broker.bodies) if "4111" in text]
