"""The production profile for integration tests: Rasa replicas sharing PostgreSQL, Redis, RabbitMQ.

`production_stack(work_dir)` starts backend, agent desk, the action server, two
(or `replicas`) Rasa servers with `endpoints.production.yml` and the round-robin
proxy (`devstack.proxy`). Each run gets its own PostgreSQL database, Redis key
prefix, socket.io channel, RabbitMQ queue and exchange, all removed afterwards,
so runs never see each other's data (other helpers and CI share the services).
With `fault_proxies=True` every replica reaches PostgreSQL, Redis and RabbitMQ
through a `tests.faults.tcp_proxy.FaultProxy` each (`stack.infra[...]`), which a
test can cut. Skips when one of the three services does not answer, so a
machine without them still passes.

Usage::

    with production_stack(tmp_path) as stack:
        stack.send("conv-1", "hello", token=stack.login("ada@example.com"))
        stack.processes.stop_service(stack.replica_names[1])
        events = drain_queue(stack)
"""

import asyncio
import collections
import contextlib
import dataclasses
import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional
from urllib.parse import unquote, urlsplit

import pytest

from devstack.infrastructure import drop_database, ensure_database, unreachable
from devstack.paths import RepoPaths
from devstack.ports import find_stable_port
from devstack.prerequisites import check_files, check_production_files, resolve_model
from devstack.processes import Stack
from devstack.production import production_services, replica_names
from devstack.proxy import STATUS_PATH
from devstack.services import StackAddresses, url
from devstack.settings import InfraSettings, StackSettings
from tests.faults.tcp_proxy import FaultProxy
from tests.integration.stack_fixtures import (
    TEST_SERVICE_ENV,
    RunningStack,
    integration_settings,
    stack_fields,
)

#: 20 quick messages of one conversation must not meet the channel's "slow down".
REPLICA_TEST_ENV = {
    "CHANNEL_RATE_LIMIT_PER_MINUTE": "100000",
    "CHANNEL_RATE_LIMIT_BURST": "10000",
}
#: A stopping replica may finish the turns it holds (Sanic drains for up to 15 s).
STOP_GRACE_SECONDS = 20.0
#: Logs of the most recent runs kept in var/log/integration/production-<run>/.
KEPT_LOG_DIRS = 4
#: Older log directories than this (and beyond the most recent) are removed.
STALE_LOG_SECONDS = 6 * 3600
INFRA_NAMES = ("postgres", "redis", "rabbitmq")


@dataclass
class ProductionStack(RunningStack):
    """A running production profile: what `RunningStack` offers, plus the replicas and stores.

    `rasa_url` is the proxy, so `send`, `tracker` and the desk go round robin.

    Attributes:
        proxy_url: The round-robin proxy (same as `rasa_url`).
        replica_urls: Each Rasa replica's own base URL, in `replica_names` order.
        replica_names: Their service names in `processes` (`rasa-1`, `rasa-2`...),
            for `processes.stop_service` / `restart_service`.
        tracker_db_url: SQLAlchemy URL (psycopg2) of this run's tracker database,
            reached directly (not through a fault proxy).
        redis_url: Redis of the lock store, reached directly.
        redis_db: Its database number.
        redis_key_prefix: This run's lock key prefix (keys `<prefix>:lock:<sender>`).
        socketio_channel: This run's socket.io pub/sub channel.
        rabbit_url: AMQP URL of RabbitMQ, reached directly.
        rabbit_queue: This run's queue, receiving every event.
        rabbit_exchange: This run's fanout exchange.
        infra: With `fault_proxies=True`, the FaultProxy between every replica and
            "postgres", "redis" and "rabbitmq"; empty otherwise.
    """

    proxy_url: str = ""
    replica_urls: List[str] = field(default_factory=list)
    replica_names: List[str] = field(default_factory=list)
    tracker_db_url: str = ""
    redis_url: str = ""
    redis_db: int = 0
    redis_key_prefix: str = ""
    socketio_channel: str = ""
    rabbit_url: str = ""
    rabbit_queue: str = ""
    rabbit_exchange: str = ""
    infra: Dict[str, FaultProxy] = field(default_factory=dict)

    def proxy_status(self) -> List[Dict[str, Any]]:
        """The proxy's counters per replica (requests, websockets, refused, failed)."""
        response = self.http.get(f"{self.proxy_url}{STATUS_PATH}", timeout=10)
        response.raise_for_status()
        return list(response.json()["replicas"])

    def replica_tracker(self, replica: int, sender_id: str) -> Dict[str, Any]:
        """A conversation's tracker read from one replica (index into `replica_urls`)."""
        response = self.http.get(
            f"{self.replica_urls[replica]}/conversations/{sender_id}/tracker",
            params={"token": self.rasa_auth_token},
            timeout=60,
        )
        response.raise_for_status()
        return dict(response.json())


