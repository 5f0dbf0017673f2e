"""Tests of the project checks that Rasa's validator cannot do."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location(
    "validate_project", ROOT / "scripts" / "validate_project.py"
)
validate_project = importlib.util.module_from_spec(spec)
spec.loader.exec_module(validate_project)


def test_a_training_example_copied_from_the_evaluation_set_is_reported(tmp_path):
    evaluation = tmp_path / "eval.csv"
    evaluation.write_text("text,kind\nWhere is the refund for order KL-1?,in_scope\n")
    assert validate_project.check_no_eval_leak(evaluation) == []  # data/ has no such line
    copied = next((ROOT / "data" / "nlu").glob("*.yml")).read_text().splitlines()
    example = next(line.strip()[2:] for line in copied if line.strip().startswith("- ") and len(line) > 30 and "[" not in line and "\"" not in line)
    evaluation.write_text(f'text,kind\n"{example.upper()}!",in_scope\n')
    problems = validate_project.check_no_eval_leak(evaluation)
    assert problems and "evaluation set" in problems[0]


def test_missing_evaluation_set_is_skipped(tmp_path):
    assert validate_project.check_no_eval_leak(tmp_path / "absent.csv") == []


def test_every_form_slot_has_a_question():
    assert validate_project.check_form_questions() == []


def test_responses_sent_by_other_services_are_checked_against_their_sender(tmp_path):
    assert validate_project.check_sent_by_other_services() == []
    (tmp_path / "domain.yml").write_text("responses:\n  utter_handoff_closed: []\n")
    problems = validate_project.check_sent_by_other_services(tmp_path)
    # utter_handoff_bot_resumed is missing from that domain, and no desk names either.
    assert any("utter_handoff_bot_resumed" in p and "not in the domain" in p for p in problems)
    assert any("does not name it" in p for p in problems)


def test_responses_sent_by_other_services_count_as_used():
    exact, _ = validate_project.responses_used_outside_stories({})
    assert set(validate_project.SENT_BY_OTHER_SERVICES) <= exact


def test_responses_sent_by_actions_and_form_questions_count_as_used(tmp_path):
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "a.py").write_text(
        'dispatcher.utter_message(response="utter_sent")\n'
        'dispatcher.utter_message(response=f"utter_advice_{reason}")\n'
    )
    domain = {"forms": {"refund_form": {"required_slots": ["order_id"]}}}
    exact, prefixes = validate_project.responses_used_outside_stories(domain, tmp_path)
    others = set(getattr(validate_project, "SENT_BY_OTHER_SERVICES", {}))
    assert exact - others == {"utter_sent", "utter_ask_order_id", "utter_ask_refund_form_order_id"}
    assert prefixes == {"utter_advice_"}


def test_validation_runs_the_data_lint(monkeypatch):
    import sys
    import types

    calls = []

    def lint(root, skip=()):
        calls.append((root, list(skip)))
        return ["data/nlu/x.yml: intent 'x' has 3 real examples"]

    monkeypatch.setitem(sys.modules, "lint_data", types.SimpleNamespace(lint=lint))
    assert validate_project.check_data_lint() == [
        "data lint: data/nlu/x.yml: intent 'x' has 3 real examples"
    ]
    # Rasa's validator reports unused responses itself.
    assert calls == [(validate_project.ROOT, ["unused-responses"])]
