"""Test helpers shared by the services' test suites (imported by tests only).

Nothing here reads the environment: each suite passes its own
``*_TEST_DATABASE_URL`` value in.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import MetaData, create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service_kit.db import create_db_engine, create_session_factory


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        """The current instant."""
        return self.instant

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.instant += delta


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database_url(
    postgres_url: str | None, sqlite_file: Path, schema_prefix: str
) -> tuple[str, Callable[[], None]]:
    """Create an empty database and return its URL and a cleanup callable.

    Args:
        postgres_url: A PostgreSQL URL (the suite's ``*_TEST_DATABASE_URL``): the
            database gets a schema of its own, so suites sharing it never clash.
            Empty or None: a SQLite file.
        sqlite_file: Where the SQLite file goes.
        schema_prefix: Prefix of the schema's random name.

    Returns:
        (url, cleanup).
    """
    if not postgres_url:
        return f"sqlite:///{sqlite_file}", lambda: None
    schema = f"{schema_prefix}{secrets.token_hex(6)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})

    def cleanup() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), cleanup


@contextmanager
def migrated_database(
    database: tuple[str, Callable[[], None]], upgrade: Callable[[str], None]
) -> Iterator[str]:
    """Migrate a fresh database to head, yield its URL, clean it up afterwards.

    Args:
        database: (url, cleanup), as :func:`fresh_database_url` returns.
        upgrade: The service's ``upgrade_to_head``.
    """
    url, cleanup = database
    try:
        upgrade(url)
        yield url
    finally:
        cleanup()


@contextmanager
def session_factory_on(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on ``database_url`` whose engine is disposed afterwards."""
    engine = create_db_engine(database_url)
    try:
        yield create_session_factory(engine)
    finally:
        engine.dispose()


def empty_tables(session: Session, metadata: MetaData) -> None:
    """Delete every row of every table (children first) and commit."""
    for table in reversed(metadata.sorted_tables):
        session.execute(delete(table))
    session.commit()


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn in a thread (real HTTP, real concurrency)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def service_pythonpath(service_dir: Path) -> str:
    """``PYTHONPATH`` for ``python -m <service>``: the service and the repository root."""
    return os.pathsep.join([str(service_dir), str(service_dir.parent)])


@contextmanager
def running_service(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    port: int,
    log_path: Path,
    name: str = "server",
    start_timeout: float = 30,
) -> Iterator[str]:
    """Run a service in a subprocess until its ``/health`` answers 200; yield its base URL.

    Args:
        argv: The command, e.g. ``[sys.executable, "-m", "agent_desk", "--port", "8123"]``.
        cwd: Working directory of the process.
        env: Its whole environment.
        port: The port it listens on (on 127.0.0.1).
        log_path: Where its stdout and stderr go.
        name: Names the service in the errors.
        start_timeout: Seconds it may take to answer.

    Raises:
        RuntimeError: If it exits or does not answer in time (see the log).
    """
    log = log_path.open("w")
    process = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early; see {log.name}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {log.name}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
