"""Tests of the slash guard: the pure decision and the tracker-reading guard."""

import asyncio
from typing import Any, List

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
    YAMLStoryReader,
)
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.channels.slash_guard import (
    SlashGuard,
    guarded_text,
    neutralise,
    offered_payloads,
)
from tests.unit.rasa_plugins.channels.support import bot_with_buttons, fake_agent

BALANCE = '/check_balance{"customer_id":"C1002"}'


def _conversation(*bot_events: Event) -> List[Event]:
    """A tracker history: greeting, the customer's message, then `bot_events`."""
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet"}),
        *bot_events,
    ]


def _parsed_intent(text: str) -> Any:
    """The intent Rasa's RegexMessageHandler would set for a text, if any."""
    return YAMLStoryReader.unpack_regex_message(Message({"text": text})).get("intent")


# The decision function.


@pytest.mark.parametrize(
    "text", ["hello", "I want a refund", "refund/return", "C1002 / order 7", ""]
)
def test_text_without_a_leading_slash_is_untouched(text: str) -> None:
    assert guarded_text(text, []) == text
    assert guarded_text(text, _conversation(bot_with_buttons("/affirm"))) == text


def test_offered_button_payload_is_accepted() -> None:
    events = _conversation(
        ActionExecuted("utter_ask_confirm"),
        bot_with_buttons("/affirm", "/deny"),
        ActionExecuted("action_listen"),
    )

    assert guarded_text("/affirm", events) == "/affirm"
    assert guarded_text("/deny", events) == "/deny"


def test_offered_payload_with_entities_is_accepted_verbatim() -> None:
    payload = '/choose_order{"order_id":"ORD-1001"}'
    events = _conversation(bot_with_buttons(payload))

    assert guarded_text(payload, events) == payload


def test_payload_offered_before_the_latest_user_message_is_rejected() -> None:
    events = _conversation(
        bot_with_buttons("/affirm", "/deny"),
        ActionExecuted("action_listen"),
        UserUttered("/affirm", {"name": "affirm"}),
        BotUttered("Done."),
        ActionExecuted("action_listen"),
    )

    assert guarded_text("/affirm", events) == "affirm"
    assert guarded_text("/deny", events) == "deny"


def test_payload_with_different_entities_is_rejected() -> None:
    events = _conversation(bot_with_buttons('/choose_order{"order_id":"ORD-1001"}'))

    assert (
        guarded_text('/choose_order{"order_id":"ORD-9999"}', events)
        == 'choose_order{"order_id":"ORD-9999"}'
    )
    assert guarded_text("/choose_order", events) == "choose_order"


def test_typed_intents_are_neutralised_without_offered_buttons() -> None:
    assert guarded_text(BALANCE, []) == 'check_balance{"customer_id":"C1002"}'
    assert guarded_text("/request_refund", _conversation()) == "request_refund"
    assert (
        guarded_text("/request_refund", _conversation(BotUttered("How can I help?")))
        == "request_refund"
    )


def test_buttons_of_every_bot_message_since_the_user_message_count() -> None:
    events = _conversation(
        bot_with_buttons("/affirm"),
        SlotSet("order_id", "ORD-1001"),
        bot_with_buttons("/choose_refund", key="quick_replies"),
        ActionExecuted("action_listen"),
    )

    assert offered_payloads(events) == {"/affirm", "/choose_refund"}
    assert guarded_text("/choose_refund", events) == "/choose_refund"


def test_payloads_are_compared_without_surrounding_whitespace() -> None:
    events = _conversation(bot_with_buttons(" /affirm "))

    assert guarded_text("/affirm", events) == "/affirm"


def test_malformed_button_data_offers_nothing() -> None:
    events = _conversation(
        BotUttered(
            "Pick",
            data={
                "buttons": [
                    {"title": "no payload"},
                    {"title": "empty", "payload": ""},
                    {"title": "number", "payload": 7},
                    "not-a-dict",
                ],
                "quick_replies": None,
            },
        )
    )

    assert offered_payloads(events) == set()
    assert guarded_text("/affirm", events) == "affirm"


def test_user_message_without_bot_reply_offers_nothing() -> None:
    events = _conversation(bot_with_buttons("/affirm"), UserUttered("and?"))

    assert offered_payloads(events) == set()


