"""Tests of rasa_plugins.health.checks: readiness of the agent's dependencies."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Optional

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from devstack.ports import find_free_port
from rasa_plugins.health.checks import ReadinessChecker
from rasa_plugins.stores.broker import MaskingEventBroker
from rasa_plugins.stores.lock_store import ResilientRedisLockStore
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore
from rasa_plugins.stores.tracker_store import MaskingTrackerStore

pytestmark = pytest.mark.timeout(60)

DOMAIN = Domain.empty()


class _Broker:
    def __init__(self, facts: Optional[Dict[str, Any]] = None, hang: bool = False) -> None:
        self.facts = facts or {}
        self.hang = hang

    async def health(self) -> Dict[str, Any]:
        if self.hang:
            await asyncio.sleep(10)
        return self.facts

    def is_ready(self) -> bool:
        return True


class _Pinged:
    def __init__(self, error: Optional[Exception] = None, delay: float = 0.0) -> None:
        self.error, self.delay = error, delay

    async def ping(self) -> None:
        await asyncio.sleep(self.delay)
        if self.error:
            raise self.error


def _agent(tracker_store: Any, lock_store: Any = None, ready: bool = True) -> Any:
    return SimpleNamespace(
        tracker_store=tracker_store,
        lock_store=lock_store or InMemoryLockStore(),
        is_ready=lambda: ready,
    )


def _sql_store(tmp_path: Path, broker: Any = None) -> MaskingTrackerStore:
    inner = NonBlockingSQLTrackerStore(domain=DOMAIN, db=str(tmp_path / "t.db"))
    store = MaskingTrackerStore(domain=DOMAIN, wrapped=inner, mask_logs=False)
    store.event_broker = broker
    return store


def _run(agent: Any, **kwargs: Any) -> Dict[str, Any]:
    return asyncio.run(ReadinessChecker(**kwargs).run(agent))


def test_everything_working_is_ready(tmp_path: Path) -> None:
    broker = _Broker({"connected": True, "backlog": 0, "oldest_age_seconds": None,
                      "published": 7, "last_error": "secret host:5672"})
    report = _run(_agent(_sql_store(tmp_path, broker)))

    assert report["status"] == "ready"
    checks = report["checks"]
    assert checks["tracker_store"]["type"] == "NonBlockingSQLTrackerStore"
    assert checks["tracker_store"]["ok"] and checks["lock_store"]["ok"] and checks["model"]["ok"]
    assert checks["event_broker"] == {"ok": True, "required": False, "ms": checks[
        "event_broker"]["ms"], "type": "_Broker", "connected": True, "backlog": 0,
        "oldest_age_seconds": None, "published": 7}  # no error text: the route is public


def test_a_tracker_store_that_fails_makes_the_service_unready() -> None:
    store = MaskingTrackerStore(domain=DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN),
                                mask_logs=False)
    report = _run(_agent(store), allow_in_memory_tracker_store=True)
    assert report["status"] == "ready"

    store.ping = _Pinged(ConnectionRefusedError("down")).ping  # type: ignore[method-assign]
    report = _run(_agent(store), allow_in_memory_tracker_store=True)

    assert report["status"] == "unready"
    assert report["checks"]["tracker_store"]["error"] == "ConnectionRefusedError"


def test_an_in_memory_tracker_store_is_unready_unless_allowed() -> None:
    report = _run(_agent(InMemoryTrackerStore(DOMAIN)))

    assert report["status"] == "unready"
    assert report["checks"]["tracker_store"]["error"] == "InMemoryTrackerStore"


def test_a_hanging_check_fails_at_the_timeout() -> None:
    store = MaskingTrackerStore(domain=DOMAIN, wrapped=InMemoryTrackerStore(DOMAIN),
                                mask_logs=False)
    lock = _Pinged(delay=5)
    started = time.monotonic()
    report = _run(_agent(store, lock), timeout_seconds=0.2, allow_in_memory_tracker_store=True)

    assert time.monotonic() - started < 1.5
    assert report["status"] == "unready"
    assert report["checks"]["lock_store"]["error"] == "TimeoutError"


def test_an_unreachable_redis_lock_store_is_unready(tmp_path: Path) -> None:
    lock = ResilientRedisLockStore(host="127.0.0.1", port=find_free_port())
    report = _run(_agent(_sql_store(tmp_path), lock))

    assert report["status"] == "unready"
    assert report["checks"]["lock_store"]["type"] == "ResilientRedisLockStore"
    assert report["checks"]["lock_store"]["ok"] is False


def test_a_disconnected_broker_only_degrades_the_service(tmp_path: Path) -> None:
    broker = MaskingEventBroker(_Broker({"connected": False, "backlog": 12}))  # type: ignore
    report = _run(_agent(_sql_store(tmp_path, broker)))

    assert report["status"] == "degraded"
    assert report["checks"]["event_broker"]["backlog"] == 12
    assert report["checks"]["event_broker"]["error"] == "Disconnected"


def test_a_required_broker_makes_it_unready(tmp_path: Path) -> None:
    broker = _Broker(hang=True)
    report = _run(
        _agent(_sql_store(tmp_path, broker)),
        timeout_seconds=0.2,
        required=frozenset({"model", "tracker_store", "lock_store", "event_broker"}),
    )

    assert report["status"] == "unready"
    assert report["checks"]["event_broker"]["error"] == "TimeoutError"


def test_no_agent_or_no_model_is_unready(tmp_path: Path) -> None:
    assert _run(None)["status"] == "unready"
    report = _run(_agent(_sql_store(tmp_path), ready=False))
    assert report["status"] == "unready"
    assert report["checks"]["model"]["error"] == "NoModelLoaded"


@pytest.mark.parametrize("wrapper", ["rasa", "project"])
def test_a_failing_store_behind_rasas_wrapper_is_seen(wrapper: str) -> None:
    # Rasa's FailSafeTrackerStore answers "no tracker" for a failing store: the
    # check must ask the store itself.
    from rasa.core.tracker_store import FailSafeTrackerStore

    from rasa_plugins.stores.no_memory_fallback import NoFallbackTrackerStore

    class Down(InMemoryTrackerStore):
        async def retrieve(self, sender_id: str) -> Any:
            raise ConnectionRefusedError("down")

    masking = MaskingTrackerStore(domain=DOMAIN, wrapped=Down(DOMAIN), mask_logs=False)
    outer = (FailSafeTrackerStore if wrapper == "rasa" else NoFallbackTrackerStore)(masking)
    report = _run(_agent(outer), allow_in_memory_tracker_store=True)

    assert report["status"] == "unready"
    assert report["checks"]["tracker_store"]["error"] == "ConnectionRefusedError"
