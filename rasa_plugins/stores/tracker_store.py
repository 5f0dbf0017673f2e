"""A tracker store that masks secrets before the store it wraps keeps anything.

`endpoints.yml`::

    tracker_store:
      type: rasa_plugins.stores.tracker_store.MaskingTrackerStore
      wrapped:             # any tracker store configuration Rasa accepts
        type: SQL
        dialect: "sqlite"
        db: ${TRACKER_STORE_DB}

Every save writes a masked copy of the tracker (`rasa_plugins.stores.events`): card
numbers, CVVs, IBANs, e-mail addresses, phone numbers and one-time codes in user
texts, `parse_data`, entity and slot values, bot texts and metadata. The live
tracker of a turn is not changed: Rasa keeps it in memory from the turn's first
read to its last save (`MessageProcessor.handle_message`), so the actions of that
turn still see what the customer typed; the next turn reads the masked copy. The
wrapped store streams to the event broker, so the broker receives masked events too.

Masking is incremental: each event of a live tracker is masked once. Its masked twin
is kept on the event object itself (a private attribute, see `_MaskedTwin`), so it
follows the event wherever Rasa's tracker goes, on every replica, without per-
conversation state here. Events read from the wrapped store were masked when they
were saved: `retrieve` gives each a twin that is a private copy of it, taken before
Rasa can change the event (`EntitiesAdded` appends to the latest user message's
entities in place). A twin is only used for the very event object it was made for
and while that event's timestamp is unchanged; a copy (`copy.deepcopy`, pickle, a
dictionary round trip) or an event re-added with a new timestamp has none and is
masked again. An event without a valid twin is always masked. Twins are never
visible to Rasa's turn, so changes Rasa makes to a live event after it was masked can
leave a twin out of date, never unmasked.

The wrapper also masks the Rasa process's logs (`mask_logs`, on by default): it is
the one project plugin every Rasa process started with this `endpoints.yml` loads
before its first message.

A wrapped `type: SQL` store is the project's `NonBlockingSQLTrackerStore`
(`rasa_plugins.stores.sql_store`: queries off the event loop with timeouts, a
bounded wait for the database at start, pool pre-ping); its extra keys
(`connect_timeout`, `call_timeout`, `startup_timeout`, `max_workers`) go in the
`wrapped:` block. Whatever the wrapped store, the wrapper never lets Rasa fall
back to an in-memory store: if the wrapped store cannot be built, Rasa does not
start; and Rasa's `FailSafeTrackerStore`, which at runtime turns a failing store
into a fresh conversation kept in memory, is replaced by one that lets the error
fail the turn (`rasa_plugins.stores.no_memory_fallback`; the channels then send
`utter_assistant_unavailable`). `allow_memory_fallback: true` keeps Rasa's way.
"""

import logging
import pickle
import weakref
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple, Union

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins.stores import no_memory_fallback
from rasa_plugins.stores.event_classes import event_from_dict
from rasa_plugins.stores.events import mask_event
from rasa_plugins.stores.sql_store import NonBlockingSQLTrackerStore
from redaction.logs import install_log_masking

logger = logging.getLogger(__name__)

#: `type:` values meaning an in-memory store on purpose (Rasa's default is no type).
IN_MEMORY_TYPES = frozenset({None, "in_memory", "InMemoryTrackerStore"})


def _build_wrapped(
    wrapped: Union[Dict[Text, Any], TrackerStore],
    domain: Optional[Domain],
    event_broker: Optional[EventBroker],
) -> TrackerStore:
    """Builds the wrapped store; `type: SQL` is the project's non-blocking one."""
    if isinstance(wrapped, TrackerStore):
        return TrackerStore.create(wrapped, domain, event_broker)
    if str(wrapped.get("type", "")).lower() == "sql":
        options = {key: value for key, value in wrapped.items() if key not in ("type", "url")}
        return NonBlockingSQLTrackerStore(
            domain=domain or Domain.empty(),
            host=wrapped.get("url"),
            event_broker=event_broker,
            **options,
        )
    return TrackerStore.create(EndpointConfig.from_dict(wrapped), domain, event_broker)


