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
