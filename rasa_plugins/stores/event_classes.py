"""Rebuilds Rasa events from dictionaries, looking each event class up once per type.

Rasa's `Event.from_parameters` calls `Event.resolve_by_type`, which walks every
`Event` subclass (`all_subclasses`, ~40 µs) for every single event: most of the
time of rebuilding a stored tracker. The functions here give the same events,
with the class of each type name looked up once per process.

Rasa defines its event classes when `rasa.shared.core.events` is imported, so a
type name resolves to the same class for the life of the process.
"""

import functools
import logging
from typing import Any, Dict, Iterable, List, Optional, Text, Type

from rasa.shared.core.events import Event

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def event_class(type_name: Text) -> Optional[Type[Event]]:
    """`Event.resolve_by_type`, once per type name.

    Args:
        type_name: An event's `event` value (`user`, `slot`...).

    Returns:
        The event class; None for Rasa's retired `topic` events.

    Raises:
        ValueError: Rasa knows no event of that type (not cached).
    """
    return Event.resolve_by_type(type_name)


def event_from_parameters(parameters: Dict[Text, Any]) -> Optional[Event]:
    """`Event.from_parameters(parameters)`: the same event, or None, or error.

    Args:
        parameters: An event as `Event.as_dict()` gives it.

    Returns:
        The event; None when `parameters` has no type, or one Rasa skips.

    Raises:
        ValueError: Rasa knows no event of that type.
    """
    type_name = parameters.get("event")
    if type_name is None:
        return None
    if not isinstance(type_name, str):  # unhashable or odd: Rasa's own error
        return Event.from_parameters(parameters)
    cls = event_class(type_name)
    if cls is None:
        return None
    return cls._from_parameters(parameters)


def event_from_dict(parameters: Dict[Text, Any]) -> Event:
    """Rebuilds an event that must exist (e.g. a masked copy of a live event).

    Args:
        parameters: An event as `Event.as_dict()` gives it.

    Returns:
        The event.

    Raises:
        ValueError: The dictionary names no event type Rasa knows.
    """
    event = event_from_parameters(parameters)
    if event is None:
        raise ValueError(f"Cannot rebuild an event of type {parameters.get('event')!r}.")
    return event


def deserialise_events(serialised_events: Iterable[Dict[Text, Any]]) -> List[Event]:
    """`rasa.shared.core.events.deserialise_events`, with the cached class lookup.

    Same events in the same order: dictionaries without an `event` key are
    skipped, so are those Rasa rebuilds as nothing (`topic`); unknown types raise.

    Args:
        serialised_events: Events as `Event.as_dict()` gives them.

    Returns:
        The events.

    Raises:
        ValueError: An event type Rasa does not know.
    """
    events: List[Event] = []
    for parameters in serialised_events:
        if "event" not in parameters:
            continue
        event = event_from_parameters(parameters)
        if event:  # Rasa's test, kept as is
            events.append(event)
        else:
            logger.warning("Skipped a stored event Rasa cannot rebuild: %r.",
                           parameters.get("event"))
    return events
