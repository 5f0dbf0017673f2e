"""Tests of sending domain responses from a channel."""

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.events import BotUttered

from rasa_plugins.channels.responses import render_response, send_response
from tests.unit.rasa_plugins.channels.support import channel_domain, fake_agent


def test_renders_the_domain_response_like_an_utter_action() -> None:
    async def scenario() -> object:
        agent = await fake_agent(domain=channel_domain())
        return await render_response("utter_assistant_unavailable", "c1", "rest", agent)

    bot = asyncio.run(scenario())

    assert isinstance(bot, BotUttered)
    assert bot.text == "Sorry, I'm having a technical problem."
    assert bot.data["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]
    assert bot.metadata["utter_action"] == "utter_assistant_unavailable"


def test_sends_it_to_the_customer() -> None:
    async def scenario() -> CollectingOutputChannel:
        agent = await fake_agent(domain=channel_domain())
        collector = CollectingOutputChannel()
        await send_response("utter_slow_down", "c1", collector, agent)
        return collector

    collector = asyncio.run(scenario())

    assert [message["text"] for message in collector.messages] == [
        "You're sending messages faster than I can read them."
    ]
    assert collector.messages[0]["recipient_id"] == "c1"


def test_a_missing_response_or_agent_sends_nothing() -> None:
    async def scenario() -> tuple:
        agent = await fake_agent()  # empty domain
        collector = CollectingOutputChannel()
        missing = await send_response("utter_slow_down", "c1", collector, agent)
        no_agent = await send_response("utter_slow_down", "c1", collector, None)
        return missing, no_agent, collector.messages

    assert asyncio.run(scenario()) == (None, None, [])
