"""Tests of rasa_plugins.stores.offload: blocking calls off the loop, with a deadline."""

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rasa_plugins.stores.offload import Offloader, OffloadTimeout

pytestmark = pytest.mark.timeout(30)


def test_a_call_runs_in_a_named_thread_of_its_own() -> None:
    offloader = Offloader("sql-test", max_workers=2, timeout_seconds=5)

    async def scenario() -> tuple:
        return threading.get_ident(), await offloader.run(
            lambda: (threading.get_ident(), threading.current_thread().name)
        )

    loop_thread, (call_thread, name) = asyncio.run(scenario())
    offloader.shutdown()

    assert call_thread != loop_thread
    assert name.startswith("sql-test")


def test_the_loop_keeps_running_while_a_call_blocks() -> None:
    offloader = Offloader("blocking", max_workers=1, timeout_seconds=5)
    ticks = []

    async def ticker() -> None:
        for _ in range(5):
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    async def scenario() -> str:
        result, _ = await asyncio.gather(
            offloader.run(lambda: time.sleep(0.3) or "done"), ticker()
        )
        return result

    assert asyncio.run(scenario()) == "done"
    assert len(ticks) == 5 and ticks[-1] - ticks[0] < 0.25
    offloader.shutdown()


def test_a_call_past_its_deadline_raises_at_the_deadline() -> None:
    offloader = Offloader("slow", max_workers=1, timeout_seconds=0.2)

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(OffloadTimeout, match="slow: no answer within 0.2 s"):
            await offloader.run(time.sleep, 2)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1.0
    offloader.shutdown()


def test_errors_of_the_call_reach_the_caller() -> None:
    offloader = Offloader("failing", max_workers=1, timeout_seconds=1)

    def refuse() -> None:
        raise ConnectionRefusedError("down")

    async def scenario() -> None:
        await offloader.run(refuse)

    with pytest.raises(ConnectionRefusedError):
        asyncio.run(scenario())
    offloader.shutdown()


def test_queueing_counts_towards_the_deadline() -> None:
    offloader = Offloader("busy", max_workers=1, timeout_seconds=5)

    async def scenario() -> None:
        blocker = asyncio.ensure_future(offloader.run(time.sleep, 1.0))
        await asyncio.sleep(0.05)
        with pytest.raises(OffloadTimeout):
            await offloader.run(lambda: None, timeout=0.2)
        await blocker

    asyncio.run(scenario())
    offloader.shutdown()


@pytest.mark.parametrize("workers, timeout", [(0, 1.0), (1, 0.0)])
def test_bad_settings_are_refused(workers: int, timeout: float) -> None:
    with pytest.raises(ValueError):
        Offloader("bad", max_workers=workers, timeout_seconds=timeout)


def test_calls_run_in_parallel_up_to_max_workers() -> None:
    offloader = Offloader("parallel", max_workers=2, timeout_seconds=5)
    running = []
    peak = []
    lock = threading.Lock()

    def work() -> None:
        with lock:
            running.append(1)
            peak.append(len(running))
        time.sleep(0.2)
        with lock:
            running.pop()

    async def scenario() -> float:
        started = time.monotonic()
        await asyncio.gather(*(offloader.run(work) for _ in range(4)))
        return time.monotonic() - started

    elapsed = asyncio.run(scenario())
    offloader.shutdown()

    assert max(peak) == 2
    assert 0.35 < elapsed < 0.8  # two rounds of two


def test_a_call_hanging_forever_does_not_keep_the_process_from_exiting(tmp_path) -> None:
    script = tmp_path / "hang.py"
    script.write_text(
        "import asyncio, time\n"
        "from rasa_plugins.stores.offload import Offloader, OffloadTimeout\n"
        "async def main():\n"
        "    try:\n"
        "        await Offloader('frozen-db', 1, 0.1).run(time.sleep, 3600)\n"
        "    except OffloadTimeout:\n"
        "        print('gave up', flush=True)\n"
        "asyncio.run(main())\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=20,
        cwd=Path(__file__).resolve().parents[4],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[4])},
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "gave up"
    assert time.monotonic() - started < 15


def test_a_shut_down_pool_refuses_calls() -> None:
    offloader = Offloader("closed", max_workers=1, timeout_seconds=1)
    offloader.shutdown()

    with pytest.raises(RuntimeError, match="shut down"):
        asyncio.run(offloader.run(lambda: None))
