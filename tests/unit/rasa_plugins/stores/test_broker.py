"""Tests of rasa_plugins.stores.broker with Rasa's SQL broker (SQLite) and RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import UserUttered
from rasa.shared.exceptions import ConnectionException
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins.stores.broker import MaskingEventBroker
from tests.secret_samples import generate_samples

SAMPLES = generate_samples(cards_per_format=2)


@pytest.fixture(autouse=True)
def restore_log_record_factory() -> Iterator[None]:
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


def _bodies() -> List[Dict[str, Any]]:
    return [
        {"sender_id": "conversation-1", **UserUttered(message).as_dict()}
        for message in SAMPLES.messages
    ]


def _create(wrapped: Optional[Dict[str, Any]]) -> Optional[EventBroker]:
    config: Dict[str, Any] = {
        "type": "rasa_plugins.stores.broker.MaskingEventBroker",
        "mask_logs": False,
    }
    if wrapped is not None:
        config["wrapped"] = wrapped
    return asyncio.run(EventBroker.create(EndpointConfig.from_dict(config)))


def test_events_published_through_the_sql_broker_are_masked(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    broker = _create({"type": "SQL", "dialect": "sqlite", "db": str(path)})
    assert isinstance(broker, MaskingEventBroker)
    assert isinstance(broker.wrapped, SQLEventBroker)
    for body in _bodies():
        broker.publish(body)
    with sqlite3.connect(path) as connection:
        rows = [row for row in connection.execute("SELECT sender_id, data FROM events")]
    assert len(rows) == len(SAMPLES.messages)
    assert {sender for sender, _ in rows} == {"conversation-1"}
    assert SAMPLES.count_leaks(data for _, data in rows) == 0
    assert SAMPLES.count_leaks(json.dumps(body) for body in _bodies()) >= len(SAMPLES.messages)


class _Recorder(EventBroker):
    def __init__(self) -> None:
        self.published: List[Any] = []

    def publish(self, event: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> None:
        self.published.append((event, headers))


def test_headers_reach_brokers_that_take_them() -> None:
    recorder = _Recorder()
    broker = MaskingEventBroker(recorder)
    broker.publish({"event": "user", "text": "ada@example.com"}, headers={"k": "v"})
    broker.publish({"event": "user", "text": "hi"})
    assert recorder.published == [
        ({"event": "user", "text": "[email]"}, {"k": "v"}),
        ({"event": "user", "text": "hi"}, None),
    ]


def test_a_missing_wrapped_broker_is_an_error() -> None:
    with pytest.raises(ValueError, match="wrapped"):
        _create(None)


def test_an_unknown_wrapped_type_is_an_error_not_a_silent_no_broker() -> None:
    # Rasa wraps it in its ConnectionException, which stops the server.
    with pytest.raises(ConnectionException) as raised:
        _create({"type": "no.such.Broker"})
    assert "cannot create" in str(raised.value.__cause__)


def _rabbitmq_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _rabbitmq_up(), reason="no RabbitMQ at 127.0.0.1:5672")
def test_events_published_through_rabbitmq_are_masked() -> None:
    queue = f"masking-test-{uuid.uuid4().hex}"

    async def publish() -> None:
        broker = await EventBroker.create(
            EndpointConfig.from_dict(
                {
                    "type": "rasa_plugins.stores.broker.MaskingEventBroker",
                    "mask_logs": False,
                    "wrapped": {
                        "type": "pika",
                        "url": "127.0.0.1",
                        "username": "guest",
                        "password": "guest",
                        "queues": [queue],
                    },
                }
            )
        )
        assert isinstance(broker, MaskingEventBroker)
        for body in _bodies():
            broker.publish(body)
        for _ in range(100):  # pika publishes in background tasks
            await asyncio.sleep(0.05)
            if not broker.wrapped._background_tasks:  # type: ignore[attr-defined]
                break
        await broker.close()

    async def read_back() -> List[str]:
        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1/")
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True)
            bodies = []
            while True:
                message = await declared.get(no_ack=True, fail=False)
                if message is None:
                    break
                bodies.append(message.body.decode("utf-8"))
            await declared.delete(if_unused=False, if_empty=False)
            return bodies

    asyncio.run(publish())
    received = asyncio.run(read_back())
    assert len(received) == len(SAMPLES.messages)
    assert SAMPLES.count_leaks(received) == 0
