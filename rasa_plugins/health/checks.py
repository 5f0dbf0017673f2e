"""Readiness checks of a Rasa agent's dependencies, each bounded in time.

- `model`: a model is loaded (the agent can handle messages);
- `tracker_store`: the conversations' database answers (`SELECT 1` for the
  project's SQL store, else a lookup of a conversation that never exists); an
  in-memory store counts as a failure unless allowed: conversations would be
  lost on restart and not shared between replicas;
- `lock_store`: Redis answers `PING` (an in-memory lock store is fine for one
  process);
- `event_broker`: connected, and how many events wait in the outbox. Not
  required by default: replies do not depend on it and no event is lost while
  it is away (see `rasa_plugins.stores.outbox_broker`), so a RabbitMQ outage makes
  the service `degraded`, not unready.

No check blocks the event loop: the project's stores run their clients in
threads, and Rasa's Redis lock store is pinged in a thread too.
"""

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, FrozenSet, List, Optional, Text

from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    TrackerStore,
)

if TYPE_CHECKING:
    from rasa.core.agent import Agent

MODEL = "model"
TRACKER_STORE = "tracker_store"
LOCK_STORE = "lock_store"
EVENT_BROKER = "event_broker"
ALL_CHECKS = (MODEL, TRACKER_STORE, LOCK_STORE, EVENT_BROKER)
DEFAULT_REQUIRED = frozenset({MODEL, TRACKER_STORE, LOCK_STORE})
DEFAULT_TIMEOUT_SECONDS = 2.0
#: Conversation id looked up by the generic tracker store check.
PROBE_SENDER_ID = "readiness-probe"
#: Broker details shown by the route (no hosts, no error texts: the route is public).
_BROKER_FIELDS = ("connected", "backlog", "oldest_age_seconds", "published")


@dataclass
class CheckResult:
    """The outcome of one check.

    Attributes:
        ok: Whether the dependency works.
        required: Whether the service is unready when it does not.
        seconds: How long the check took.
        kind: The implementation checked (class name), when known.
        error: The error's class name, when the check failed.
        details: More facts (e.g. the event outbox's backlog).
    """

    ok: bool
    required: bool
    seconds: float = 0.0
    kind: Optional[Text] = None
    error: Optional[Text] = None
    details: Dict[Text, Any] = field(default_factory=dict)

    def as_dict(self) -> Dict[Text, Any]:
        """The JSON form of the route."""
        result: Dict[Text, Any] = {
            "ok": self.ok,
            "required": self.required,
            "ms": round(self.seconds * 1000, 1),
        }
        if self.kind:
            result["type"] = self.kind
        if self.error:
            result["error"] = self.error
        result.update(self.details)
        return result


