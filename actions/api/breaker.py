"""The circuit breaker in front of the payments backend (pybreaker).

After `backend_breaker_failures` consecutive faults (timeouts, connection
errors, 5xx, overload: every `BackendUnavailable`) the breaker opens: calls fail
at once with `CircuitOpen`, without touching the network, so a customer hears
"the payment system is unavailable" in milliseconds instead of after a timeout.
After `backend_breaker_reset_seconds` it half-opens and lets a trial call
through: a success closes it, a fault opens it again. Business answers (404,
409, 422...) are not faults and count as successes.

One breaker serves the whole action server process (`backend_breaker`), shared
by the clients of every action.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, TypeVar

import pybreaker

from actions.api.exceptions import BackendUnavailable
from actions.settings import Settings, get_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

BREAKER_NAME = "payments-backend"


class ConcurrentCircuitBreaker(pybreaker.CircuitBreaker):
    """pybreaker's breaker without its lock around the guarded call.

    `pybreaker.CircuitBreaker.call` holds the breaker's lock while the call runs
    (danielfm/pybreaker#55), which would queue every backend request of the
    action server behind the slowest one. Here only state changes take the lock
    (pybreaker's `open`, `half_open` and `close` do); calls run concurrently.
    When the breaker half-opens, the few calls arriving together are all trial
    calls: the first answer decides.
    """

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls `func` according to the breaker's state, without serialising calls.

        Args:
            func: The guarded operation.
            *args: Its positional arguments.
            **kwargs: Its keyword arguments.

        Returns:
            What `func` returns.

        Raises:
            pybreaker.CircuitBreakerError: The breaker is open.
            Exception: Whatever `func` raises.
        """
        return self.state.call(func, *args, **kwargs)


class _StateLogger(pybreaker.CircuitBreakerListener):
    """Logs every change of the breaker's state."""

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        """Logs a state change (open is a warning, the rest information)."""
        level = logging.WARNING if new_state.name == pybreaker.STATE_OPEN else logging.INFO
        logger.log(
            level,
            "backend.breaker name=%s state=%s previous=%s",
            cb.name,
            new_state.name,
            old_state.name if old_state is not None else None,
        )


def is_backend_fault(error: BaseException) -> bool:
    """Tells whether an error counts against the backend's health.

    Args:
        error: What the guarded call raised.

    Returns:
        `True` for `BackendUnavailable` (and its timeouts and invalid answers).
    """
    return isinstance(error, BackendUnavailable)


def build_breaker(settings: Settings) -> pybreaker.CircuitBreaker:
    """Builds a breaker with the settings' threshold and reset timeout.

    Args:
        settings: `backend_breaker_failures` and `backend_breaker_reset_seconds`.

    Returns:
        A closed breaker. The fault that trips it is raised as itself (not as
        pybreaker's error), so the caller still sees a timeout as a timeout.
    """
    return ConcurrentCircuitBreaker(
        fail_max=settings.backend_breaker_failures,
        reset_timeout=settings.backend_breaker_reset_seconds,
        exclude=[lambda error: not is_backend_fault(error)],
        listeners=[_StateLogger()],
        name=BREAKER_NAME,
        throw_new_error_on_trip=False,
    )


@functools.lru_cache(maxsize=1)
def backend_breaker() -> pybreaker.CircuitBreaker:
    """The process-wide breaker of the backend, built on first use.

    Returns:
        The breaker for `get_settings()`; `backend_breaker.cache_clear()` drops it.
    """
    return build_breaker(get_settings())
