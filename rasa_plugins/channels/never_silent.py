"""Never silent: a customer turn answers within seconds, whatever the action server does.

Rasa 3.6 answers nothing when a custom action fails (the action server is down,
answers an error or is too slow: it logs the error and goes on listening), and
it waits up to 300 s for one action. This guard runs each customer message with
a deadline. When, at the deadline, the turn has not finished, when the turn
finished without sending the customer anything, or when it failed with an
exception (the lock store or the tracker store is unreachable: Rasa's REST
channel would answer an empty list, its socket.io channel nothing), the
customer gets `utter_assistant_unavailable` (an apology, the way to a person
and the support contacts) from `domain.yml`. A failed turn gets it even after
some replies went out: what it said was not saved, so the conversation cannot
go on from it. A turn that is deliberately silent because a person
has taken the conversation over (`tracker.is_paused()`) gets nothing.

The turn itself is shielded from the deadline: Rasa finishes it in the
background, under its conversation lock, and its late messages still reach
channels that push (socket.io). The apology is written to the conversation's
tracker once the turn is over, so the transcript shows it and its button counts
as offered (see `slash_guard`).
"""

import asyncio
import logging
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Optional,
    Set,
    Text,
)

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.events import BotUttered

from rasa_plugins import settings
from rasa_plugins.channels.responses import send_response

if TYPE_CHECKING:
    from rasa.core.agent import Agent

logger = logging.getLogger(__name__)

ASSISTANT_UNAVAILABLE_RESPONSE = "utter_assistant_unavailable"
# Reading or writing the tracker around the apology must not eat the reply's time.
DEFAULT_TRACKER_SECONDS = 0.5
# Poll interval while waiting for the conversation lock to record the apology.
_LOCK_WAIT_SECONDS = 0.05

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
AgentSource = Callable[[], Optional["Agent"]]


def _counted(method: Text) -> Callable[..., Awaitable[None]]:
    """A send method of `WatchedOutputChannel` that counts, then delegates."""

    async def send(
        self: "WatchedOutputChannel", recipient_id: Text, *args: Any, **kwargs: Any
    ) -> None:
        self.sent += 1
        await getattr(self.inner, method)(recipient_id, *args, **kwargs)

    send.__name__ = method
    send.__doc__ = f"Counts one message and passes it to the inner `{method}`."
    return send


class WatchedOutputChannel(OutputChannel):
    """An output channel that counts the messages sent through it.

    Everything is delegated to the wrapped channel (for Rasa's REST channel that
    is the collector whose messages become the HTTP response).
    """

    def __init__(self, inner: OutputChannel) -> None:
        """Wraps a channel.

        Args:
            inner: The channel the messages really go to.
        """
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        """The wrapped channel's name (channel-specific responses depend on it)."""
        return self.inner.name()

    send_response = _counted("send_response")
    send_text_message = _counted("send_text_message")
    send_text_with_buttons = _counted("send_text_with_buttons")
    send_quick_replies = _counted("send_quick_replies")
    send_image_url = _counted("send_image_url")
    send_attachment = _counted("send_attachment")
    send_elements = _counted("send_elements")
    send_custom_json = _counted("send_custom_json")

    def __getattr__(self, name: Text) -> Any:
        # Anything else (e.g. the REST collector's `messages`) is the inner one's.
        return getattr(self.inner, name)


