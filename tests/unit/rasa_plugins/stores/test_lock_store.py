"""Tests of rasa_plugins.stores.lock_store: Redis ticket locks that fail fast and heal.

Redis itself is replaced by a dictionary for the lock logic; network faults are
real sockets (a closed port, a server that accepts and never answers). The
store against a real Redis behind a cut proxy: tests/integration/test_infrastructure_faults.py.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from typing import Dict, Iterator, Optional

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from devstack.ports import find_free_port
from rasa_plugins.stores import lock_store as module
from rasa_plugins.stores.lock_store import ResilientRedisLockStore

pytestmark = pytest.mark.timeout(60)


class FakePipeline:
    """A transaction of `FakeRedis`: reads at once, writes when executed."""

    def __init__(self, redis_: "FakeRedis") -> None:
        self.redis = redis_
        self.writes: list = []

    def get(self, key: str) -> Optional[bytes]:
        return self.redis.get(key)

    def multi(self) -> None:
        pass

    def set(self, key: str, value: str) -> None:
        self.writes.append(lambda: self.redis.set(key, value))

    def delete(self, key: str) -> None:
        self.writes.append(lambda: self.redis.delete(key))


class FakeRedis:
    """The Redis commands the lock store uses; `down` makes them all fail."""

    def __init__(self) -> None:
        self.data: Dict[str, bytes] = {}
        self.down = False
        self.calls_by_thread: Dict[str, int] = {}
        self._transactions = threading.Lock()

    def _call(self) -> None:
        name = threading.current_thread().name
        self.calls_by_thread[name] = self.calls_by_thread.get(name, 0) + 1
        if self.down:
            raise redis.exceptions.ConnectionError("Error 111 connecting. Connection refused.")

    def get(self, key: str) -> Optional[bytes]:
        self._call()
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        self._call()
        self.data[key] = value.encode()

    def delete(self, key: str) -> int:
        self._call()
        return 1 if self.data.pop(key, None) is not None else 0

    def ping(self) -> bool:
        self._call()
        return True

    def transaction(self, func, *watches: str, value_from_callable: bool = False):  # type: ignore[no-untyped-def]
        # One thread at a time stands in for Redis's WATCH/MULTI/EXEC.
        with self._transactions:
            pipe = FakePipeline(self)
            value = func(pipe)
            for write in pipe.writes:
                write()
        return value if value_from_callable else None


def _store(**kwargs: object) -> tuple[ResilientRedisLockStore, FakeRedis]:
    store = ResilientRedisLockStore(host="127.0.0.1", port=find_free_port(), **kwargs)
    fake = FakeRedis()
    store.red = fake  # type: ignore[assignment]
    return store, fake


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a frozen Redis)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        server.close()


def test_rasa_builds_it_from_the_endpoint_and_allows_several_workers() -> None:
    config = EndpointConfig.from_dict(
        {
            "type": "rasa_plugins.stores.lock_store.ResilientRedisLockStore",
            "url": "redis.internal",
            "port": 6380,
            "db": 2,
            "key_prefix": "payments",
            "socket_timeout": 0.5,
            "socket_connect_timeout": 0.25,
            "call_timeout": 1.5,
        }
    )

    store = LockStore.create(config)

    assert isinstance(store, ResilientRedisLockStore)
    assert isinstance(store, RedisLockStore)  # Rasa allows SANIC_WORKERS > 1 with it
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("redis.internal", 6380, 2)
    assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (0.5, 0.25)
    assert store.key_prefix == "payments:lock:"
    assert store._calls.timeout_seconds == 1.5


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="socket_timeot"):
        ResilientRedisLockStore(host="x", socket_timeot=1)


def test_the_lock_serves_tickets_in_order_and_cleans_up() -> None:
    store, fake = _store()
    order = []

    async def turn(name: str, hold: float) -> None:
        async with store.lock("c1", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def scenario() -> None:
        first = asyncio.ensure_future(turn("first", 0.1))
        await asyncio.sleep(0.02)
        await turn("second", 0)
        await first

    asyncio.run(scenario())

    assert order == ["first in", "first out", "second in", "second out"]
    assert fake.data == {}  # no lock left behind
    assert all(name.startswith("redis-lock-store") for name in fake.calls_by_thread)


def test_redis_down_fails_the_lock_at_once_with_a_lock_error() -> None:
    store, fake = _store()
    fake.down = True

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(LockError, match="Connection refused"):
            async with store.lock("c1"):
                pass
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.5


def test_a_ticket_left_while_redis_was_away_is_released_when_it_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(module, "RELEASE_RETRY_SECONDS", 0.05)
    store, fake = _store()

    async def scenario() -> tuple:
        async with store.lock("c1"):
            fake.down = True  # gone before the turn ends: the release fails
        assert store.pending_releases == 1  # the turn itself did not fail
        await asyncio.sleep(0.2)
        left_while_down = dict(fake.data)
        fake.down = False
        for _ in range(50):
            if not store.pending_releases:
                break
            await asyncio.sleep(0.05)
        return left_while_down, store.pending_releases

    left_while_down, pending = asyncio.run(scenario())

    assert list(left_while_down) == ["lock:c1"]
    assert pending == 0
    assert fake.data == {}  # the next turn of c1 need not wait for the ticket to expire


def test_a_closed_port_fails_within_the_connect_timeout() -> None:
    store = ResilientRedisLockStore(host="127.0.0.1", port=find_free_port())

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(LockError):
            async with store.lock("c1"):
                pass
        with pytest.raises(redis.exceptions.ConnectionError):
            await store.ping()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1.0


def test_a_frozen_redis_fails_within_the_socket_timeout_and_the_loop_runs_on(
    silent_port: int,
) -> None:
    store = ResilientRedisLockStore(
        host="127.0.0.1", port=silent_port, socket_timeout=0.3, socket_connect_timeout=0.3
    )
    ticks = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.05)

    async def scenario() -> float:
        ticking = asyncio.ensure_future(ticker())
        started = time.monotonic()
        with pytest.raises(LockError):
            async with store.lock("c1"):
                pass
        elapsed = time.monotonic() - started
        ticking.cancel()
        return elapsed

    elapsed = asyncio.run(scenario())

    assert 0.25 < elapsed < 2.0
    assert len(ticks) >= elapsed / 0.05 * 0.5  # the event loop was never frozen


def test_a_call_past_call_timeout_fails_even_if_redis_never_answers(silent_port: int) -> None:
    store = ResilientRedisLockStore(
        host="127.0.0.1", port=silent_port, socket_timeout=5, call_timeout=0.3
    )

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(LockError, match="no answer within 0.3 s"):
            async with store.lock("c1"):
                pass
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1.5



@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix on the local Redis (skipped without one), removed afterwards."""
    client = redis.Redis(host="127.0.0.1", port=6379, db=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"locktest{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()


def test_two_replicas_taking_one_conversation_lock_at_once_never_hold_it_together(
    redis_prefix: str,
) -> None:
    # Two stores are two Rasa replicas; each Redis call runs in its store's threads.
    replicas = [
        ResilientRedisLockStore(host="127.0.0.1", port=6379, key_prefix=redis_prefix)
        for _ in range(2)
    ]
    holders: list = []
    overlaps: list = []

    async def turn(number: int) -> None:
        async with replicas[number % 2].lock("c1", wait_time_in_seconds=0.005):
            holders.append(number)
            if len(holders) > 1:
                overlaps.append(list(holders))
            await asyncio.sleep(0.002)
            holders.remove(number)

    async def scenario() -> None:
        await asyncio.gather(*(turn(number) for number in range(40)))

    asyncio.run(scenario())

    assert overlaps == []
    probe = redis.Redis(host="127.0.0.1", port=6379, db=1)
    assert list(probe.scan_iter(f"{redis_prefix}:*")) == []  # every ticket released


def test_tickets_issued_at_once_by_two_replicas_are_all_different(redis_prefix: str) -> None:
    # Rasa's own read-change-write gave 60 distinct numbers for 200 tickets here.
    replicas = [
        ResilientRedisLockStore(host="127.0.0.1", port=6379, key_prefix=redis_prefix)
        for _ in range(2)
    ]
    tickets: list = []
    start = threading.Barrier(8)

    def issue(worker: int) -> None:
        start.wait()
        for _ in range(25):
            tickets.append(replicas[worker % 2].issue_ticket("c1", 60))

    threads = [threading.Thread(target=issue, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(tickets) == 200
    assert sorted(tickets) == list(range(200))
