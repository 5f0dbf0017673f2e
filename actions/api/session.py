"""The HTTP session of the backend client: connection pooling and safe retries."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry

from actions.settings import Settings

RETRIED_METHODS = frozenset({"GET"})
RETRIED_STATUSES = frozenset({502, 503, 504})
BACKOFF_FACTOR_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 1.0
# Random extra wait per retry, so action servers don't retry in lockstep.
BACKOFF_JITTER_SECONDS = 0.1
USER_AGENT = "payments-assistant-actions"
#: Kept-alive connections per backend host, as many as the action server runs
#: backend calls at once (actions.server.BACKEND_CALL_THREADS); requests keeps 10
#: by default and closes every connection opened beyond them after one call.
POOL_MAXSIZE = 64


class SafeMethodRetry(Retry):
    """Retry policy that never resends a request whose method is not allowed.

    urllib3 retries connection errors for every method (the request was not sent),
    but a POST moves money: this layer sends it at most once and leaves retrying,
    with the same Idempotency-Key, to the caller.
    """

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: TracebackType | None = None,
    ) -> SafeMethodRetry:
        """Counts a failed attempt; for unsafe methods, the first one exhausts it.

        Returns:
            The retry state for the next attempt.

        Raises:
            urllib3.exceptions.MaxRetryError: No attempt left.
        """
        if method is not None and not self._is_method_retryable(method):
            return Retry.increment(
                self.new(total=0), method, url, response, error, _pool, _stacktrace
            )
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def _is_connection_error(self, err: Exception) -> bool:
        """Connect errors, and a connection the backend dropped (ProtocolError).

        A kept-alive connection the backend closes (its idle timeout) just as a
        request goes out fails with "Remote end closed connection without
        response"; a connection broken in the middle of an answer fails the same
        way. urllib3 counts both as read errors, which this policy never retries.
        A GET is safe to send again on a new connection; a POST never reaches
        this (see `increment`), and a read timeout (a slow backend) is still not
        retried.
        """
        return isinstance(err, ProtocolError) or super()._is_connection_error(err)


def build_retry(retries: int) -> Retry:
    """Builds the retry policy of the backend session.

    Only GETs are retried: on connect errors (a connection the backend dropped
    included) and on 502/503/504, with a short
    capped exponential backoff plus jitter. Read errors are never retried, so a slow backend costs one
    timeout, not several, inside Rasa's conversation lock.

    Args:
        retries: How many times a GET may be retried.

    Returns:
        The retry policy.
    """
    return SafeMethodRetry(
        total=retries,
        connect=retries,
        read=False,
        status=retries,
        other=0,
        redirect=0,
        allowed_methods=RETRIED_METHODS,
        status_forcelist=RETRIED_STATUSES,
        backoff_factor=BACKOFF_FACTOR_SECONDS,
        backoff_max=BACKOFF_MAX_SECONDS,
        backoff_jitter=BACKOFF_JITTER_SECONDS,
        # A Retry-After could hold the call far beyond the conversation lock.
        respect_retry_after_header=False,
        # Hand the last 5xx back to the client, which maps it to BackendUnavailable.
        raise_on_status=False,
    )


def build_session(settings: Settings) -> requests.Session:
    """Builds the pooled session used for every backend call.

    Args:
        settings: Provides the API key and the retry count.

    Returns:
        A session sending `Authorization: Bearer <key>` with safe retries mounted.
    """
    session = requests.Session()
    adapter = HTTPAdapter(
        max_retries=build_retry(settings.backend_retries), pool_maxsize=POOL_MAXSIZE
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update(
        {
            "Authorization": f"Bearer {settings.backend_api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
    )
    # Backend URLs are explicit; never pick up proxies or .netrc credentials.
    session.trust_env = False
    return session