#: Attribute of a live event holding its `_MaskedTwin`.
_TWIN_ATTRIBUTE = "_rasa_plugins_masked_twin"


def _forgotten() -> None:
    """What a twin becomes in a copy or a pickle of its event: nothing."""
    return None


class _MaskedTwin:
    """The masked copy of one live event, valid for that event object only.

    Attributes:
        event: The masked event; never given to Rasa's turn, only to the wrapped store.
    """

    __slots__ = ("_owner", "_timestamp", "event")

    def __init__(self, owner: Event, event: Event) -> None:
        # A weak reference: `id()` could be reused by a copy made after the owner died.
        self._owner = weakref.ref(owner)
        self._timestamp = owner.timestamp
        self.event = event

    def belongs_to(self, event: Event) -> bool:
        """Tells whether this is the twin of `event` as it was masked."""
        return self._owner() is event and event.timestamp == self._timestamp

    def __reduce__(self) -> Tuple[Any, Tuple[()]]:
        # `copy.deepcopy` and pickle of the event drop the twin: the copy may be
        # changed (Rasa deep-copies a user message and edits its parse data).
        return _forgotten, ()


def _twin_of(event: Event) -> Optional[Event]:
    twin = getattr(event, _TWIN_ATTRIBUTE, None)
    if isinstance(twin, _MaskedTwin) and twin.belongs_to(event):
        return twin.event
    return None


def _remember(event: Event, masked: Event) -> None:
    try:
        setattr(event, _TWIN_ATTRIBUTE, _MaskedTwin(event, masked))
    except (AttributeError, TypeError):  # an event class with __slots__: masked every save
        pass


def masked_twin(event: Event) -> Event:
    """Returns the masked copy of a live event, masking it only the first time.

    Args:
        event: An event of a live tracker; its content is left unchanged.

    Returns:
        A separate, masked event; the same object on later calls for the same event.
    """
    twin = _twin_of(event)
    if twin is None:
        twin = event_from_dict(mask_event(event.as_dict()))
        _remember(event, twin)
    return twin


