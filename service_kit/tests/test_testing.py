import os
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, insert, select
from sqlalchemy.orm import Session

from service_kit.db import create_db_engine
from service_kit.testing import (
    ManualClock,
    empty_tables,
    free_port,
    fresh_database_url,
    live_server,
    migrated_database,
    running_service,
    service_pythonpath,
    session_factory_on,
)

# Set to a PostgreSQL URL to also try the schema-per-suite databases.
POSTGRES_URL = os.environ.get("SERVICE_KIT_TEST_DATABASE_URL")

HEALTH_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
"""


def test_the_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2025, 6, 18, 12, 0, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2025, 6, 18, 12, 0, tzinfo=UTC)
    clock.advance(timedelta(minutes=5))
    assert clock.now() == datetime(2025, 6, 18, 12, 5, tzinfo=UTC)


def test_a_free_port_can_be_bound() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


@pytest.mark.parametrize("postgres_url", [None, ""])
def test_without_postgres_a_sqlite_file(tmp_path: Path, postgres_url: str | None) -> None:
    url, cleanup = fresh_database_url(postgres_url, tmp_path / "suite.db", "kit_test_")
    assert url == f"sqlite:///{tmp_path / 'suite.db'}"
    cleanup()


@pytest.mark.skipif(not POSTGRES_URL, reason="SERVICE_KIT_TEST_DATABASE_URL is not set")
def test_with_postgres_a_schema_of_its_own_dropped_by_cleanup(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    url, cleanup = fresh_database_url(POSTGRES_URL, tmp_path / "unused.db", "kit_test_")
    schema = url.rsplit("search_path%3D", 1)[-1]
    assert schema.startswith("kit_test_")
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW search_path").scalar() == schema
    finally:
        engine.dispose()
    cleanup()
    admin = create_db_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT schema_name FROM information_schema.schemata"
            ).scalars()
            assert schema not in set(names)
    finally:
        admin.dispose()


def test_empty_tables_deletes_children_first() -> None:
    metadata = MetaData()
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("parent.id")),
    )
    engine = create_db_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(insert(parent).values(id=1))
        session.execute(insert(child).values(id=1, parent_id=1))
        session.commit()
        empty_tables(session, metadata)
    with Session(engine) as session:
        counts = [session.scalar(select(func.count()).select_from(t)) for t in (parent, child)]
    assert counts == [0, 0]


def test_live_server_serves_an_app_until_the_block_ends() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"live"})

    with live_server(app) as base:
        assert httpx.get(base, timeout=5).text == "live"
    with pytest.raises(httpx.TransportError):
        httpx.get(base, timeout=1)


def test_service_pythonpath_holds_the_service_and_the_repository(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    assert service_pythonpath(service).split(os.pathsep) == [str(service), str(tmp_path)]


def test_running_service_waits_for_health_and_stops_the_process(tmp_path: Path) -> None:
    port = free_port()
    with running_service(
        [sys.executable, "-c", HEALTH_SERVER, str(port)],
        cwd=tmp_path,
        env=dict(os.environ),
        port=port,
        log_path=tmp_path / "svc.log",
    ) as base:
        assert base == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health", timeout=5).status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/health", timeout=1)


def test_a_service_that_exits_is_reported_with_its_log(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError, match=r"svc exited early; see .*svc\.log"),
        running_service(
            [sys.executable, "-c", "print('boom'); raise SystemExit(3)"],
            cwd=tmp_path,
            env=dict(os.environ),
            port=free_port(),
            log_path=tmp_path / "svc.log",
            name="svc",
        ),
    ):
        pass
    assert "boom" in (tmp_path / "svc.log").read_text()


def test_migrated_database_upgrades_then_always_cleans_up(tmp_path: Path) -> None:
    events: list[str] = []
    database = ("sqlite:///x.db", lambda: events.append("cleanup"))
    with migrated_database(database, lambda url: events.append(f"upgrade {url}")) as url:
        events.append(f"use {url}")
    assert events == ["upgrade sqlite:///x.db", "use sqlite:///x.db", "cleanup"]

    def broken(url: str) -> None:
        raise RuntimeError("migration failed")

    with pytest.raises(RuntimeError), migrated_database(database, broken):
        pass
    assert events[-1] == "cleanup" and events.count("cleanup") == 2


def test_session_factory_on_a_url_disposes_its_engine(tmp_path: Path) -> None:
    with session_factory_on(f"sqlite:///{tmp_path / 'app.db'}") as factory:
        with factory() as session:
            assert session.connection().exec_driver_sql("SELECT 1").scalar() == 1
        engine = factory.kw["bind"]
        assert engine.pool.checkedin() == 1
    assert engine.pool.checkedin() == 0
