"""The indexed rule lookup finds the same rules as Rasa's on the trained model's rules."""

from bench.rule_lookup import measure, rule_policy_of
from devstack.paths import RepoPaths


def test_the_trained_rules_give_the_same_keys_both_ways() -> None:
    model = RepoPaths().newest_model()
    assert model is not None, "train a model first (make train)"
    rows = measure(rule_policy_of(model), repeat=1)
    assert {row["table"] for row in rows} == {"rules", "rules_for_loop_unhappy_path"}
    for row in rows:
        assert row["cases"] > row["keys"] > 0
        assert row["mismatches"] == 0, row
