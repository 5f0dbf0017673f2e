"""The guards every customer channel puts in front of Rasa, in their order.

1. rate limit: a too fast sender gets `utter_slow_down`; the message goes no further;
2. never silent: the rest runs with a deadline; silence becomes an apology;
3. slash guard: a typed `/intent{...}` that no offered button matches becomes text;
4. repeated messages: a message the client sends again with the same key gets
   its stored answer instead of a second turn;
5. Rasa's own handling (NLU, policies, actions).
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage

from rasa_plugins import settings
from rasa_plugins.action_timeout import limit_action_call_timeout
from rasa_plugins.action_validation import cache_action_result_validation
from rasa_plugins.channels.never_silent import NeverSilentGuard, never_silent_from_settings
from rasa_plugins.channels.rate_limit import (
    GuardedHandler,
    RateLimitGuard,
    message_limiter_from_settings,
)
from rasa_plugins.channels.repeated_messages import RepeatedMessageGuard
from rasa_plugins.channels.slash_guard import SlashGuard
from rasa_plugins.rule_lookup import index_rule_lookups

if TYPE_CHECKING:
    from rasa.core.agent import Agent

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
AgentSource = Callable[[], Optional["Agent"]]


@dataclass
class ChannelGuards:
    """The guards of one channel.

    Attributes:
        slash_guard: Guard against typed intents.
        never_silent: Deadline of a turn, and the apology for silence.
        rate_limit: Per-sender rate limit; `None` for none.
        repeated: Answers a message sent again from the tracker.
    """

    slash_guard: SlashGuard = field(default_factory=SlashGuard)
    never_silent: NeverSilentGuard = field(default_factory=NeverSilentGuard)
    rate_limit: Optional[RateLimitGuard] = None
    repeated: RepeatedMessageGuard = field(default_factory=RepeatedMessageGuard)

    @classmethod
    def from_settings(cls, slash_guard: SlashGuard) -> "ChannelGuards":
        """The guards as configured by the environment (see `rasa_plugins.settings`).

        Also lowers Rasa's wait for the action server below its conversation
        lock (`ACTION_CALL_TIMEOUT_SECONDS`, see `rasa_plugins.action_timeout`)
        makes it validate the action server's answers with a validator built
        once (`rasa_plugins.action_validation`) and find applicable rules
        through an index (`rasa_plugins.rule_lookup`): channels are built once,
        when the Rasa server starts.

        Args:
            slash_guard: The channel's slash guard (from its credentials).

        Returns:
            The guards.
        """
        limit_action_call_timeout(settings.action_call_timeout_seconds())
        cache_action_result_validation()
        index_rule_lookups()
        return cls(
            slash_guard=slash_guard,
            never_silent=never_silent_from_settings(),
            rate_limit=RateLimitGuard(message_limiter_from_settings()),
        )

    def wrap(self, on_new_message: OnNewMessage, agent: AgentSource) -> GuardedHandler:
        """Puts the guards in front of Rasa's message handler.

        Args:
            on_new_message: Rasa's handler (`agent.handle_message`).
            agent: Returns the current agent (looked up per message because
                `rasa run` loads it after the channels are registered).

        Returns:
            The handler for the channel: `handler(message, *extra_rate_keys)`.
        """
        once = self.repeated.wrap(on_new_message, agent)
        handle = self.never_silent.wrap(self.slash_guard.wrap(once, agent), agent)
        if self.rate_limit is not None:
            return self.rate_limit.wrap(handle, agent)

        async def unlimited(message: UserMessage, *extra_keys: Text) -> Any:
            return await handle(message)

        return unlimited
