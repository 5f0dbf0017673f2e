"""Read-only database engines for the stores the insights read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url


class StoreUnavailable(Exception):
    """A store cannot be read (missing file, database down): one sentence."""


def read_only_engine(url: str) -> Engine:
    """An engine that only reads ``url``.

    A SQLite file is opened in SQLite's read-only mode (it is never created, and a
    writer such as Rasa is never blocked by a write lock). Other databases get a
    normal engine: give the insights a database user with SELECT rights only.

    Args:
        url: SQLAlchemy URL.

    Returns:
        The engine.

    Raises:
        StoreUnavailable: A SQLite file that does not exist.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        raise StoreUnavailable(f"{url} is not a database file.")
    path = Path(database)
    if not path.is_file():
        raise StoreUnavailable(f"There is no database file at {path}.")
    uri = f"{path.resolve().as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

    return create_engine("sqlite://", creator=connect)
