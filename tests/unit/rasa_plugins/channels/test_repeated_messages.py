"""Tests of the repeated-message guard: a message sent again is answered, not run twice."""

import asyncio
import json
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins.channels.identity import IdentityVerifier
from rasa_plugins.channels.repeated_messages import (
    CLIENT_MESSAGE_ID,
    RepeatedMessageGuard,
    client_message_id,
    stored_turn,
)
from rasa_plugins.channels.signed_rest import SignedRestInput
from tests.unit.rasa_plugins.channels.support import KEY, fake_agent, make_token, serve

SENDER = "c1"
KEY_1 = "msg-0000-0001"
ADA = {"verified_customer_id": "cus_ada"}
BEN = {"verified_customer_id": "cus_ben"}


class CountingProcessor:
    """Stands in for Rasa's processor: stores the turn, answers with a numbered reply."""

    def __init__(self, agent: Agent, delay: float = 0.0) -> None:
        self.agent = agent
        self.delay = delay
        self.turns: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.turns.append(message)
        await asyncio.sleep(self.delay)
        store = self.agent.tracker_store
        tracker = await store.retrieve(message.sender_id) or DialogueStateTracker(
            message.sender_id, []
        )
        reply = BotUttered(
            f"Reply {len(self.turns)} to {message.text}",
            data={"buttons": [{"title": "Talk to a person", "payload": "/human_handoff"}]},
        )
        # As Rasa does, the stored metadata gains the model's ids.
        stored_metadata = {**(message.metadata or {}), "model_id": "m1", "assistant_id": "a1"}
        tracker.update(
            UserUttered(message.text, message_id=message.message_id, metadata=stored_metadata)
        )
        tracker.update(reply)
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
        await message.output_channel.send_response(message.sender_id, reply.message())


async def _agent(delay: float = 0.0) -> tuple:
    agent = await fake_agent()
    processor = CountingProcessor(agent, delay)
    agent.processor = processor  # type: ignore[assignment]
    return agent, processor


async def _not_rasa(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, "unkeyed path")


async def _send(
    agent: Agent, text: str, key: Optional[str], metadata: Optional[Dict[str, Any]] = None
) -> List[Dict[str, Any]]:
    collector = CollectingOutputChannel()
    metadata = dict(metadata if metadata is not None else ADA)
    if key is not None:
        metadata[CLIENT_MESSAGE_ID] = key
    handler = RepeatedMessageGuard().wrap(_not_rasa, lambda: agent)
    await handler(UserMessage(text, collector, SENDER, metadata=metadata))
    return collector.messages


def test_a_message_without_key_goes_to_rasa_unchanged() -> None:
    async def scenario() -> tuple:
        agent, processor = await _agent()
        return await _send(agent, "hi", None), processor

    replies, processor = asyncio.run(scenario())
    assert [r["text"] for r in replies] == ["unkeyed path"]
    assert processor.turns == []


def test_a_repeated_key_gets_the_stored_answer_and_runs_once() -> None:
    async def scenario() -> tuple:
        agent, processor = await _agent()
        first = await _send(agent, "refund order 123", KEY_1)
        again = await _send(agent, "refund order 123", KEY_1)
        tracker = await agent.tracker_store.retrieve(SENDER)
        return first, again, processor, tracker

    first, again, processor, tracker = asyncio.run(scenario())
    assert len(processor.turns) == 1
    assert first == again
    assert first[0]["text"] == "Reply 1 to refund order 123"
    assert first[0]["buttons"][0]["payload"] == "/human_handoff"
    users = [e for e in tracker.events if isinstance(e, UserUttered)]
    assert [u.message_id for u in users] == [KEY_1]
    assert CLIENT_MESSAGE_ID not in users[0].metadata


def test_the_next_message_is_a_new_turn_and_a_late_repeat_replays_only_its_own_answer() -> None:
    async def scenario() -> tuple:
        agent, processor = await _agent()
        await _send(agent, "first", KEY_1)
        second = await _send(agent, "second", "msg-0000-0002")
        late = await _send(agent, "first", KEY_1)
        return second, late, processor

    second, late, processor = asyncio.run(scenario())
    assert len(processor.turns) == 2
    assert [r["text"] for r in second] == ["Reply 2 to second"]
    assert [r["text"] for r in late] == ["Reply 1 to first"]


