"""Tests of rasa_plugins.stores.outbox: a durable event queue per process, in SQLite."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from rasa_plugins.stores.outbox import Outbox, OutboxInUse, process_file_name

pytestmark = pytest.mark.timeout(60)


def test_events_come_out_in_order_with_stable_ids(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    ids = [outbox.append(f"e{i}".encode(), {"h": str(i)}) for i in range(5)]

    first, second = outbox.peek(3), outbox.peek(3)

    assert [r.body for r in first] == [b"e0", b"e1", b"e2"]
    assert [r.event_id for r in first] == ids[:3] == [r.event_id for r in second]
    assert first[1].headers == {"h": "1"}
    assert len(set(ids)) == 5
    outbox.remove([r.row for r in first])
    assert [r.body for r in outbox.peek(10)] == [b"e3", b"e4"]
    assert outbox.count() == 2
    outbox.close()


def test_events_survive_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    outbox = Outbox(path)
    event_id = outbox.append(b"kept")
    outbox.close()

    reopened = Outbox(path)

    assert [(r.event_id, r.body) for r in reopened.peek(10)] == [(event_id, b"kept")]
    reopened.close()


def _append_and_die(path: str) -> None:
    outbox = Outbox(Path(path))
    outbox.append(b"before the crash")
    # No close(): the process is killed with its lock and its committed row.
    time.sleep(60)


def test_a_committed_event_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / process_file_name("host", 1)
    process = multiprocessing.get_context("spawn").Process(target=_append_and_die, args=(str(path),))
    process.start()
    try:
        deadline = time.monotonic() + 30
        while not path.exists() or not _has_rows(path):
            assert time.monotonic() < deadline, "the child never appended"
            time.sleep(0.05)
        with pytest.raises(OutboxInUse):
            Outbox(path)  # the live process holds it
    finally:
        process.kill()
        process.join(10)

    survivor = Outbox(path)  # the lock died with the process

    assert [r.body for r in survivor.peek(10)] == [b"before the crash"]
    survivor.close()


def _has_rows(path: Path) -> bool:
    import sqlite3

    try:
        with sqlite3.connect(path, timeout=0.1) as db:
            return db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def test_a_held_outbox_cannot_be_opened_twice(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    with pytest.raises(OutboxInUse):
        Outbox(tmp_path / "o.sqlite3")
    outbox.close()
    Outbox(tmp_path / "o.sqlite3").close()


def test_orphans_are_adopted_oldest_first_and_live_outboxes_left_alone(tmp_path: Path) -> None:
    orphan = Outbox(tmp_path / process_file_name("old-host", 11))
    orphan_ids = [orphan.append(b"o1"), orphan.append(b"o2")]
    orphan.close()  # its process ended
    live = Outbox(tmp_path / process_file_name("other-host", 12))
    live.append(b"live")
    mine = Outbox(tmp_path / process_file_name("me", 13))

    adopted = mine.adopt_orphans()

    assert adopted == 2
    assert [(r.event_id, r.body) for r in mine.peek(10)] == list(zip(orphan_ids, [b"o1", b"o2"]))
    assert not (tmp_path / process_file_name("old-host", 11)).exists()
    assert live.count() == 1  # its owner still runs
    assert mine.adopt_orphans() == 0
    live.close()
    mine.close()


def test_oldest_created_tells_the_age_of_the_backlog(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    assert outbox.oldest_created() is None
    before = time.time()
    outbox.append(b"x")
    assert before - 1 <= outbox.oldest_created() <= time.time()
    outbox.close()


def test_appending_is_fast(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    started = time.perf_counter()
    for index in range(200):
        outbox.append(b'{"event": "user", "text": "%d"}' % index)
    per_event = (time.perf_counter() - started) / 200
    outbox.close()

    assert per_event < 0.01  # on the event loop: must stay far below a reply's budget
