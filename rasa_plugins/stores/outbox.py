"""A durable first-in first-out queue of events in an SQLite file (the event outbox).

Each process owns one outbox file, `outbox-<host>-<pid>.sqlite3` in the outbox
folder, and holds an exclusive `flock` on `<file>.lock` while it runs. A file
whose lock nobody holds belongs to a process that has ended (crashed, stopped
with RabbitMQ down): `adopt_orphans` moves its events into the caller's outbox,
oldest first, so no event is lost when a replica goes away for good.

Writes are synchronous and short (one insert and commit in WAL mode with
`synchronous=NORMAL`: the event survives a crash of the process; an operating
system crash may lose the last commits). Every row gets a stable event id at
append time: it travels with the event to the consumers, which deduplicate on
it (delivery is at least once).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

logger = logging.getLogger(__name__)

FILE_PREFIX = "outbox-"
FILE_SUFFIX = ".sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    created REAL NOT NULL,
    body BLOB NOT NULL,
    headers TEXT NOT NULL
)
"""


class OutboxInUse(RuntimeError):
    """Another live process holds the outbox file."""


@dataclass(frozen=True)
class OutboxRecord:
    """One event waiting to be published.

    Attributes:
        row: Position in the outbox (publication order).
        event_id: Stable id, sent as the message id and `rasa-event-id` header.
        created: When it was appended (seconds since the epoch).
        body: The message body (JSON).
        headers: Message headers.
    """

    row: int
    event_id: str
    created: float
    body: bytes
    headers: Dict[str, str]


def process_file_name(host: Optional[str] = None, pid: Optional[int] = None) -> str:
    """The outbox file name of a process: `outbox-<host>-<pid>.sqlite3`."""
    host = (host or socket.gethostname()).replace("/", "_")
    return f"{FILE_PREFIX}{host}-{pid or os.getpid()}{FILE_SUFFIX}"


class Outbox:
    """A durable event queue in one SQLite file, locked by its process.

    Safe to use from several threads (one connection behind a lock).
    """

    def __init__(self, path: Path) -> None:
        """Opens (or creates) the outbox and takes its lock.

        Args:
            path: The SQLite file; its folder is created if needed.

        Raises:
            OutboxInUse: Another live process holds this outbox.
        """
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(f"{self.path}.lock", "a+")  # noqa: SIM115 - held open
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise OutboxInUse(f"{self.path} is used by another running process.") from None
        self._mutex = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._closed = False

    def append(self, body: bytes, headers: Optional[Dict[str, str]] = None) -> str:
        """Appends an event (committed when this returns).

        Args:
            body: The message body.
            headers: Message headers.

        Returns:
            The event's id.
        """
        event_id = uuid.uuid4().hex
        with self._mutex:
            self._db.execute(
                "INSERT INTO outbox (event_id, created, body, headers) VALUES (?, ?, ?, ?)",
                (event_id, time.time(), body, json.dumps(headers or {})),
            )
        return event_id

    def peek(self, limit: int) -> List[OutboxRecord]:
        """Returns the oldest events, without removing them.

        Args:
            limit: At most this many.

        Returns:
            The events, oldest first.
        """
        with self._mutex:
            rows = self._db.execute(
                "SELECT id, event_id, created, body, headers FROM outbox ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            OutboxRecord(row, event_id, created, bytes(body), json.loads(headers))
            for row, event_id, created, body, headers in rows
        ]

    def remove(self, rows: Sequence[int]) -> None:
        """Removes published events.

        Args:
            rows: Their `OutboxRecord.row` values.
        """
        if not rows:
            return
        with self._mutex:
            self._db.executemany("DELETE FROM outbox WHERE id = ?", [(row,) for row in rows])

    def count(self) -> int:
        """Events waiting."""
        with self._mutex:
            return int(self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def oldest_created(self) -> Optional[float]:
        """When the oldest waiting event was appended; `None` when empty."""
        with self._mutex:
            row = self._db.execute("SELECT MIN(created) FROM outbox").fetchone()
        return None if row[0] is None else float(row[0])

    def adopt_orphans(self) -> int:
        """Moves the events of outboxes left by ended processes into this one.

        Returns:
            How many events were adopted.
        """
        adopted = 0
        for other in sorted(self.path.parent.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}")):
            if other == self.path:
                continue
            try:
                orphan = Outbox(other)
            except OutboxInUse:
                continue  # its process is alive and publishes it itself
            except (OSError, sqlite3.Error) as error:
                logger.error("Cannot open the outbox %s: %s", other, error)
                continue
            try:
                adopted += self._take_all(orphan)
            finally:
                orphan.close(delete=True)
        return adopted

    def _take_all(self, orphan: "Outbox") -> int:
        records = orphan.peek(limit=-1)  # SQLite: no limit
        with self._mutex:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO outbox (event_id, created, body, headers) VALUES (?, ?, ?, ?)",
                    [
                        (r.event_id, r.created, r.body, json.dumps(r.headers))
                        for r in records
                    ],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        if records:
            logger.warning(
                "Adopted %d unpublished events from %s (its process has ended).",
                len(records),
                orphan.path.name,
            )
        return len(records)

    def close(self, delete: bool = False) -> None:
        """Closes the file and releases its lock.

        Args:
            delete: Remove the file (after its events were adopted elsewhere).
        """
        if self._closed:
            return
        self._closed = True
        with self._mutex:
            self._db.close()
        if delete:
            for suffix in ("", "-wal", "-shm", ".lock"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(f"{self.path}{suffix}")
        fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
        self._lock_file.close()
