"""The Alembic migrations create exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from payments_backend.migrate import alembic_config, upgrade_to_head
from payments_backend.models import Base
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
                diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            assert diff == []
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
            command.downgrade(alembic_config(url), "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        finally:
            engine.dispose()
    finally:
        cleanup()


def test_the_verification_revision_upgrades_a_database_with_data(tmp_path: Path) -> None:
    url, cleanup = fresh_database_url(tmp_path)
    try:
        config = alembic_config(url)
        command.upgrade(config, "0001_initial_schema")
        engine = create_db_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO customers (id, name, email, password_hash, language, "
                        "currency) VALUES ('C1', 'Ada', 'ada@example.com', 'x', 'en', 'EUR')"
                    )
                )
            command.upgrade(config, "head")
            tables = set(inspect(engine).get_table_names())
            assert {"verification_codes", "outbound_messages"} <= tables
            with engine.connect() as connection:
                assert connection.execute(text("SELECT id FROM customers")).scalars().all() == [
                    "C1"
                ]
            command.downgrade(config, "0001_initial_schema")
            tables = set(inspect(engine).get_table_names())
            assert not {"verification_codes", "outbound_messages"} & tables
            assert "customers" in tables
        finally:
            engine.dispose()
    finally:
        cleanup()


def test_a_bad_database_url_fails_loudly() -> None:
    with pytest.raises(OperationalError):
        upgrade_to_head("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
