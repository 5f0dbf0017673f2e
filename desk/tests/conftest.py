"""Shared fixtures: a migrated database per module, fresh data per test, a fake Rasa.

Set ``DESK_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
to run everything against PostgreSQL; each module then gets its own schema, dropped
afterwards. Otherwise each module gets a temporary SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.app import create_app
from agent_desk.migrate import upgrade_to_head
from agent_desk.settings import Settings
from service_kit.testing import migrated_database, session_factory_on
from tests.fake_rasa import FakeRasa
from tests.support import (
    API_KEY,
    NOW,
    RASA_TOKEN,
    SIGNING_KEY,
    Api,
    ManualClock,
    fresh_database_url,
    reset_data,
)


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
    """A session on an emptied database with the two test agents."""
    reset_data(session_factory)
    with session_factory() as session:
        yield session


@pytest.fixture(scope="module")
def rasa_server() -> Iterator[FakeRasa]:
    """One fake Rasa per module."""
    fake = FakeRasa(token=RASA_TOKEN)
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def rasa(rasa_server: FakeRasa) -> FakeRasa:
    """The fake Rasa, emptied for the test."""
    rasa_server.reset()
    return rasa_server


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    """The module's clock (reset to NOW by ``api``)."""
    return ManualClock()


@pytest.fixture(scope="module")
def settings(database_url: str, rasa_server: FakeRasa) -> Settings:
    """Settings for the module's app; the background sync is off (tests call it)."""
    return Settings(
        database_url=database_url,
        api_key=API_KEY,
        token_signing_key=SIGNING_KEY,
        rasa_url=rasa_server.url,
        rasa_token=RASA_TOKEN,
        seed=False,
        sync_interval_seconds=0,
        rasa_timeout_seconds=2,
    )


@pytest.fixture(scope="module")
def test_client(settings: Settings, clock: ManualClock) -> Iterator[TestClient]:
    """The app with the manual clock, served in-process."""
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def api(test_client: TestClient, db: Session, rasa: FakeRasa, clock: ManualClock) -> Api:
    """API helper on fresh data, an empty fake Rasa and the clock at NOW."""
    clock.instant = NOW
    return Api(test_client)
