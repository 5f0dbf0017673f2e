"""Fixtures shared by the stores' tests."""

from typing import Any, List

import pytest
from rasa.shared.core.events import Event

from rasa_plugins.stores.event_classes import event_class


@pytest.fixture
def class_lookups(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The type names Rasa's `Event.resolve_by_type` is asked for from now on.

    The project's cache of event classes starts empty, so every lookup it makes shows.
    """
    event_class.cache_clear()
    lookups: List[str] = []
    original = Event.resolve_by_type

    def counting(type_name: str, default: Any = None) -> Any:
        lookups.append(type_name)
        return original(type_name, default)

    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(counting))
    return lookups
