"""Tests of rasa_plugins.stores.outbox_broker with RabbitMQ replaced by a fake exchange.

The broker against the real RabbitMQ behind a cut proxy:
tests/integration/test_infrastructure_faults.py.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List

import pytest
from rasa.utils.endpoints import EndpointConfig

from devstack.ports import find_free_port
from rasa_plugins.stores.outbox import Outbox
from rasa_plugins.stores.outbox_broker import EVENT_ID_HEADER, OutboxEventBroker

pytestmark = pytest.mark.timeout(60)

CARD = "4111 1111 1111 1111"


@dataclass
class FakeRabbit:
    """What the fake RabbitMQ received; `up` and `nack_next` inject faults."""

    up: bool = True
    nack_next: int = 0
    received: List[Any] = field(default_factory=list)
    connects: List[float] = field(default_factory=list)


class _Exchange:
    def __init__(self, rabbit: FakeRabbit) -> None:
        self.rabbit = rabbit

    async def publish(self, message: Any, routing_key: str, **kwargs: Any) -> None:
        await asyncio.sleep(0)
        if not self.rabbit.up:
            raise ConnectionResetError("connection reset")
        if self.rabbit.nack_next:
            self.rabbit.nack_next -= 1
            raise RuntimeError("nack")
        self.rabbit.received.append(message)


class _Connection:
    is_closed = False


class FakeBroker(OutboxEventBroker):
    rabbit: FakeRabbit

    async def _ensure_connected(self) -> None:
        if self._exchange is not None and self.rabbit.up:
            return
        self.rabbit.connects.append(time.monotonic())
        if not self.rabbit.up:
            raise ConnectionRefusedError("refused")
        self._connection, self._exchange = _Connection(), _Exchange(self.rabbit)  # type: ignore

    async def _disconnect(self) -> None:
        self._connection = self._exchange = None


def _broker(tmp_path: Path, rabbit: FakeRabbit, **settings: Any) -> FakeBroker:
    settings.setdefault("retry_initial_delay", 0.02)
    settings.setdefault("retry_max_delay", 0.1)
    broker = FakeBroker(Outbox(tmp_path / "outbox.sqlite3"), **settings)
    broker.rabbit = rabbit
    return broker


def _event(index: int, text: str = "hello") -> dict:
    return {"event": "user", "sender_id": "c1", "text": f"{text}, #{index}", "timestamp": index}


async def _until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        await asyncio.sleep(0.01)


def _texts(rabbit: FakeRabbit) -> List[str]:
    return [json.loads(message.body)["text"] for message in rabbit.received]


def test_events_are_published_in_order_masked_with_stable_ids(tmp_path: Path) -> None:
    rabbit = FakeRabbit()

    async def scenario() -> dict:
        broker = _broker(tmp_path, rabbit)
        broker.start()
        for index in range(3):
            broker.publish(_event(index, f"card {CARD}"), headers={"tenant": "t1"})
        assert await broker.flush(5)  # confirmed and removed from the outbox
        health = await broker.health()
        await broker.close()
        return health

    health = asyncio.run(scenario())

    assert _texts(rabbit) == [f"card [card •••• 1111], #{i}" for i in range(3)]
    message = rabbit.received[0]
    assert message.message_id == message.headers[EVENT_ID_HEADER]
    assert message.headers["tenant"] == "t1"
    assert message.delivery_mode == 2  # persistent
    assert health == {"connected": True, "backlog": 0, "oldest_age_seconds": None,
                      "published": 3, "last_error": None}


def test_rabbit_down_publish_returns_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    rabbit = FakeRabbit(up=False)

    async def scenario() -> tuple:
        broker = _broker(tmp_path, rabbit)
        broker.start()
        started = time.perf_counter()
        for index in range(100):
            broker.publish(_event(index))
        publishing = time.perf_counter() - started
        await asyncio.sleep(0.3)
        down = await broker.health()
        rabbit.up = True
        assert await broker.flush(5)
        up = await broker.health()
        await broker.close()
        return publishing, down, up

    publishing, down, up = asyncio.run(scenario())

    assert publishing < 0.5
    assert down["connected"] is False and down["backlog"] == 100
    assert "refused" in down["last_error"]
    assert up["backlog"] == 0 and up["last_error"] is None
    assert _texts(rabbit) == [f"hello, #{i}" for i in range(100)]


def test_reconnection_backs_off_up_to_the_cap(tmp_path: Path) -> None:
    rabbit = FakeRabbit(up=False)

    async def scenario() -> None:
        broker = _broker(tmp_path, rabbit, retry_initial_delay=0.02, retry_max_delay=0.1)
        broker.start()
        broker.publish(_event(0))
        await asyncio.sleep(0.8)
        rabbit.up = True
        await _until(lambda: len(rabbit.received) == 1)
        await broker.close()

    asyncio.run(scenario())

    pauses = [b - a for a, b in zip(rabbit.connects, rabbit.connects[1:])]
    assert pauses[0] < 0.06  # starts short
    assert max(pauses) < 0.25  # never beyond the cap (plus scheduling slack)
    assert 5 <= len(rabbit.connects) <= 20


def test_an_unconfirmed_event_stays_and_goes_again_with_the_same_id(tmp_path: Path) -> None:
    rabbit = FakeRabbit(nack_next=1)

    async def scenario() -> None:
        broker = _broker(tmp_path, rabbit)
        broker.start()
        broker.publish(_event(0))
        await _until(lambda: len(rabbit.received) == 1)
        await broker.close()

    asyncio.run(scenario())

    assert _texts(rabbit) == ["hello, #0"]
    assert len(rabbit.connects) == 2  # it reconnected after the failure


def test_the_event_id_is_the_one_given_at_append_time(tmp_path: Path) -> None:
    rabbit = FakeRabbit(up=False)

    async def scenario() -> str:
        broker = _broker(tmp_path, rabbit)
        broker.start()
        broker.publish(_event(0))
        stored_id = broker.outbox.peek(1)[0].event_id
        rabbit.up = True
        await _until(lambda: len(rabbit.received) == 1)
        await broker.close()
        return stored_id

    stored_id = asyncio.run(scenario())
    assert rabbit.received[0].message_id == stored_id


def test_close_flushes_and_leaves_the_rest_for_the_next_start(tmp_path: Path) -> None:
    rabbit = FakeRabbit(up=False)

    async def first_run() -> float:
        broker = _broker(tmp_path, rabbit, close_timeout=0.3)
        broker.start()
        for index in range(5):
            broker.publish(_event(index))
        started = time.monotonic()
        await broker.close()
        return time.monotonic() - started

    async def second_run() -> None:
        rabbit.up = True
        broker = _broker(tmp_path, rabbit)
        broker.start()
        await _until(lambda: len(rabbit.received) == 5)
        await broker.close()

    closing = asyncio.run(first_run())
    assert closing < 1.5
    left = Outbox(tmp_path / "outbox.sqlite3")
    assert left.count() == 5
    left.close()
    asyncio.run(second_run())

    assert _texts(rabbit) == [f"hello, #{i}" for i in range(5)]


def test_from_endpoint_config_never_waits_for_rabbitmq(tmp_path: Path) -> None:
    config = EndpointConfig.from_dict(
        {
            "type": "rasa_plugins.stores.outbox_broker.OutboxEventBroker",
            "url": "127.0.0.1",
            "port": find_free_port(),  # nothing listens
            "queues": ["q"],
            "outbox_dir": str(tmp_path),
            "mask_logs": False,
            "retry_max_delay": 0.2,
            "close_timeout": 0.2,
        }
    )

    async def scenario() -> tuple:
        started = time.monotonic()
        broker = await OutboxEventBroker.from_endpoint_config(config)
        created = time.monotonic() - started
        broker.publish(_event(0))
        await asyncio.sleep(0.5)
        health = await broker.health()
        await broker.close()
        return created, health, broker

    created, health, broker = asyncio.run(scenario())

    assert created < 0.5
    assert health["connected"] is False and health["backlog"] == 1
    assert broker.queues == ["q"] and broker.retry_max_delay == 0.2


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retry_max_dely"):
        OutboxEventBroker(Outbox(tmp_path / "o.sqlite3"), retry_max_dely=1)


def test_masking_can_be_switched_off(tmp_path: Path) -> None:
    rabbit = FakeRabbit()

    async def scenario() -> None:
        broker = _broker(tmp_path, rabbit, mask=False)
        broker.start()
        broker.publish(_event(0, f"card {CARD}"))
        await _until(lambda: len(rabbit.received) == 1)
        await broker.close()

    asyncio.run(scenario())

    assert _texts(rabbit) == [f"card {CARD}, #0"]


def test_an_unwritable_outbox_fails_the_publish_loudly(tmp_path: Path) -> None:
    broker = _broker(tmp_path, FakeRabbit())
    broker.outbox.close()
    with pytest.raises(sqlite3.ProgrammingError):
        broker.publish(_event(0))


def test_it_composes_with_the_masking_broker(tmp_path: Path) -> None:
    from rasa_plugins.stores.broker import MaskingEventBroker

    config = EndpointConfig.from_dict(
        {
            "type": "rasa_plugins.stores.broker.MaskingEventBroker",
            "mask_logs": False,
            "wrapped": {
                "type": "rasa_plugins.stores.outbox_broker.OutboxEventBroker",
                "url": "127.0.0.1",
                "port": find_free_port(),
                "outbox_dir": str(tmp_path),
                "mask": False,  # the wrapper masks
                "mask_logs": False,
                "close_timeout": 0.2,
            },
        }
    )

    async def scenario() -> bytes:
        broker = await MaskingEventBroker.from_endpoint_config(config)
        assert isinstance(broker.wrapped, OutboxEventBroker)
        broker.publish(_event(0, f"card {CARD}"))
        body = broker.wrapped.outbox.peek(1)[0].body
        await broker.close()
        return body

    assert json.loads(asyncio.run(scenario()))["text"] == "card [card •••• 1111], #0"
