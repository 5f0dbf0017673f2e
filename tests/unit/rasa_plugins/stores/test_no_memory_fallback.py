"""Tests of rasa_plugins.stores.no_memory_fallback: a failing store fails the turn."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any, Optional

import pytest
import rasa.core.agent as rasa_agent
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins.stores.no_memory_fallback import NoFallbackTrackerStore, install
from rasa_plugins.stores.tracker_store import MaskingTrackerStore

DOMAIN = Domain.empty()


class DownStore(InMemoryTrackerStore):
    """A store whose database is unreachable."""

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        raise ConnectionRefusedError("database down")

    async def save(self, tracker: DialogueStateTracker) -> None:
        raise ConnectionRefusedError("database down")


def test_rasas_wrapper_silently_forgets_and_keeps_in_memory() -> None:
    # What Rasa 3.6 does, and the reason for this module.
    failsafe = FailSafeTrackerStore(DownStore(DOMAIN))

    async def scenario() -> Any:
        await failsafe.save(DialogueStateTracker.from_events("c1", []))
        return await failsafe.retrieve("c1"), await failsafe.fallback_tracker_store.keys()

    retrieved, kept_in_memory = asyncio.run(scenario())

    assert retrieved is None  # the conversation would start over
    assert list(kept_in_memory) == ["c1"]  # and be kept in the process's memory


def test_errors_reach_the_caller_and_nothing_is_kept() -> None:
    store = NoFallbackTrackerStore(DownStore(DOMAIN))

    with pytest.raises(ConnectionRefusedError):
        asyncio.run(store.retrieve("c1"))
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(store.save(DialogueStateTracker.from_events("c1", [])))
    with pytest.raises(ConnectionRefusedError):
        asyncio.run(store.ping())
    assert store._fallback_tracker_store is None


def test_a_working_store_works_through_it() -> None:
    store = NoFallbackTrackerStore(InMemoryTrackerStore(DOMAIN))

    async def scenario() -> Any:
        await store.save(DialogueStateTracker.from_events("c1", []))
        return await store.retrieve("c1"), list(await store.keys())

    tracker, keys = asyncio.run(scenario())

    assert tracker is not None and keys == ["c1"]


def test_install_replaces_the_wrapper_rasas_agent_uses() -> None:
    module = ModuleType("agent_stand_in")
    module.FailSafeTrackerStore = FailSafeTrackerStore  # type: ignore[attr-defined]

    assert install(module) is True
    assert module.FailSafeTrackerStore is NoFallbackTrackerStore  # type: ignore[attr-defined]
    assert install(module) is True  # idempotent
    assert install(ModuleType("renamed_in_a_later_rasa")) is False


def test_the_masking_store_turns_the_fallback_off_for_the_agent_built_after_it() -> None:
    store = MaskingTrackerStore(domain=DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN),
                                mask_logs=False)

    agent = Agent(domain=DOMAIN, tracker_store=store)

    assert type(agent.tracker_store) is NoFallbackTrackerStore
    assert agent.tracker_store.wrapped is store


def test_the_fallback_can_be_kept_on_purpose() -> None:
    store = MaskingTrackerStore(domain=DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN),
                                mask_logs=False, allow_memory_fallback=True)

    agent = Agent(domain=DOMAIN, tracker_store=store)

    assert rasa_agent.FailSafeTrackerStore is FailSafeTrackerStore
    assert type(agent.tracker_store) is FailSafeTrackerStore