@dataclass
class NeverSilentGuard:
    """Answers every customer turn within a deadline.

    Attributes:
        deadline_seconds: How long a turn may stay silent.
        response: The domain response sent instead of silence.
        tracker_seconds: How long reading the tracker's pause state, and recording
            the apology before the reply, may each take; a tracker that cannot be
            read in time counts as not paused.
    """

    deadline_seconds: float = settings.DEFAULT_REPLY_DEADLINE_SECONDS
    response: Text = ASSISTANT_UNAVAILABLE_RESPONSE
    tracker_seconds: float = DEFAULT_TRACKER_SECONDS
    # Turns still running after their deadline, and apologies waiting to be
    # recorded: asyncio keeps only weak references to tasks.
    _background: Set["asyncio.Future[Any]"] = field(
        default_factory=set, init=False, repr=False
    )

    def wrap(self, on_new_message: OnNewMessage, agent: AgentSource) -> OnNewMessage:
        """Returns a message handler that never leaves a turn silent.

        Args:
            on_new_message: The handler to run (Rasa's, behind the slash guard).
            agent: Returns the current agent (renders the apology, reads the
                tracker).

        Returns:
            The guarding handler.
        """

        async def guarded(message: UserMessage) -> None:
            await self.handle(message, on_new_message, agent())

        return guarded

    async def handle(
        self,
        message: UserMessage,
        on_new_message: OnNewMessage,
        agent: Optional["Agent"],
    ) -> None:
        """Runs one customer turn and apologises if it stays silent.

        Args:
            message: The customer's message.
            on_new_message: The handler to run.
            agent: The Rasa agent, if a model is loaded.
        """
        watched = WatchedOutputChannel(message.output_channel)
        message.output_channel = watched
        turn = asyncio.ensure_future(on_new_message(message))
        finished = await self._wait(turn, message.sender_id)
        failed = finished and not turn.cancelled() and turn.exception() is not None
        if finished and watched.sent and not failed:
            return
        if await self._is_paused(message.sender_id, agent):
            return
        logger.warning(
            "Sender %s %s; sending %s.",
            message.sender_id,
            "got no answer in time"
            if not finished
            else ("had a failed turn" if failed else "got no answer from the turn"),
            self.response,
        )
        apology = await send_response(
            self.response, message.sender_id, watched.inner, agent
        )
        if apology is None or agent is None:
            return
        if finished:
            # Before the reply leaves: the customer's next message (a press of
            # the apology's button) must find it in the tracker.
            try:
                await asyncio.wait_for(
                    self._record(message.sender_id, apology, agent), self.tracker_seconds
                )
            except asyncio.TimeoutError:
                logger.error("Could not record %s in time.", self.response)
        else:
            self._keep(self._record(message.sender_id, apology, agent))
            # Let it take its place in the conversation's lock queue now, right
            # behind the running turn and ahead of the customer's next message.
            await asyncio.sleep(0)

    async def _wait(self, turn: "asyncio.Future[Any]", sender_id: Text) -> bool:
        """Waits for the turn until the deadline; `True` if it finished by then."""
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.deadline_seconds)
        except asyncio.TimeoutError:
            logger.warning(
                "The turn of sender %s is still running after %g s; it goes on in "
                "the background.",
                sender_id,
                self.deadline_seconds,
            )
            turn.add_done_callback(_log_failure)
            self._keep(turn)
            return False
        except Exception:
            logger.exception("The turn of sender %s failed.", sender_id)
        return True

    async def _is_paused(self, sender_id: Text, agent: Optional["Agent"]) -> bool:
        if agent is None or agent.tracker_store is None:
            return False
        try:
            tracker = await asyncio.wait_for(
                agent.tracker_store.retrieve(sender_id), self.tracker_seconds
            )
        except Exception:  # includes the timeout: apologising beats silence
            logger.exception("Could not read whether sender %s is paused.", sender_id)
            return False
        return tracker is not None and tracker.is_paused()

    async def _record(self, sender_id: Text, apology: BotUttered, agent: "Agent") -> None:
        """Adds the apology to the tracker, under the conversation's lock.

        A turn still running holds the lock: the apology is added after its events.
        """
        try:
            async with agent.lock_store.lock(
                sender_id, wait_time_in_seconds=_LOCK_WAIT_SECONDS
            ):
                tracker = await agent.tracker_store.retrieve(sender_id)
                if tracker is None:
                    return
                tracker.update(apology)
                await agent.tracker_store.save(tracker)
        except Exception:
            logger.exception(
                "Could not record %s in the tracker of sender %s.",
                self.response,
                sender_id,
            )

    def _keep(self, awaitable: Awaitable[Any]) -> None:
        future = asyncio.ensure_future(awaitable)
        self._background.add(future)
        future.add_done_callback(self._background.discard)


def _log_failure(turn: "asyncio.Future[Any]") -> None:
    if turn.cancelled():
        return
    error = turn.exception()
    if error is not None:
        logger.error("A late turn failed.", exc_info=error)


def never_silent_from_settings() -> NeverSilentGuard:
    """The guard with the configured deadline (`REPLY_DEADLINE_SECONDS`)."""
    return NeverSilentGuard(deadline_seconds=settings.reply_deadline_seconds())
