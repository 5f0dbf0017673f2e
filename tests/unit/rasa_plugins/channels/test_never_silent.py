"""Tests of the never-silent guard: every customer turn answers within its deadline."""

import asyncio
import time
from typing import Any, Awaitable, Callable, List, Optional

import aiohttp
import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, UserUttered

from rasa_plugins.channels.guards import ChannelGuards
from rasa_plugins.channels.identity import IdentityVerifier
from rasa_plugins.channels.never_silent import (
    NeverSilentGuard,
    WatchedOutputChannel,
    never_silent_from_settings,
)
from rasa_plugins.channels.signed_rest import SignedRestInput
from rasa_plugins.channels.slash_guard import SlashGuard
from tests.unit.rasa_plugins.channels.support import KEY, channel_domain, fake_agent, serve

DEADLINE = 0.3
SENDER = "c1"
APOLOGY = "Sorry, I'm having a technical problem."

Handler = Callable[[UserMessage], Awaitable[Any]]


def _history() -> List[Any]:
    return [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"})]


async def _agent(paused: bool = False) -> Agent:
    events = _history() + ([ConversationPaused()] if paused else [])
    return await fake_agent({SENDER: events}, domain=channel_domain())


def answering(text: str = "Your balance is 10 EUR.", delay: float = 0.0) -> Handler:
    async def handle(message: UserMessage) -> None:
        await asyncio.sleep(delay)
        await message.output_channel.send_text_message(message.sender_id, text)

    return handle


async def silent(message: UserMessage) -> None:
    """A turn whose custom action failed: Rasa logs it and sends nothing."""


async def failing(message: UserMessage) -> None:
    raise RuntimeError("tracker store unreachable")


async def _run(
    handler: Handler, agent: Optional[Agent], guard: Optional[NeverSilentGuard] = None
) -> tuple:
    """Runs one guarded turn; returns (texts sent, seconds taken, guard)."""
    guard = guard or NeverSilentGuard(deadline_seconds=DEADLINE)
    collector = CollectingOutputChannel()
    started = time.monotonic()
    await guard.wrap(handler, lambda: agent)(UserMessage("hello", collector, SENDER))
    elapsed = time.monotonic() - started
    return [message.get("text") for message in collector.messages], elapsed, guard


async def _settle(guard: NeverSilentGuard) -> None:
    """Waits for the turns and records the guard left in the background."""
    while guard._background:
        await asyncio.gather(*list(guard._background), return_exceptions=True)


def test_an_answered_turn_passes_unchanged() -> None:
    async def scenario() -> tuple:
        agent = await _agent()
        return await _run(answering(), agent)

    texts, _, _ = asyncio.run(scenario())

    assert texts == ["Your balance is 10 EUR."]


def test_a_silent_turn_gets_the_apology_with_the_way_to_a_person() -> None:
    async def scenario() -> tuple:
        agent = await _agent()
        guard = NeverSilentGuard(deadline_seconds=DEADLINE)
        collector = CollectingOutputChannel()
        await guard.wrap(silent, lambda: agent)(UserMessage("hello", collector, SENDER))
        # Already recorded when the reply leaves, not some time later.
        tracker = await agent.tracker_store.retrieve(SENDER)
        return collector.messages, tracker

    messages, tracker = asyncio.run(scenario())

    assert [message["text"] for message in messages] == [APOLOGY]
    assert messages[0]["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]
    assert messages[0]["recipient_id"] == SENDER
    # Recorded, so the transcript shows it and its button counts as offered.
    recorded = [event for event in tracker.events if isinstance(event, BotUttered)]
    assert [event.text for event in recorded] == [APOLOGY]
    assert recorded[0].data["buttons"][0]["payload"] == "/human_handoff"


def test_a_failing_turn_gets_the_apology() -> None:
    async def scenario() -> tuple:
        return await _run(failing, await _agent())

    texts, _, _ = asyncio.run(scenario())

    assert texts == [APOLOGY]


def test_a_slow_turn_gets_the_apology_at_the_deadline_and_goes_on() -> None:
    async def scenario() -> tuple:
        agent = await _agent()
        guard = NeverSilentGuard(deadline_seconds=DEADLINE)
        collector = CollectingOutputChannel()
        started = time.monotonic()
        await guard.wrap(answering("late answer", delay=1.0), lambda: agent)(
            UserMessage("hello", collector, SENDER)
        )
        elapsed = time.monotonic() - started
        at_deadline = [message["text"] for message in collector.messages]
        await _settle(guard)
        tracker = await agent.tracker_store.retrieve(SENDER)
        return at_deadline, elapsed, collector.messages, tracker

    at_deadline, elapsed, later, tracker = asyncio.run(scenario())

    assert at_deadline == [APOLOGY]
    assert DEADLINE <= elapsed < DEADLINE + 0.5
    # The turn was not cancelled: its answer still came (pushed channels show it).
    assert [message["text"] for message in later] == [APOLOGY, "late answer"]
    assert APOLOGY in [e.text for e in tracker.events if isinstance(e, BotUttered)]


def test_a_slow_turn_that_already_said_something_still_gets_the_apology() -> None:
    async def started_then_hangs(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Let me check.")
        await asyncio.sleep(1.0)

    async def scenario() -> tuple:
        agent = await _agent()
        texts, _, guard = await _run(started_then_hangs, agent)
        await _settle(guard)
        return texts

    assert asyncio.run(scenario()) == ["Let me check.", APOLOGY]


@pytest.mark.parametrize("handler", [silent, answering(delay=1.0)], ids=["silent", "slow"])
def test_a_paused_conversation_stays_silent(handler: Handler) -> None:
    # A person has the conversation: the bot is silent on purpose.
    async def scenario() -> tuple:
        agent = await _agent(paused=True)
        texts, _, guard = await _run(handler, agent)
        await _settle(guard)
        return texts

    texts = asyncio.run(scenario())

    assert APOLOGY not in texts


def test_an_unreadable_tracker_counts_as_not_paused() -> None:
    async def scenario() -> tuple:
        agent = await _agent(paused=True)

        async def hanging_retrieve(sender_id: str) -> Any:
            await asyncio.sleep(10)

        agent.tracker_store.retrieve = hanging_retrieve  # type: ignore[assignment]
        guard = NeverSilentGuard(deadline_seconds=DEADLINE, tracker_seconds=0.1)
        return await _run(silent, agent, guard)

    texts, elapsed, _ = asyncio.run(scenario())

    assert texts == [APOLOGY]
    assert elapsed < 1.0


def test_without_a_loaded_model_nothing_is_sent_and_nothing_breaks() -> None:
    texts, _, _ = asyncio.run(_run(silent, None))

    assert texts == []


def test_watched_channel_counts_and_delegates() -> None:
    async def scenario() -> tuple:
        collector = CollectingOutputChannel()
        watched = WatchedOutputChannel(collector)
        await watched.send_response(SENDER, {"text": "one"})
        await watched.send_text_message(SENDER, "two")
        return watched, collector

    watched, collector = asyncio.run(scenario())

    assert watched.sent == 2
    assert [message["text"] for message in watched.messages] == ["one", "two"]
    assert watched.name() == collector.name()


def test_deadline_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLY_DEADLINE_SECONDS", "2.5")

    assert never_silent_from_settings().deadline_seconds == 2.5


def test_rest_webhook_answers_a_hanging_turn_within_the_deadline() -> None:
    async def hanging(message: UserMessage) -> None:
        await asyncio.sleep(5)

    async def scenario() -> tuple:
        agent = await _agent()
        channel = SignedRestInput(
            IdentityVerifier(KEY),
            guards=ChannelGuards(SlashGuard(), NeverSilentGuard(deadline_seconds=DEADLINE)),
        )
        async with serve(channel.blueprint(hanging), "/webhooks/rest", agent) as url:
            started = time.monotonic()
            async with aiohttp.ClientSession() as session:
                body = {"sender": SENDER, "message": "what do I owe?"}
                async with session.post(f"{url}/webhooks/rest/webhook", json=body) as reply:
                    assert reply.status == 200
                    return await reply.json(), time.monotonic() - started

    replies, elapsed = asyncio.run(scenario())

    assert [reply["text"] for reply in replies] == [APOLOGY]
    assert elapsed < DEADLINE + 1.0


def test_the_apology_button_works_right_after_a_hanging_turn() -> None:
    # Rasa holds the conversation lock while the turn hangs; the customer presses
    # the apology's button as soon as it shows.
    async def scenario() -> str:
        agent = await _agent()

        async def hanging_rasa_turn(message: UserMessage) -> None:
            async with agent.lock_store.lock(message.sender_id, wait_time_in_seconds=0.01):
                await asyncio.sleep(0.5)
                tracker = await agent.tracker_store.retrieve(message.sender_id)
                tracker.update(UserUttered(message.text, {"name": "check_balance"}))
                await agent.tracker_store.save(tracker)

        guard = NeverSilentGuard(deadline_seconds=0.1)
        await guard.wrap(hanging_rasa_turn, lambda: agent)(
            UserMessage("what do I owe?", CollectingOutputChannel(), SENDER)
        )
        pressed = UserMessage("/human_handoff", CollectingOutputChannel(), SENDER)
        await SlashGuard().guard(pressed, agent)
        await _settle(guard)
        return pressed.text

    assert asyncio.run(scenario()) == "/human_handoff"  # not neutralised


def test_a_turn_failing_after_a_reply_still_gets_the_apology() -> None:
    # E.g. the tracker store went away between the bot's reply and the save:
    # the reply was not kept, the conversation cannot go on from it.
    async def replied_then_failed(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Done.")
        raise ConnectionError("tracker store unreachable")

    async def scenario() -> tuple:
        return await _run(replied_then_failed, await _agent())

    texts, _, _ = asyncio.run(scenario())

    assert texts == ["Done.", APOLOGY]


def test_rest_webhook_answers_a_failing_turn_with_the_apology() -> None:
    # Without the guard Rasa's REST channel logs the error and answers `[]`.
    async def lock_store_down(message: UserMessage) -> None:
        raise LockError("Error while acquiring lock. Error:\nConnection refused")

    async def scenario() -> tuple:
        agent = await _agent()
        channel = SignedRestInput(
            IdentityVerifier(KEY),
            guards=ChannelGuards(SlashGuard(), NeverSilentGuard(deadline_seconds=DEADLINE)),
        )
        async with serve(channel.blueprint(lock_store_down), "/webhooks/rest", agent) as url:
            started = time.monotonic()
            async with aiohttp.ClientSession() as session:
                body = {"sender": SENDER, "message": "what do I owe?"}
                async with session.post(f"{url}/webhooks/rest/webhook", json=body) as reply:
                    return reply.status, await reply.json(), time.monotonic() - started

    status, replies, elapsed = asyncio.run(scenario())

    assert status == 200
    assert [reply["text"] for reply in replies] == [APOLOGY]
    assert elapsed < DEADLINE  # at once, not at the deadline
