"""Tests of the generator of the form interruption rules and its domain check."""

import importlib.util
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location(
    "generate_form_rules", ROOT / "scripts" / "generate_form_rules.py"
)
generator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generator)


def test_every_form_answers_every_side_question_and_can_be_left():
    rules = yaml.safe_load(generator.render())["rules"]
    names = {rule["rule"] for rule in rules}
    for form in generator.FORMS:
        for intent in generator.SIDE_QUESTIONS:
            assert f"{intent} inside {form}" in names
        for intent in generator.EXITS:
            assert f"{intent} leaves {form}" in names


def test_side_question_rule_resumes_the_form():
    rules = yaml.safe_load(generator.render())["rules"]
    rule = next(r for r in rules if r["rule"] == "refund_policy inside refund_form")
    assert rule["condition"] == [{"active_loop": "refund_form"}]
    assert rule["steps"][-2:] == [{"action": "refund_form"}, {"active_loop": "refund_form"}]


def test_committed_rules_and_domain_are_current():
    assert generator.OUTPUT.read_text() == generator.render()
    assert generator.free_text_gaps() == []


def test_a_free_text_slot_that_swallows_a_question_is_reported(tmp_path):
    domain = {
        "slots": {
            "refund_reason": {
                "type": "text",
                "mappings": [
                    {
                        "type": "from_text",
                        "not_intent": ["stop", "human_handoff"],
                        "conditions": [{"active_loop": "refund_form"}],
                    }
                ],
            }
        }
    }
    path = tmp_path / "domain.yml"
    path.write_text(yaml.safe_dump(domain))
    gaps = generator.free_text_gaps(path)
    assert len(gaps) == 1 and "refund_reason" in gaps[0] and "check_balance" in gaps[0]


def test_a_person_or_a_complaint_inside_a_form_goes_to_the_agent_desk():
    rules = {rule["rule"]: rule for rule in yaml.safe_load(generator.render())["rules"]}
    for form in generator.FORMS:
        handoff = rules[f"human_handoff leaves {form}"]["steps"]
        assert handoff[1:] == [{"action": "action_handoff"}, {"active_loop": None}]
        complaint = rules[f"complaint leaves {form}"]["steps"]
        assert complaint[1:] == [
            {"action": "utter_complaint"},
            {"action": "action_handoff"},
            {"active_loop": None},
        ]
        stop = rules[f"stop leaves {form}"]["steps"]
        assert stop[1:] == [{"action": "action_stop_form"}, {"active_loop": None}]
