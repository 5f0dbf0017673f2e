"""A Redis lock store that fails fast, off the event loop, and heals itself.

`endpoints.yml`::

    lock_store:
      type: rasa_plugins.stores.lock_store.ResilientRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1
      # password, username, use_ssl, key_prefix: as for Rasa's `type: redis`
      socket_timeout: 1.0          # s, one Redis command
      socket_connect_timeout: 1.0  # s, opening a connection
      call_timeout: 3.0            # s, one lock operation, queueing included

Rasa's `RedisLockStore` calls Redis on the server's event loop with a 10 s
socket timeout and no separate connect timeout: a Redis that hangs freezes every
conversation of the process for up to 10 s per call. This one runs each lock
operation in a small thread pool of its own with short timeouts, so a turn
fails within a few seconds (the channels then send `utter_assistant_unavailable`),
retries a command once on a fresh connection (connections cut while Redis was
away are replaced by the first command after it is back), and releases a
ticket it could not release because Redis was gone as soon as Redis returns
(otherwise the conversation would wait for the ticket's 60 s lifetime).

Rasa's ticket operations read the lock, change it and write it back in three
commands: two replicas taking the same conversation's lock at the same moment
both read "no tickets" and both get ticket 0, and both run their turn at once
(seen with one message sent to both replicas). Here each read-change-write is
one Redis transaction (WATCH/MULTI/EXEC, redone when another process wrote the
lock in between), so tickets are unique across processes.

It is a `RedisLockStore`, so `SANIC_WORKERS` > 1 is allowed as with Rasa's.
"""

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Dict, Optional, Set, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.backoff import NoBackoff
from redis.retry import Retry

from rasa_plugins.stores.offload import Offloader

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_SOCKET_TIMEOUT_SECONDS = 1.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 1.0
DEFAULT_CALL_TIMEOUT_SECONDS = 3.0
#: Concurrent Redis calls of one process; more wait their turn (briefly).
DEFAULT_MAX_WORKERS = 8
#: Pause between attempts to release a ticket left behind while Redis was away.
RELEASE_RETRY_SECONDS = 1.0

_CLIENT_KEYS = ("db", "username", "password", "use_ssl", "ssl_certfile", "ssl_keyfile",
                "ssl_ca_certs", "key_prefix")


