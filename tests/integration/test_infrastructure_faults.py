"""Infrastructure faults: Redis, PostgreSQL or RabbitMQ goes away, for real, and comes back.

Every fault is injected with a `tests.faults.tcp_proxy.FaultProxy` between the
client and the real local service: `down()` resets every open connection and
refuses new ones (the service's process is gone), `pause()` holds every byte (a
frozen service). The services themselves are never touched (other tests share
them); each test uses its own database, Redis key prefix, queue and exchange.

Two layers:

- the project's stores against the real services (no Rasa): how fast a call
  fails, whether the event loop stays free, whether they heal, whether an event
  is lost;
- the production profile end to end (`production_stack(replicas=1,
  fault_proxies=True)`): what the customer gets during each fault, what the
  readiness route says, and recovery with no restart.

The figures of docs/infrastructure-faults.md come from these tests (`-s` prints them).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import socket
import statistics
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Tuple

import pytest
import requests
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from devstack.infrastructure import drop_database, ensure_database
from devstack.paths import RepoPaths
from devstack.ports import find_free_port
from devstack.settings import InfraSettings
from rasa_plugins.stores.lock_store import ResilientRedisLockStore
from rasa_plugins.stores.outbox_broker import EVENT_ID_HEADER, OutboxEventBroker
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore, TrackerStoreUnavailable
from tests.faults.tcp_proxy import FaultProxy
from tests.integration.production_stack import (
    ProductionStack,
    drain_queue,
    infra_from_env,
    missing_services,
    production_stack,
    tracker_store_events,
    wait_until,
)

#: The customer must hear back within this, whatever is down.
REPLY_LIMIT_SECONDS = 5.0
APOLOGY = "having a technical problem"
DOMAIN = Domain.from_dict({"intents": ["greet"]})


@pytest.fixture(scope="module")
def infra() -> InfraSettings:
    """The local services; the module is skipped without them."""
    settings = infra_from_env()
    missing = missing_services(settings)
    if missing:
        pytest.skip(f"needs {', '.join(missing)}, not reachable here")
    return settings


def _report(what: str, **figures: Any) -> None:
    """Prints measured figures (`pytest -s`), the source of the docs' numbers."""
    shown = ", ".join(
        f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
        for key, value in figures.items()
    )
    print(f"\n[infrastructure-faults] {what}: {shown}")


