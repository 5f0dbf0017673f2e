"""Shared fixtures: a fresh migrated database per test module, demo data per test.

Set ``BACKEND_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
to run everything against PostgreSQL; each module then gets its own schema, dropped
afterwards. Otherwise each module gets a temporary SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from payments_backend.app import create_app
from payments_backend.clock import FixedClock
from payments_backend.migrate import upgrade_to_head
from payments_backend.settings import Settings
from service_kit.testing import migrated_database, session_factory_on
from tests.support import API_KEY, NOW, SIGNING_KEY, Api, fresh_database_url, reset_demo_data


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for the test module."""
    with migrated_database(
        fresh_database_url(tmp_path_factory.mktemp("db")), upgrade_to_head
    ) as url:
        yield url


@pytest.fixture(scope="module")
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Session factory on the module's database (for arranging and asserting)."""
    with session_factory_on(database_url) as factory:
        yield factory


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session on freshly reseeded demo data."""
    reset_demo_data(session_factory)
    with session_factory() as session:
        yield session


@pytest.fixture(scope="module")
def settings(database_url: str) -> Settings:
    """Settings for the module's app."""
    return Settings(
        database_url=database_url,
        api_key=API_KEY,
        identity_signing_key=SIGNING_KEY,
        seed=False,
    )


@pytest.fixture(scope="module")
def test_client(settings: Settings) -> Iterator[TestClient]:
    """The app with a fixed clock, served in-process."""
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client


@pytest.fixture
def api(test_client: TestClient, db: Session) -> Api:
    """API helper on freshly reseeded demo data."""
    return Api(test_client)
