"""The real service: ``python -m agent_desk`` in a subprocess, over real HTTP."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from agent_desk.settings import DESK_DIR
from service_kit.testing import free_port, running_service, service_pythonpath
from tests.fake_rasa import FakeRasa
from tests.support import fresh_database_url, ticket_body


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, rasa_server: FakeRasa) -> Iterator[str]:
    """Start the desk on a free port with a fresh database; yield its base URL."""
    url, cleanup = fresh_database_url(tmp_path_factory.mktemp("server"))
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": service_pythonpath(DESK_DIR),
        "DATABASE_URL": url,
        "DESK_API_KEY": "server-key",
        "DESK_TOKEN_SIGNING_KEY": "server-test-signing-key-of-32-bytes",
        "RASA_URL": rasa_server.url,
        "RASA_TOKEN": "test-rasa-token",
        "DESK_SYNC_INTERVAL_SECONDS": "0.1",
        "DESK_PORT": "1",  # overridden by --port
    }
    try:
        with running_service(
            [sys.executable, "-m", "agent_desk", "--port", str(port)],
            cwd=DESK_DIR,
            env=env,
            port=port,
            log_path=tmp_path_factory.getbasetemp() / "desk-server.log",
            name="the desk",
        ) as base:
            yield base
    finally:
        cleanup()


def test_the_service_migrates_seeds_serves_and_syncs(server: str, rasa: FakeRasa) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok"}
        login = client.post("/v1/agents/login", json={"username": "maria", "password": "demo"})
        assert login.status_code == 200
        opened = client.post(
            "/v1/tickets",
            json=ticket_body("server-conv", transcript=[]),
            headers={"Authorization": "Bearer server-key", "Idempotency-Key": "server-key-001"},
        )
        assert opened.status_code == 201
        ticket = opened.json()["ticket_id"]
        rasa.say("server-conv", "typed while paused")
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        deadline = time.monotonic() + 10
        while True:
            texts = [
                m["text"]
                for m in client.get(f"/v1/tickets/{ticket}/messages", headers=headers).json()
            ]
            if "typed while paused" in texts:
                break
            assert time.monotonic() < deadline, "the running service never synced"
            time.sleep(0.1)
        assert client.get("/console/").status_code == 200
