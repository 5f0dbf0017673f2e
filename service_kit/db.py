"""Database engine and session factory (SQLite by default, PostgreSQL via psycopg 3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """Turn on foreign key enforcement, which SQLite leaves off by default."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_db_engine(database_url: str) -> Engine:
    """Create an engine for ``database_url``.

    For a SQLite file the parent directory is created, foreign keys are enforced and
    connections may be shared across the server's worker threads.

    Args:
        database_url: SQLAlchemy database URL.

    Returns:
        The engine.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(url, pool_pre_ping=True)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Create the session factory used for every request.

    Args:
        engine: The database engine.

    Returns:
        A ``sessionmaker`` whose objects stay readable after commit.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def database_is_healthy(engine: Engine) -> bool:
    """Check that the database answers a trivial query.

    Args:
        engine: The database engine.

    Returns:
        True when ``SELECT 1`` succeeds.
    """
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any driver error means unhealthy
        return False
    return True
