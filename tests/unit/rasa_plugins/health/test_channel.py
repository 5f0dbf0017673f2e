"""Tests of rasa_plugins.health.channel: the readiness and liveness routes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain

from devstack.ports import find_free_port
from rasa_plugins.health.channel import ReadinessInput
from rasa_plugins.stores.lock_store import ResilientRedisLockStore
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore
from rasa_plugins.stores.tracker_store import MaskingTrackerStore
from tests.unit.rasa_plugins.channels.support import serve

pytestmark = pytest.mark.timeout(60)


def _agent(tmp_path: Path, lock_store: Any) -> Any:
    inner = NonBlockingSQLTrackerStore(domain=Domain.empty(), db=str(tmp_path / "t.db"))
    return SimpleNamespace(
        tracker_store=MaskingTrackerStore(wrapped=inner, mask_logs=False),
        lock_store=lock_store,
        is_ready=lambda: True,
    )


def _get(agent: Any, path: str) -> tuple:
    async def scenario() -> tuple:
        channel = ReadinessInput.from_credentials({"timeout": 1})
        async with serve(channel.blueprint(lambda message: None), "/webhooks/health", agent) as url:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{url}/webhooks/health{path}") as reply:
                    return reply.status, await reply.json(), reply.headers.get("Cache-Control")

    return asyncio.run(scenario())


def test_ready_answers_200_with_the_checks(tmp_path: Path) -> None:
    status, body, cache = _get(_agent(tmp_path, InMemoryLockStore()), "/ready")

    assert status == 200
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"model", "tracker_store", "lock_store", "event_broker"}
    assert cache == "no-store"


def test_ready_answers_503_when_the_lock_store_is_unreachable(tmp_path: Path) -> None:
    lock = ResilientRedisLockStore(host="127.0.0.1", port=find_free_port())
    status, body, _ = _get(_agent(tmp_path, lock), "/ready")

    assert status == 503
    assert body["status"] == "unready"
    assert body["checks"]["lock_store"]["ok"] is False


def test_ready_answers_503_before_the_model_is_loaded() -> None:
    status, body, _ = _get(None, "/ready")

    assert status == 503 and body["checks"]["model"]["ok"] is False


def test_live_answers_while_the_loop_runs() -> None:
    assert _get(None, "/live")[:2] == (200, {"status": "alive"})


def test_credentials_are_checked() -> None:
    with pytest.raises(ValueError, match="lock_stor"):
        ReadinessInput.from_credentials({"required": ["lock_stor"]})
    with pytest.raises(ValueError, match="timeout"):
        ReadinessInput.from_credentials({"timeout": 0})
    channel = ReadinessInput.from_credentials(
        {"timeout": 3, "required": ["model"], "allow_in_memory_tracker_store": True}
    )
    assert channel.checker.timeout_seconds == 3
    assert channel.checker.required == frozenset({"model"})
    assert channel.checker.allow_in_memory_tracker_store is True
    assert ReadinessInput.name() == "health"


def test_credentials_yml_serves_the_routes() -> None:
    from rasa.core.run import create_http_input_channels

    root = Path(__file__).resolve().parents[4]
    channels = create_http_input_channels(None, str(root / "credentials.yml"))
    health = [channel for channel in channels if channel.name() == "health"]

    assert len(health) == 1 and isinstance(health[0], ReadinessInput)
    assert health[0].checker.timeout_seconds == 2
