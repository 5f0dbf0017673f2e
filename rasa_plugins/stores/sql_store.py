"""Rasa's SQL tracker store, off the event loop, bounded in time, never waiting forever.

`MaskingTrackerStore` builds this store for a `wrapped:` block of `type: SQL`
(keys as for Rasa's `SQLTrackerStore`, plus the ones below)::

    tracker_store:
      type: rasa_plugins.stores.tracker_store.MaskingTrackerStore
      wrapped:
        type: SQL
        dialect: postgresql
        url: 127.0.0.1
        port: 5432
        db: rasa
        username: postgres
        connect_timeout: 3        # s, opening a connection (PostgreSQL, >= 2; `query:` wins)
        call_timeout: 5           # s, one read or write of a tracker, queueing included
        startup_timeout: 60       # s, waiting for the database at start, then fail
        max_workers: 8            # database calls at the same time (SQLite: always 1)

What it changes against Rasa's `SQLTrackerStore`:

- at start, Rasa's store retries an unreachable database every 5 s forever,
  blocking the server's start; this one retries for `startup_timeout` seconds and
  then raises: the Rasa process exits with the error instead of half-starting
  (and never on an in-memory store, which `MaskingTrackerStore` refuses too);
- Rasa's store queries on the event loop, so a slow or unreachable database
  freezes every conversation of the process; this one runs each query in a
  small thread pool of its own and stops waiting after `call_timeout`: the turn
  fails, the channels answer `utter_assistant_unavailable`, nothing is kept in
  memory instead;
- the connection pool checks a connection before using it (`pool_pre_ping`),
  so the first turns after the database came back do not fail on connections
  it cut; PostgreSQL connections time out after `connect_timeout`;
- reading a tracker gives the same tracker as Rasa's store, faster: Rasa's
  query is built once (the conversation id a bound parameter) and loads only
  the events' JSON column, and each event class is looked up once per type
  (`event_classes`), where Rasa walks every `Event` subclass for every event;
- with an event broker, Rasa's `stream_events` reads the whole stored session
  back (and rebuilds it) on every save, only to count its events; this one counts
  the stored rows of the session (the query of Rasa's `_additional_events`) and
  publishes the tracker's events after them: the same events in the same order,
  before they are stored, as Rasa does.
"""

import itertools
import json
import logging
import math
import time
from typing import Any, Dict, Iterable, List, Optional, Text

import sqlalchemy as sa
import sqlalchemy.exc
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    is_postgresql_url,
    validate_port,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_plugins.stores.event_classes import deserialise_events
from rasa_plugins.stores.offload import Offloader

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_SECONDS = 3
DEFAULT_CALL_TIMEOUT_SECONDS = 5.0
DEFAULT_STARTUP_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_WORKERS = 8
#: Pause between attempts to reach the database at start.
STARTUP_RETRY_SECONDS = 2.0
#: libpq treats connect timeouts under 2 s as 2 s.
_LIBPQ_MIN_CONNECT_TIMEOUT = 2


class TrackerStoreUnavailable(RuntimeError):
    """The database could not be reached at start within the startup timeout."""


