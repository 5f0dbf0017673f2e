"""An event broker that never blocks a reply and never loses an event: outbox + RabbitMQ.

`endpoints.yml`::

    event_broker:
      type: rasa_plugins.stores.outbox_broker.OutboxEventBroker
      url: 127.0.0.1             # or amqp://user:password@host:port/vhost
      port: 5672
      username: guest
      password: guest
      vhost: /
      queues: [rasa_events]      # declared durable and bound to the exchange
      exchange_name: rasa-exchange  # fanout, as Rasa's pika broker
      outbox_dir: var/event-outbox  # one SQLite file per process in it
      connect_timeout: 5         # s, opening the AMQP connection
      confirm_timeout: 5         # s, waiting for RabbitMQ to confirm a batch
      heartbeat: 10              # s, AMQP heartbeat (detects a silent broker)
      retry_initial_delay: 0.5   # s, first pause after a failure; doubles each time
      retry_max_delay: 10        # s, longest pause between reconnection attempts
      batch_size: 200            # events published per confirm round
      close_timeout: 5           # s, flushing the outbox when Rasa stops
      mask: true                 # mask secrets in events (rasa_plugins.stores.events)
      mask_logs: true            # mask this process's log records too

`publish` (called by the tracker store for each new event, on the event loop)
only appends the masked event to the process's SQLite outbox (see
`rasa_plugins.stores.outbox`): a millisecond, whether RabbitMQ is up or not, so
replies never wait for RabbitMQ and never fail because of it. A background task
publishes the outbox, oldest first, to the fanout exchange with publisher
confirms, and removes events only once RabbitMQ confirmed them (persistent
messages to durable queues). When RabbitMQ is unreachable the task retries with
a capped exponential backoff and the outbox grows; when it is back the backlog
drains. Events outlive a restart of the Rasa process (its outbox is published
at the next start, or adopted by another process sharing the outbox folder).

Delivery is at least once: an event confirmed by RabbitMQ whose confirmation
was lost is published again. Every message carries a stable id (AMQP
`message_id` and header `rasa-event-id`) for consumers to deduplicate on.

Rasa's own `pika` broker, by comparison, keeps unpublished events in memory only
(lost when the process stops) and, at start, waits up to 20 x 5 s for RabbitMQ.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from yarl import URL

from rasa_plugins.stores.events import mask_event
from rasa_plugins.stores.outbox import Outbox, OutboxRecord, process_file_name
from redaction.logs import install_log_masking

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "rasa-event-id"
DEFAULT_EXCHANGE = "rasa-exchange"
DEFAULT_QUEUES = ("rasa_events",)
DEFAULT_OUTBOX_DIR = "var/event-outbox"
#: How often an idle publisher looks for outboxes of ended processes.
ADOPT_INTERVAL_SECONDS = 30.0

_SETTINGS = {
    "connect_timeout": 5.0,
    "confirm_timeout": 5.0,
    "heartbeat": 10,
    "retry_initial_delay": 0.5,
    "retry_max_delay": 10.0,
    "batch_size": 200,
    "close_timeout": 5.0,
}


class OutboxEventBroker(EventBroker):
    """Appends events to a local outbox; a background task publishes them to RabbitMQ."""

    def __init__(
        self,
        outbox: Outbox,
        host: Text = "127.0.0.1",
        port: int = 5672,
        username: Text = "guest",
        password: Text = "guest",
        vhost: Text = "/",
        queues: Optional[List[Text]] = None,
        exchange_name: Text = DEFAULT_EXCHANGE,
        mask: bool = True,
        **settings: Any,
    ) -> None:
        """Creates the broker; `start` begins publishing.

        Args:
            outbox: The process's outbox.
            host: RabbitMQ host, or an `amqp://` URL (then `port`, `username`,
                `password` and `vhost` are ignored).
            port: RabbitMQ port.
            username: RabbitMQ user.
            password: Its password.
            vhost: Virtual host.
            queues: Queues declared durable and bound to the exchange.
            exchange_name: The fanout exchange published to.
            mask: Whether to mask secrets in the events.
            **settings: Timeouts, backoff, batch size (see the module docstring).

        Raises:
            ValueError: An unknown setting is given.
        """
        unknown = set(settings) - set(_SETTINGS)
        if unknown:
            raise ValueError(f"OutboxEventBroker: unknown keys {sorted(unknown)}.")
        values = {**_SETTINGS, **settings}
        self.outbox = outbox
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.vhost = vhost
        self.queues = list(queues) if queues else list(DEFAULT_QUEUES)
        self.exchange_name = exchange_name
        self.mask = mask
        self.connect_timeout = float(values["connect_timeout"])
        self.confirm_timeout = float(values["confirm_timeout"])
        self.heartbeat = int(values["heartbeat"])
        self.retry_initial_delay = float(values["retry_initial_delay"])
        self.retry_max_delay = float(values["retry_max_delay"])
        self.batch_size = int(values["batch_size"])
        self.close_timeout = float(values["close_timeout"])
        self._connection: Optional[AbstractConnection] = None
        self._exchange: Optional[AbstractExchange] = None
        self._task: Optional["asyncio.Task[None]"] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._wakeup: Optional[asyncio.Event] = None
        self._closing = False
        #: Events confirmed by RabbitMQ since the start (for readiness and tests).
        self.published = 0
        #: Text of the last failure to publish, `None` after a success.
        self.last_error: Optional[Text] = None

    # ------------------------------------------------------------ creation

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> "OutboxEventBroker":
        """Creates the broker and starts publishing; never waits for RabbitMQ.

        Args:
            broker_config: The `event_broker` endpoint (keys in the module docstring).
            event_loop: Unused: the running loop is used.

        Returns:
            The running broker.

        Raises:
            RuntimeError: The broker cannot be set up (Rasa would otherwise run
                silently without a broker when a custom broker raises
                `AttributeError` or `ImportError`).
        """
        kwargs = dict(broker_config.kwargs)
        try:
            outbox_dir = Path(kwargs.pop("outbox_dir", DEFAULT_OUTBOX_DIR))
            if kwargs.pop("mask_logs", True):
                install_log_masking()
            outbox = Outbox(outbox_dir / process_file_name())
            broker = cls(outbox, host=broker_config.url or "127.0.0.1", **kwargs)
        except (AttributeError, ImportError, TypeError) as error:
            raise RuntimeError(f"OutboxEventBroker: cannot start: {error}") from error
        broker.start()
        return broker

    def start(self) -> None:
        """Adopts outboxes of ended processes, then starts the publishing task.

        Must be called on the event loop that will run the task.
        """
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._adopt()
        self._task = self._loop.create_task(self._publish_forever())
        logger.info(
            "Event outbox %s (%d waiting); publishing to %s.",
            self.outbox.path,
            self.outbox.count(),
            self._describe_target(),
        )

    # ------------------------------------------------------------ EventBroker

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """Appends an event to the outbox; returns at once, RabbitMQ or not.

        Args:
            event: The event (`Event.as_dict()` with `sender_id`).
            headers: Message headers.

        Raises:
            sqlite3.Error: The outbox cannot be written (e.g. disk full): the
                tracker store's save fails with it, loudly, instead of losing it.
        """
        body = mask_event(event) if self.mask else event
        self.outbox.append(json.dumps(body).encode("utf-8"), headers)
        if self._loop is not None and self._wakeup is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def is_ready(self) -> bool:
        """Whether the broker accepts events: always, while the outbox is open."""
        return not self._closing

    @property
    def connected(self) -> bool:
        """Whether the AMQP connection is open."""
        connection = self._connection
        if connection is None or connection.is_closed:  # is_closed: closed by us only
            return False
        # aio-pika clears `connected` when the transport is lost (reset, heartbeat).
        transport_up = getattr(connection, "connected", None)
        return transport_up.is_set() if isinstance(transport_up, asyncio.Event) else True

    async def health(self) -> Dict[Text, Any]:
        """The broker's state for the readiness route.

        Returns:
            `connected`, `backlog` (events waiting), `oldest_age_seconds`
            (age of the oldest waiting event), `published` (since start) and
            `last_error`.
        """
        backlog, oldest = await asyncio.gather(
            asyncio.to_thread(self.outbox.count), asyncio.to_thread(self.outbox.oldest_created)
        )
        return {
            "connected": self.connected,
            "backlog": backlog,
            "oldest_age_seconds": None if oldest is None else round(time.time() - oldest, 1),
            "published": self.published,
            "last_error": self.last_error,
        }

    async def flush(self, timeout: float) -> bool:
        """Waits until every event appended so far is published.

        Args:
            timeout: Seconds to wait at most.

        Returns:
            Whether the outbox is empty.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if await asyncio.to_thread(self.outbox.count) == 0:
                return True
            if loop.time() >= deadline or self._task is None or self._task.done():
                return False
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        """Publishes what it can within `close_timeout`, then stops; the rest stays."""
        if self._closing:
            return
        if self._task is not None and not self._task.done():
            flushed = await self.flush(self.close_timeout)
            if not flushed:
                logger.warning(
                    "Stopping with %d events unpublished in %s; they are published at "
                    "the next start.",
                    self.outbox.count(),
                    self.outbox.path,
                )
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._disconnect()
        empty = self.outbox.count() == 0
        self.outbox.close(delete=empty)  # an empty outbox is not worth a file
        if empty:
            with contextlib.suppress(OSError):
                self.outbox.path.parent.rmdir()  # only when no other outbox is left

    # ------------------------------------------------------------ publishing

    async def _publish_forever(self) -> None:
        """Publishes the outbox; on any failure waits (capped backoff) and reconnects."""
        delay = self.retry_initial_delay
        while not self._closing:
            try:
                await self._ensure_connected()
                if await self._publish_batch():
                    delay = self.retry_initial_delay
                    continue
                await self._wait_for_events()
                delay = self.retry_initial_delay
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - every failure means: retry later
                self._record_failure(error, delay)
                await self._disconnect()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_delay)

    async def _publish_batch(self) -> bool:
        """Publishes the oldest waiting events; `False` when there were none."""
        batch = await asyncio.to_thread(self.outbox.peek, self.batch_size)
        if not batch:
            return False
        assert self._exchange is not None
        results = await asyncio.gather(
            *(self._publish_one(self._exchange, record) for record in batch),
            return_exceptions=True,
        )
        confirmed = [r.row for r, result in zip(batch, results) if result is None]
        await asyncio.to_thread(self.outbox.remove, confirmed)
        self.published += len(confirmed)
        failures = [result for result in results if isinstance(result, BaseException)]
        if failures:
            raise failures[0]
        if self.last_error is not None:
            logger.info("Publishing events to RabbitMQ again.")
            self.last_error = None
        return True

    async def _publish_one(self, exchange: AbstractExchange, record: OutboxRecord) -> None:
        """Publishes one event and waits for RabbitMQ's confirm."""
        message = aio_pika.Message(
            record.body,
            headers={**record.headers, EVENT_ID_HEADER: record.event_id},
            message_id=record.event_id,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            timestamp=record.created,
        )
        await exchange.publish(
            message, routing_key="", mandatory=bool(self.queues), timeout=self.confirm_timeout
        )

    async def _wait_for_events(self) -> None:
        assert self._wakeup is not None
        self._wakeup.clear()
        if not self.connected or await asyncio.to_thread(self.outbox.count):
            return  # lost the connection, or appended between the empty batch and the clear
        try:
            await asyncio.wait_for(self._wakeup.wait(), ADOPT_INTERVAL_SECONDS)
        except asyncio.TimeoutError:
            await asyncio.to_thread(self._adopt)

    def _adopt(self) -> None:
        self.outbox.adopt_orphans()

    async def _ensure_connected(self) -> None:
        if self.connected and self._exchange is not None:
            return
        await self._disconnect()
        connection = await self._connect()
        try:
            channel: AbstractChannel = await connection.channel(publisher_confirms=True)
            exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.FANOUT, durable=True,
                timeout=self.confirm_timeout,
            )
            for name in self.queues:
                queue = await channel.declare_queue(
                    name, durable=True, timeout=self.confirm_timeout
                )
                await queue.bind(exchange, routing_key="", timeout=self.confirm_timeout)
        except BaseException:
            await connection.close()
            raise
        # A connection lost while idle wakes the publisher: it reconnects at once,
        # so the readiness route tells the truth without waiting for an event.
        connection.close_callbacks.add(self._on_connection_closed)
        self._connection, self._exchange = connection, exchange
        logger.info("Connected to RabbitMQ at %s.", self._describe_target())

    def _on_connection_closed(self, *_: Any) -> None:
        if self._wakeup is not None and not self._closing:
            self._wakeup.set()

    async def _connect(self) -> AbstractConnection:
        if "://" in self.host:
            url = URL(self.host).update_query(heartbeat=self.heartbeat)
            return await aio_pika.connect(url, timeout=self.connect_timeout)
        return await aio_pika.connect(
            host=self.host,
            port=self.port,
            login=self.username,
            password=self.password,
            virtualhost=self.vhost,
            timeout=self.connect_timeout,
            heartbeat=self.heartbeat,
        )

    async def _disconnect(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await asyncio.wait_for(connection.close(), self.connect_timeout)
            except Exception:  # noqa: BLE001 - it is going away anyway
                logger.debug("Closing the RabbitMQ connection failed.", exc_info=True)

    def _record_failure(self, error: BaseException, delay: float) -> None:
        text = f"{type(error).__name__}: {error}"
        if self.last_error is None:
            logger.error(
                "Cannot publish events to RabbitMQ at %s (%s); they wait in %s and are "
                "published when it is back.",
                self._describe_target(),
                text,
                self.outbox.path,
            )
        else:
            logger.debug("RabbitMQ still unavailable (%s); next attempt in %.1f s.", text, delay)
        self.last_error = text

    def _describe_target(self) -> Text:
        where = self.host.split("@")[-1] if "://" in self.host else f"{self.host}:{self.port}"
        return f"{where}, exchange {self.exchange_name!r}, queues {self.queues}"
