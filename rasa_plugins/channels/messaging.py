"""Rasa's messaging connectors with the slash guard in front of them.

Slack, Telegram, Twilio, Messenger and callback customers are not logged in:
they identify themselves through the in-chat verification (e-mail + code). What
these connectors lack is the guard against typed `/intent{...}` commands, the
per-sender rate limit and the answer within seconds when a turn stays silent;
these subclasses add the channels' guards (`guards.ChannelGuards`) and change
nothing else (same names, URLs and credentials).
"""

from typing import Any, Callable, Coroutine, List, Optional, Text

from rasa.core.channels.callback import CallbackInput
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput
from rasa.core.channels.slack import SlackInput
from rasa.core.channels.telegram import TelegramInput
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint

from rasa_plugins.channels.guards import ChannelGuards
from rasa_plugins.channels.slash_guard import SlashGuard, agent_of


class SlashGuardedChannel:
    """Mixin: messages pass the channels' guards before Rasa handles them."""

    slash_guard: SlashGuard = SlashGuard()
    #: The guards; the configured ones around `slash_guard` when `None`.
    guards: Optional[ChannelGuards] = None

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Coroutine[Any, Any, None]]
    ) -> Blueprint:
        """The connector's own blueprint, fed through the guards.

        Args:
            on_new_message: Rasa's message handler.

        Returns:
            The connector's blueprint.
        """
        registered: List[Blueprint] = []

        def agent() -> Optional[Any]:
            return agent_of(registered[0]) if registered else None

        if self.guards is None:
            self.guards = ChannelGuards.from_settings(self.slash_guard)
        guarded = self.guards.wrap(on_new_message, agent)
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