class ResilientRedisLockStore(RedisLockStore):
    """Rasa's Redis ticket lock store with bounded, non-blocking Redis calls."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        host: Text = "localhost",
        port: int = 6379,
        socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_SECONDS,
        call_timeout: float = DEFAULT_CALL_TIMEOUT_SECONDS,
        max_workers: int = DEFAULT_MAX_WORKERS,
        **kwargs: Any,
    ) -> None:
        """Creates the store; no connection is opened before the first lock.

        Rasa passes the `lock_store` endpoint as `endpoint_config` (its `url`
        is the host); tests may pass the keys directly.

        Args:
            endpoint_config: The `lock_store` endpoint.
            host: Redis host, when no endpoint is given.
            port: Redis port.
            socket_timeout: Seconds one Redis command may take.
            socket_connect_timeout: Seconds opening a connection may take.
            call_timeout: Seconds one lock operation may take, waiting for a
                free thread included.
            max_workers: Redis calls running at the same time.
            **kwargs: `db`, `username`, `password`, `use_ssl`, `ssl_*`,
                `key_prefix`, as for Rasa's `RedisLockStore`.

        Raises:
            ValueError: An unknown key is given.
        """
        options: Dict[Text, Any] = dict(kwargs)
        if endpoint_config is not None:
            options = {**dict(endpoint_config.kwargs), **options}
            host = endpoint_config.url or host
            port = int(options.pop("port", port))
            socket_timeout = float(options.pop("socket_timeout", socket_timeout))
            socket_connect_timeout = float(
                options.pop("socket_connect_timeout", socket_connect_timeout)
            )
            call_timeout = float(options.pop("call_timeout", call_timeout))
            max_workers = int(options.pop("max_workers", max_workers))
        unknown = set(options) - set(_CLIENT_KEYS)
        if unknown:
            raise ValueError(f"ResilientRedisLockStore: unknown keys {sorted(unknown)}.")
        super().__init__(host=host, port=port, socket_timeout=socket_timeout, **options)
        self.red = redis.StrictRedis(
            host=host,
            port=int(port),
            db=int(options.get("db", 1)),
            username=options.get("username"),
            password=options.get("password"),
            ssl=bool(options.get("use_ssl", False)),
            ssl_certfile=options.get("ssl_certfile"),
            ssl_keyfile=options.get("ssl_keyfile"),
            ssl_ca_certs=options.get("ssl_ca_certs"),
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_connect_timeout,
            # One retry on a fresh connection: pooled connections cut while Redis
            # was away fail once, even though Redis is back.
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[redis.exceptions.ConnectionError],
        )
        self.address = f"{host}:{port}"
        self._calls = Offloader("redis-lock-store", max_workers, call_timeout)
        self._pending_releases: Set["asyncio.Task[None]"] = set()

    def _change_atomically(
        self,
        conversation_id: Text,
        change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]],
    ) -> T:
        """Reads, changes and writes a conversation's lock as one Redis transaction.

        Args:
            conversation_id: The conversation.
            change: Gets the stored lock (or `None`), returns the lock to store
                (`None` deletes it) and a result. Called again if another
                process wrote the lock meanwhile.

        Returns:
            The result of the `change` that was stored.
        """
        key = self.key_prefix + conversation_id

        def apply(pipe: Any) -> T:
            serialised = pipe.get(key)
            stored = TicketLock.from_dict(json.loads(serialised)) if serialised else None
            changed, result = change(stored)
            pipe.multi()
            if changed is None:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())
            return result

        return self.red.transaction(apply, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issues the next ticket of the conversation's lock (atomically).

        Raises:
            LockError: Redis failed.
        """

        def issue(stored: Optional[TicketLock]) -> Tuple[Optional[TicketLock], int]:
            lock = stored or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change_atomically(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        """Removes the lock's expired tickets (atomically)."""

        def prune(stored: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if stored is not None:
                stored.remove_expired_tickets()
            return stored, None

        self._change_atomically(conversation_id, prune)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes a served ticket, and the lock once no ticket is left (atomically)."""

        def finish(stored: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if stored is None:
                return None, None
            stored.remove_ticket_for(ticket_number)
            return (stored if stored.is_someone_waiting() else None), None

        self._change_atomically(conversation_id, finish)

    async def ping(self) -> None:
        """Checks that Redis answers (readiness).

        Raises:
            Exception: Redis did not answer in time, or answered an error.
        """
        await self._calls.run(self.red.ping)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Holds the conversation's lock inside the block (Rasa's ticket lock).

        Args:
            conversation_id: The conversation.
            lock_lifetime: Seconds after which an unreleased ticket expires.
            wait_time_in_seconds: Poll interval while an earlier ticket is served.

        Yields:
            The lock.

        Raises:
            LockError: Redis cannot be reached, did not answer in time, or the
                lock expired while waiting.
        """
        try:
            ticket = await self._calls.run(self.issue_ticket, conversation_id, lock_lifetime)
        except LockError:
            raise
        except Exception as error:  # the deadline of the call
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        try:
            yield await self._acquire(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await self._release(conversation_id, ticket)

    async def _acquire(
        self, conversation_id: Text, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's `_acquire_lock`, with each Redis call off the loop."""
        while True:
            lock = await self._locking_call(self.get_lock, conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await self._locking_call(self.update_lock, conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")

    async def _locking_call(self, function: Any, *args: Any) -> Any:
        try:
            return await self._calls.run(function, *args)
        except Exception as error:
            raise LockError(f"Lock store unavailable: {error}") from error

    async def _release(self, conversation_id: Text, ticket: int) -> None:
        """Releases the ticket; if Redis is away, keeps trying in the background.

        A failed release does not fail the turn: its work is done. Left in
        Redis, the ticket would block the conversation for its whole lifetime.
        """
        try:
            await self._calls.run(self.cleanup, conversation_id, ticket)
        except Exception as error:
            logger.error(
                "Could not release lock ticket %s of conversation %s (%s); retrying "
                "in the background.",
                ticket,
                conversation_id,
                error,
            )
            task = asyncio.ensure_future(self._release_later(conversation_id, ticket))
            self._pending_releases.add(task)
            task.add_done_callback(self._pending_releases.discard)

    async def _release_later(self, conversation_id: Text, ticket: int) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + LOCK_LIFETIME  # by then the ticket has expired anyway
        while loop.time() < give_up:
            await asyncio.sleep(RELEASE_RETRY_SECONDS)
            try:
                await self._calls.run(self.cleanup, conversation_id, ticket)
            except Exception:
                continue
            logger.info("Released lock ticket %s of conversation %s.", ticket, conversation_id)
            return

    @property
    def pending_releases(self) -> int:
        """Tickets waiting for Redis to come back to be released."""
        return len(self._pending_releases)
