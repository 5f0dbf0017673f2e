from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from service_kit.db import create_db_engine, create_session_factory, database_is_healthy


def test_a_sqlite_file_gets_its_folder_and_enforced_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "app.db"
    engine = create_db_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            connection.execute(
                text("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id REFERENCES parent(id))")
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 99)"))
    finally:
        engine.dispose()
    assert path.is_file()


def test_sqlite_connections_may_cross_threads(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'app.db'}")
    assert engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_postgresql_urls_get_pre_ping_without_creating_anything() -> None:
    engine = create_db_engine("postgresql+psycopg://user:p%25ss@db.invalid:5432/app")
    assert engine.pool._pre_ping is True
    assert engine.url.password == "p%ss"
    assert database_is_healthy(engine) is False


def test_sessions_stay_readable_after_commit() -> None:
    engine = create_db_engine("sqlite://")
    factory = create_session_factory(engine)
    assert factory.kw["expire_on_commit"] is False
    assert database_is_healthy(engine) is True
