"""Races: concurrent openings converge on one ticket, concurrent claims have one winner.

Over real HTTP (uvicorn in a thread) and directly on the store with threads.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent_desk.app import create_app
from agent_desk.models import Ticket
from agent_desk.schemas import OpenTicket
from agent_desk.settings import Settings
from agent_desk.tickets import TicketStore
from service_kit.testing import live_server
from tests.fake_rasa import FakeRasa
from tests.support import NOW, Api, ManualClock, ticket_body

WORKERS = 8


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with live_server(create_app(settings, clock=ManualClock())) as url:
        yield url


def together(count: int, work: object) -> list[object]:
    """Run ``work(i)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(index: int) -> object:
        barrier.wait()
        return work(index)  # type: ignore[operator]

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_openings_with_one_key_create_one_ticket(
    base_url: str, db: Session, rasa: FakeRasa
) -> None:
    def open_once(_index: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            return Api(client).open(ticket_body("race-conv"), key="race-key-0001")

    responses = together(WORKERS, open_once)
    statuses = Counter(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert statuses == {201: 1, 200: WORKERS - 1}
    assert len({r.json()["ticket_id"] for r in responses}) == 1  # type: ignore[attr-defined]
    assert len(db.scalars(select(Ticket)).all()) == 1


def test_concurrent_openings_with_different_keys_share_the_active_ticket(
    session_factory: sessionmaker[Session], db: Session
) -> None:
    store = TicketStore(session_factory)
    body = OpenTicket.model_validate(ticket_body("race-conv-2"))
    results = together(WORKERS, lambda i: store.open_ticket(f"key-{i:04d}-race", body, NOW))
    created = [ticket for ticket, new in results if new]  # type: ignore[misc]
    assert len(created) == 1
    assert {ticket.ticket_id for ticket, _ in results} == {created[0].ticket_id}  # type: ignore[misc]
    assert len(db.scalars(select(Ticket)).all()) == 1


def test_two_agents_claiming_at_once_one_wins(base_url: str, db: Session, rasa: FakeRasa) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        api = Api(client)
        ticket = api.open(ticket_body("claim-race")).json()["ticket_id"]
        agents = ["maria", "tom"] * (WORKERS // 2)
        for agent in set(agents):
            api.token(agent)

    def claim(index: int) -> tuple[str, httpx.Response]:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            racer = Api(client)
            racer._tokens = dict(api._tokens)
            agent = agents[index]
            return agent, racer.as_agent(agent, "POST", f"/v1/tickets/{ticket}/claim")

    results = together(WORKERS, claim)
    winners = {r.json()["claimed_by"] for _, r in results if r.status_code == 200}  # type: ignore[misc]
    assert len(winners) == 1
    winner = winners.pop()
    for agent, response in results:  # type: ignore[misc]
        assert response.status_code == (200 if agent == winner else 409)
    # The customer was told about one agent, once.
    joined = [p for p in rasa.posts("claim-race") if p.body and p.body[0].get("data")]
    assert len(joined) == 1
    assert joined[0].body[0]["metadata"]["desk_agent"] == winner


def test_store_claim_race_with_threads(session_factory: sessionmaker[Session], db: Session) -> None:
    store = TicketStore(session_factory)
    ticket, _ = store.open_ticket("store-race-1", OpenTicket.model_validate(ticket_body("s")), NOW)
    results = together(2, lambda i: _try_claim(store, ticket.ticket_id, ("maria", "tom")[i]))
    assert sorted(results) == ["409", "claimed"]  # type: ignore[type-var]


def _try_claim(store: TicketStore, ticket_id: str, agent: str) -> str:
    from agent_desk.errors import DeskError

    try:
        store.claim(ticket_id, agent, NOW)
    except DeskError as error:
        return str(error.status_code)
    return "claimed"
