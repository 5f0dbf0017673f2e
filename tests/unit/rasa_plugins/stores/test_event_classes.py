"""Tests of rasa_plugins.stores.event_classes against Rasa's own event rebuilding."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from rasa.shared.core import events as rasa_events
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from rasa_plugins.stores.event_classes import (
    deserialise_events,
    event_from_dict,
    event_from_parameters,
)


def _stored() -> List[Dict[str, Any]]:
    events: List[Event] = [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=2.0),
        SlotSet("order_id", "A1", timestamp=3.0),
        UserUttered("hi", {"name": "greet", "confidence": 1.0}, [], timestamp=4.0,
                    input_channel="rest", message_id="m1", metadata={"k": "v"}),
        ActiveLoop("refund_form", timestamp=5.0),
        BotUttered("Hello", {"buttons": []}, {"utter_action": "utter_greet"}, timestamp=6.0),
        Restarted(timestamp=7.0),
    ]
    return [event.as_dict() for event in events]


def test_the_same_events_as_rasa_in_the_same_order() -> None:
    serialised = _stored()
    serialised[3:3] = [{"no_event_key": 1}, {"event": "topic", "topic": "old"}]

    ours = deserialise_events(serialised)
    expected = rasa_events.deserialise_events(serialised)

    assert [type(event) for event in ours] == [type(event) for event in expected]
    assert [event.as_dict() for event in ours] == [event.as_dict() for event in expected]
    assert len(ours) == len(_stored())


def test_unknown_types_raise_as_in_rasa() -> None:
    with pytest.raises(ValueError, match="Unknown event name 'nope'"):
        deserialise_events([{"event": "nope"}])
    with pytest.raises(ValueError):
        event_from_dict({"event": "topic"})  # Rasa rebuilds nothing for it
    with pytest.raises(ValueError):
        event_from_dict({"text": "no type"})


def test_the_class_of_a_type_is_looked_up_once(class_lookups: List[str]) -> None:
    for _ in range(3):
        deserialise_events(_stored())

    assert sorted(class_lookups) == sorted({event["event"] for event in _stored()})


def test_a_non_text_type_gets_rasa_s_error() -> None:
    with pytest.raises(ValueError, match="Unknown event name"):
        event_from_parameters({"event": ["user"]})
