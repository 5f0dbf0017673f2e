"""Prints what finding the applicable rules costs, Rasa's way and through the index.

Issue #7: `RulePolicy._get_possible_keys` tried every learnt rule against the
conversation's recent states for each prediction; `rasa_plugins.rule_lookup` tries
only the rules whose latest previous action is the conversation's. This benchmark
loads a trained model's `RulePolicy` and runs both on realistic conversation states:
the states of every learnt rule (each is a conversation the rule applies to), the
same with the latest previous action swapped for each other action the rules know,
and their shorter tails. It checks that both give the same keys for every one, then
prints the median microseconds per call of each and the candidates checked.

    .venv/bin/python bench/rule_lookup.py                      # the current model
    .venv/bin/python bench/rule_lookup.py --model models/x.tar.gz --repeat 5
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Text, Tuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy  # noqa: E402
from rasa.shared.core.constants import PREVIOUS_ACTION  # noqa: E402
from rasa.shared.nlu.constants import ACTION_NAME  # noqa: E402

from rasa_plugins.rule_lookup import (  # noqa: E402
    build_index,
    indexed_possible_keys,
    rasa_possible_keys,
)

State = Dict[Text, Any]
Case = Tuple[Dict[Text, Any], List[State]]


def rule_policy_of(model: Path) -> RulePolicy:
    """The trained `RulePolicy` of a model archive, loaded as the server loads it."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    assert agent.processor is not None
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        component = getattr(node, "_component", None)
        if isinstance(component, RulePolicy):
            return component
    raise SystemExit(f"{model} has no RulePolicy")


def conversation_states(policy: RulePolicy, lookup: Dict[Text, Any]) -> List[List[State]]:
    """States of every rule, with each other latest action, and their tails."""
    actions: Set[Text] = set()
    for key in lookup:
        for state in policy._rule_key_to_state(key):
            name = (state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
            if name:
                actions.add(name)
    cases: List[List[State]] = []
    for key in lookup:
        states = copy.deepcopy(policy._rule_key_to_state(key))
        for start in range(len(states)):
            cases.append(states[start:])
        for action in sorted(actions):
            swapped = copy.deepcopy(states)
            swapped[-1][PREVIOUS_ACTION] = {ACTION_NAME: action}
            cases.append(swapped)
    return cases


def _median_us(call: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1e6


def measure(policy: RulePolicy, repeat: int) -> List[Dict[str, Any]]:
    """Checks both lookups agree on every case and times them, per lookup table."""
    rows = []
    for table in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):
        lookup = policy.lookup.get(table) or {}
        if not lookup:
            continue
        cases = conversation_states(policy, lookup)
        mismatches = sum(
            rasa_possible_keys(policy, lookup, states)
            != indexed_possible_keys(policy, lookup, states)
            for states in cases
        )
        index = build_index(lookup, policy._rule_key_to_state)
        before = _median_us(
            lambda: [rasa_possible_keys(policy, lookup, s) for s in cases], repeat
        )
        after = _median_us(
            lambda: [indexed_possible_keys(policy, lookup, s) for s in cases], repeat
        )
        rows.append({
            "table": table,
            "keys": len(lookup),
            "groups": len(index),
            "largest_group": max(len(keys) for keys in index.values()),
            "cases": len(cases),
            "mismatches": mismatches,
            "rasa_us": before / len(cases),
            "indexed_us": after / len(cases),
        })
    return rows


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Prints the table; fails when the two lookups disagree on any case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: the newest)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    model = args.model or max((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    rows = measure(rule_policy_of(model), args.repeat)
    print(f"model: {model.name}")
    print("| table | keys | groups (largest) | cases | mismatches | Rasa us/call | indexed us/call | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['table']} | {row['keys']} | {row['groups']} ({row['largest_group']}) "
              f"| {row['cases']} | {row['mismatches']} | {row['rasa_us']:.0f} "
              f"| {row['indexed_us']:.0f} | {row['rasa_us'] / row['indexed_us']:.1f}x |")
    print(json.dumps(rows))
    return 1 if any(row["mismatches"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