def infra_from_env() -> InfraSettings:
    """Where the shared services are (TRACKER_DB_HOST, REDIS_HOST... or the local defaults)."""
    return StackSettings.from_env().infra


def missing_services(infra: Optional[InfraSettings] = None) -> List[str]:
    """The shared services that do not answer (empty: all there)."""
    return unreachable(infra or infra_from_env())


@contextlib.contextmanager
def production_stack(
    work_dir: Path,
    replicas: int = 2,
    fault_proxies: bool = False,
    *,
    replica_env: Optional[Mapping[str, str]] = None,
) -> Iterator[ProductionStack]:
    """Starts the production profile on free ports with fresh, per-run stores.

    Args:
        work_dir: Empty directory for the SQLite databases of backend and desk.
        replicas: Rasa replicas behind the proxy.
        fault_proxies: Put a FaultProxy between the replicas and each of
            PostgreSQL, Redis and RabbitMQ (`stack.infra`).
        replica_env: More variables for every replica (e.g. a longer
            `REPLY_DEADLINE_SECONDS` for load tests).

    Yields:
        The running stack; processes, proxies, the database, the Redis keys and
        the queue are removed when the block exits.

    Raises:
        pytest.skip.Exception: PostgreSQL, Redis or RabbitMQ does not answer.
    """
    base = infra_from_env()
    missing = missing_services(base)
    if missing:
        pytest.skip(f"the production profile needs {', '.join(missing)}, not reachable here")
    paths = RepoPaths()
    check_files(paths)
    check_production_files(paths)
    run_id = uuid.uuid4().hex[:10]
    infra = dataclasses.replace(
        base,
        tracker_db_name=f"rasa_test_{run_id}",
        redis_key_prefix=f"test{run_id}",
        socketio_channel=f"socketio-test-{run_id}",
        rabbitmq_queue=f"rasa_test_{run_id}",
        rabbitmq_exchange=f"rasa-test-{run_id}",
    )
    # Ports below the ephemeral range: the load tests open thousands of
    # connections, whose local ports could take an ephemeral one first.
    backend_port, actions_port, rasa_port, desk_port, *ports = _distinct_ports(4 + replicas)
    settings = dataclasses.replace(
        integration_settings(work_dir),
        backend_port=backend_port,
        actions_port=actions_port,
        rasa_port=rasa_port,
        desk_port=desk_port,
        profile="production",
        rasa_replicas=replicas,
        infra=infra,
    )
    model = resolve_model(settings, paths)
    log_dir = _fresh_log_dir(paths, run_id)
    names = replica_names(replicas)
    with contextlib.ExitStack() as cleanup:
        ensure_database(infra, infra.tracker_db_name)
        cleanup.callback(_quietly, drop_database, infra, infra.tracker_db_name)
        cleanup.callback(_quietly, _delete_redis_keys, infra)
        cleanup.callback(_quietly, _delete_rabbit_objects, infra)
        # endpoints.production.yml keeps a broker outbox per exchange: this run's.
        cleanup.callback(
            shutil.rmtree, paths.var_dir / "event-outbox" / infra.rabbitmq_exchange, True
        )
        proxies = _start_fault_proxies(infra, cleanup) if fault_proxies else {}
        processes = cleanup.enter_context(
            Stack(
                production_services(
                    settings,
                    model,
                    paths,
                    replica_infra=_through(infra, proxies),
                    replica_extra_env={**REPLICA_TEST_ENV, **(replica_env or {})},
                    replica_ports=ports,
                ),
                log_dir,
                grace_period=STOP_GRACE_SECONDS,
                handle_signals=False,
                base_env={**os.environ, **TEST_SERVICE_ENV},
            )
        )
        addresses = StackAddresses.for_settings(settings)
        yield ProductionStack(
            **stack_fields(settings, model, log_dir, processes),
            proxy_url=addresses.rasa_url,
            replica_urls=[url(port) for port in ports],
            replica_names=names,
            tracker_db_url=infra.tracker_db_url(),
            redis_url=_redis_url(infra),
            redis_db=infra.redis_lock_db,
            redis_key_prefix=infra.redis_key_prefix,
            socketio_channel=infra.socketio_channel,
            rabbit_url=_rabbit_url(infra),
            rabbit_queue=infra.rabbitmq_queue,
            rabbit_exchange=infra.rabbitmq_exchange,
            infra=proxies,
        )


@dataclass(frozen=True)
class QueuedEvent:
    """One message taken from the run's queue.

    Attributes:
        body: The event as published (`sender_id` plus the event's fields).
        message_id: The AMQP message id (a broker with an outbox sets a stable
            one per event: redeliveries of the same event share it), if any.
        headers: The AMQP headers.
    """

    body: Dict[str, Any]
    message_id: Optional[str]
    headers: Dict[str, Any]


