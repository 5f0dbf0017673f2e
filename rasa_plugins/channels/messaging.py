"""Rasa's messaging connectors with the slash guard in front of them.

Slack, Telegram, Twilio, Messenger and callback customers are not logged in:
they identify themselves through the in-chat verification (e-mail + code). What
these connectors lack is the guard against typed `/intent{...}` commands; these
subclasses add it and change nothing else (same names, URLs and credentials).
"""

from typing import Any, Callable, Coroutine, List, Optional, Text

from rasa.core.channels.callback import CallbackInput
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput
from rasa.core.channels.slack import SlackInput
from rasa.core.channels.telegram import TelegramInput
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint

from rasa_plugins.channels.slash_guard import SlashGuard, agent_of


class SlashGuardedChannel:
    """Mixin: messages pass the slash guard before Rasa handles them."""

    slash_guard: SlashGuard = SlashGuard()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Coroutine[Any, Any, None]]
    ) -> Blueprint:
        """The connector's own blueprint, fed through the guard.

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The connector's blueprint.
        """
        registered: List[Blueprint] = []

        def agent() -> Optional[Any]:
            return agent_of(registered[0]) if registered else None

        guarded = self.slash_guard.wrap(on_new_message, agent)
        blueprint = super().blueprint(guarded)  # type: ignore[misc]
        registered.append(blueprint)
        return blueprint


class GuardedSlackInput(SlashGuardedChannel, SlackInput):
    """Slack, with the slash guard."""


class GuardedTelegramInput(SlashGuardedChannel, TelegramInput):
    """Telegram, with the slash guard."""


class GuardedTwilioInput(SlashGuardedChannel, TwilioInput):
    """Twilio SMS and WhatsApp, with the slash guard."""


class GuardedFacebookInput(SlashGuardedChannel, FacebookInput):
    """Facebook Messenger, with the slash guard."""


class GuardedCallbackInput(SlashGuardedChannel, CallbackInput):
    """The callback channel for integrations, with the slash guard."""


__all__: List[Text] = [
    "GuardedCallbackInput",
    "GuardedFacebookInput",
    "GuardedSlackInput",
    "GuardedTelegramInput",
    "GuardedTwilioInput",
    "SlashGuardedChannel",
]
