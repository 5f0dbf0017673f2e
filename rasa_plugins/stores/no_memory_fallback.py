"""Turns off Rasa's silent in-memory fallback of the tracker store.

Rasa 3.6's `Agent` wraps every tracker store in `FailSafeTrackerStore`. When the
store fails (PostgreSQL is down), that wrapper only logs: a read returns no
tracker, so the turn runs as a brand-new conversation (no slots, no verified
customer, no form in progress), and a write goes to an `InMemoryTrackerStore`
of the process that is never written to the database afterwards. The customer
gets a normal-looking answer from a conversation that forgot everything, and
what they say is lost when the process stops or another replica answers.

`NoFallbackTrackerStore` passes every call straight to the store and lets its
errors through: the turn fails, the channels answer `utter_assistant_unavailable`
(see `rasa_plugins.channels.never_silent`), the readiness route reports the
tracker store down. `install` puts it in place of `FailSafeTrackerStore` in
`rasa.core.agent`, whose `Agent._create_tracker_store` looks the name up on
every agent it builds (at start and when a model is replaced).
`MaskingTrackerStore` installs it when it is built, before Rasa builds the agent
(`allow_memory_fallback: true` in its endpoint keeps Rasa's behaviour).
"""

import logging
from types import ModuleType
from typing import Any, Callable, Iterable, Optional, Text

import rasa.core.agent as rasa_agent
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

_NAME = "FailSafeTrackerStore"


class NoFallbackTrackerStore(FailSafeTrackerStore):
    """Rasa's fail-safe wrapper without the fail-safe: errors reach the turn."""

    def __init__(
        self,
        tracker_store: TrackerStore,
        on_tracker_store_error: Optional[Callable[[Exception], None]] = None,
        fallback_tracker_store: Optional[TrackerStore] = None,
    ) -> None:
        """Wraps a store (Rasa's signature; the fallback arguments are ignored).

        Args:
            tracker_store: The store that keeps the conversations.
            on_tracker_store_error: Ignored: there is no error to recover from here.
            fallback_tracker_store: Ignored: there is no fallback.
        """
        super().__init__(tracker_store)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The store's tracker; its errors propagate."""
        return await self._tracker_store.retrieve(sender_id)

    async def retrieve_full_tracker(
        self, sender_id: Text
    ) -> Optional[DialogueStateTracker]:
        """The store's full tracker; its errors propagate."""
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    async def keys(self) -> Iterable[Text]:
        """The store's conversation ids; its errors propagate."""
        return await self._tracker_store.keys()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Saves into the store; its errors propagate (nothing kept in memory)."""
        await self._tracker_store.save(tracker)

    async def ping(self) -> None:
        """The store's readiness probe (`ping`, or a lookup when it has none)."""
        ping = getattr(self._tracker_store, "ping", None)
        if ping is not None:
            await ping()
        else:
            await self._tracker_store.exists("readiness-probe")

    @property
    def wrapped(self) -> TrackerStore:
        """The store that keeps the conversations."""
        return self._tracker_store


def install(module: ModuleType = rasa_agent) -> bool:
    """Makes Rasa's agents wrap their tracker store without the in-memory fallback.

    Args:
        module: Rasa's agent module (a stand-in in tests).

    Returns:
        Whether it is in place; `False` (with an error logged) when this Rasa
        version has no such wrapper to replace.
    """
    current: Any = getattr(module, _NAME, None)
    if current is NoFallbackTrackerStore:
        return True
    if not (isinstance(current, type) and issubclass(current, TrackerStore)):
        logger.error(
            "Rasa's %s.%s was not found: its in-memory fallback of the tracker store "
            "could not be turned off.",
            module.__name__,
            _NAME,
        )
        return False
    setattr(module, _NAME, NoFallbackTrackerStore)
    logger.info(
        "Rasa's in-memory fallback of the tracker store is off: a failing tracker "
        "store fails the turn (the customer gets an apology)."
    )
    return True
