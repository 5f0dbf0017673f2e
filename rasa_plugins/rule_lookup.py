"""Finds the rules that apply to a conversation without trying every rule.

Rasa 3.6's `RulePolicy._get_possible_keys` checks every learnt rule against every
recent state of the conversation, for each prediction (several per message): with
this project's ~360 rule keys it was the largest part of a policy prediction
(docs/performance.md, change 8). A rule applies only if its latest state's
previous action is the conversation's, so the keys are indexed once by that action
and only the rules under the conversation's action (and those naming none) are
checked, by Rasa's own `_is_rule_applicable`. The result is the same set of keys.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.nlu.constants import ACTION_NAME

logger = logging.getLogger(__name__)

State = Dict[Text, Any]
RuleIndex = Dict[Optional[Text], Tuple[Text, ...]]

_MARK = "_indexed_rule_lookup"
_CACHE = "_rule_lookup_indexes"


def _previous_action_name(state: State) -> Optional[Text]:
    previous = state.get(PREVIOUS_ACTION) or {}
    name = previous.get(ACTION_NAME)
    return name if isinstance(name, str) and name else None


def build_index(lookup: Dict[Text, Any], states_of: Callable[[Text], List[State]]) -> RuleIndex:
    """Groups rule keys by the previous action of their latest state (`None`: any).

    Args:
        lookup: Rule keys (JSON lists of states) to predictions.
        states_of: Parses a rule key (Rasa's cached `_rule_key_to_state`).

    Returns:
        Action name (or `None` for rules that name no action) to keys.
    """
    groups: Dict[Optional[Text], List[Text]] = defaultdict(list)
    for key in lookup:
        states = states_of(key)
        groups[_previous_action_name(states[-1]) if states else None].append(key)
    return {name: tuple(keys) for name, keys in groups.items()}


def _index_for(policy: RulePolicy, lookup: Dict[Text, Any]) -> RuleIndex:
    # Keyed by the dict and checked against its keys: training fills lookups as it goes.
    cache: Dict[int, Tuple[Set[Text], RuleIndex]] = policy.__dict__.setdefault(_CACHE, {})
    cached = cache.get(id(lookup))
    if cached is None or cached[0] != lookup.keys():
        cached = (set(lookup), build_index(lookup, policy._rule_key_to_state))
        cache[id(lookup)] = cached
    return cached[1]


def indexed_possible_keys(
    policy: RulePolicy, lookup: Dict[Text, Any], states: List[State]
) -> Set[Text]:
    """The keys of `lookup` whose rules apply to `states`, as Rasa's method finds them.

    Args:
        policy: The rule policy (its `_is_rule_applicable` decides each key).
        lookup: Rule keys to predictions.
        states: The conversation's recent states, oldest first.

    Returns:
        The applicable keys.
    """
    if not states:
        return set(lookup)
    index = _index_for(policy, lookup)
    latest_action = _previous_action_name(states[-1])
    possible_keys = set(index.get(None, ()))
    if latest_action is not None:
        possible_keys.update(index.get(latest_action, ()))
    for turn, state in enumerate(reversed(states)):
        possible_keys = {
            key for key in possible_keys if policy._is_rule_applicable(key, turn, state)
        }
    return possible_keys


def rasa_possible_keys(
    policy: RulePolicy, lookup: Dict[Text, Any], states: List[State]
) -> Set[Text]:
    """Rasa's own `_get_possible_keys`, installed or not (for comparisons)."""
    method = RulePolicy._get_possible_keys
    return getattr(method, "__wrapped__", method)(policy, lookup, states)


def index_rule_lookups(policy_class: type = RulePolicy) -> bool:
    """Makes `RulePolicy` find applicable rules through the index (once per process).

    Args:
        policy_class: Rasa's `RulePolicy` (a stand-in in tests).

    Returns:
        `True` when installed now; `False` when it already was, or when this Rasa
        version lacks a method it relies on (a warning is logged; rules are then
        found Rasa's way, correct but slower).
    """
    current = getattr(policy_class, "_get_possible_keys", None)
    if getattr(current, _MARK, False):
        return False
    needed = ("_get_possible_keys", "_is_rule_applicable", "_rule_key_to_state")
    missing = [name for name in needed if not callable(getattr(policy_class, name, None))]
    if missing:
        logger.warning(
            "Rasa's RulePolicy lacks %s: rules are looked up without the index.",
            ", ".join(missing),
        )
        return False

    def _get_possible_keys(
        self: RulePolicy, lookup: Dict[Text, Any], states: List[State]
    ) -> Set[Text]:
        return indexed_possible_keys(self, lookup, states)

    setattr(_get_possible_keys, _MARK, True)
    _get_possible_keys.__wrapped__ = current  # type: ignore[attr-defined]
    policy_class._get_possible_keys = _get_possible_keys
    return True