def drain_messages(
    stack: ProductionStack, settle_seconds: float = 1.5, timeout: float = 60.0
) -> List[QueuedEvent]:
    """Takes every message waiting in the run's RabbitMQ queue, in queue order.

    Consumes (acknowledges) them: a second call returns only newer ones. Stops
    once no message arrived for `settle_seconds` (events are published a moment
    after the reply), or at `timeout`.

    Args:
        stack: The running production stack.
        settle_seconds: Quiet time meaning "everything published has arrived".
        timeout: Upper bound of the whole call.

    Returns:
        The messages with their ids and headers.
    """
    return asyncio.run(
        asyncio.wait_for(
            _drain(stack.rabbit_url, stack.rabbit_queue, settle_seconds, timeout), timeout + 15
        )
    )


def drain_queue(
    stack: ProductionStack, settle_seconds: float = 1.5, timeout: float = 60.0
) -> List[Dict[str, Any]]:
    """The events of `drain_messages`, each once (see there).

    The outbox broker publishes at least once: a message RabbitMQ took but
    never confirmed before it went away comes again under the same id, and
    consumers drop the copy, as this does. A message without an id is kept.
    """
    seen = set()
    events = []
    for message in drain_messages(stack, settle_seconds, timeout):
        if message.message_id is None or message.message_id not in seen:
            seen.add(message.message_id)
            events.append(message.body)
    return events


def tracker_store_events(stack: ProductionStack) -> Dict[str, List[Dict[str, Any]]]:
    """Every event kept in the run's PostgreSQL tracker store, per conversation, in write order."""
    import sqlalchemy as sa  # the Rasa environment's SQLAlchemy 1.4

    engine = sa.create_engine(stack.tracker_db_url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, data FROM events ORDER BY id")
            ).fetchall()
    finally:
        engine.dispose()
    events: Dict[str, List[Dict[str, Any]]] = {}
    for sender_id, data in rows:
        events.setdefault(str(sender_id), []).append(json.loads(data))
    return events


