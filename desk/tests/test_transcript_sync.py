"""The transcript sync: tracker events become masked transcript entries, once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from agent_desk.app import create_app
from agent_desk.rasa_client import RasaClient
from agent_desk.settings import Settings
from agent_desk.tickets import TicketStore
from agent_desk.transcript_sync import TranscriptSync
from service_kit.clock import SystemClock
from service_kit.testing import free_port
from tests.fake_rasa import FakeRasa
from tests.support import RASA_TOKEN, Api, ManualClock, ticket_body

T0 = 1750248000.5  # the last transcript entry of ticket_body()


def sync_once(test_client: TestClient) -> int:
    """Run one pass of the app's own sync on the app's event loop."""
    sync: TranscriptSync = test_client.app.state.sync  # type: ignore[attr-defined]
    return int(test_client.portal.call(sync.sync_once))  # type: ignore[union-attr]


def entries(api: Api, ticket: str) -> list[tuple[str, str]]:
    rows = api.as_agent("maria", "GET", f"/v1/tickets/{ticket}/messages").json()
    return [(row["author"], row["text"]) for row in rows]


def test_new_customer_messages_appear_once(
    api: Api, rasa: FakeRasa, test_client: TestClient
) -> None:
    ticket = api.open(ticket_body("conv-s")).json()["ticket_id"]
    # What the transcript already holds is in the tracker too; it must not repeat.
    rasa.say("conv-s", "what do I owe", T0 - 0.25)
    rasa.conversation("conv-s").events.append(
        {"event": "bot", "text": "Your balance is €120.00.", "timestamp": T0}
    )
    rasa.say("conv-s", "hello? anyone there", T0 + 5)
    rasa.conversation("conv-s").events.append(
        {"event": "bot", "text": "An agent will be with you shortly.", "timestamp": T0 + 5.1}
    )
    assert sync_once(test_client) == 2
    assert sync_once(test_client) == 0
    rasa.say("conv-s", "still waiting", T0 + 9)
    assert sync_once(test_client) == 1
    assert entries(api, ticket) == [
        ("customer", "what do I owe"),
        ("bot", "Your balance is €120.00."),
        ("customer", "hello? anyone there"),
        ("bot", "An agent will be with you shortly."),
        ("customer", "still waiting"),
    ]
    tracker_reads = [r for r in rasa.requests if r.method == "GET"]
    assert tracker_reads[0].path == "/conversations/conv-s/tracker"
    assert tracker_reads[0].query["token"] == RASA_TOKEN


def test_the_agents_own_messages_are_not_stored_twice(
    api: Api, rasa: FakeRasa, test_client: TestClient
) -> None:
    ticket = api.open(ticket_body("conv-s")).json()["ticket_id"]
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/claim")
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/messages", {"text": "Hi, Maria here."})
    rasa.say("conv-s", "hi Maria")
    sync_once(test_client)
    sync_once(test_client)
    authors = entries(api, ticket)
    assert authors.count(("agent", "Hi, Maria here.")) == 1
    assert authors[-1] == ("customer", "hi Maria")
    # The tracker holds the agent's message and the handoff payload, both skipped.
    assert sum(1 for e in rasa.conversation("conv-s").events if e["event"] == "bot") == 2


def test_synced_messages_are_masked(api: Api, rasa: FakeRasa, test_client: TestClient) -> None:
    ticket = api.open(ticket_body("conv-s")).json()["ticket_id"]
    rasa.say("conv-s", "my card is 4111 1111 1111 1111, write to ada@example.com")
    sync_once(test_client)
    last = entries(api, ticket)[-1][1]
    assert "4111 1111 1111 1111" not in last and "ada@example.com" not in last
    assert "[card •••• 1111]" in last


def test_ended_tickets_are_not_read(api: Api, rasa: FakeRasa, test_client: TestClient) -> None:
    ticket = api.open(ticket_body("conv-s")).json()["ticket_id"]
    api.as_agent("maria", "POST", f"/v1/tickets/{ticket}/close")
    rasa.requests.clear()
    rasa.say("conv-s", "thanks")
    assert sync_once(test_client) == 0
    assert [r for r in rasa.requests if r.method == "GET"] == []


def test_a_tracker_rasa_refuses_is_skipped_and_read_next_time(
    api: Api, rasa: FakeRasa, test_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = api.open(ticket_body("conv-s")).json()["ticket_id"]
    rasa.say("conv-s", "are you there")
    rasa.fail_status = 500
    assert sync_once(test_client) == 0
    assert "Could not read the conversation of ticket" in caplog.text
    rasa.fail_status = None
    assert sync_once(test_client) == 1
    assert entries(api, ticket)[-1] == ("customer", "are you there")


def test_rasa_down_is_tolerated(
    session_factory: object, db: Session, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.open(ticket_body("conv-down"))
    store = TicketStore(session_factory)  # type: ignore[arg-type]
    rasa = RasaClient(f"http://127.0.0.1:{free_port()}", timeout_seconds=1)
    sync = TranscriptSync(store, rasa, ManualClock())

    async def run() -> int:
        try:
            return await sync.sync_once()
        finally:
            await rasa.aclose()

    assert asyncio.run(run()) == 0
    assert "Rasa could not be reached" in caplog.text


@pytest.fixture
def looping_client(settings: Settings, db: Session, rasa: FakeRasa) -> Iterator[TestClient]:
    looping = replace(settings, sync_interval_seconds=0.05)
    with TestClient(create_app(looping, clock=SystemClock())) as client:
        yield client


def test_the_background_sync_runs_in_the_app(looping_client: TestClient, rasa: FakeRasa) -> None:
    api = Api(looping_client)
    ticket = api.open(ticket_body("conv-loop", transcript=[])).json()["ticket_id"]
    rasa.say("conv-loop", "first while paused")
    deadline = time.monotonic() + 5
    while ("customer", "first while paused") not in entries(api, ticket):
        assert time.monotonic() < deadline, "the background sync never stored the message"
        time.sleep(0.05)
    rasa.fail_status = 500  # a failing Rasa does not stop the loop
    time.sleep(0.2)
    rasa.fail_status = None
    rasa.say("conv-loop", "second")
    deadline = time.monotonic() + 5
    while ("customer", "second") not in entries(api, ticket):
        assert time.monotonic() < deadline, "the sync stopped after Rasa failed"
        time.sleep(0.05)
    assert entries(api, ticket).count(("customer", "first while paused")) == 1