@dataclass(frozen=True)
class ReadinessChecker:
    """Runs the checks of an agent.

    Attributes:
        timeout_seconds: How long one check may take.
        required: The checks whose failure makes the service unready.
        allow_in_memory_tracker_store: Whether an in-memory tracker store is
            acceptable (development only).
    """

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    required: FrozenSet[Text] = DEFAULT_REQUIRED
    allow_in_memory_tracker_store: bool = False

    async def run(self, agent: Optional["Agent"]) -> Dict[Text, Any]:
        """Runs every check at the same time.

        Args:
            agent: The server's agent (`None` before it is loaded).

        Returns:
            `{"status": "ready" | "degraded" | "unready", "checks": {...}}`:
            unready when a required check failed, degraded when only others did.
        """
        names = list(ALL_CHECKS)
        checks: List[Callable[[], Awaitable[CheckResult]]] = [
            lambda: self._model(agent),
            lambda: self._tracker_store(agent),
            lambda: self._lock_store(agent),
            lambda: self._event_broker(agent),
        ]
        results = await asyncio.gather(*(check() for check in checks))
        if any(not r.ok and r.required for r in results):
            status = "unready"
        elif all(r.ok for r in results):
            status = "ready"
        else:
            status = "degraded"
        return {
            "status": status,
            "checks": {name: result.as_dict() for name, result in zip(names, results)},
        }

    # ------------------------------------------------------------- checks

    async def _model(self, agent: Optional["Agent"]) -> CheckResult:
        ok = agent is not None and agent.is_ready()
        return CheckResult(ok=ok, required=MODEL in self.required,
                           error=None if ok else "NoModelLoaded")

    async def _tracker_store(self, agent: Optional["Agent"]) -> CheckResult:
        required = TRACKER_STORE in self.required
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return CheckResult(ok=False, required=required, error="NoTrackerStore")
        innermost = _innermost_store(store)
        kind = type(innermost).__name__
        if isinstance(innermost, InMemoryTrackerStore) and not self.allow_in_memory_tracker_store:
            return CheckResult(ok=False, required=required, kind=kind,
                               error="InMemoryTrackerStore")
        if isinstance(store, FailSafeTrackerStore) and not hasattr(store, "ping"):
            # Rasa's own wrapper answers "no tracker" for a failing store: ask the store.
            store = store._tracker_store
        ping = getattr(store, "ping", None)
        if ping is not None:
            return await self._timed(ping, required, kind)
        return await self._timed(lambda: store.exists(PROBE_SENDER_ID), required, kind)

    async def _lock_store(self, agent: Optional["Agent"]) -> CheckResult:
        required = LOCK_STORE in self.required
        store = getattr(agent, "lock_store", None)
        if store is None:
            return CheckResult(ok=False, required=required, error="NoLockStore")
        kind = type(store).__name__
        if isinstance(store, InMemoryLockStore):
            return CheckResult(ok=True, required=required, kind=kind)
        ping = getattr(store, "ping", None)
        if ping is not None:
            return await self._timed(ping, required, kind)
        if isinstance(store, RedisLockStore):
            return await self._timed(lambda: asyncio.to_thread(store.red.ping), required, kind)
        return CheckResult(ok=True, required=required, kind=kind, details={"checked": False})

    async def _event_broker(self, agent: Optional["Agent"]) -> CheckResult:
        required = EVENT_BROKER in self.required
        store = getattr(agent, "tracker_store", None)
        broker = getattr(store, "event_broker", None)
        if broker is None:
            return CheckResult(ok=True, required=required, details={"configured": False})
        while hasattr(broker, "wrapped"):  # MaskingEventBroker
            broker = broker.wrapped
        kind = type(broker).__name__
        health = getattr(broker, "health", None)
        started = time.monotonic()
        try:
            if health is not None:
                facts = await asyncio.wait_for(health(), self.timeout_seconds)
                details = {key: facts.get(key) for key in _BROKER_FIELDS if key in facts}
                ok = bool(facts.get("connected"))
            else:
                details, ok = {}, bool(broker.is_ready())
        except Exception as error:  # noqa: BLE001 - a failed check, not a failed route
            return CheckResult(ok=False, required=required, kind=kind,
                               seconds=time.monotonic() - started, error=type(error).__name__)
        return CheckResult(ok=ok, required=required, kind=kind,
                           seconds=time.monotonic() - started, details=details,
                           error=None if ok else "Disconnected")

    async def _timed(
        self, probe: Callable[[], Awaitable[Any]], required: bool, kind: Text
    ) -> CheckResult:
        started = time.monotonic()
        try:
            await asyncio.wait_for(probe(), self.timeout_seconds)
        except Exception as error:  # noqa: BLE001 - includes the timeout
            return CheckResult(ok=False, required=required, kind=kind,
                               seconds=time.monotonic() - started, error=type(error).__name__)
        return CheckResult(ok=True, required=required, kind=kind,
                           seconds=time.monotonic() - started)


def _innermost_store(store: TrackerStore) -> TrackerStore:
    """The store that keeps the data, through Rasa's and the project's wrappers."""
    while True:
        if isinstance(store, (AwaitableTrackerStore, FailSafeTrackerStore)):
            store = store._tracker_store
        elif hasattr(store, "wrapped") and isinstance(store.wrapped, TrackerStore):
            store = store.wrapped
        else:
            return store
