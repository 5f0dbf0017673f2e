"""Tests of rasa_plugins.stores.tracker_store against Rasa's real stores on SQLite."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    EntitiesAdded,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import rasa_plugins.stores.tracker_store as tracker_store_module
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


# ------------------------------------------------------------ incremental masking

CARD = "4111 1111 1111 1111"
EMAIL = "ada@example.com"


@pytest.fixture
def mask_calls(monkeypatch: pytest.MonkeyPatch) -> List[Dict[str, Any]]:
    """Records every event dictionary the tracker store sends through `mask_event`."""
    calls: List[Dict[str, Any]] = []
    real = tracker_store_module.mask_event

    def counting(event: Dict[str, Any]) -> Dict[str, Any]:
        calls.append(event)
        return real(event)

    monkeypatch.setattr(tracker_store_module, "mask_event", counting)
    return calls


def _snapshot(tracker: DialogueStateTracker) -> str:
    return json.dumps([event.as_dict() for event in tracker.events], sort_keys=True)


def _in_memory_store() -> MaskingTrackerStore:
    return MaskingTrackerStore(DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN), mask_logs=False)


def _stored_text(store: MaskingTrackerStore) -> str:
    inner = store.wrapped
    assert isinstance(inner, InMemoryTrackerStore)
    return inner.store[SENDER]


def test_a_secret_typed_after_a_retrieve_is_masked_in_the_store_and_the_broker(
    tmp_path: Path,
) -> None:
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    path = tmp_path / "tracker.db"
    store = _create(_sqlite_config(path), event_broker=broker)

    async def run() -> DialogueStateTracker:
        tracker = await store.get_or_create_tracker(SENDER)
        _turn(tracker, "hello")
        await store.save(tracker)
        tracker = await store.retrieve(SENDER)
        _turn(tracker, f"my card is {CARD}, mail {EMAIL}")
        await store.save(tracker)
        return tracker

    live = asyncio.run(run())
    rows = _stored_rows(path)
    with sqlite3.connect(tmp_path / "events.db") as connection:
        published = [row[0] for row in connection.execute("SELECT data FROM events")]
    assert len(rows) == 1 + 4 * 2 and len(published) == len(rows)
    for sink in (rows, published):
        assert not any("4111" in row or EMAIL in row for row in sink)
        texts = [json.loads(row).get("text") for row in sink]
        assert "my card is [card •••• 1111], mail [email]" in texts
    assert live.latest_message.text == f"my card is {CARD}, mail {EMAIL}"


def test_events_read_back_from_the_store_are_not_masked_again(
    samples: SecretSamples, mask_calls: List[Dict[str, Any]]
) -> None:
    store = _in_memory_store()
    _conversation(store, samples.messages[:10])
    stored = len(asyncio.run(store.retrieve(SENDER)).events)
    mask_calls.clear()

    async def next_turns() -> DialogueStateTracker:
        tracker = await store.retrieve(SENDER)
        _turn(tracker, samples.messages[10])
        await store.save(tracker)
        first = len(mask_calls)
        # A second save of the same live tracker masks only what came since.
        tracker.update(BotUttered(f"Noted, {EMAIL}"), DOMAIN)
        await store.save(tracker)
        assert first == 4
        return tracker

    tracker = asyncio.run(next_turns())
    assert len(mask_calls) == 4 + 1
    assert len(tracker.events) == stored + 5
    assert samples.count_leaks([_stored_text(store)]) == 0
    assert EMAIL not in _stored_text(store)


def test_the_full_tracker_read_back_is_not_masked_again(
    samples: SecretSamples, mask_calls: List[Dict[str, Any]]
) -> None:
    store = _in_memory_store()
    _conversation(store, samples.messages[:3])
    mask_calls.clear()

    async def turn() -> None:
        tracker = await store.retrieve_full_tracker(SENDER)
        _turn(tracker, samples.messages[3])
        await store.save(tracker)

    asyncio.run(turn())
    assert len(mask_calls) == 4
    assert samples.count_leaks([_stored_text(store)]) == 0


def test_copied_events_have_no_masked_twin_and_are_masked_again(
    samples: SecretSamples, mask_calls: List[Dict[str, Any]]
) -> None:
    store = _in_memory_store()
    _conversation(store, samples.messages[:2])
    tracker = asyncio.run(store.retrieve(SENDER))
    mask_calls.clear()

    # A deep copy of the whole tracker: every event is masked again.
    asyncio.run(store.save(copy.deepcopy(tracker)))
    assert len(mask_calls) == len(tracker.events)

    # Events rebuilt from their dictionaries, holding new secrets: masked.
    mask_calls.clear()
    rebuilt = DialogueStateTracker.from_events(
        SENDER,
        [Event.from_parameters(event.as_dict()) for event in tracker.events]
        + [UserUttered(f"card {CARD}"), SlotSet("refund_reason", f"mail {EMAIL}")],
        slots=DOMAIN.slots,
    )
    asyncio.run(store.save(rebuilt))
    assert len(mask_calls) == len(rebuilt.events)
    assert "4111" not in _stored_text(store) and EMAIL not in _stored_text(store)

    # Rasa reverting a rephrased message deep-copies the user event and edits the
    # copy: the copy's new content is masked, not the original's twin reused.
    original = tracker.get_last_event_for(UserUttered)
    edited = copy.deepcopy(original)
    edited.text = f"my card is {CARD}"
    edited.parse_data["text"] = edited.text
    tracker.update(edited, DOMAIN)
    asyncio.run(store.save(tracker))
    assert "4111" not in _stored_text(store)
    stored = asyncio.run(store.retrieve(SENDER))
    assert stored.latest_message.text == "my card is [card •••• 1111]"


def test_an_event_readded_with_a_new_timestamp_is_masked_again(
    mask_calls: List[Dict[str, Any]],
) -> None:
    store = _in_memory_store()
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    bot = BotUttered("hello")
    tracker.update(bot, DOMAIN)
    asyncio.run(store.save(tracker))
    # `update_with_events` overwrites the timestamp of the events it adds.
    tracker.update_with_events([bot], DOMAIN)
    asyncio.run(store.save(tracker))
    assert len(mask_calls) == 1 + 1
    stored = asyncio.run(store.retrieve(SENDER))
    assert [event.timestamp for event in stored.events] == [
        event.timestamp for event in tracker.events
    ]


def test_entities_added_to_a_read_back_message_are_stored_masked(
    mask_calls: List[Dict[str, Any]],
) -> None:
    # EntitiesAdded appends to the latest user message in place: the twin of a
    # message read from the store must be a copy, or the live entity would leak.
    store = _in_memory_store()
    tracker = DialogueStateTracker(SENDER, DOMAIN.slots)
    tracker.update_with_events(
        [ActionExecuted("action_listen"), UserUttered("hello", intent={"name": "inform"})],
        DOMAIN,
    )
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve(SENDER))
    tracker.update(EntitiesAdded([{"entity": "email", "value": EMAIL}]), DOMAIN)
    assert {"entity": "email", "value": EMAIL} in tracker.latest_message.entities
    asyncio.run(store.save(tracker))
    assert EMAIL not in _stored_text(store)
    stored = asyncio.run(store.retrieve(SENDER))
    assert stored.latest_message.entities == [{"entity": "email", "value": "[email]"}]
    # The live message keeps what was extracted, once.
    assert tracker.latest_message.entities == [{"entity": "email", "value": EMAIL}]


def test_saving_leaves_the_live_tracker_unchanged(samples: SecretSamples) -> None:
    store = _in_memory_store()
    _conversation(store, samples.messages[:3])

    async def turn() -> DialogueStateTracker:
        tracker = await store.retrieve(SENDER)
        _turn(tracker, f"my card is {CARD}, mail {EMAIL}")
        before = _snapshot(tracker)
        await store.save(tracker)
        await store.save(tracker)
        assert _snapshot(tracker) == before
        return tracker

    tracker = asyncio.run(turn())
    assert tracker.latest_message.text == f"my card is {CARD}, mail {EMAIL}"
    assert tracker.get_slot("refund_reason") == f"my card is {CARD}, mail {EMAIL}"
    # The live events are not the objects handed to the store.
    masked = store.masked_copy(tracker)
    assert not {id(event) for event in masked.events} & {id(event) for event in tracker.events}
