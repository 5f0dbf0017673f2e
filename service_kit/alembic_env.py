"""The body of a service's ``migrations/env.py``: run Alembic offline or online."""

from __future__ import annotations

from collections.abc import Callable
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, MetaData

from service_kit.db import create_db_engine


def run_migrations(
    target_metadata: MetaData,
    default_database_url: Callable[[], str],
    version_table: str = "alembic_version",
) -> None:
    """Run the migrations of the current Alembic context.

    Programmatic callers (``service_kit.migrate``) pass the URL as a config attribute
    and keep their own logging; the ``alembic`` command line falls back to the service's
    settings and the ini file's logging.

    Args:
        target_metadata: The service's ``Base.metadata``.
        default_database_url: Returns the URL when the caller passed none (called lazily).
        version_table: Alembic's version table (distinct per service sharing a database).
    """
    config = context.config
    database_url: str = config.attributes.get("database_url") or default_database_url()
    if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        _run_offline(database_url, target_metadata, version_table)
    else:
        _run_online(database_url, target_metadata, version_table)


def _run_offline(database_url: str, target_metadata: MetaData, version_table: str) -> None:
    """Emit SQL to stdout without a database connection."""
    context.configure(
        url=database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        version_table=version_table,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online(database_url: str, target_metadata: MetaData, version_table: str) -> None:
    """Apply migrations on a live connection."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            _configure(connection, target_metadata, version_table)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def _configure(connection: Connection, target_metadata: MetaData, version_table: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        version_table=version_table,
    )
