"""Tests of rasa_plugins.rule_lookup: the indexed rule lookup finds what Rasa's finds."""

from __future__ import annotations

import json
import logging
import random
from typing import Any, Dict, List

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from rasa_plugins.rule_lookup import (
    build_index,
    index_rule_lookups,
    indexed_possible_keys,
    rasa_possible_keys,
)

State = Dict[str, Any]

ACTIONS = ["action_listen", "utter_greet", "refund_form", "action_check_balance"]
INTENTS = ["greet", "request_refund", "affirm", "deny"]


def _policy() -> RulePolicy:
    # Rasa's applicability check reads no instance state, so a bare instance is
    # the real policy's behaviour without a trained model.
    return RulePolicy.__new__(RulePolicy)


def _random_state(rng: random.Random, start: bool) -> State:
    state: State = {}
    if not start:
        choice = rng.random()
        if choice < 0.85:
            state["prev_action"] = {"action_name": rng.choice(ACTIONS)}
        elif choice < 0.95:
            state["prev_action"] = {"action_text": "Hi"}
        else:
            state["prev_action"] = {"action_name": ""}
    if rng.random() < 0.7:
        state["user"] = {"intent": rng.choice(INTENTS)}
    if rng.random() < 0.3:
        state["active_loop"] = {"name": rng.choice(["refund_form", SHOULD_NOT_BE_SET])}
    if rng.random() < 0.3:
        state["slots"] = {"order_id": rng.choice([(1.0,), SHOULD_NOT_BE_SET])}
    return state


def _random_states(rng: random.Random, most: int) -> List[State]:
    count = rng.randint(1, most)
    starts = rng.random() < 0.2
    return [_random_state(rng, start=starts and i == 0) for i in range(count)]


def _lookup(rng: random.Random, rules: int) -> Dict[str, str]:
    return {json.dumps(_random_states(rng, 3)): rng.choice(ACTIONS) for _ in range(rules)}


def test_the_same_keys_as_rasa_for_random_rules_and_conversations() -> None:
    rng = random.Random(7)
    policy = _policy()
    found_any = 0
    for _ in range(20):
        lookup = _lookup(rng, 60)
        for _ in range(150):
            states = _random_states(rng, 5)
            expected = rasa_possible_keys(policy, lookup, states)
            assert indexed_possible_keys(policy, lookup, states) == expected
            found_any += bool(expected)
    # The comparison means something only if rules do apply in many cases.
    assert found_any > 300


def _as_conversation(states: List[State]) -> List[State]:
    """Decoded rule states as a tracker gives them: slot values are tuples."""
    return [
        {
            kind: {
                name: tuple(value) if isinstance(value, list) else value
                for name, value in sub_state.items()
            }
            for kind, sub_state in state.items()
        }
        for state in states
    ]


def test_every_rule_applies_to_its_own_states() -> None:
    rng = random.Random(11)
    policy = _policy()
    lookup = _lookup(rng, 80)
    for key in lookup:
        states = _as_conversation(json.loads(key))
        found = indexed_possible_keys(policy, lookup, states)
        assert key in found
        assert found == rasa_possible_keys(policy, lookup, states)


def test_rules_are_grouped_by_their_latest_previous_action() -> None:
    lookup = {
        json.dumps([{"prev_action": {"action_name": "action_listen"}}]): "a",
        json.dumps([{}, {"prev_action": {"action_name": "utter_greet"}}]): "b",
        json.dumps([{"prev_action": {"action_text": "Hi"}}]): "c",
        json.dumps([{"user": {"intent": "greet"}}]): "d",
    }
    index = build_index(lookup, json.loads)
    assert {name: len(keys) for name, keys in index.items()} == {
        "action_listen": 1, "utter_greet": 1, None: 2,
    }


def test_an_empty_conversation_gets_every_key() -> None:
    lookup = _lookup(random.Random(3), 10)
    assert indexed_possible_keys(_policy(), lookup, []) == set(lookup)


def test_a_lookup_filled_after_the_first_call_is_indexed_again() -> None:
    # Training fills the lookups while it predicts: the index follows their keys.
    policy = _policy()
    lookup: Dict[str, str] = {}
    states = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]
    assert indexed_possible_keys(policy, lookup, states) == set()
    key = json.dumps(states)
    lookup[key] = "utter_greet"
    assert indexed_possible_keys(policy, lookup, states) == {key}


def test_installed_once_on_the_policy_class() -> None:
    class StandInPolicy(RulePolicy):
        # Rasa's method of its own: other tests may have indexed RulePolicy already.
        def _get_possible_keys(self, lookup: Any, states: Any) -> Any:
            return rasa_possible_keys(self, lookup, states)

    assert index_rule_lookups(StandInPolicy) is True
    assert index_rule_lookups(StandInPolicy) is False
    lookup = _lookup(random.Random(5), 30)
    states = json.loads(next(iter(lookup)))
    policy = StandInPolicy.__new__(StandInPolicy)
    assert policy._get_possible_keys(lookup, states) == rasa_possible_keys(policy, lookup, states)
    assert getattr(StandInPolicy._get_possible_keys, "_indexed_rule_lookup", False)


def test_a_rasa_without_the_hooks_keeps_its_own_lookup(caplog: pytest.LogCaptureFixture) -> None:
    class OtherPolicy:
        def _get_possible_keys(self, lookup: Any, states: Any) -> Any:
            return set()

    original = OtherPolicy._get_possible_keys
    with caplog.at_level(logging.WARNING):
        assert index_rule_lookups(OtherPolicy) is False
    assert OtherPolicy._get_possible_keys is original
    assert "without the index" in caplog.text