def remember_as_stored(tracker: Optional[DialogueStateTracker]) -> None:
    """Marks the events of a tracker read from the wrapped store as masked already.

    Each event gets a private copy of itself as its twin, taken now, before Rasa
    can change the event in place.

    Args:
        tracker: A tracker as the wrapped store returned it (masked), or None.
    """
    if tracker is None:
        return
    events: List[Event] = list(tracker.events)
    try:
        copies = pickle.loads(pickle.dumps(events, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as error:  # noqa: BLE001 - unmarked events are masked on save
        logger.debug("Stored events of %s not copied, masked again on save: %s",
                     tracker.sender_id, error)
        return
    for event, stored in zip(events, copies):
        _remember(event, stored)


def _fell_back_to_memory(config: Dict[Text, Any], store: TrackerStore) -> bool:
    """Tells whether Rasa built an in-memory store for a configuration naming another."""
    if isinstance(store, AwaitableTrackerStore):
        store = store._tracker_store
    return isinstance(store, InMemoryTrackerStore) and config.get("type") not in IN_MEMORY_TYPES


class MaskingTrackerStore(TrackerStore):
    """Saves trackers masked into the wrapped tracker store; reads pass through."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        wrapped: Union[Dict[Text, Any], TrackerStore, None] = None,
        mask_logs: bool = True,
        allow_memory_fallback: bool = False,
        **kwargs: Any,
    ) -> None:
        """Creates the wrapped store (Rasa calls this with the endpoint's keys).

        Args:
            domain: The assistant's domain.
            host: Unused (`url:` of the endpoint); the wrapped block has its own.
            event_broker: The broker the wrapped store streams events to.
            wrapped: The wrapped store's configuration (a `tracker_store`
                block), or a store object (tests).
            mask_logs: Whether to mask every log record of this process too.
            allow_memory_fallback: Whether Rasa may keep conversations in memory
                while the wrapped store fails (its `FailSafeTrackerStore`); off
                by default: a failing store fails the turn.
            **kwargs: Other keys of the endpoint; none is expected.

        Raises:
            ValueError: `wrapped` is missing or unknown keys are given.
            RuntimeError: The wrapped store cannot be built. (Rasa silently falls
                back to an in-memory store when a custom store raises
                `AttributeError` or `ImportError`; this is neither.)
        """
        if wrapped is None:
            raise ValueError(
                "MaskingTrackerStore needs a `wrapped:` block: the tracker store to keep "
                "the masked conversations in."
            )
        if kwargs:
            raise ValueError(f"MaskingTrackerStore: unknown keys {sorted(kwargs)}.")
        try:
            inner = _build_wrapped(wrapped, domain, event_broker)
        except (AttributeError, ImportError) as error:
            raise RuntimeError(f"MaskingTrackerStore: cannot create {wrapped!r}.") from error
        if isinstance(wrapped, dict) and _fell_back_to_memory(wrapped, inner):
            raise RuntimeError(
                f"MaskingTrackerStore: Rasa replaced the tracker store {wrapped.get('type')!r} "
                "by an in-memory one (unknown type?); refusing to lose conversations."
            )
        self._inner = inner
        super().__init__(domain or inner.domain, event_broker)
        if mask_logs:
            install_log_masking()
        if not allow_memory_fallback:
            # Built before Rasa's agent, which would wrap it in the fallback.
            no_memory_fallback.install()
        logger.debug("Masking secrets before %s.", type(inner).__name__)

    @property
    def wrapped(self) -> TrackerStore:
        """The store that keeps the masked trackers."""
        return self._inner

    @property
    def domain(self) -> Domain:
        """The wrapped store's domain."""
        return self._inner.domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        self._inner.domain = domain

    def masked_copy(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """Returns a new tracker holding masked copies of `tracker`'s events.

        Only events without a valid twin (new since the tracker was read, or
        copies) go through `mask_event`; the others reuse their twin.

        Args:
            tracker: The live tracker; its events' content is left unchanged.

        Returns:
            A tracker with the same events, in order, masked.
        """
        events = [masked_twin(event) for event in tracker.events]
        # The replay costs ~2 µs an event; stores such as Mongo save its state too.
        return DialogueStateTracker.from_events(
            tracker.sender_id,
            events,
            slots=list(tracker.slots.values()),
            max_event_history=tracker._max_event_history,
            sender_source=tracker.sender_source,
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Saves a masked copy of `tracker` (and streams its new events, masked)."""
        await self._inner.save(self.masked_copy(tracker))

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Returns the latest session of a conversation, as stored (masked)."""
        self._inner.max_event_history = self.max_event_history
        tracker = await self._inner.retrieve(sender_id)
        remember_as_stored(tracker)
        return tracker

    async def retrieve_full_tracker(
        self, conversation_id: Text
    ) -> Optional[DialogueStateTracker]:
        """Returns every session of a conversation, as stored (masked)."""
        self._inner.max_event_history = self.max_event_history
        tracker = await self._inner.retrieve_full_tracker(conversation_id)
        remember_as_stored(tracker)
        return tracker

    async def exists(self, conversation_id: Text) -> bool:
        """Tells whether the wrapped store has the conversation."""
        return await self._inner.exists(conversation_id)

    async def keys(self) -> Iterable[Text]:
        """The conversation ids of the wrapped store."""
        return await self._inner.keys()

    async def ping(self) -> None:
        """Checks that the wrapped store answers (readiness).

        Uses the wrapped store's own `ping` when it has one (the SQL store runs
        `SELECT 1`), else looks up a conversation id that never exists.

        Raises:
            Exception: The wrapped store failed.
        """
        ping = getattr(self._inner, "ping", None)
        if ping is not None:
            await ping()
        else:
            await self._inner.exists("readiness-probe")
