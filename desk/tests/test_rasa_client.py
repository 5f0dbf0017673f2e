"""The Rasa client against the fake Rasa over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from agent_desk.rasa_client import RasaClient, RasaRejected, RasaUnavailable, Tracker
from service_kit.testing import free_port
from tests.fake_rasa import FakeRasa
from tests.support import RASA_TOKEN

T = TypeVar("T")


def call(
    url: str,
    work: Callable[[RasaClient], Awaitable[T]],
    token: str = RASA_TOKEN,
    timeout: float = 2,
) -> T:
    async def run() -> T:
        client = RasaClient(url, token, timeout)
        try:
            return await work(client)
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_get_tracker_parses_events_and_sends_the_token(rasa: FakeRasa) -> None:
    rasa.say("c/1 x", "hello", 10.5)
    rasa.conversation("c/1 x").events.append(
        {"event": "bot", "text": "hi", "timestamp": 11, "metadata": {"desk_ticket": "T-1"}}
    )
    rasa.conversation("c/1 x").events.append({"event": "slot", "name": "x"})  # no timestamp
    tracker: Tracker = call(rasa.url, lambda c: c.get_tracker("c/1 x"))
    assert [(e.event, e.timestamp, e.text, e.written_by_desk) for e in tracker.events] == [
        ("user", 10.5, "hello", False),
        ("bot", 11.0, "hi", True),
    ]
    [request] = rasa.requests
    assert request.path == "/conversations/c/1 x/tracker"
    assert request.query == {"include_events": "AFTER_RESTART", "token": RASA_TOKEN}


def test_pause_resume_and_execute_use_rasa_json(rasa: FakeRasa) -> None:
    async def work(client: RasaClient) -> None:
        await client.pause("c1")
        await client.resume("c1")
        await client.execute_response("c1", "utter_handoff_closed")
        await client.listen("c1")

    call(rasa.url, work)
    assert [(r.path, r.body) for r in rasa.requests] == [
        ("/conversations/c1/tracker/events", [{"event": "pause"}]),
        ("/conversations/c1/tracker/events", [{"event": "resume"}]),
        ("/conversations/c1/execute", {"name": "utter_handoff_closed"}),
        ("/conversations/c1/tracker/events", [{"event": "action", "name": "action_listen"}]),
    ]


def test_a_wrong_token_is_a_rejection(rasa: FakeRasa) -> None:
    with pytest.raises(RasaRejected) as raised:
        call(rasa.url, lambda c: c.get_tracker("c1"), token="wrong")
    assert raised.value.status_code == 401


def test_an_error_status_is_a_rejection(rasa: FakeRasa) -> None:
    rasa.fail_status = 500
    with pytest.raises(RasaRejected, match="HTTP 500"):
        call(rasa.url, lambda c: c.pause("c1"))


def test_no_server_is_unavailable() -> None:
    with pytest.raises(RasaUnavailable, match="could not be reached"):
        call(f"http://127.0.0.1:{free_port()}", lambda c: c.get_tracker("c1"))


def test_a_slow_server_times_out(rasa: FakeRasa) -> None:
    rasa.delay_seconds = 1.5
    with pytest.raises(RasaUnavailable, match="in time"):
        call(rasa.url, lambda c: c.get_tracker("c1"), timeout=0.3)
