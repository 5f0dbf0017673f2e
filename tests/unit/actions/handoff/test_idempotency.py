"""Tests of actions.handoff.idempotency: one ticket per handoff."""

from __future__ import annotations

from typing import Any, Dict, List

from actions.handoff.idempotency import handoff_key, handoffs_so_far
from tests.unit.actions.fakes import make_tracker, user_event


def _action(name: str) -> Dict[str, Any]:
    return {"event": "action", "timestamp": 1.0, "name": name}


def _events(handoffs: int) -> List[Dict[str, Any]]:
    events: List[Dict[str, Any]] = []
    for _ in range(handoffs):
        events += [user_event("human_handoff"), _action("action_handoff"), _action("action_listen")]
    return events + [user_event("human_handoff")]


def test_a_retried_handoff_sends_the_same_key() -> None:
    assert handoff_key(make_tracker(events=_events(1))) == handoff_key(make_tracker(events=_events(1)))


def test_a_later_handoff_in_the_same_conversation_gets_a_new_key() -> None:
    keys = {handoff_key(make_tracker(events=_events(count))) for count in range(3)}
    assert len(keys) == 3


def test_other_conversations_get_other_keys() -> None:
    first = handoff_key(make_tracker(events=_events(0), sender_id="a"))
    second = handoff_key(make_tracker(events=_events(0), sender_id="b"))
    assert first != second


def test_only_handoffs_count() -> None:
    events = _events(1) + [_action("action_stop_form"), _action("utter_human_handoff")]
    assert handoffs_so_far(make_tracker(events=events)) == 1


def test_the_key_fits_the_desk_and_hides_the_conversation_id() -> None:
    key = handoff_key(make_tracker(events=_events(0), sender_id="ada@example.com"))
    assert 8 <= len(key) <= 200 and key.isprintable()
    assert key.startswith("handoff-") and "ada" not in key