class NonBlockingSQLTrackerStore(SQLTrackerStore):
    """Keeps conversations in an SQL database; every query runs off the event loop."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_SECONDS,
        call_timeout: float = DEFAULT_CALL_TIMEOUT_SECONDS,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT_SECONDS,
        max_workers: int = DEFAULT_MAX_WORKERS,
        **kwargs: Any,
    ) -> None:
        """Connects to the database, creating the events table if needed.

        Args:
            domain: The assistant's domain.
            dialect: SQLAlchemy dialect (`postgresql`, `sqlite`...).
            host: Database host (or a full SQLAlchemy URL).
            port: Database port.
            db: Database name (SQLite: file path).
            username: Database user.
            password: Its password.
            event_broker: Where new events are streamed.
            login_db: Database to connect to first and create `db` from
                (PostgreSQL only).
            query: Options passed to the database driver.
            connect_timeout: Seconds to open a connection (PostgreSQL).
            call_timeout: Seconds one read or write may take.
            startup_timeout: Seconds to wait for the database at start.
            max_workers: Database calls running at the same time.
            **kwargs: Passed to Rasa's `TrackerStore`.

        Raises:
            TrackerStoreUnavailable: The database stayed unreachable for
                `startup_timeout` seconds.
        """
        url = self.get_db_url(
            dialect, host, validate_port(port), db, username, password, login_db, query
        )
        self._postgres = is_postgresql_url(url)
        self._engine_kwargs = self._engine_options(url, connect_timeout)
        self.engine = sa.create_engine(url, **self._engine_kwargs)
        self._connect(db if login_db else None, startup_timeout)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._prepare_statements()
        # SQLite serialises writers anyway; one thread avoids "database is locked".
        workers = max_workers if self._postgres else 1
        self._calls = Offloader("sql-tracker-store", workers, float(call_timeout))
        TrackerStore.__init__(self, domain, event_broker, **kwargs)

    def _prepare_statements(self) -> None:
        """Builds Rasa's event queries once, the conversation id a bound parameter.

        Rasa builds its ORM query (`_event_query`) on every call, which costs more
        than running it. These are that very query, so they select the same rows
        in the same order: the events of the latest session (or of all sessions)
        and the number of events of the latest session (`_additional_events`).
        """
        sender_id = sa.bindparam("sender_id", type_=sa.String)
        session = self.sessionmaker()  # builds queries only, never connects
        try:
            self._events_statements = {
                every_session: self._event_query(
                    session, sender_id, fetch_events_from_all_sessions=every_session
                )
                .with_entities(self.SQLEvent.data)
                .statement
                for every_session in (False, True)
            }
            self._count_statement = (
                self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
                .with_entities(sa.func.count())
                .order_by(None)
                .statement
            )
        finally:
            session.close()

    def _engine_options(self, url: Any, connect_timeout: float) -> Dict[Text, Any]:
        options = create_engine_kwargs(url)  # Rasa's pool sizes and schema
        options["pool_pre_ping"] = True
        query = getattr(url, "query", None) or {}
        if self._postgres and "connect_timeout" not in query:  # `query:` wins
            connect_args = dict(options.get("connect_args", {}))
            connect_args["connect_timeout"] = max(
                _LIBPQ_MIN_CONNECT_TIMEOUT, math.ceil(connect_timeout)
            )
            options["connect_args"] = connect_args
        return options

    def _connect(self, create_db: Optional[Text], startup_timeout: float) -> None:
        """Creates the events table, retrying until the startup deadline."""
        deadline = time.monotonic() + startup_timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                if create_db:
                    self._create_database_and_update_engine(create_db, self.engine.url)
                    create_db = None
                self.Base.metadata.create_all(self.engine)
                return
            except sqlalchemy.exc.ProgrammingError as error:
                # Replicas starting together may race to create the table.
                logger.warning("Could not create the events table: %s", error)
                return
            except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError) as error:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TrackerStoreUnavailable(
                        f"The tracker store database {self.engine.url!r} is unreachable "
                        f"after {attempt} attempts in {startup_timeout:g} s; not starting "
                        "(conversations are never kept in memory instead)."
                    ) from error
                logger.error(
                    "The tracker store database %r is unreachable (attempt %d, giving up "
                    "in %.0f s): %s",
                    self.engine.url,
                    attempt,
                    remaining,
                    error,
                )
                time.sleep(min(STARTUP_RETRY_SECONDS, remaining))

    def _create_database_and_update_engine(self, db: Text, engine_url: Any) -> None:
        """Rasa's, keeping this store's engine options on the new engine."""
        if self.engine.dialect.name != "postgresql":
            logger.warning("`login_db` only works with PostgreSQL; ignored.")
            return
        self._create_database(self.engine, db)
        self.engine.dispose()
        self.engine = sa.create_engine(engine_url.set(database=db), **self._engine_kwargs)

    # ---------------------------------------------------------------- health

    def _ping_sync(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    async def ping(self) -> None:
        """Checks that the database answers `SELECT 1` (readiness).

        Raises:
            Exception: The database did not answer in time, or answered an error.
        """
        await self._calls.run(self._ping_sync)

    # ---------------------------------------------------------------- reads

    def _retrieve_sync(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """Rasa's `SQLTrackerStore._retrieve`, giving the same tracker, faster."""
        with self.session_scope() as session:
            rows = session.execute(
                self._events_statements[fetch_events_from_all_sessions],
                {"sender_id": sender_id},
            ).all()
        if self.domain and rows:
            events = deserialise_events(json.loads(data) for (data,) in rows)
            # What Rasa's `DialogueStateTracker.from_dict` does with them.
            return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        return None

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        return await self._calls.run(
            self._retrieve_sync, sender_id, fetch_events_from_all_sessions
        )

    def _keys_sync(self) -> List[Text]:
        with self.session_scope() as session:
            rows = session.query(self.SQLEvent.sender_id).distinct().all()
            return [sender_id for (sender_id,) in rows]

    async def keys(self) -> Iterable[Text]:
        """Returns the conversation ids in the database."""
        return await self._calls.run(self._keys_sync)

    # ---------------------------------------------------------------- writes

    def _stored_count(self, session: Any, sender_id: Text) -> int:
        """The number of stored events of the conversation's latest session."""
        return session.execute(self._count_statement, {"sender_id": sender_id}).scalar_one()

    def _stored_count_sync(self, sender_id: Text) -> int:
        with self.session_scope() as session:
            return self._stored_count(session, sender_id)

    def _save_sync(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            # Rasa's `_additional_events`: the events after those of the session.
            stored = self._stored_count(session, tracker.sender_id)
            for event in itertools.islice(tracker.events, stored, len(tracker.events)):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publishes the tracker's events that are not stored yet to the broker.

        Rasa's `TrackerStore.stream_events` reads the stored session back and
        publishes the events after its length. Every row this store (or Rasa's)
        writes is an `Event.as_dict()` that reads back as one event, so that length
        is the number of stored rows of the session, which `_save_sync` counts too.
        Same events, same order, same body (`sender_id` plus `Event.as_dict()`, of
        the masked tracker the masking wrapper saves), one `publish` call each, on
        the event loop.
        """
        if self.event_broker is None:
            return
        stored = await self._calls.run(self._stored_count_sync, tracker.sender_id)
        new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Streams the new events to the broker, then stores them (Rasa's order).

        A broker that fails (e.g. the outbox cannot be written) fails the save
        before anything is stored: no event is stored without being published.
        """
        await self.stream_events(tracker)
        await self._calls.run(self._save_sync, tracker)

    def close(self) -> None:
        """Stops the query threads and closes the pool's connections."""
        self._calls.shutdown()
        self.engine.dispose()
