"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from agent_desk.migrate import alembic_config, upgrade_to_head
from agent_desk.models import Base
from service_kit.db import create_db_engine
from tests.support import fresh_database_url


def test_migrations_match_models_and_downgrade_cleanly(tmp_path: Path) -> None:
    url, cleanup = fresh_database_url(tmp_path)
    try:
        upgrade_to_head(url)
        upgrade_to_head(url)  # a second run is a no-op
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"version_table": "desk_alembic_version"}
                )
                assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(engine).get_table_names())
            # Its own version table: the desk can share a database with the backend.
            assert tables == {"agents", "tickets", "ticket_messages", "desk_alembic_version"}
            command.downgrade(alembic_config(url), "base")
            assert set(inspect(engine).get_table_names()) <= {"desk_alembic_version"}
        finally:
            engine.dispose()
    finally:
        cleanup()
