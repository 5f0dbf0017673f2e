"""Tests of the per-sender rate limit of the customer channels."""

import asyncio
from typing import List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from rasa_plugins.channels.rate_limit import (
    RateLimiter,
    RateLimitGuard,
    connect_limiter_from_settings,
    message_limiter_from_settings,
)
from tests.unit.rasa_plugins.channels.support import channel_domain, fake_agent

SLOW_DOWN = "You're sending messages faster than I can read them."


class FakeClock:
    """Monotonic time that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_new_sender_has_the_burst_then_waits_for_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=20, burst=10, clock=clock)

    assert [limiter.allow("sender:a") for _ in range(11)] == [True] * 10 + [False]
    clock.now += 2.9  # 20 a minute: one token every 3 s
    assert not limiter.allow("sender:a")
    clock.now += 0.2
    assert limiter.allow("sender:a")
    assert not limiter.allow("sender:a")


def test_buckets_refill_up_to_the_burst_only() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    for _ in range(3):
        limiter.allow("k")

    clock.now += 3600

    assert [limiter.allow("k") for _ in range(4)] == [True, True, True, False]


def test_senders_have_their_own_buckets() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, clock=FakeClock())

    assert limiter.allow("sender:a")
    assert not limiter.allow("sender:a")
    assert limiter.allow("sender:b")


def test_several_keys_are_charged_all_or_nothing() -> None:
    limiter = RateLimiter(per_minute=1, burst=2, clock=FakeClock())
    assert limiter.allow("socket:1", "sender:a")
    assert limiter.allow("socket:1", "sender:b")

    # The socket is empty: the new session id gets nothing and loses nothing.
    assert not limiter.allow("socket:1", "sender:c")
    assert limiter.allow("socket:2", "sender:c")
    assert limiter.allow("socket:3", "sender:c")
    assert not limiter.allow("socket:4", "sender:c")


def test_least_recently_seen_keys_are_forgotten_beyond_the_maximum() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, clock=FakeClock(), max_keys=2)
    limiter.allow("a")
    limiter.allow("b")
    limiter.allow("c")  # forgets "a"

    assert limiter.allow("a")  # a full bucket again
    assert not limiter.allow("c")


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_invalid_rates_are_refused(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute, burst)


def test_guard_answers_excess_messages_without_handling_them() -> None:
    handled: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        handled.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, "answer")

    async def scenario() -> List[List[str]]:
        agent = await fake_agent(domain=channel_domain())
        guard = RateLimitGuard(RateLimiter(per_minute=1, burst=2, clock=FakeClock()))
        handle = guard.wrap(on_new_message, lambda: agent)
        replies = []
        for number in range(4):
            collector = CollectingOutputChannel()
            await handle(UserMessage(f"message {number}", collector, "c1"))
            replies.append([message["text"] for message in collector.messages])
        return replies

    replies = asyncio.run(scenario())

    assert handled == ["message 0", "message 1"]  # never reached NLU
    assert replies == [["answer"], ["answer"], [SLOW_DOWN], [SLOW_DOWN]]


def test_guard_charges_extra_keys() -> None:
    handled: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        handled.append(message.sender_id)

    async def scenario() -> None:
        guard = RateLimitGuard(RateLimiter(per_minute=1, burst=1, clock=FakeClock()))
        handle = guard.wrap(on_new_message, lambda: None)
        await handle(UserMessage("a", CollectingOutputChannel(), "s1"), "socket:x")
        await handle(UserMessage("b", CollectingOutputChannel(), "s2"), "socket:x")

    asyncio.run(scenario())

    assert handled == ["s1"]


def test_rates_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANNEL_RATE_LIMIT_PER_MINUTE", "6")
    monkeypatch.setenv("CHANNEL_RATE_LIMIT_BURST", "2")
    monkeypatch.setenv("CHANNEL_CONNECT_RATE_PER_MINUTE", "12")
    monkeypatch.setenv("CHANNEL_CONNECT_BURST", "4")

    messages, connects = message_limiter_from_settings(), connect_limiter_from_settings()

    assert (messages.per_second, messages.burst) == (0.1, 2)
    assert (connects.per_second, connects.burst) == (0.2, 4)
