"""Stops customers from typing `/intent{entities}` to bypass NLU on public channels.

Rasa parses a message starting with `/` as an intent with entities, skipping NLU.
On a public channel that lets anyone set intents and entities (for instance
`/check_balance{"customer_id": "C1002"}`). A `/...` message is therefore passed on
unchanged only when it is one of the button payloads the bot offered to this
sender since their latest message; any other one loses its leading slashes and
goes through NLU like ordinary text. The offered buttons are read from the
tracker store, which all Rasa replicas share.
"""

import logging
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Collection,
    FrozenSet,
    Iterable,
    Optional,
    Set,
    Text,
)

from rasa.core.channels.channel import UserMessage
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sanic import Blueprint

if TYPE_CHECKING:
    from rasa.core.agent import Agent

logger = logging.getLogger(__name__)

# Keys of `BotUttered.data` that hold clickable choices with a `payload`.
_CHOICE_KEYS = ("buttons", "quick_replies")
# Poll interval while another message of the same conversation is processed.
_LOCK_WAIT_SECONDS = 0.05

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
AgentSource = Callable[[], Optional["Agent"]]


def is_slash_command(text: Optional[Text]) -> bool:
    """Tells whether Rasa would parse a text as `/intent{entities}`.

    Args:
        text: A user message text.

    Returns:
        `True` if the text, without surrounding whitespace, starts with `/`.
    """
    return bool(text) and text.strip().startswith(INTENT_MESSAGE_PREFIX)


def neutralise(text: Text) -> Text:
    """Removes the leading slashes (and whitespace around them) from a text.

    Args:
        text: A user message text.

    Returns:
        The text as NLU should see it, e.g. `check_balance{"customer_id": "C1"}`.
    """
    previous = None
    # Repeat: "/ /greet" must not turn into "/greet" once Rasa strips it.
    while previous != text:
        previous = text
        text = text.lstrip().lstrip(INTENT_MESSAGE_PREFIX)
    return text


def offered_payloads(events: Iterable[Event]) -> Set[Text]:
    """Collects the button payloads the bot sent since the latest user message.

    Args:
        events: A tracker's events, oldest first.

    Returns:
        The payloads (stripped) of `buttons` and `quick_replies` of the
        `BotUttered` events after the last `UserUttered` event.
    """
    payloads: Set[Text] = set()
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if not isinstance(event, BotUttered):
            continue
        for key in _CHOICE_KEYS:
            for choice in event.data.get(key) or []:
                payload = choice.get("payload") if isinstance(choice, dict) else None
                if isinstance(payload, str) and payload.strip():
                    payloads.add(payload.strip())
    return payloads


def guarded_text(
    text: Text,
    events: Iterable[Event],
    allowed_commands: Collection[Text] = frozenset(),
) -> Text:
    """Decides what text of a customer message Rasa may see.

    Args:
        text: The text the customer sent.
        events: The sender's tracker events before this message, oldest first.
        allowed_commands: `/...` texts accepted at any time (e.g. `/session_start`).

    Returns:
        The text unchanged if it is not a slash command, is a button payload
        offered since the sender's latest message, or is explicitly allowed;
        otherwise the neutralised text.
    """
    if not is_slash_command(text):
        return text
    command = text.strip()
    if command in allowed_commands or command in offered_payloads(events):
        return text
    return neutralise(text)


def agent_of(blueprint: Blueprint) -> Optional["Agent"]:
    """Finds the Rasa agent of the Sanic app a channel blueprint is registered on.

    Args:
        blueprint: The channel's blueprint.

    Returns:
        `app.ctx.agent` (set by `rasa run` once the model is loaded), or `None`.
    """
    if not blueprint.registered:
        return None
    for app in blueprint.apps:
        agent = getattr(app.ctx, "agent", None)
        if agent is not None:
            return agent
    return None


@dataclass(frozen=True)
class SlashGuard:
    """Applies `guarded_text` to incoming messages using the sender's tracker.

    Attributes:
        allowed_commands: `/...` texts accepted without an offering button.
    """

    allowed_commands: FrozenSet[Text] = frozenset()

    async def guard(self, message: UserMessage, agent: Optional["Agent"]) -> None:
        """Neutralises the message's text in place unless it may pass.

        Args:
            message: The incoming message (`text` may be replaced).
            agent: The agent whose tracker store and lock store to read; without
                one no button counts as offered.
        """
        if message.text is None or not is_slash_command(message.text):
            return
        events = await self._events_of(message.sender_id, agent)
        text = guarded_text(message.text, events, self.allowed_commands)
        if text != message.text:
            # The text itself is not logged: customers may type anything there.
            logger.info(
                "Neutralised a slash command that no offered button matches "
                "(sender %s).",
                message.sender_id,
            )
            message.text = text

    def wrap(self, on_new_message: OnNewMessage, agent: AgentSource) -> OnNewMessage:
        """Returns a message handler that guards messages before passing them on.

        Args:
            on_new_message: Rasa's handler (`agent.handle_message`).
            agent: Returns the current agent (looked up per message because
                `rasa run` loads it after the channels are registered).

        Returns:
            The guarding handler.
        """

        async def guarded(message: UserMessage) -> Any:
            await self.guard(message, agent())
            return await on_new_message(message)

        return guarded

    @staticmethod
    async def _events_of(sender_id: Text, agent: Optional["Agent"]) -> Iterable[Event]:
        if agent is None:
            logger.warning("No agent to read offered buttons from; none accepted.")
            return []
        try:
            # Wait for a message being processed: its buttons may already be on
            # the customer's screen but its tracker is only saved at the end.
            async with agent.lock_store.lock(
                sender_id, wait_time_in_seconds=_LOCK_WAIT_SECONDS
            ):
                tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:  # fail closed: no button counts, the message still goes on
            logger.exception("Could not read the tracker of sender %s.", sender_id)
            return []
        return list(tracker.events) if tracker is not None else []
