"""Sends a response of the domain from a channel, outside Rasa's dialogue loop.

The channels answer some messages themselves (a turn that stays silent, a
sender who is too fast). The text still lives in `domain.yml`: it is rendered by
the agent's response generator, exactly as an `utter_` action would be.
"""

import logging
from typing import TYPE_CHECKING, Optional, Text

from rasa.core.actions.action import create_bot_utterance
from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker

if TYPE_CHECKING:
    from rasa.core.agent import Agent

logger = logging.getLogger(__name__)


async def render_response(
    name: Text, sender_id: Text, channel_name: Text, agent: Optional["Agent"]
) -> Optional[BotUttered]:
    """Renders a domain response for a conversation.

    The conversation's own tracker is not read (its lock may be held by a turn
    that hangs): the response is rendered with the domain's initial slot values.

    Args:
        name: The response, e.g. `utter_assistant_unavailable`.
        sender_id: The conversation.
        channel_name: The output channel's name (channel-specific variations).
        agent: The Rasa agent; without a loaded model nothing can be rendered.

    Returns:
        The bot message, or `None` when there is no agent, domain or response.
    """
    if agent is None or agent.domain is None:
        logger.error("No loaded model to render %s for sender %s.", name, sender_id)
        return None
    tracker = DialogueStateTracker.from_events(
        sender_id, [], slots=agent.domain.slots
    )
    try:
        message = await agent.nlg.generate(name, tracker, channel_name)
    except Exception:  # a broken NLG server must not break the channel
        logger.exception("Could not render %s for sender %s.", name, sender_id)
        return None
    if not message:
        logger.error("The domain has no response %s.", name)
        return None
    message["utter_action"] = name
    return create_bot_utterance(message)


async def send_response(
    name: Text,
    sender_id: Text,
    output_channel: OutputChannel,
    agent: Optional["Agent"],
) -> Optional[BotUttered]:
    """Renders a domain response and sends it to the customer.

    Args:
        name: The response, e.g. `utter_slow_down`.
        sender_id: The conversation.
        output_channel: Where the customer reads the bot's messages.
        agent: The Rasa agent.

    Returns:
        The message sent, or `None` if nothing could be rendered or sent.
    """
    bot = await render_response(name, sender_id, output_channel.name(), agent)
    if bot is None:
        return None
    try:
        await output_channel.send_response(sender_id, bot.message())
    except Exception:
        logger.exception("Could not send %s to sender %s.", name, sender_id)
        return None
    return bot
