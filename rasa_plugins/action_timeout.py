"""Keeps Rasa's wait for the action server inside its conversation lock.

Rasa 3.6 waits up to 300 s for one custom action (`RemoteAction.run` passes
`timeout=DEFAULT_REQUEST_TIMEOUT` to aiohttp), while a conversation's lock
lives 60 s. A hanging action server therefore lets a second turn of the same
conversation run after 60 s while the first still waits, and the two then
overwrite each other's tracker. `endpoints.yml` cannot change that timeout:
`EndpointConfig` keeps unknown keys (such as `timeout:`) in `kwargs` that
`request()` never uses, and `RemoteAction.run` sets the request's timeout
itself. `RemoteAction.run` reads the module constant on every call, so
lowering it there is the one hook; `limit_action_call_timeout` does it once at
channel start-up and checks that the hook still exists. The customer's answer
within seconds does not depend on it: the channels' deadline
(`rasa_plugins.channels.never_silent`) guarantees that.
"""

import logging
from types import ModuleType
from typing import Optional

import rasa.core.actions.action as rasa_action

logger = logging.getLogger(__name__)

_CONSTANT = "DEFAULT_REQUEST_TIMEOUT"


def limit_action_call_timeout(
    seconds: float, module: ModuleType = rasa_action
) -> Optional[float]:
    """Lowers the timeout of Rasa's calls to the action server.

    Args:
        seconds: The new timeout; only ever lowers the current one.
        module: Rasa's module holding `RemoteAction` (a stand-in in tests).

    Returns:
        The timeout in force afterwards, or `None` when this Rasa version has no
        such constant (nothing is changed then, and a warning is logged).
    """
    current = getattr(module, _CONSTANT, None)
    if not isinstance(current, (int, float)) or isinstance(current, bool):
        logger.warning(
            "Rasa's action call timeout (%s.%s) was not found; it stays as it is. "
            "The channels' reply deadline still answers the customer in time.",
            module.__name__,
            _CONSTANT,
        )
        return None
    if seconds < current:
        setattr(module, _CONSTANT, seconds)
        logger.info("Rasa waits at most %g s for a custom action.", seconds)
        return seconds
    return float(current)
