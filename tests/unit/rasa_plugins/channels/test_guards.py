"""Tests of the order of the channels' guards."""

import asyncio
from typing import List

import pytest
import rasa.core.actions.action as rasa_action
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, UserUttered

from rasa_plugins.channels.guards import ChannelGuards
from rasa_plugins.channels.never_silent import NeverSilentGuard
from rasa_plugins.channels.rate_limit import RateLimiter, RateLimitGuard
from rasa_plugins.channels.slash_guard import SlashGuard
from tests.unit.rasa_plugins.channels.support import channel_domain, fake_agent

SLOW_DOWN = "You're sending messages faster than I can read them."
APOLOGY = "Sorry, I'm having a technical problem."


def _send(guards: ChannelGuards, texts: List[str]) -> tuple:
    """Sends `texts` from one sender; returns (texts Rasa got, replies per message)."""
    handled: List[str] = []

    async def rasa(message: UserMessage) -> None:
        handled.append(message.text or "")  # Rasa stays silent: its action failed

    async def scenario() -> List[List[str]]:
        history = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]
        agent = await fake_agent({"c1": history}, domain=channel_domain())
        handle = guards.wrap(rasa, lambda: agent)
        replies = []
        for text in texts:
            collector = CollectingOutputChannel()
            await handle(UserMessage(text, collector, "c1"))
            replies.append([message["text"] for message in collector.messages])
        return replies

    replies = asyncio.run(scenario())
    return handled, replies


def test_messages_pass_the_slash_guard_and_silence_becomes_an_apology() -> None:
    guards = ChannelGuards(SlashGuard(), NeverSilentGuard(deadline_seconds=0.5))

    handled, replies = _send(guards, ['/check_balance{"customer_id":"C2"}'])

    assert handled == ['check_balance{"customer_id":"C2"}']
    assert replies == [[APOLOGY]]


def test_throttled_messages_reach_neither_rasa_nor_the_deadline() -> None:
    guards = ChannelGuards(
        SlashGuard(),
        NeverSilentGuard(deadline_seconds=0.5),
        RateLimitGuard(RateLimiter(per_minute=1, burst=1)),
    )

    handled, replies = _send(guards, ["first", "second"])

    assert handled == ["first"]
    assert replies == [[APOLOGY], [SLOW_DOWN]]


def test_from_settings_limits_rates_and_rasas_action_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", 300)
    monkeypatch.setenv("ACTION_CALL_TIMEOUT_SECONDS", "40")
    monkeypatch.setenv("REPLY_DEADLINE_SECONDS", "3")
    monkeypatch.setenv("CHANNEL_RATE_LIMIT_BURST", "7")

    guards = ChannelGuards.from_settings(SlashGuard(frozenset({"/session_start"})))

    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 40
    assert guards.never_silent.deadline_seconds == 3
    assert guards.rate_limit is not None and guards.rate_limit.limiter.burst == 7
    assert guards.slash_guard.allowed_commands == frozenset({"/session_start"})
