"""Tests of rasa_plugins.stores.tracker_store against Rasa's real stores on SQLite."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins.stores.tracker_store import MaskingTrackerStore
from redaction.logs import log_masking_installed
from tests.secret_samples import SecretSamples, generate_samples

DOMAIN = Domain.from_dict(
    {
        "intents": ["inform"],
        "slots": {
            "refund_reason": {"type": "text", "mappings": [{"type": "from_text"}]},
            "order_id": {"type": "text", "mappings": [{"type": "from_entity", "entity": "x"}]},
            "refund_confirmed": {"type": "bool", "mappings": [{"type": "custom"}]},
        },
    }
)
SENDER = "conversation-1"


@pytest.fixture
def samples() -> SecretSamples:
    return generate_samples(cards_per_format=2)


@pytest.fixture(autouse=True)
def restore_log_record_factory() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


def _sqlite_config(path: Path) -> Dict[str, Any]:
    return {
        "type": "rasa_plugins.stores.tracker_store.MaskingTrackerStore",
        "mask_logs": False,
        "wrapped": {"type": "SQL", "dialect": "sqlite", "db": str(path)},
    }


def _create(config: Dict[str, Any], **kwargs: Any) -> TrackerStore:
    """Builds the store the way `rasa run` does from `endpoints.yml`."""
    return TrackerStore.create(EndpointConfig.from_dict(config), DOMAIN, **kwargs)


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update_with_events(
        [
            UserUttered(text, intent={"name": "inform", "confidence": 1.0}),
            SlotSet("refund_reason", text),
            BotUttered(f"You said: {text}"),
            ActionExecuted("action_listen"),
        ],
        DOMAIN,
    )


def _stored_rows(path: Path) -> List[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT data FROM events ORDER BY id")]


def _conversation(store: TrackerStore, messages: List[str]) -> DialogueStateTracker:
    """Saves one turn per message, re-reading the tracker between turns as Rasa does."""

    async def run() -> DialogueStateTracker:
        tracker = await store.get_or_create_tracker(SENDER)
        for message in messages:
            _turn(tracker, message)
            await store.save(tracker)
            tracker = await store.retrieve(SENDER)
        return tracker

    return asyncio.run(run())


def test_endpoints_config_builds_the_wrapper_around_an_sql_store(tmp_path: Path) -> None:
    store = _create(_sqlite_config(tmp_path / "tracker.db"))
    assert isinstance(store, MaskingTrackerStore)
    assert isinstance(store.wrapped, SQLTrackerStore)
    assert store.domain is store.wrapped.domain


def test_no_generated_secret_reaches_the_sql_store(tmp_path: Path, samples: SecretSamples) -> None:
    path = tmp_path / "tracker.db"
    stored = _conversation(_create(_sqlite_config(path)), samples.messages)
    rows = _stored_rows(path)
    # The initial action_listen, then four events per turn: none lost, none doubled.
    assert len(rows) == 1 + 4 * len(samples.messages)
    assert samples.count_leaks(rows) == 0
    assert samples.count_leaks(str(event.as_dict()) for event in stored.events) == 0
    # Nothing else was lost: every turn is there, masked, in order.
    texts = [event.text for event in stored.events if isinstance(event, UserUttered)]
    assert len(texts) == len(samples.messages) and "[card ••••" in texts[0]


def test_without_the_wrapper_the_same_conversation_leaks(
    tmp_path: Path, samples: SecretSamples
) -> None:
    # The check above can fail: the bare SQL store keeps every secret.
    path = tmp_path / "bare.db"
    bare = TrackerStore.create(
        EndpointConfig.from_dict({"type": "SQL", "dialect": "sqlite", "db": str(path)}), DOMAIN
    )
    _conversation(bare, samples.messages)
    assert samples.count_leaks(_stored_rows(path)) >= 2 * len(samples.messages)


def test_the_live_tracker_of_the_turn_keeps_what_was_typed() -> None:
    store = MaskingTrackerStore(DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN), mask_logs=False)
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    _turn(tracker, "mail me at ada@example.com")
    asyncio.run(store.save(tracker))
    assert tracker.latest_message.text == "mail me at ada@example.com"
    assert tracker.get_slot("refund_reason") == "mail me at ada@example.com"
    stored = asyncio.run(store.retrieve(SENDER))
    assert stored.latest_message.text == "mail me at [email]"
    assert stored.get_slot("refund_reason") == "mail me at [email]"


def test_slots_without_secrets_and_references_survive_a_round_trip() -> None:
    store = MaskingTrackerStore(DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN), mask_logs=False)
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    tracker.update_with_events(
        [SlotSet("order_id", "370795561791"), SlotSet("refund_confirmed", True)], DOMAIN
    )
    asyncio.run(store.save(tracker))
    stored = asyncio.run(store.retrieve(SENDER))
    assert stored.get_slot("order_id") == "370795561791"
    assert stored.get_slot("refund_confirmed") is True


def test_events_streamed_to_the_broker_are_masked(tmp_path: Path, samples: SecretSamples) -> None:
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    store = _create(_sqlite_config(tmp_path / "tracker.db"), event_broker=broker)
    _conversation(store, samples.messages[:20])
    with sqlite3.connect(tmp_path / "events.db") as connection:
        published = [row[0] for row in connection.execute("SELECT data FROM events")]
    assert len(published) >= 4 * 20
    assert all(json.loads(body)["sender_id"] == SENDER for body in published)
    assert samples.count_leaks(published) == 0


def test_log_masking_is_installed_unless_switched_off() -> None:
    MaskingTrackerStore(DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN), mask_logs=False)
    assert not log_masking_installed()
    MaskingTrackerStore(DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN))
    assert log_masking_installed()


def test_a_missing_wrapped_store_is_an_error() -> None:
    with pytest.raises(ValueError, match="wrapped"):
        MaskingTrackerStore(DOMAIN, mask_logs=False)
    with pytest.raises(ValueError, match="unknown keys"):
        MaskingTrackerStore(DOMAIN, wrapped={}, mask_logs=False, dialect="sqlite")


def test_an_unknown_wrapped_type_never_becomes_an_in_memory_store() -> None:
    # Rasa itself would warn and keep conversations in memory only.
    with pytest.raises(RuntimeError, match="in-memory"):
        MaskingTrackerStore(DOMAIN, wrapped={"type": "no.such.Store"}, mask_logs=False)
    explicit = MaskingTrackerStore(DOMAIN, wrapped={}, mask_logs=False)
    assert isinstance(explicit.wrapped, InMemoryTrackerStore)
