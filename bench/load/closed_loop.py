"""Closed-loop load: N conversations at once, each sending its next message on the last reply."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, FrozenSet, Optional, Sequence, Tuple

import aiohttp

from bench.load.journeys import Customer, Turn, journey_cycle
from bench.load.replies import classify_reply
from bench.load.stats import ERROR, LevelStats, Sample, Window, summarize

#: One message may take this long before it counts as an error.
MESSAGE_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class ChatTarget:
    """An assistant's REST webhook and who may talk to it.

    Attributes:
        name: Label in the report (`ours`, `stock`).
        webhook_url: `.../webhooks/rest/webhook`.
        customers: Who talks; `(None,)` for anonymous conversations.
        tokens: Identity token per customer e-mail (`Authorization: Bearer`).
        journeys: Conversations to repeat.
        degraded_texts: Replies that are apologies rather than answers.
        think_seconds: Pause after each reply before the next message (0: none).
    """

    name: str
    webhook_url: str
    customers: Tuple[Optional[Customer], ...]
    journeys: Tuple[Tuple[Turn, ...], ...]
    tokens: Dict[str, str] = field(default_factory=dict)
    degraded_texts: FrozenSet[str] = frozenset()
    think_seconds: float = 0.0

    def headers(self, customer: Optional[Customer]) -> Dict[str, str]:
        """Request headers of a customer's messages."""
        token = self.tokens.get(customer.email) if customer else None
        return {"Authorization": f"Bearer {token}"} if token else {}


async def send_message(
    http: aiohttp.ClientSession,
    target: ChatTarget,
    sender_id: str,
    text: str,
    headers: Dict[str, str],
) -> Sample:
    """Sends one message and times the complete answer.

    Returns:
        The sample (transport failures and timeouts are `error`s).
    """
    started = time.monotonic()
    try:
        async with http.post(
            target.webhook_url,
            json={"sender": sender_id, "message": text},
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=MESSAGE_TIMEOUT_SECONDS),
        ) as response:
            body: Any = await response.json(content_type=None)
            outcome = classify_reply(response.status, body, target.degraded_texts)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        outcome = ERROR
    return Sample(time.monotonic() - started, outcome, started)


async def _conversations(
    http: aiohttp.ClientSession,
    target: ChatTarget,
    worker: int,
    until: float,
    window: Window,
) -> None:
    """One closed-loop worker: journey after journey, each a new conversation."""
    for customer, journey in journey_cycle(target.journeys, target.customers, worker):
        sender_id = f"bench-{target.name}-{uuid.uuid4().hex[:12]}"
        headers = target.headers(customer)
        for turn in journey:
            if time.monotonic() >= until:
                return
            window.add(
                await send_message(
                    http, target, sender_id, turn.for_customer(customer), headers
                )
            )
            if target.think_seconds:
                await asyncio.sleep(target.think_seconds)


async def run_closed_loop(
    worker: Callable[[aiohttp.ClientSession, int, float, Window], Awaitable[None]],
    concurrency: int,
    warmup_seconds: float,
    seconds: float,
) -> LevelStats:
    """Runs `concurrency` workers through a warm-up and a measured window.

    Args:
        worker: Coroutine function `(http, index, until, window)` sending messages
            until `until` and adding each sample to `window`.
        concurrency: Workers running at once.
        warmup_seconds: Leading seconds whose messages are not counted.
        seconds: The measured window.

    Returns:
        The figures of the measured window.
    """
    start = time.monotonic()
    window = Window(measure_from=start + warmup_seconds)
    until = window.measure_from + seconds
    connector = aiohttp.TCPConnector(limit=concurrency * 2, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(
            *(worker(http, index, until, window) for index in range(concurrency))
        )
    return summarize(concurrency, window.samples, seconds)


async def run_level(
    target: ChatTarget, concurrency: int, warmup_seconds: float, seconds: float
) -> LevelStats:
    """Drives `target`'s webhook with `concurrency` conversations at once.

    Args:
        target: The assistant.
        concurrency: Conversations at once.
        warmup_seconds: Warm-up before measuring.
        seconds: Measured window.

    Returns:
        The level's figures.
    """

    async def worker(
        http: aiohttp.ClientSession, index: int, until: float, window: Window
    ) -> None:
        await _conversations(http, target, index, until, window)

    return await run_closed_loop(worker, concurrency, warmup_seconds, seconds)


async def run_mixed(
    targets: Sequence[Tuple[ChatTarget, int]], warmup_seconds: float, seconds: float
) -> Dict[str, LevelStats]:
    """Runs several groups of conversations at the same time, measured apart.

    Args:
        targets: Each group's target (its `name` labels the result) and concurrency.
        warmup_seconds: Warm-up before measuring.
        seconds: Measured window.

    Returns:
        Figures per group name.
    """
    results = await asyncio.gather(
        *(run_level(target, n, warmup_seconds, seconds) for target, n in targets)
    )
    return {target.name: stats for (target, _), stats in zip(targets, results)}
