"""``python -m <service>``: migrate, seed an empty database, serve with uvicorn."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from typing import Any

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from redaction.logs import install_log_masking
from service_kit.db import create_db_engine, create_session_factory


def migrate_and_seed(
    database_url: str,
    upgrade: Callable[[str], None],
    seed: Callable[[sessionmaker[Session]], bool] | None,
) -> bool:
    """Apply the migrations and, when ``seed`` is given, seed an empty database.

    Args:
        database_url: SQLAlchemy URL of the service's database.
        upgrade: Brings the schema to head (the service's ``upgrade_to_head``).
        seed: Fills an empty database and tells whether it did; None: no seeding.

    Returns:
        True when ``seed`` ran and loaded data.
    """
    upgrade(database_url)
    if seed is None:
        return False
    engine = create_db_engine(database_url)
    try:
        return seed(create_session_factory(engine))
    finally:
        engine.dispose()


def serve(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str | None,
    host: str,
    port: int,
    env_prefix: str,
    build_app: Callable[[], Callable[..., Any]],
) -> None:
    """Parse ``--host``/``--port``, configure logging, build the app and serve it.

    Args:
        argv: Command-line arguments (None: ``sys.argv``).
        prog: Program name shown in the help, e.g. ``python -m agent_desk``.
        description: Help text.
        host: Default bind address (from the service's settings).
        port: Default port (from the service's settings).
        env_prefix: Prefix of the service's variables, e.g. ``DESK`` (help text only).
        build_app: Prepares the database and returns the ASGI app; runs after logging
            is configured.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default=host, help=f"bind address ({env_prefix}_HOST)")
    parser.add_argument("--port", type=int, default=port, help=f"port ({env_prefix}_PORT)")
    args = parser.parse_args(argv)
    # Every record masked when created, uvicorn's access log (query strings) included.
    install_log_masking()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = build_app()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
