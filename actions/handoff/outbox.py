"""Tickets the desk could not take yet: kept on disk, delivered once it is back.

`HandoffOutbox` is a small SQLite file (stdlib `sqlite3`): a request and its
idempotency key survive a restart of the action server. `OutboxDelivery` is a
background task on the action server's event loop that sends the kept requests
with capped exponential backoff until the desk accepts them. Sending one twice
is harmless: the same idempotency key returns the same ticket.

Every SQLite and HTTP call runs in a worker thread (`asyncio.to_thread`), and
each opens its own connection, so threads never share one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Iterator, List, Optional, Union

from actions.desk_api import (
    AgentDesk,
    DeskRejected,
    DeskUnavailable,
    HttpAgentDesk,
    TicketRequest,
)
from actions.settings import get_settings

logger = logging.getLogger(__name__)

PENDING = "pending"
REJECTED = "rejected"
#: Requests sent per pass before the queue is read again.
BATCH_SIZE = 50
FIRST_RETRY_SECONDS = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS handoff_outbox (
    idempotency_key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    last_attempt_at REAL,
    last_error TEXT
)
"""


@dataclass(frozen=True)
class OutboxItem:
    """A kept request.

    Attributes:
        key: Its idempotency key.
        request: The ticket request.
        attempts: Failed deliveries so far.
        created_at: Unix time it was kept.
    """

    key: str
    request: TicketRequest
    attempts: int
    created_at: float


class HandoffOutbox:
    """The durable queue of ticket requests (a SQLite file)."""

    def __init__(self, path: Union[str, Path], clock: Callable[[], float] = time.time) -> None:
        """Creates the outbox; the file and its folder are made on first use.

        Args:
            path: The SQLite file.
            clock: Unix time source (tests pass a fixed one).
        """
        self._path = Path(path)
        self._clock = clock

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._path

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(self._path), timeout=5.0)
        try:
            with connection:  # one transaction: committed, or rolled back on error
                connection.execute(_SCHEMA)
                yield connection
        finally:
            connection.close()

    def add(self, request: TicketRequest, key: str) -> bool:
        """Keeps a request; a key already kept is left as it is.

        Args:
            request: The ticket request.
            key: Its idempotency key.

        Returns:
            Whether it was new.
        """
        body = json.dumps(request.to_json(), ensure_ascii=False)
        with self._connect() as connection:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO handoff_outbox (idempotency_key, request, created_at) "
                "VALUES (?, ?, ?)",
                (key, body, self._clock()),
            )
            return cursor.rowcount == 1

    def pending(self, limit: int = BATCH_SIZE) -> List[OutboxItem]:
        """The requests still to deliver, oldest first.

        Args:
            limit: At most this many.

        Returns:
            The items.
        """
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT idempotency_key, request, attempts, created_at FROM handoff_outbox "
                "WHERE state = ? ORDER BY created_at, rowid LIMIT ?",
                (PENDING, limit),
            ).fetchall()
        return [
            OutboxItem(key, TicketRequest.from_json(json.loads(body)), attempts, created_at)
            for key, body, attempts, created_at in rows
        ]

    def count(self, state: str = PENDING) -> int:
        """How many requests are in `state`."""
        with self._connect() as connection:
            (number,) = connection.execute(
                "SELECT COUNT(*) FROM handoff_outbox WHERE state = ?", (state,)
            ).fetchone()
        return int(number)

    def delivered(self, key: str) -> None:
        """Forgets a request the desk accepted."""
        with self._connect() as connection:
            connection.execute("DELETE FROM handoff_outbox WHERE idempotency_key = ?", (key,))

    def failed(self, key: str, error: str) -> None:
        """Counts a failed delivery; the request stays pending."""
        self._record(key, PENDING, error)

    def rejected(self, key: str, error: str) -> None:
        """Keeps a request the desk refused for inspection, and stops sending it."""
        self._record(key, REJECTED, error)

    def _record(self, key: str, state: str, error: str) -> None:
        with self._connect() as connection:
            connection.execute(
                "UPDATE handoff_outbox SET state = ?, attempts = attempts + 1, "
                "last_attempt_at = ?, last_error = ? WHERE idempotency_key = ?",
                (state, self._clock(), error[:500], key),
            )


