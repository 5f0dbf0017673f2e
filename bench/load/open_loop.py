"""Open-loop load: requests started at a fixed rate, whatever the answers take.

A closed loop of N callers measures the saturated server (latency = N /
throughput); a fixed rate measures the latency at the load real traffic brings,
e.g. the action calls of 20 conversations.
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, List

import aiohttp

from bench.load.stats import LevelStats, Sample, Window, summarize


def start_times(rate_per_second: float, seconds: float) -> List[float]:
    """Offsets (s) of evenly spaced requests at `rate_per_second` for `seconds`.

    Raises:
        ValueError: The rate or the duration is not positive.
    """
    if rate_per_second <= 0 or seconds <= 0:
        raise ValueError("rate and duration must be positive")
    count = int(rate_per_second * seconds)
    return [index / rate_per_second for index in range(count)]


async def run_open_loop(
    request: Callable[[aiohttp.ClientSession], Awaitable[Sample]],
    rate_per_second: float,
    warmup_seconds: float,
    seconds: float,
) -> LevelStats:
    """Starts `request` at a fixed rate through a warm-up and a measured window.

    Args:
        request: Sends one request and returns its sample.
        rate_per_second: Requests started per second.
        warmup_seconds: Leading seconds not counted.
        seconds: Measured window.

    Returns:
        The measured window's figures; `concurrency` holds the rate (requests/s).
    """
    begin = time.monotonic()
    window = Window(measure_from=begin + warmup_seconds)
    tasks = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        for offset in start_times(rate_per_second, warmup_seconds + seconds):
            delay = begin + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(request(http)))
        for sample in await asyncio.gather(*tasks):
            window.add(sample)
    return summarize(int(rate_per_second), window.samples, seconds)
