"""Environment settings of the Rasa plugins (the only module here reading env vars)."""

import math
import os
from typing import Mapping, Optional, Tuple

IDENTITY_SIGNING_KEY_VARIABLE = "IDENTITY_SIGNING_KEY"
DEFAULT_IDENTITY_SIGNING_KEY = "dev-identity-signing-key-change-me"


def identity_signing_key(environ: Optional[Mapping[str, str]] = None) -> str:
    """Returns the HS256 key that customer identity tokens are signed with.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        `IDENTITY_SIGNING_KEY`, or the development default when it is unset or empty.
    """
    source = os.environ if environ is None else environ
    return source.get(IDENTITY_SIGNING_KEY_VARIABLE) or DEFAULT_IDENTITY_SIGNING_KEY


WEBCHAT_BACKEND_URL_VARIABLE = "WEBCHAT_BACKEND_URL"
BACKEND_URL_VARIABLE = "BACKEND_URL"
DEFAULT_WEBCHAT_BACKEND_URL = "http://127.0.0.1:8080"


def webchat_backend_url(environ: Optional[Mapping[str, str]] = None) -> str:
    """Returns the payments backend URL that the web chat page logs customers in at.

    The browser calls it, so it is the backend's public address, which may differ
    from the one the action server uses.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        `WEBCHAT_BACKEND_URL`, else `BACKEND_URL`, else the local development backend.
    """
    source = os.environ if environ is None else environ
    return (
        source.get(WEBCHAT_BACKEND_URL_VARIABLE)
        or source.get(BACKEND_URL_VARIABLE)
        or DEFAULT_WEBCHAT_BACKEND_URL
    )


REPLY_DEADLINE_VARIABLE = "REPLY_DEADLINE_SECONDS"
#: The customer must hear something within 5 s; this leaves room for the reply.
DEFAULT_REPLY_DEADLINE_SECONDS = 4.0
ACTION_CALL_TIMEOUT_VARIABLE = "ACTION_CALL_TIMEOUT_SECONDS"
#: Under Rasa's 60 s conversation lock (Rasa's own default is 300 s), above the
#: action server's 45 s budget for one backend call.
DEFAULT_ACTION_CALL_TIMEOUT_SECONDS = 50.0
RATE_LIMIT_PER_MINUTE_VARIABLE = "CHANNEL_RATE_LIMIT_PER_MINUTE"
DEFAULT_RATE_LIMIT_PER_MINUTE = 20.0
RATE_LIMIT_BURST_VARIABLE = "CHANNEL_RATE_LIMIT_BURST"
DEFAULT_RATE_LIMIT_BURST = 10
CONNECT_RATE_PER_MINUTE_VARIABLE = "CHANNEL_CONNECT_RATE_PER_MINUTE"
DEFAULT_CONNECT_RATE_PER_MINUTE = 30.0
CONNECT_BURST_VARIABLE = "CHANNEL_CONNECT_BURST"
DEFAULT_CONNECT_BURST = 15


def reply_deadline_seconds(environ: Optional[Mapping[str, str]] = None) -> float:
    """Returns how long a customer turn may stay silent before the channel apologises.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        `REPLY_DEADLINE_SECONDS`, or 4 s.

    Raises:
        ValueError: The variable is not a positive number.
    """
    return _positive_number(
        environ, REPLY_DEADLINE_VARIABLE, DEFAULT_REPLY_DEADLINE_SECONDS
    )


def action_call_timeout_seconds(environ: Optional[Mapping[str, str]] = None) -> float:
    """Returns how long Rasa waits for the action server to run one action.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        `ACTION_CALL_TIMEOUT_SECONDS`, or 50 s.

    Raises:
        ValueError: The variable is not a positive number.
    """
    return _positive_number(
        environ, ACTION_CALL_TIMEOUT_VARIABLE, DEFAULT_ACTION_CALL_TIMEOUT_SECONDS
    )


def message_rate(environ: Optional[Mapping[str, str]] = None) -> Tuple[float, int]:
    """Returns the messages one sender may send: a rate and a burst.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        (`CHANNEL_RATE_LIMIT_PER_MINUTE`, `CHANNEL_RATE_LIMIT_BURST`), by default
        20 a minute with bursts of 10.

    Raises:
        ValueError: A variable is not a positive number.
    """
    return (
        _positive_number(
            environ, RATE_LIMIT_PER_MINUTE_VARIABLE, DEFAULT_RATE_LIMIT_PER_MINUTE
        ),
        _positive_integer(environ, RATE_LIMIT_BURST_VARIABLE, DEFAULT_RATE_LIMIT_BURST),
    )


def connect_rate(environ: Optional[Mapping[str, str]] = None) -> Tuple[float, int]:
    """Returns the socket.io connections without a token one client IP may open.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        (`CHANNEL_CONNECT_RATE_PER_MINUTE`, `CHANNEL_CONNECT_BURST`), by default
        30 a minute with bursts of 15.

    Raises:
        ValueError: A variable is not a positive number.
    """
    return (
        _positive_number(
            environ, CONNECT_RATE_PER_MINUTE_VARIABLE, DEFAULT_CONNECT_RATE_PER_MINUTE
        ),
        _positive_integer(environ, CONNECT_BURST_VARIABLE, DEFAULT_CONNECT_BURST),
    )


def _positive_number(
    environ: Optional[Mapping[str, str]], name: str, default: float
) -> float:
    source = os.environ if environ is None else environ
    raw = (source.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}.") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {raw!r}.")
    return value


def _positive_integer(
    environ: Optional[Mapping[str, str]], name: str, default: int
) -> int:
    value = _positive_number(environ, name, default)
    if value != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    return int(value)


SOCKETIO_REDIS_URL_VARIABLE = "SOCKETIO_REDIS_URL"
SOCKETIO_REDIS_CHANNEL_VARIABLE = "SOCKETIO_REDIS_CHANNEL"
DEFAULT_SOCKETIO_REDIS_CHANNEL = "socketio"


def socketio_redis(environ: Optional[Mapping[str, str]] = None) -> Optional[Tuple[str, str]]:
    """Returns the Redis pub/sub that several Rasa replicas' socket.io servers share.

    With it, a message emitted by any replica (an agent's reply arriving through
    Rasa's HTTP API) reaches the customer's socket on whichever replica holds it.

    Args:
        environ: Environment to read; the process environment when omitted.

    Returns:
        (`SOCKETIO_REDIS_URL`, `SOCKETIO_REDIS_CHANNEL` or `socketio`), or `None`
        when no URL is set (one Rasa server: sockets are local).

    Raises:
        ValueError: The URL is not a `redis://`, `rediss://` or `unix://` URL.
    """
    source = os.environ if environ is None else environ
    url = (source.get(SOCKETIO_REDIS_URL_VARIABLE) or "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(
            f"{SOCKETIO_REDIS_URL_VARIABLE} must be a redis:// URL, got {url.split('@')[-1]!r}."
        )
    channel = (source.get(SOCKETIO_REDIS_CHANNEL_VARIABLE) or "").strip()
    return url, channel or DEFAULT_SOCKETIO_REDIS_CHANNEL