def redis_lock_keys(stack: ProductionStack) -> List[str]:
    """The run's lock keys present in Redis right now."""
    import redis

    client = redis.Redis.from_url(stack.redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        return [key.decode() for key in client.scan_iter(f"{stack.redis_key_prefix}:*", count=500)]
    finally:
        client.close()


class LockWatch:
    """Counts the run's lock-store writes per conversation while it is open (Redis MONITOR).

    Usage::

        with LockWatch(stack) as watch:
            ...                       # conversations
        watch.writes["conv-1"]        # SETs of conv-1's lock key

    MONITOR shows every command the Redis server runs; only this run's lock keys
    (`<prefix>:lock:<sender>`) in its database are counted.
    """

    def __init__(self, stack: ProductionStack) -> None:
        """Prepares the watch; the connection opens on `with`."""
        parsed = urlsplit(stack.redis_url)
        self._address = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        self._password = unquote(parsed.password or "")
        self._pattern = re.compile(
            rb"^\+[0-9.]+ \[" + str(stack.redis_db).encode() + rb" [^]]*\] "
            rb'"(?:SET|set)" "' + re.escape(stack.redis_key_prefix.encode()) + rb':lock:([^"]+)"'
        )
        self.writes: "collections.Counter[str]" = collections.Counter()
        self._stop = threading.Event()
        self._socket: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> "LockWatch":
        sock = socket.create_connection(self._address, timeout=5)
        if self._password:
            sock.sendall(_resp("AUTH", self._password))
            _expect_ok(sock)
        sock.sendall(_resp("MONITOR"))
        _expect_ok(sock)
        sock.settimeout(0.5)
        self._socket = sock
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()

    def _read(self) -> None:
        assert self._socket is not None
        pending = b""
        while not self._stop.is_set():
            try:
                data = self._socket.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            *lines, pending = (pending + data).split(b"\r\n")
            for line in lines:
                match = self._pattern.match(line)
                if match:
                    self.writes[match.group(1).decode()] += 1


def _resp(*parts: str) -> bytes:
    """A Redis command in RESP."""
    encoded = [part.encode() for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded
    )


def _expect_ok(sock: socket.socket) -> None:
    answer = sock.recv(1024)
    if not answer.startswith(b"+OK"):
        raise RuntimeError(f"Redis answered {answer[:80]!r}")


# ---------------------------------------------------------------- plumbing


def _distinct_ports(count: int) -> List[int]:
    ports: List[int] = []
    while len(ports) < count:
        port = find_stable_port()
        if port not in ports:
            ports.append(port)
    return ports


def _through(infra: InfraSettings, proxies: Dict[str, FaultProxy]) -> InfraSettings:
    """The shared services as the replicas reach them: through the fault proxies, if any."""
    if not proxies:
        return infra
    return dataclasses.replace(
        infra,
        tracker_db_host="127.0.0.1",
        tracker_db_port=proxies["postgres"].port,
        redis_host="127.0.0.1",
        redis_port=proxies["redis"].port,
        rabbitmq_host="127.0.0.1",
        rabbitmq_port=proxies["rabbitmq"].port,
    )


def _start_fault_proxies(
    infra: InfraSettings, cleanup: contextlib.ExitStack
) -> Dict[str, FaultProxy]:
    upstreams = {
        "postgres": (infra.tracker_db_host, infra.tracker_db_port),
        "redis": (infra.redis_host, infra.redis_port),
        "rabbitmq": (infra.rabbitmq_host, infra.rabbitmq_port),
    }
    proxies: Dict[str, FaultProxy] = {}
    for name in INFRA_NAMES:
        host, port = upstreams[name]
        proxies[name] = cleanup.enter_context(FaultProxy(host, port))
    return proxies


def _redis_url(infra: InfraSettings) -> str:
    return infra.socketio_redis_url  # same server and database as the locks


def _rabbit_url(infra: InfraSettings) -> str:
    from urllib.parse import quote

    user, password = quote(infra.rabbitmq_user, safe=""), quote(infra.rabbitmq_password, safe="")
    return f"amqp://{user}:{password}@{infra.rabbitmq_host}:{infra.rabbitmq_port}/"


async def _drain(
    rabbit_url: str, queue_name: str, settle_seconds: float, timeout: float
) -> List[QueuedEvent]:
    import aio_pika

    loop = asyncio.get_running_loop()
    received: List[QueuedEvent] = []
    unacknowledged: List["aio_pika.abc.AbstractIncomingMessage"] = []
    last_arrival = loop.time()
    deadline = loop.time() + timeout

    async def on_message(message: "aio_pika.abc.AbstractIncomingMessage") -> None:
        nonlocal last_arrival
        received.append(
            QueuedEvent(json.loads(message.body), message.message_id, dict(message.headers or {}))
        )
        last_arrival = loop.time()
        unacknowledged[:] = [message]
        # One acknowledgement for many messages: draining thousands stays quick.
        if len(received) % 100 == 0:
            unacknowledged.clear()
            await message.ack(multiple=True)

    connection = await aio_pika.connect(rabbit_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1000)
        queue = await channel.declare_queue(queue_name, durable=True, passive=True)
        tag = await queue.consume(on_message)
        while loop.time() - last_arrival < settle_seconds and loop.time() < deadline:
            await asyncio.sleep(0.1)
        await queue.cancel(tag)
        for newest in unacknowledged:  # and every delivery before it
            await newest.ack(multiple=True)
    return received


def _delete_redis_keys(infra: InfraSettings) -> None:
    import redis

    client = redis.Redis.from_url(_redis_url(infra), socket_timeout=5, socket_connect_timeout=5)
    try:
        keys = list(client.scan_iter(f"{infra.redis_key_prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _delete_rabbit_objects(infra: InfraSettings) -> None:
    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(_rabbit_url(infra), timeout=10)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(infra.rabbitmq_queue)
            await channel.exchange_delete(infra.rabbitmq_exchange)

    asyncio.run(asyncio.wait_for(delete(), 30))


def _fresh_log_dir(paths: RepoPaths, run_id: str) -> Path:
    parent = paths.log_dir / "integration"
    parent.mkdir(parents=True, exist_ok=True)
    # Only old runs: other test sessions may be running a production stack now.
    old = sorted(parent.glob("production-*"), key=lambda path: path.stat().st_mtime)
    for stale in old[: max(0, len(old) - KEPT_LOG_DIRS + 1)]:
        if time.time() - stale.stat().st_mtime > STALE_LOG_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    return parent / f"production-{run_id}"


def _quietly(action: Any, *args: Any) -> None:
    """Runs one cleanup step; a failing one must not skip the others."""
    try:
        action(*args)
    except Exception as error:  # reported, not raised: the test's own outcome matters more
        print(f"cleanup {getattr(action, '__name__', action)} failed: {error!r}")


def wait_until(predicate: Any, timeout: float, interval: float = 0.2) -> bool:
    """Polls `predicate` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


__all__ = [
    "LockWatch",
    "ProductionStack",
    "QueuedEvent",
    "drain_messages",
    "drain_queue",
    "missing_services",
    "production_stack",
    "redis_lock_keys",
    "tracker_store_events",
    "wait_until",
]
