"""The messaging connectors read a typed `/intent{...}` as text, and buttons still work."""

import asyncio
from typing import Any, List

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, UserUttered

from rasa_plugins.channels.messaging import GuardedCallbackInput
from tests.unit.rasa_plugins.channels.support import bot_with_buttons, fake_agent, serve

BUTTON = '/inform{"order_id":"KL-482913"}'


def _send(text: str, history: List[Any]) -> List[UserMessage]:
    received: List[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    async def scenario() -> None:
        agent = await fake_agent({"c1": history})
        channel = GuardedCallbackInput("http://127.0.0.1:9/unused")
        async with serve(channel.blueprint(on_new_message), "/webhooks/callback", agent) as url:
            async with aiohttp.ClientSession() as session:
                body = {"sender": "c1", "message": text}
                async with session.post(f"{url}/webhooks/callback/webhook", json=body) as reply:
                    assert reply.status == 200
        for _ in range(50):  # the callback channel handles the message after answering
            if received:
                return
            await asyncio.sleep(0.02)

    asyncio.run(scenario())
    return received


def _offered() -> List[Any]:
    return [
        ActionExecuted("action_listen"),
        UserUttered("refund please", {"name": "request_refund"}),
        bot_with_buttons(BUTTON),
        ActionExecuted("action_listen"),
    ]


def test_typed_intent_command_reaches_rasa_as_text() -> None:
    received = _send('/check_balance{"customer_id":"C1002"}', _offered())
    assert received[0].text == 'check_balance{"customer_id":"C1002"}'


def test_offered_button_payload_passes_unchanged() -> None:
    received = _send(BUTTON, _offered())
    assert received[0].text == BUTTON


def test_connector_keeps_its_name() -> None:
    assert GuardedCallbackInput.name() == "callback"