def test_allowed_commands_pass_without_buttons() -> None:
    allowed = frozenset({"/session_start"})

    assert guarded_text("/session_start", [], allowed) == "/session_start"
    assert guarded_text("/restart", [], allowed) == "restart"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/greet", "greet"),
        ("//greet", "greet"),
        ("  /greet", "greet"),
        ("/ /greet", "greet"),
        ("/\t/ \n/greet{}", "greet{}"),
        ("/", ""),
        ("/refund /now", "refund /now"),
    ],
)
def test_neutralise_strips_every_leading_slash(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    "attack",
    [
        BALANCE,
        "/request_refund",
        "//request_refund",
        "/ /request_refund",
        ' / /check_balance@1.0{"customer_id":"C1002"}',
    ],
)
def test_neutralised_text_is_no_longer_parsed_as_an_intent(attack: str) -> None:
    assert _parsed_intent(attack) is not None  # what the guard prevents

    guarded = guarded_text(attack, _conversation(bot_with_buttons("/affirm")))

    # UserMessage strips the text before Rasa parses it.
    assert _parsed_intent(guarded.strip()) is None


# The guard reading the tracker store.


def _guard(text: str, agent: Any, sender_id: str = "s1") -> str:
    message = UserMessage(text, sender_id=sender_id)
    asyncio.run(SlashGuard().guard(message, agent))
    return message.text


def test_guard_accepts_a_button_offered_in_the_stored_tracker() -> None:
    async def scenario() -> Any:
        return await fake_agent({"s1": _conversation(bot_with_buttons("/affirm"))})

    agent = asyncio.run(scenario())

    assert _guard("/affirm", agent) == "/affirm"
    assert _guard(BALANCE, agent) == 'check_balance{"customer_id":"C1002"}'


def test_guard_reads_the_tracker_of_the_sender_only() -> None:
    async def scenario() -> Any:
        return await fake_agent({"other": _conversation(bot_with_buttons("/affirm"))})

    agent = asyncio.run(scenario())

    assert _guard("/affirm", agent, sender_id="s1") == "affirm"


def test_guard_without_agent_accepts_no_slash_command() -> None:
    assert _guard("/affirm", None) == "affirm"
    assert _guard("hello", None) == "hello"


class _BrokenTrackerStore:
    def __init__(self) -> None:
        self.reads = 0

    async def retrieve(self, sender_id: str) -> None:
        self.reads += 1
        raise ConnectionError("tracker store down")


def test_guard_fails_closed_when_the_tracker_store_fails() -> None:
    async def scenario() -> Any:
        agent = await fake_agent()
        agent.tracker_store = _BrokenTrackerStore()
        return agent

    agent = asyncio.run(scenario())

    assert _guard("/affirm", agent) == "affirm"
    assert agent.tracker_store.reads == 1


def test_guard_does_not_read_the_tracker_for_ordinary_text() -> None:
    async def scenario() -> Any:
        agent = await fake_agent()
        agent.tracker_store = _BrokenTrackerStore()
        return agent

    agent = asyncio.run(scenario())

    assert _guard("refund my order", agent) == "refund my order"
    assert agent.tracker_store.reads == 0


def test_guard_waits_for_the_conversation_being_processed() -> None:
    """A click on a just-sent button must see the tracker saved after it."""

    async def scenario() -> str:
        agent = await fake_agent({"s1": _conversation()})
        message = UserMessage("/affirm", sender_id="s1")
        async with agent.lock_store.lock("s1"):
            guarding = asyncio.ensure_future(SlashGuard().guard(message, agent))
            await asyncio.sleep(0.2)
            assert not guarding.done()
            await agent.tracker_store.save(
                DialogueStateTracker.from_events(
                    "s1", _conversation(bot_with_buttons("/affirm"))
                )
            )
        await asyncio.wait_for(guarding, 5)
        return message.text

    assert asyncio.run(scenario()) == "/affirm"


def test_wrapped_handler_receives_the_guarded_message() -> None:
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> str:
        received.append(message)
        return "handled"

    async def scenario() -> Any:
        agent = await fake_agent({"s1": _conversation(bot_with_buttons("/affirm"))})
        handler = SlashGuard().wrap(on_new_message, lambda: agent)
        return [
            await handler(UserMessage("/affirm", sender_id="s1")),
            await handler(UserMessage("/deny", sender_id="s1")),
        ]

    assert asyncio.run(scenario()) == ["handled", "handled"]
    assert [message.text for message in received] == ["/affirm", "deny"]
