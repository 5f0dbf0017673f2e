"""A message sent again is answered again, never processed twice.

Clients retry: a phone loses its connection after sending, a proxy loses the
replica that was answering, a customer double-taps "Yes, refund it". A client
that names each message with an `Idempotency-Key` header (REST) gets, for a
second request with the same key in the same conversation, the answer the first
one produced (read back from the tracker) instead of a second turn: the message
is in the conversation once, its actions ran once.

The check runs under the conversation's lock (the Redis lock store in the
production profile): a retry that arrives while another replica still runs the
first request waits for it, then finds it in the tracker. If the first turn
never got stored (its replica died before saving), the retry is processed.

A key only replays to the same verified customer (`verified_customer_id` of
both requests, or neither: anonymous), so a key seen in one conversation never
shows its answer to anyone else. A key that is not 8 to 128 characters of `A-Z a-z 0-9 . _ : -`
is ignored (the message is processed as one without a key).
"""

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered

from rasa_plugins.channels.identity import VERIFIED_CUSTOMER_ID_KEY

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
#: Where a channel hands the client's key to the guard; removed before storing.
CLIENT_MESSAGE_ID = "client_message_id"
_VALID_KEY = re.compile(r"[A-Za-z0-9._:-]{8,128}")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
AgentSource = Callable[[], Optional["Agent"]]


def client_message_id(value: Optional[Text]) -> Optional[Text]:
    """The client's message key if it is usable.

    Args:
        value: The `Idempotency-Key` header, if any.

    Returns:
        The key, or `None` when absent or malformed (logged).
    """
    if value is None:
        return None
    key = value.strip()
    if _VALID_KEY.fullmatch(key):
        return key
    logger.warning("Ignoring a malformed %s header (%d characters).", IDEMPOTENCY_KEY_HEADER, len(key))
    return None


def stored_turn(
    tracker: "DialogueStateTracker", message_id: Text
) -> Optional[Tuple[UserUttered, List[BotUttered]]]:
    """A stored customer message and the bot messages that answered it.

    Args:
        tracker: The conversation.
        message_id: The customer message's id.

    Returns:
        The message and the bot messages between it and the customer's next one
        (possibly none), or `None` when the message is not in the tracker.
    """
    turn: Optional[Tuple[UserUttered, List[BotUttered]]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if turn is not None:
                break
            if event.message_id == message_id:
                turn = (event, [])
        elif turn is not None and isinstance(event, BotUttered):
            turn[1].append(event)
    return turn


def _customer(metadata: Optional[Dict[Text, Any]]) -> Optional[Text]:
    # Rasa adds its own keys (model and assistant ids) to the stored metadata:
    # only the verified customer is compared.
    return (metadata or {}).get(VERIFIED_CUSTOMER_ID_KEY)


@dataclass
class RepeatedMessageGuard:
    """Runs each keyed customer message once; a repeat gets the stored answer.

    It replaces Rasa's `agent.handle_message` for keyed messages, taking the
    same conversation lock (Rasa's locks are not reentrant, so the check must
    be inside the one lock the turn takes). Messages without a key go to Rasa's
    handler unchanged.
    """

    def wrap(self, on_new_message: OnNewMessage, agent: AgentSource) -> OnNewMessage:
        """Returns the handler that processes a keyed message at most once.

        Args:
            on_new_message: Rasa's handler (`agent.handle_message`).
            agent: Returns the current agent.

        Returns:
            The guarding handler.
        """

        async def guarded(message: UserMessage) -> Any:
            key = (message.metadata or {}).pop(CLIENT_MESSAGE_ID, None)
            current = agent()
            if key is None or current is None or not current.is_ready():
                return await on_new_message(message)
            return await self.handle(message, key, current)

        return guarded

    async def handle(self, message: UserMessage, key: Text, agent: "Agent") -> Any:
        """Processes the message, or replays its stored answer.

        Args:
            message: The customer's message.
            key: The client's key for it.
            agent: The loaded Rasa agent.

        Returns:
            What Rasa's processor returned, or `None` for a replay.
        """
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            turn = stored_turn(tracker, key) if tracker is not None else None
            if turn is None:
                message.message_id = key
            elif _customer(turn[0].metadata) == _customer(message.metadata):
                logger.info(
                    "Sender %s sent message %s again; replaying its %d replies.",
                    message.sender_id,
                    key,
                    len(turn[1]),
                )
                for bot in turn[1]:
                    await message.output_channel.send_response(message.sender_id, bot.message())
                return None
            else:
                # Someone else's key: no replay; a new message with its own id.
                logger.warning(
                    "Sender %s reused key %s under another identity; processing as new.",
                    message.sender_id,
                    key,
                )
            return await agent.processor.handle_message(message)  # type: ignore[union-attr]