class LoopWatch:
    """Measures the longest time the event loop did not run (a blocking call)."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.longest_stall = 0.0
        self._task: "asyncio.Task[None] | None" = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self.interval)
            now = loop.time()
            self.longest_stall = max(self.longest_stall, now - last - self.interval)
            last = now

    async def __aenter__(self) -> "LoopWatch":
        self._task = asyncio.ensure_future(self._tick())
        await asyncio.sleep(self.interval * 2)  # ticking before the watched code starts
        return self

    async def __aexit__(self, *_: Any) -> None:
        assert self._task is not None
        await asyncio.sleep(self.interval * 2)  # a tick after the watched code ended
        self._task.cancel()


async def _timed(action: Callable[[], Awaitable[Any]]) -> Tuple[float, BaseException | None]:
    """Runs `action`; returns (seconds, the error it raised or None)."""
    started = time.monotonic()
    try:
        await action()
    except Exception as error:  # noqa: BLE001 - the error is the result
        return time.monotonic() - started, error
    return time.monotonic() - started, None


# ================================================================ Redis lock store


@pytest.fixture
def redis_proxy(infra: InfraSettings) -> Iterator[FaultProxy]:
    with FaultProxy(infra.redis_host, infra.redis_port) as proxy:
        yield proxy


@pytest.fixture
def lock_prefix(infra: InfraSettings) -> Iterator[str]:
    """A key prefix of this test; its keys are deleted afterwards."""
    import redis

    prefix = f"faults{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis(host=infra.redis_host, port=infra.redis_port, db=infra.redis_lock_db,
                         password=infra.redis_password or None, socket_timeout=5)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def _redis_keys(infra: InfraSettings, prefix: str) -> List[str]:
    import redis

    client = redis.Redis(host=infra.redis_host, port=infra.redis_port, db=infra.redis_lock_db,
                         password=infra.redis_password or None, socket_timeout=5)
    try:
        return [key.decode() for key in client.scan_iter(f"{prefix}:*")]
    finally:
        client.close()


def _lock_store(infra: InfraSettings, proxy: FaultProxy, prefix: str) -> ResilientRedisLockStore:
    return ResilientRedisLockStore(
        host=proxy.address[0], port=proxy.port, db=infra.redis_lock_db, key_prefix=prefix,
        password=infra.redis_password or None, socket_timeout=1.0, socket_connect_timeout=1.0,
    )


@pytest.mark.timeout(60)
def test_redis_down_fails_a_lock_at_once_and_the_next_lock_after_it_returns_works(
    infra: InfraSettings, redis_proxy: FaultProxy, lock_prefix: str
) -> None:
    store = _lock_store(infra, redis_proxy, lock_prefix)

    async def lock_once() -> None:
        async with store.lock("c1", wait_time_in_seconds=0.05):
            pass

    async def scenario() -> Dict[str, Any]:
        await lock_once()  # pooled connections exist, and are cut below
        with redis_proxy.down():
            down, error = await _timed(lock_once)
            ping_down, ping_error = await _timed(store.ping)
        back, back_error = await _timed(lock_once)  # the very first lock after it returned
        return dict(down=down, error=error, ping_error=ping_error, back=back,
                    back_error=back_error, ping_down=ping_down)

    result = asyncio.run(scenario())
    _report("redis down, lock", fails_after_s=result["down"], first_lock_back_s=result["back"])

    assert isinstance(result["error"], LockError)
    assert result["down"] < 1.0
    assert result["ping_error"] is not None
    assert result["back_error"] is None  # no restart, no failed first attempt
    assert _redis_keys(infra, lock_prefix) == []


@pytest.mark.timeout(60)
def test_a_ticket_held_when_redis_went_away_is_released_once_it_is_back(
    infra: InfraSettings, redis_proxy: FaultProxy, lock_prefix: str
) -> None:
    store = _lock_store(infra, redis_proxy, lock_prefix)

    async def scenario() -> Tuple[List[str], float]:
        async with store.lock("c1"):
            redis_proxy.refuse()
            redis_proxy.cut_all()  # the turn ran; releasing its ticket fails
        left = _redis_keys(infra, lock_prefix)
        redis_proxy.accept()
        started = time.monotonic()
        while store.pending_releases and time.monotonic() - started < 10:
            await asyncio.sleep(0.05)
        return left, time.monotonic() - started

    left, released_after = asyncio.run(scenario())
    _report("redis back, stale ticket released", after_s=released_after)

    assert left == [f"{lock_prefix}:lock:c1"]  # without the retry it blocks c1 for 60 s
    assert _redis_keys(infra, lock_prefix) == []
    assert released_after < 3.0


@pytest.mark.timeout(60)
def test_a_frozen_redis_freezes_rasas_lock_store_but_not_the_projects(
    infra: InfraSettings, redis_proxy: FaultProxy, lock_prefix: str
) -> None:
    stock = RedisLockStore(host=redis_proxy.address[0], port=redis_proxy.port,
                           db=infra.redis_lock_db, key_prefix=lock_prefix, socket_timeout=1.0)
    ours = _lock_store(infra, redis_proxy, lock_prefix)

    async def measure(store: RedisLockStore) -> Tuple[float, float, BaseException | None]:
        async with LoopWatch() as watch:
            async def lock_once() -> None:
                async with store.lock("c1"):
                    pass

            elapsed, error = await _timed(lock_once)
        return elapsed, watch.longest_stall, error

    async def scenario() -> Dict[str, Any]:
        redis_proxy.pause()
        try:
            stock_result = await measure(stock)
            our_result = await measure(ours)
        finally:
            redis_proxy.resume()
        return {"stock": stock_result, "ours": our_result}

    result = asyncio.run(scenario())
    (stock_s, stock_stall, stock_error), (our_s, our_stall, our_error) = (
        result["stock"], result["ours"]
    )
    _report("redis frozen", rasa_fails_after_s=stock_s, rasa_loop_stall_s=stock_stall,
            ours_fails_after_s=our_s, ours_loop_stall_s=our_stall)

    assert isinstance(stock_error, LockError) and isinstance(our_error, LockError)
    assert stock_stall > 0.8  # Rasa's store blocks every conversation of the process
    assert our_stall < 0.3
    assert our_s < 3.0


# ================================================================ PostgreSQL tracker store


@pytest.fixture
def postgres_proxy(infra: InfraSettings) -> Iterator[FaultProxy]:
    with FaultProxy(infra.tracker_db_host, infra.tracker_db_port) as proxy:
        yield proxy


@pytest.fixture
def database(infra: InfraSettings) -> Iterator[str]:
    """A fresh PostgreSQL database of this test, dropped afterwards."""
    name = f"faults_{uuid.uuid4().hex[:10]}"
    ensure_database(infra, name)
    try:
        yield name
    finally:
        drop_database(infra, name)


def _sql_store(
    infra: InfraSettings, proxy: FaultProxy, database: str, **kwargs: Any
) -> NonBlockingSQLTrackerStore:
    options: Dict[str, Any] = {"call_timeout": 3.0, "connect_timeout": 2, "startup_timeout": 5.0}
    options.update(kwargs)
    return NonBlockingSQLTrackerStore(
        domain=DOMAIN, dialect="postgresql", host=proxy.address[0], port=proxy.port,
        db=database, username=infra.tracker_db_user,
        password=infra.tracker_db_password or None, **options,
    )


def _tracker(sender: str, turns: int) -> DialogueStateTracker:
    events: List[Any] = [ActionExecuted("action_listen")]
    for turn in range(turns):
        events += [UserUttered(f"turn {turn}", {"name": "greet"}), BotUttered(f"reply {turn}"),
                   ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(sender, events)


def _stored_turns(infra: InfraSettings, database: str, sender: str) -> int:
    """User turns of `sender` in the database, read directly (not through the proxy)."""
    store = NonBlockingSQLTrackerStore(
        domain=DOMAIN, dialect="postgresql", host=infra.tracker_db_host,
        port=infra.tracker_db_port, db=database, username=infra.tracker_db_user,
        password=infra.tracker_db_password or None,
    )
    try:
        tracker = asyncio.run(store.retrieve(sender))
    finally:
        store.close()
    return 0 if tracker is None else sum(isinstance(e, UserUttered) for e in tracker.events)


@pytest.mark.timeout(90)
def test_postgres_down_fails_reads_and_writes_fast_keeps_nothing_and_heals(
    infra: InfraSettings, postgres_proxy: FaultProxy, database: str
) -> None:
    store = _sql_store(infra, postgres_proxy, database)

    async def scenario() -> Dict[str, Any]:
        await store.save(_tracker("c1", 1))
        with postgres_proxy.down():
            async with LoopWatch() as watch:
                save_s, save_error = await _timed(lambda: store.save(_tracker("c1", 2)))
                read_s, read_error = await _timed(lambda: store.retrieve("c1"))
                ping_s, ping_error = await _timed(store.ping)
            stall = watch.longest_stall
        back_s, back_error = await _timed(lambda: store.save(_tracker("c1", 3)))
        return dict(save_s=save_s, save_error=save_error, read_error=read_error, read_s=read_s,
                    ping_error=ping_error, stall=stall, back_s=back_s, back_error=back_error)

    try:
        result = asyncio.run(scenario())
        turns_after = _stored_turns(infra, database, "c1")
    finally:
        store.close()
    _report("postgres down, tracker store", save_fails_after_s=result["save_s"],
            read_fails_after_s=result["read_s"], loop_stall_s=result["stall"],
            first_save_back_s=result["back_s"])

    assert result["save_error"] is not None and result["read_error"] is not None
    assert result["ping_error"] is not None
    assert max(result["save_s"], result["read_s"]) < 3.5
    assert result["stall"] < 0.3  # the other conversations of the process go on
    assert result["back_error"] is None  # the pool replaced the cut connections itself
    assert turns_after == 3  # the failed write was not kept aside: the next save wrote it all


@pytest.mark.timeout(90)
def test_a_frozen_postgres_fails_a_call_at_its_deadline_without_freezing_the_loop(
    infra: InfraSettings, postgres_proxy: FaultProxy, database: str
) -> None:
    store = _sql_store(infra, postgres_proxy, database, call_timeout=1.5)

    async def scenario() -> Dict[str, Any]:
        await store.save(_tracker("c1", 1))
        postgres_proxy.pause()
        try:
            async with LoopWatch() as watch:
                read_s, read_error = await _timed(lambda: store.retrieve("c1"))
        finally:
            postgres_proxy.resume()
        await asyncio.sleep(0.5)  # the held query finishes in its thread
        ping_s, ping_error = await _timed(store.ping)
        return dict(read_s=read_s, read_error=read_error, stall=watch.longest_stall,
                    ping_error=ping_error)

    try:
        result = asyncio.run(scenario())
    finally:
        store.close()
    _report("postgres frozen, tracker store", read_fails_after_s=result["read_s"],
            loop_stall_s=result["stall"])

    assert result["read_error"] is not None
    assert 1.4 < result["read_s"] < 2.5
    assert result["stall"] < 0.3
    assert result["ping_error"] is None


@pytest.mark.timeout(90)
def test_at_start_an_unreachable_postgres_fails_the_store_and_a_late_one_is_waited_for(
    infra: InfraSettings, postgres_proxy: FaultProxy, database: str
) -> None:
    postgres_proxy.refuse()
    started = time.monotonic()
    with pytest.raises(TrackerStoreUnavailable):
        _sql_store(infra, postgres_proxy, database, startup_timeout=2.0)
    failed_after = time.monotonic() - started

    comes_back = threading.Timer(1.5, postgres_proxy.accept)
    comes_back.start()
    started = time.monotonic()
    store = _sql_store(infra, postgres_proxy, database, startup_timeout=20.0)
    started_after = time.monotonic() - started
    comes_back.join()
    asyncio.run(store.ping())
    store.close()
    _report("postgres down at start", fails_after_s=failed_after, starts_after_s=started_after)

    assert 2.0 <= failed_after < 5.0
    assert 1.5 <= started_after < 6.0


EXIT_TEST = "test_rasa_with_postgres_down_at_start_exits_with_the_error_and_never_serves"


@dataclasses.dataclass
class RasaStart:
    """A `rasa run` started with PostgreSQL refusing connections, watched in a thread."""

    process: "subprocess.Popen[bytes]"
    port: int
    log: Path
    started: float
    served: bool = False
    exited_after: float = 0.0
    watcher: "threading.Thread | None" = None

    def watch(self, limit: float) -> None:
        while self.process.poll() is None and time.monotonic() - self.started < limit:
            self.served = self.served or _port_open(self.port)
            time.sleep(0.2)
        self.exited_after = time.monotonic() - self.started


@pytest.fixture(scope="module", autouse=True)
def rasa_started_without_postgres(
    request: pytest.FixtureRequest, infra: InfraSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator["RasaStart | None"]:
    """Starts Rasa with PostgreSQL refused at the module's start, when that test is selected.

    Rasa needs half a minute to import; the other store tests run meanwhile.
    """
    if not any(item.name == EXIT_TEST for item in request.session.items):
        yield None
        return
    work = tmp_path_factory.mktemp("rasa-start")
    with FaultProxy(infra.tracker_db_host, infra.tracker_db_port) as proxy:
        proxy.refuse()  # PostgreSQL is down when the replica starts
        endpoints = work / "endpoints.yml"
        endpoints.write_text(
            "tracker_store:\n"
            "  type: rasa_plugins.stores.tracker_store.MaskingTrackerStore\n"
            "  wrapped:\n"
            "    type: SQL\n"
            "    dialect: postgresql\n"
            f"    url: {proxy.address[0]}\n"
            f"    port: {proxy.port}\n"
            "    db: rasa\n"
            f"    username: {infra.tracker_db_user}\n"
            "    startup_timeout: 3\n"
        )
        paths = RepoPaths()
        log, port = work / "rasa.log", find_free_port()
        with open(log, "w") as output:
            start = RasaStart(
                process=subprocess.Popen(
                    [str(paths.rasa_executable), "run", "--endpoints", str(endpoints),
                     "--credentials", str(paths.root / "credentials.yml"), "--port", str(port)],
                    cwd=paths.root, stdout=output, stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONPATH": str(paths.root),
                         "RASA_TELEMETRY_ENABLED": "false"},
                ),
                port=port, log=log, started=time.monotonic(),
            )
        start.watcher = threading.Thread(target=start.watch, args=(120.0,), daemon=True)
        start.watcher.start()
        try:
            yield start
        finally:
            if start.process.poll() is None:
                start.process.kill()
            start.process.wait(10)


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


# ================================================================ RabbitMQ event broker


@pytest.fixture
def rabbit_proxy(infra: InfraSettings) -> Iterator[FaultProxy]:
    with FaultProxy(infra.rabbitmq_host, infra.rabbitmq_port) as proxy:
        yield proxy


@pytest.fixture
def rabbit_names(infra: InfraSettings) -> Iterator[Tuple[str, str]]:
    """A queue and an exchange of this test, deleted afterwards."""
    suffix = uuid.uuid4().hex[:10]
    names = (f"faults_{suffix}", f"faults-{suffix}")
    yield names
    asyncio.run(_delete_rabbit_objects(infra, *names))


def _amqp_url(infra: InfraSettings) -> str:
    from urllib.parse import quote

    user, password = quote(infra.rabbitmq_user, safe=""), quote(infra.rabbitmq_password, safe="")
    return f"amqp://{user}:{password}@{infra.rabbitmq_host}:{infra.rabbitmq_port}/"


async def _delete_rabbit_objects(infra: InfraSettings, queue: str, exchange: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(_amqp_url(infra), timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)


async def _consume_all(infra: InfraSettings, queue_name: str) -> List[Tuple[str, Dict[str, Any]]]:
    """Every message of the queue: (event id header, body)."""
    import aio_pika

    received: List[Tuple[str, Dict[str, Any]]] = []
    connection = await aio_pika.connect(_amqp_url(infra), timeout=10)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True, passive=True)
        while True:
            message = await queue.get(fail=False, timeout=10)
            if message is None:
                return received
            received.append((str(message.headers[EVENT_ID_HEADER]), json.loads(message.body)))
            await message.ack()


async def _broker(
    infra: InfraSettings, proxy: FaultProxy, names: Tuple[str, str], outbox_dir: Path
) -> OutboxEventBroker:
    queue, exchange = names
    config = EndpointConfig.from_dict(
        {
            "type": "rasa_plugins.stores.outbox_broker.OutboxEventBroker",
            "url": proxy.address[0], "port": proxy.port,
            "username": infra.rabbitmq_user, "password": infra.rabbitmq_password,
            "queues": [queue], "exchange_name": exchange, "outbox_dir": str(outbox_dir),
            "mask_logs": False, "retry_max_delay": 1.0, "confirm_timeout": 3,
        }
    )
    return await OutboxEventBroker.from_endpoint_config(config)


def _event(number: int) -> Dict[str, Any]:
    return {"event": "user", "sender_id": "c1", "text": f"message {number}",
            "timestamp": time.time(), "n": number}


@pytest.mark.timeout(120)
def test_rabbitmq_down_loses_no_event_and_never_slows_a_publish(
    infra: InfraSettings, rabbit_proxy: FaultProxy, rabbit_names: Tuple[str, str], tmp_path: Path
) -> None:
    async def scenario() -> Dict[str, Any]:
        broker = await _broker(infra, rabbit_proxy, rabbit_names, tmp_path)
        appended = []
        for number in range(50):
            broker.publish(_event(number))
        assert await broker.flush(30)
        with rabbit_proxy.down():
            for number in range(50, 250):
                started = time.perf_counter()
                broker.publish(_event(number))
                appended.append(time.perf_counter() - started)
                if number % 50 == 0:
                    await asyncio.sleep(0.2)  # customers keep talking during the outage
            await asyncio.sleep(1.0)
            down = await broker.health()
        back = time.monotonic()
        flushed = await broker.flush(30)
        drained_after = time.monotonic() - back
        await broker.close()
        return dict(appended=appended, down=down, flushed=flushed, drained_after=drained_after,
                    published=broker.published)

    result = asyncio.run(scenario())
    received = asyncio.run(_consume_all(infra, rabbit_names[0]))
    numbers = [body["n"] for _, body in received]
    _report("rabbitmq down, outbox broker", published=250, delivered=len(set(numbers)),
            duplicates=len(numbers) - len(set(numbers)),
            publish_max_ms=max(result["appended"]) * 1000,
            publish_median_ms=statistics.median(result["appended"]) * 1000,
            backlog_during=result["down"]["backlog"], drained_after_s=result["drained_after"])

    assert result["down"]["connected"] is False and result["down"]["backlog"] == 200
    assert result["flushed"]
    assert sorted(set(numbers)) == list(range(250))  # none lost
    assert numbers == sorted(numbers)  # in order (no cut mid-publish here, so no duplicate)
    assert len({event_id for event_id, _ in received}) == 250
    assert max(result["appended"]) < 0.05
    assert not list(tmp_path.glob("outbox-*"))  # the empty outbox was removed at close


@pytest.mark.timeout(120)
def test_connections_cut_while_publishing_deliver_every_event_at_least_once(
    infra: InfraSettings, rabbit_proxy: FaultProxy, rabbit_names: Tuple[str, str], tmp_path: Path
) -> None:
    async def scenario() -> int:
        broker = await _broker(infra, rabbit_proxy, rabbit_names, tmp_path)
        cuts = 0
        for number in range(600):
            broker.publish(_event(number))
            if number % 150 == 75:
                deadline = time.monotonic() + 10
                while not rabbit_proxy.open_connections and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)  # reconnected after the previous cut
                cuts += rabbit_proxy.cut_all() > 0
            await asyncio.sleep(0.002)
        assert await broker.flush(60)
        await broker.close()
        return cuts

    cuts = asyncio.run(scenario())
    received = asyncio.run(_consume_all(infra, rabbit_names[0]))
    numbers = [body["n"] for _, body in received]
    by_id = {event_id: body["n"] for event_id, body in received}
    _report("rabbitmq connection cut 4x mid-stream", published=600, cuts=cuts,
            delivered=len(set(numbers)), duplicates=len(numbers) - len(set(numbers)))

    assert cuts == 4
    assert sorted(set(numbers)) == list(range(600))  # none lost
    assert len(by_id) == 600  # duplicates carry the same id: consumers can drop them


@pytest.mark.timeout(60)
def test_an_idle_broker_notices_rabbitmq_going_and_coming_back(
    infra: InfraSettings, rabbit_proxy: FaultProxy, rabbit_names: Tuple[str, str], tmp_path: Path
) -> None:
    async def until_connected(broker: OutboxEventBroker, wanted: bool) -> float:
        started = time.monotonic()
        while broker.connected is not wanted and time.monotonic() - started < 10:
            await asyncio.sleep(0.02)
        return time.monotonic() - started

    async def scenario() -> Tuple[float, float, float]:
        broker = await _broker(infra, rabbit_proxy, rabbit_names, tmp_path)
        up = await until_connected(broker, True)
        with rabbit_proxy.down():
            gone = await until_connected(broker, False)
            await asyncio.sleep(1.5)  # a few failed reconnections
        back = await until_connected(broker, True)  # no event published meanwhile
        await broker.close()
        return up, gone, back

    up, gone, back = asyncio.run(scenario())
    _report("rabbitmq idle", noticed_down_after_s=gone, reconnected_after_s=back)

    assert up < 5 and gone < 1.0
    assert back < 2.5  # retry_max_delay is 1 s here


@pytest.mark.timeout(90)
def test_rabbitmq_down_at_start_does_not_delay_the_start(
    infra: InfraSettings, rabbit_proxy: FaultProxy, rabbit_names: Tuple[str, str], tmp_path: Path
) -> None:
    async def scenario() -> Tuple[float, bool]:
        rabbit_proxy.refuse()
        started = time.monotonic()
        broker = await _broker(infra, rabbit_proxy, rabbit_names, tmp_path)
        created = time.monotonic() - started
        for number in range(10):
            broker.publish(_event(number))
        await asyncio.sleep(1.0)
        rabbit_proxy.accept()
        flushed = await broker.flush(30)
        await broker.close()
        return created, flushed

    created, flushed = asyncio.run(scenario())
    received = asyncio.run(_consume_all(infra, rabbit_names[0]))
    _report("rabbitmq down at start", broker_created_after_s=created)

    assert created < 0.5  # Rasa's pika broker waits up to 20 x 5 s here
    assert flushed
    assert sorted(body["n"] for _, body in received) == list(range(10))


@pytest.mark.timeout(150)
def test_rasa_with_postgres_down_at_start_exits_with_the_error_and_never_serves(
    rasa_started_without_postgres: "RasaStart | None",
) -> None:
    start = rasa_started_without_postgres
    assert start is not None and start.watcher is not None
    start.watcher.join(130)
    output = start.log.read_text()
    _report("rasa with postgres down at start", exit_code=start.process.returncode,
            exited_after_s=start.exited_after)

    assert start.process.returncode not in (0, None)
    assert "TrackerStoreUnavailable" in output and "not starting" in output
    assert not start.served  # never answered a customer, on memory or otherwise


# ================================================================ end to end (production profile)


ADA = "ada@example.com"


@pytest.fixture(scope="module")
def prod(infra: InfraSettings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionStack]:
    """One Rasa replica of the production profile, reaching each service through a FaultProxy."""
    with production_stack(tmp_path_factory.mktemp("faults"), replicas=1, fault_proxies=True) as stack:
        yield stack


def _ready(stack: ProductionStack) -> Tuple[int, Dict[str, Any]]:
    response = requests.get(f"{stack.replica_urls[0]}/webhooks/health/ready", timeout=10)
    return response.status_code, response.json()


def _say(stack: ProductionStack, sender: str, text: str, token: str) -> Tuple[str, float]:
    started = time.monotonic()
    messages = stack.send(sender, text, token=token)
    elapsed = time.monotonic() - started
    return " ".join(str(message.get("text", "")) for message in messages), elapsed


def _assert_normal(reply: str) -> None:
    assert reply.strip(), "no reply"
    assert APOLOGY not in reply, reply


def _assert_apology(reply: str, elapsed: float) -> None:
    assert APOLOGY in reply, reply
    assert "support@example.com" in reply  # the way to a person
    assert elapsed < REPLY_LIMIT_SECONDS, f"the customer waited {elapsed:.1f} s"


def _user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [str(event.get("text")) for event in events if event.get("event") == "user"]


@pytest.mark.timeout(300)
def test_e2e_redis_down_the_customer_gets_an_apology_and_the_next_message_works(
    prod: ProductionStack,
) -> None:
    token = prod.login(ADA)
    sender = f"redis-{uuid.uuid4().hex[:8]}"
    _assert_normal(_say(prod, sender, "hello", token)[0])
    assert _ready(prod)[0] == 200

    with prod.infra["redis"].down():
        reply, elapsed = _say(prod, sender, "how much do I owe?", token)
        status, body = _ready(prod)
    back, back_elapsed = _say(prod, sender, "how much do I owe?", token)
    _report("e2e redis down", apology_after_s=elapsed, readiness=status,
            first_reply_back_s=back_elapsed)

    _assert_apology(reply, elapsed)
    assert status == 503 and body["checks"]["lock_store"]["ok"] is False
    _assert_normal(back)
    assert _ready(prod)[0] == 200


@pytest.mark.timeout(300)
def test_e2e_postgres_down_the_customer_gets_an_apology_nothing_is_kept_and_it_heals(
    prod: ProductionStack,
) -> None:
    token = prod.login(ADA)
    sender = f"postgres-{uuid.uuid4().hex[:8]}"
    _assert_normal(_say(prod, sender, "hello", token)[0])

    with prod.infra["postgres"].down():
        reply, elapsed = _say(prod, sender, "what is the status of my refund?", token)
        status, body = _ready(prod)
    back, back_elapsed = _say(prod, sender, "how much do I owe?", token)
    _report("e2e postgres down", apology_after_s=elapsed, readiness=status,
            first_reply_back_s=back_elapsed)

    _assert_apology(reply, elapsed)
    assert status == 503 and body["checks"]["tracker_store"]["ok"] is False
    _assert_normal(back)
    stored = _user_texts(tracker_store_events(prod).get(sender, []))
    # The message of the outage was not kept in memory and written later.
    assert stored == ["hello", "how much do I owe?"]
    assert _ready(prod)[0] == 200


@pytest.mark.timeout(300)
def test_e2e_rabbitmq_down_replies_are_unaffected_and_no_event_is_lost(
    prod: ProductionStack,
) -> None:
    token = prod.login(ADA)
    sender = f"rabbit-{uuid.uuid4().hex[:8]}"
    _assert_normal(_say(prod, sender, "hello", token)[0])

    timings = []
    with prod.infra["rabbitmq"].down():
        for text in ("how much do I owe?", "what is the status of my refund?", "thanks"):
            reply, elapsed = _say(prod, sender, text, token)
            _assert_normal(reply)
            timings.append(elapsed)
        status, body = _ready(prod)
    broker_down = body["checks"]["event_broker"]
    assert wait_until(
        lambda: _ready(prod)[1]["checks"]["event_broker"].get("backlog") == 0, timeout=30
    ), "the outbox did not drain"
    queued = drain_queue(prod)
    stored = tracker_store_events(prod)
    _report("e2e rabbitmq down", reply_max_s=max(timings), readiness=status,
            backlog_during=broker_down.get("backlog"),
            tracker_store_events=sum(len(events) for events in stored.values()),
            queue_events=len(queued))

    assert max(timings) < REPLY_LIMIT_SECONDS
    assert status == 200 and body["status"] == "degraded"
    assert broker_down["connected"] is False and broker_down["backlog"] > 0
    keys = {(e["sender_id"], e["event"], e.get("timestamp")) for e in queued}
    missing = [
        (sender_id, event["event"])
        for sender_id, events in stored.items()
        for event in events
        if (sender_id, event["event"], event.get("timestamp")) not in keys
    ]
    assert not missing, f"{len(missing)} tracker store events never reached the queue"
    assert _user_texts([e for e in queued if e["sender_id"] == sender]) == [
        "hello", "how much do I owe?", "what is the status of my refund?", "thanks"
    ]
