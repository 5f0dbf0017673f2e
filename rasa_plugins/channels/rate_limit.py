"""Per-sender rate limiting of customer messages (token buckets).

Every message costs a token from its sender's bucket (and from any further
bucket its channel names, e.g. the socket it came through); a bucket holds at
most `burst` tokens and refills at `per_minute` a minute. A message that finds
an empty bucket never reaches NLU: the customer gets `utter_slow_down` from
`domain.yml` instead. The same buckets limit socket.io connections without a
token per client IP.

Buckets live in the Rasa process: with several replicas behind a round-robin
proxy each replica counts its own share.
"""

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Optional,
    Protocol,
    Text,
)

from rasa.core.channels.channel import UserMessage

from rasa_plugins import settings
from rasa_plugins.channels.responses import send_response

if TYPE_CHECKING:
    from rasa.core.agent import Agent

logger = logging.getLogger(__name__)

SLOW_DOWN_RESPONSE = "utter_slow_down"
#: Senders remembered at most; the least recently seen are forgotten first.
DEFAULT_MAX_KEYS = 100_000

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
AgentSource = Callable[[], Optional["Agent"]]


class GuardedHandler(Protocol):
    """A message handler that also takes extra rate limit keys."""

    async def __call__(self, message: UserMessage, *extra_keys: Text) -> Any:
        """Handles a message, charging its sender and `extra_keys`."""


@dataclass
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """Token buckets by key, e.g. `sender:<id>` or `ip:<address>`."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        """Creates the limiter.

        Args:
            per_minute: Tokens added to each bucket a minute.
            burst: Most tokens a bucket holds (a new key starts full).
            clock: Monotonic time in seconds.
            max_keys: Buckets kept at most; the least recently used go first (a
                forgotten key starts full again, so forgetting only ever lets more
                through).

        Raises:
            ValueError: A rate, burst or size that is not positive.
        """
        if per_minute <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("rate, burst and max_keys must be positive")
        self.per_second = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: "OrderedDict[Text, _Bucket]" = OrderedDict()

    def allow(self, *keys: Text) -> bool:
        """Takes one token from every bucket, if each has one.

        Args:
            *keys: The buckets to charge, e.g. the sender and the socket.

        Returns:
            `True` if every bucket had a token (one is taken from each);
            `False` if one was empty (nothing is taken).
        """
        now = self.clock()
        buckets = [self._refilled(key, now) for key in keys]
        if any(bucket.tokens < 1 for bucket in buckets):
            return False
        for bucket in buckets:
            bucket.tokens -= 1
        return True

    def _refilled(self, key: Text, now: float) -> _Bucket:
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated_at=now)
        else:
            elapsed = max(0.0, now - bucket.updated_at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
            bucket.updated_at = now
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return bucket


@dataclass
class RateLimitGuard:
    """Answers too fast senders with `utter_slow_down` instead of handling them.

    Attributes:
        limiter: The buckets of the channel.
        response: The domain response sent instead.
    """

    limiter: RateLimiter
    response: Text = SLOW_DOWN_RESPONSE
    throttled: int = field(default=0, init=False)

    def wrap(self, on_new_message: OnNewMessage, agent: AgentSource) -> GuardedHandler:
        """Returns a handler passing on only messages within the rate.

        Args:
            on_new_message: The handler of admitted messages.
            agent: Returns the current agent (renders the reply).

        Returns:
            A handler taking the message and optional extra keys to charge.
        """

        async def guarded(message: UserMessage, *extra_keys: Text) -> Any:
            if self.limiter.allow(f"sender:{message.sender_id}", *extra_keys):
                return await on_new_message(message)
            self.throttled += 1
            logger.warning("Sender %s is over the message rate.", message.sender_id)
            await send_response(
                self.response, message.sender_id, message.output_channel, agent()
            )
            return None

        return guarded


def message_limiter_from_settings() -> RateLimiter:
    """The message buckets with the configured rate (`CHANNEL_RATE_LIMIT_*`)."""
    per_minute, burst = settings.message_rate()
    return RateLimiter(per_minute, burst)


def connect_limiter_from_settings() -> RateLimiter:
    """The connection buckets with the configured rate (`CHANNEL_CONNECT_*`)."""
    per_minute, burst = settings.connect_rate()
    return RateLimiter(per_minute, burst)
