"""Shared helpers of the channel tests: tokens, a fake agent, a real Sanic server."""

import datetime as dt
import itertools
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List, Optional

import jwt
from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.core.trackers import DialogueStateTracker
from devstack.ports import find_free_port
from sanic import Blueprint, Sanic

KEY = "unit-test-identity-signing-key-32-bytes"
_app_numbers = itertools.count()


def make_token(
    key: str = KEY, minutes: float = 15, sub: str = "cus_ada", **claims: Any
) -> str:
    """Mints a backend-style identity token expiring `minutes` from now."""
    now = dt.datetime.now(dt.timezone.utc)
    payload: Dict[str, Any] = {
        "sub": sub,
        "iss": "payments-backend",
        "aud": "payments-assistant",
        "iat": now - dt.timedelta(minutes=30),
        "exp": now + dt.timedelta(minutes=minutes),
    }
    payload.update(claims)
    return jwt.encode(payload, key, algorithm="HS256")


def bot_with_buttons(*payloads: str, key: str = "buttons") -> BotUttered:
    """A bot message offering one button per payload."""
    choices = [{"title": payload, "payload": payload} for payload in payloads]
    return BotUttered("Pick one", data={key: choices})


#: The responses the channels send themselves, as in domain.yml (shortened).
CHANNEL_RESPONSES = {
    "utter_assistant_unavailable": [
        {
            "text": "Sorry, I'm having a technical problem.",
            "buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}],
        }
    ],
    "utter_slow_down": [{"text": "You're sending messages faster than I can read them."}],
}


def channel_domain() -> Domain:
    """A domain holding only the channels' own responses."""
    return Domain.from_dict({"responses": CHANNEL_RESPONSES})


async def fake_agent(
    trackers: Optional[Dict[str, List[Event]]] = None, domain: Optional[Domain] = None
) -> Agent:
    """A Rasa agent without model whose in-memory tracker store holds `trackers`.

    Args:
        trackers: Events to store per sender id.
        domain: The agent's domain (its responses can be rendered); empty by default.
    """
    domain = domain or Domain.empty()
    agent = Agent(
        domain=domain,
        tracker_store=InMemoryTrackerStore(domain),
        lock_store=InMemoryLockStore(),
    )
    for sender_id, events in (trackers or {}).items():
        await agent.tracker_store.save(
            DialogueStateTracker.from_events(sender_id, events)
        )
    return agent


@asynccontextmanager
async def serve(
    blueprint: Blueprint, url_prefix: str, agent: Any = None
) -> AsyncIterator[str]:
    """Serves a channel blueprint on a free port; yields the base URL.

    Args:
        blueprint: The channel's blueprint.
        url_prefix: Where Rasa would mount it (`/webhooks/<channel name>`).
        agent: Stored as `app.ctx.agent`, like `rasa run` does.
    """
    Sanic.test_mode = True  # allows several apps with the same config in one process
    app = Sanic(f"channel_test_{next(_app_numbers)}", configure_logging=False)
    app.ctx.agent = agent
    app.blueprint(blueprint, url_prefix=url_prefix)
    server = await app.create_server(
        host="127.0.0.1", port=find_free_port(), return_asyncio_server=True, access_log=False
    )
    await server.startup()
    port = server.server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()
