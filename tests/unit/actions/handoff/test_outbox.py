"""Tests of actions.handoff.outbox: kept on disk, delivered once the desk is back."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import List

import pytest

from actions.desk_api import (
    DeskRejected,
    DeskUnavailable,
    TicketRequest,
    TicketSummary,
)
from actions.handoff.outbox import (
    PENDING,
    REJECTED,
    HandoffOutbox,
    OutboxDelivery,
    backoff_seconds,
    shared_delivery,
)
from actions.settings import get_settings
from tests.unit.actions.fakes import FakeAgentDesk


def _request(conversation: str = "conv-1") -> TicketRequest:
    return TicketRequest(
        conversation_id=conversation,
        channel="socketio",
        customer_id="C1001",
        language="en",
        reason="customer_request",
        summary=TicketSummary(intents=("human_handoff",), last_message="a person"),
    )


class _Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: List[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def outbox(tmp_path: Path) -> HandoffOutbox:
    return HandoffOutbox(tmp_path / "nested" / "dir" / "outbox.sqlite3")


def test_the_file_and_its_folders_are_made_on_first_use(outbox: HandoffOutbox) -> None:
    assert not outbox.path.parent.exists()
    outbox.add(_request(), "key-00000001")
    assert outbox.path.is_file()


def test_kept_requests_survive_a_new_outbox_on_the_same_file(outbox: HandoffOutbox) -> None:
    outbox.add(_request("conv-1"), "key-00000001")
    outbox.add(_request("conv-2"), "key-00000002")
    reopened = HandoffOutbox(outbox.path)
    items = reopened.pending()
    assert [item.key for item in items] == ["key-00000001", "key-00000002"]
    assert items[0].request == _request("conv-1")
    assert items[0].attempts == 0


def test_the_same_key_is_kept_once(outbox: HandoffOutbox) -> None:
    assert outbox.add(_request(), "key-00000001") is True
    assert outbox.add(_request("other"), "key-00000001") is False
    [item] = outbox.pending()
    assert item.request.conversation_id == "conv-1"


def test_failures_are_counted_and_rejections_set_aside(outbox: HandoffOutbox) -> None:
    outbox.add(_request(), "key-00000001")
    outbox.add(_request(), "key-00000002")
    outbox.failed("key-00000001", "DeskUnavailable()")
    outbox.rejected("key-00000002", "DeskRejected()")
    assert [(item.key, item.attempts) for item in outbox.pending()] == [("key-00000001", 1)]
    assert (outbox.count(PENDING), outbox.count(REJECTED)) == (1, 1)


def test_delivered_requests_are_forgotten(outbox: HandoffOutbox) -> None:
    outbox.add(_request(), "key-00000001")
    outbox.delivered("key-00000001")
    assert outbox.pending() == [] and outbox.count() == 0


@pytest.mark.parametrize(
    ("failures", "wait"), [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (60, 30.0)]
)
def test_backoff_doubles_up_to_the_cap(failures: int, wait: float) -> None:
    assert backoff_seconds(failures, maximum=30.0) == wait


def test_the_desk_back_delivers_every_kept_request_once(outbox: HandoffOutbox) -> None:
    desk = FakeAgentDesk()
    outbox.add(_request("conv-1"), "key-00000001")
    outbox.add(_request("conv-2"), "key-00000002")
    delivery = OutboxDelivery(outbox, desk, retry_max_seconds=30.0, sleep=_Sleeps())

    async def main() -> None:
        assert await delivery.deliver_pending() is False
        assert await delivery.deliver_pending() is False  # nothing left: no second call

    asyncio.run(main())
    assert [call.idempotency_key for call in desk.calls] == ["key-00000001", "key-00000002"]
    assert outbox.count() == 0


def test_delivery_retries_with_backoff_until_the_desk_accepts(outbox: HandoffOutbox) -> None:
    desk = FakeAgentDesk(errors=[DeskUnavailable("down"), DeskUnavailable("down"), DeskUnavailable("down")])
    sleeps = _Sleeps()
    delivery = OutboxDelivery(outbox, desk, retry_max_seconds=3.0, sleep=sleeps)

    async def main() -> None:
        await delivery.keep(_request(), "key-00000001")
        assert delivery.task is not None
        await delivery.task

    asyncio.run(main())
    assert sleeps.waits == [1.0, 2.0, 3.0]
    # The same key every time, so a delivery the desk saw twice is still one ticket.
    assert {call.idempotency_key for call in desk.calls} == {"key-00000001"}
    assert len(desk.calls) == 4 and len(desk.tickets) == 1
    assert outbox.count() == 0


def test_a_pass_stops_at_the_first_unavailable_answer(outbox: HandoffOutbox) -> None:
    desk = FakeAgentDesk(errors=[DeskUnavailable("down")])
    outbox.add(_request("conv-1"), "key-00000001")
    outbox.add(_request("conv-2"), "key-00000002")
    delivery = OutboxDelivery(outbox, desk, retry_max_seconds=30.0)
    assert asyncio.run(delivery.deliver_pending()) is True
    assert len(desk.calls) == 1
    assert [(item.key, item.attempts) for item in outbox.pending()] == [
        ("key-00000001", 1),
        ("key-00000002", 0),
    ]


def test_a_refused_request_is_set_aside_and_the_rest_delivered(outbox: HandoffOutbox) -> None:
    desk = FakeAgentDesk(errors=[DeskRejected("invalid body", status_code=422)])
    outbox.add(_request("conv-1"), "key-00000001")
    outbox.add(_request("conv-2"), "key-00000002")
    delivery = OutboxDelivery(outbox, desk, retry_max_seconds=30.0, sleep=_Sleeps())
    assert asyncio.run(delivery.deliver_pending()) is False
    assert [call.idempotency_key for call in desk.calls] == ["key-00000001", "key-00000002"]
    assert (outbox.count(PENDING), outbox.count(REJECTED)) == (0, 1)


def test_sqlite_and_http_run_off_the_event_loop(outbox: HandoffOutbox) -> None:
    desk = FakeAgentDesk()
    delivery = OutboxDelivery(outbox, desk, retry_max_seconds=30.0)
    loop_threads: List[int] = []

    async def main() -> None:
        loop_threads.append(threading.get_ident())
        await delivery.keep(_request(), "key-00000001")
        assert delivery.task is not None
        await delivery.task

    asyncio.run(main())
    assert desk.calls and all(call.thread_id != loop_threads[0] for call in desk.calls)


def test_one_task_per_loop_however_often_it_is_asked(outbox: HandoffOutbox) -> None:
    delivery = OutboxDelivery(outbox, FakeAgentDesk(), retry_max_seconds=30.0)

    async def main() -> None:
        delivery.ensure_running()
        first = delivery.task
        delivery.ensure_running()
        assert delivery.task is first
        assert first is not None
        await first
        delivery.ensure_running()  # finished: a new one starts
        assert delivery.task is not first
        await delivery.task  # type: ignore[misc]

    asyncio.run(main())


def test_no_task_is_started_by_building_the_delivery(outbox: HandoffOutbox) -> None:
    delivery = OutboxDelivery(outbox, FakeAgentDesk(), retry_max_seconds=30.0)
    assert delivery.task is None
    assert not outbox.path.exists()


def test_a_broken_store_does_not_end_the_task(tmp_path: Path) -> None:
    # A pass that fails unexpectedly waits and tries again instead of dying.
    outbox = HandoffOutbox(tmp_path / "outbox.sqlite3")
    outbox.add(_request(), "key-00000001")
    desk = FakeAgentDesk()
    sleeps = _Sleeps()
    delivery = OutboxDelivery(outbox, desk, retry_max_seconds=30.0, sleep=sleeps)
    broken = {"left": 1}
    original = outbox.pending

    def flaky_pending(limit: int = 50) -> list:
        if broken["left"]:
            broken["left"] -= 1
            raise sqlite3.OperationalError("database is locked")
        return original(limit)

    outbox.pending = flaky_pending  # type: ignore[method-assign]

    async def main() -> None:
        delivery.ensure_running()
        assert delivery.task is not None
        await delivery.task

    asyncio.run(main())
    assert sleeps.waits == [1.0]
    assert len(desk.calls) == 1 and outbox.count() == 0


def test_the_shared_delivery_is_built_once_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOFF_OUTBOX_PATH", str(tmp_path / "kept" / "outbox.sqlite3"))
    get_settings.cache_clear()
    shared_delivery.cache_clear()
    try:
        delivery = shared_delivery()
        assert shared_delivery() is delivery
        assert delivery.outbox.path == tmp_path / "kept" / "outbox.sqlite3"
        assert delivery.task is None  # building it starts nothing
    finally:
        shared_delivery.cache_clear()
        get_settings.cache_clear()