def backoff_seconds(failures: int, maximum: float, first: float = FIRST_RETRY_SECONDS) -> float:
    """Wait before the next delivery after `failures` failed passes in a row.

    Args:
        failures: Failed passes in a row (1 or more).
        maximum: The cap.
        first: The wait after the first failure; it doubles each time.

    Returns:
        `min(maximum, first * 2 ** (failures - 1))`.
    """
    exponent = min(max(failures, 1) - 1, 32)  # 2**32 s is past any sane cap
    return min(maximum, first * 2**exponent)


class OutboxDelivery:
    """Delivers kept requests in the background until the outbox is empty."""

    def __init__(
        self,
        outbox: HandoffOutbox,
        desk: AgentDesk,
        retry_max_seconds: float,
        first_retry_seconds: float = FIRST_RETRY_SECONDS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Creates the delivery; no task runs until `ensure_running`.

        Args:
            outbox: Where the requests are kept.
            desk: Where they go.
            retry_max_seconds: The longest wait between two passes.
            first_retry_seconds: The wait after the first failed pass.
            sleep: How to wait (tests record the waits).
        """
        self.outbox = outbox
        self._desk = desk
        self._retry_max = retry_max_seconds
        self._first_retry = first_retry_seconds
        self._sleep = sleep
        self._task: Optional["asyncio.Task[None]"] = None
        # Set by every `ensure_running`: a request kept while the task was about
        # to finish is not left behind.
        self._again = False

    @property
    def task(self) -> Optional["asyncio.Task[None]"]:
        """The background task, if one was started."""
        return self._task

    async def keep(self, request: TicketRequest, key: str) -> None:
        """Keeps a request and makes sure it gets delivered.

        Args:
            request: The ticket request the desk did not take.
            key: Its idempotency key.

        Raises:
            sqlite3.Error: It could not be stored.
            OSError: The outbox's folder could not be made.
        """
        await asyncio.to_thread(self.outbox.add, request, key)
        self.ensure_running()

    def ensure_running(self) -> None:
        """Starts the background task on the running loop unless one is running there.

        Must be called from a coroutine on the action server's loop.
        """
        loop = asyncio.get_running_loop()
        self._again = True
        task = self._task
        if task is not None and not task.done() and task.get_loop() is loop:
            return
        self._task = loop.create_task(self._run(), name="handoff-outbox-delivery")

    async def deliver_pending(self) -> bool:
        """One pass: sends the kept requests, oldest first, until one cannot be sent.

        Returns:
            `True` when the desk was unavailable (try again later).
        """
        while True:
            items = await asyncio.to_thread(self.outbox.pending, BATCH_SIZE)
            if not items:
                return False
            for item in items:
                try:
                    receipt = await asyncio.to_thread(
                        self._desk.open_ticket, item.request, item.key
                    )
                except DeskUnavailable as error:
                    await asyncio.to_thread(self.outbox.failed, item.key, repr(error))
                    logger.info("handoff.outbox.desk_unavailable attempts=%d", item.attempts + 1)
                    return True
                except DeskRejected as error:
                    # Sending it again would be refused again: keep it for a person to see.
                    await asyncio.to_thread(self.outbox.rejected, item.key, repr(error))
                    logger.error("handoff.outbox.rejected key=%s error=%r", item.key, error)
                    continue
                await asyncio.to_thread(self.outbox.delivered, item.key)
                logger.info(
                    "handoff.outbox.delivered ticket=%s attempts=%d",
                    receipt.ticket_id,
                    item.attempts,
                )

    async def _run(self) -> None:
        failures = 0
        while True:
            self._again = False
            try:
                desk_down = await self.deliver_pending()
            except Exception:  # noqa: BLE001 - the task must outlive any one failure
                logger.exception("handoff.outbox.pass_failed")
                desk_down = True
            if not desk_down:
                if self._again:
                    continue
                return  # empty: the next kept request starts a new task
            failures += 1
            await self._sleep(backoff_seconds(failures, self._retry_max, self._first_retry))


@functools.lru_cache(maxsize=1)
def shared_delivery() -> OutboxDelivery:
    """The action server's one delivery of kept requests, built on first use.

    Shared by `action_handoff` and the server's start-up hook, so requests kept
    before a restart are sent as soon as the server is up, not only at the next
    handoff.

    Returns:
        The delivery for the outbox file and desk of the process settings.
    """
    settings = get_settings()
    return OutboxDelivery(
        HandoffOutbox(settings.handoff_outbox_path),
        HttpAgentDesk(settings),
        settings.handoff_outbox_retry_max_seconds,
    )