def test_a_repeat_arriving_while_the_first_still_runs_waits_and_replays() -> None:
    async def scenario() -> tuple:
        agent, processor = await _agent(delay=0.3)
        both = await asyncio.gather(
            _send(agent, "pay now", KEY_1), _send(agent, "pay now", KEY_1)
        )
        return both, processor

    (first, again), processor = asyncio.run(scenario())
    assert len(processor.turns) == 1
    assert first == again and first[0]["text"] == "Reply 1 to pay now"


def test_a_key_under_another_identity_is_never_replayed() -> None:
    async def scenario() -> tuple:
        agent, processor = await _agent()
        await _send(agent, "what is my balance", KEY_1, ADA)
        other = await _send(agent, "what is my balance", KEY_1, BEN)
        anonymous = await _send(agent, "what is my balance", KEY_1, {})
        tracker = await agent.tracker_store.retrieve(SENDER)
        return other, anonymous, processor, tracker

    other, anonymous, processor, tracker = asyncio.run(scenario())
    assert len(processor.turns) == 3
    assert [r["text"] for r in other] == ["Reply 2 to what is my balance"]
    assert [r["text"] for r in anonymous] == ["Reply 3 to what is my balance"]
    ids = [e.message_id for e in tracker.events if isinstance(e, UserUttered)]
    assert ids[0] == KEY_1 and KEY_1 not in ids[1:]  # new messages get their own ids


def test_without_a_loaded_agent_the_message_goes_to_rasa() -> None:
    async def scenario() -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        handler = RepeatedMessageGuard().wrap(_not_rasa, lambda: None)
        message = UserMessage("hi", collector, SENDER, metadata={CLIENT_MESSAGE_ID: KEY_1})
        await handler(message)
        assert message.metadata == {}
        return collector.messages

    assert [r["text"] for r in asyncio.run(scenario())] == ["unkeyed path"]


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("msg-0000-0001", "msg-0000-0001"),
        ("  3f2b9c1e-5d4a-4e7b-9a0c-1b2c3d4e5f60 ", "3f2b9c1e-5d4a-4e7b-9a0c-1b2c3d4e5f60"),
        ("short", None),
        ("x" * 129, None),
        ("has space inside", None),
        ("semi;colon;key", None),
    ],
)
def test_client_message_id_accepts_only_well_formed_keys(
    value: Optional[str], expected: Optional[str]
) -> None:
    assert client_message_id(value) == expected


def test_stored_turn_stops_at_the_next_customer_message() -> None:
    tracker = DialogueStateTracker.from_events(
        SENDER,
        [
            UserUttered("a", message_id="k-a"),
            BotUttered("to a 1"),
            BotUttered("to a 2"),
            UserUttered("b", message_id="k-b"),
            BotUttered("to b"),
            UserUttered("c", message_id="k-c"),
        ],
    )
    first = stored_turn(tracker, "k-a")
    assert first is not None and first[0].text == "a"
    assert [b.text for b in first[1]] == ["to a 1", "to a 2"]
    last = stored_turn(tracker, "k-c")
    assert last is not None and last[1] == []
    assert stored_turn(tracker, "k-missing") is None


def test_the_rest_channel_answers_a_resent_request_from_the_tracker() -> None:
    async def scenario() -> tuple:
        agent, processor = await _agent()
        channel = SignedRestInput(IdentityVerifier(KEY))
        headers = {"Authorization": f"Bearer {make_token()}", "Idempotency-Key": KEY_1}
        body = {"sender": SENDER, "message": "where is my refund"}
        replies = []
        async with serve(channel.blueprint(_not_rasa), "/webhooks/rest", agent) as url:
            async with aiohttp.ClientSession() as session:
                for _ in range(2):
                    async with session.post(
                        f"{url}/webhooks/rest/webhook", json=body, headers=headers
                    ) as response:
                        assert response.status == 200
                        replies.append(json.loads(await response.text()))
        return replies, processor

    (first, again), processor = asyncio.run(scenario())
    assert len(processor.turns) == 1
    assert processor.turns[0].metadata == ADA
    assert first == again
    assert first[0]["text"] == "Reply 1 to where is my refund"
