"""Tests of scripts/lint_data.py on small synthetic projects: every check can fail."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("lint_data", ROOT / "scripts" / "lint_data.py")
lint_data = importlib.util.module_from_spec(spec)
sys.modules["lint_data"] = lint_data  # its dataclasses look their module up
spec.loader.exec_module(lint_data)

BALANCE = [f"how much do i still owe you for purchase number {n}" for n in range(3)] + [
    "what's my balance",
    "balance please",
    "how much is left to pay",
]
INVOICE = [
    "send me the invoice",
    "i need a receipt for my order",
    "where can i download my invoice",
    "invoice for the [Zalando](merchant) order",
    "can i get a copy of the bill",
    "email me the receipt please",
]


def nlu_yaml(intents: Dict[str, List[str]]) -> str:
    blocks = []
    for intent, examples in intents.items():
        lines = "\n".join(f"      - {example}" for example in examples)
        blocks.append(f"  - intent: {intent}\n    examples: |\n{lines}\n")
    return 'version: "3.1"\n\nnlu:\n' + "".join(blocks)


DOMAIN = """\
version: "3.1"
intents:
  - check_balance
  - get_invoice
entities:
  - merchant
forms:
  invoice_form:
    required_slots:
      - merchant
actions:
  - action_check_balance
  - validate_invoice_form
  - action_ask_merchant
responses:
  utter_invoice:
    - text: "Here it is."
  utter_ask_invoice_form_merchant:
    - text: "Which shop?"
  utter_balance:
    - text: "You owe {amount}."
"""
RULES = """\
version: "3.1"
rules:
  - rule: balance
    steps:
      - intent: check_balance
      - action: action_check_balance
  - rule: invoice
    steps:
      - intent: get_invoice
      - action: invoice_form
      - active_loop: invoice_form
      - action: utter_invoice
"""
ACTION = '''
class ActionCheckBalance:
    def name(self):
        return "action_check_balance"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_balance")
        return []
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A clean synthetic project: every check passes on it."""
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "data" / "rules").mkdir()
    (tmp_path / "actions").mkdir()
    (tmp_path / "tests" / "conversations").mkdir(parents=True)
    (tmp_path / "domain.yml").write_text(DOMAIN)
    (tmp_path / "config.yml").write_text("policies:\n  - name: RulePolicy\n")
    (tmp_path / "data" / "rules" / "rules.yml").write_text(RULES)
    (tmp_path / "actions" / "account.py").write_text(ACTION)
    write_nlu(tmp_path, {"check_balance": BALANCE, "get_invoice": INVOICE})
    return tmp_path


def write_nlu(root: Path, intents: Dict[str, List[str]], name: str = "main.yml") -> None:
    (root / "data" / "nlu" / name).write_text(nlu_yaml(intents))


def lint(root: Path, minimum: int = 5) -> List[str]:
    return lint_data.lint(root, minimum=minimum)


def test_a_clean_project_passes(project: Path) -> None:
    assert lint(project) == []


def test_too_few_examples(project: Path) -> None:
    problems = lint(project, minimum=7)
    assert len(problems) == 2
    assert "data/nlu/main.yml: intent 'check_balance' has 6 real examples; at least 7" in problems[0]


def test_an_intent_of_the_domain_without_examples(project: Path) -> None:
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace("  - get_invoice\n", "  - get_invoice\n  - greet\n"))
    assert lint(project) == [
        "data/nlu (no examples): intent 'greet' has 0 real examples; at least 5 are needed"
    ]


def test_scaffold_placeholders_fail_and_do_not_count(project: Path) -> None:
    placeholders = [f"{lint_data.PLACEHOLDER}: customer message {n}" for n in range(10)]
    write_nlu(project, {"card_status": placeholders}, "card_status.yml")
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace("  - get_invoice\n", "  - get_invoice\n  - card_status\n"))
    problems = lint(project)
    assert sum("placeholder left by the scaffold" in p for p in problems) == 10
    assert "data/nlu/card_status.yml:6: placeholder" in problems[1]
    assert any("intent 'card_status' has 0 real examples" in p for p in problems)


def test_placeholders_in_the_domain_and_conversation_tests(project: Path) -> None:
    test = project / "tests" / "conversations" / "test_x.yml"
    test.write_text(f"# the {lint_data.PLACEHOLDER} marker in a comment is fine\n- user: {lint_data.PLACEHOLDER}: hi\n")
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace("Here it is.", f"{lint_data.PLACEHOLDER}: answer"))
    problems = lint(project)
    assert len(problems) == 2
    assert problems[0].startswith("domain.yml:17: placeholder")
    assert problems[1].startswith("tests/conversations/test_x.yml:2: placeholder")


def test_the_same_example_under_two_intents_after_normalising(project: Path) -> None:
    write_nlu(project, {"check_balance": BALANCE, "get_invoice": INVOICE + ["What's my   BALANCE?!"]})
    (problem,) = lint(project)
    assert problem.startswith("duplicate example under two intents:")
    assert "data/nlu/main.yml:9: intent 'check_balance': example 'what's my balance'" in problem
    assert "intent 'get_invoice': example 'What's my   BALANCE?!'" in problem


def test_the_same_example_twice_under_one_intent(project: Path) -> None:
    write_nlu(project, {"check_balance": BALANCE + ["balance, please"], "get_invoice": INVOICE})
    (problem,) = lint(project)
    assert problem.startswith("duplicate example twice under one intent:")


def test_near_duplicates_across_intents_but_not_within_one(project: Path) -> None:
    near = "how much do i still owe you for purchase number 1 pls"
    write_nlu(project, {"check_balance": BALANCE + [near + " now"], "get_invoice": INVOICE})
    assert lint(project) == []  # same intent: only a paraphrase
    write_nlu(project, {"check_balance": BALANCE, "get_invoice": INVOICE + [near]})
    problems = lint(project)
    assert len(problems) >= 1
    assert all(p.startswith("near-duplicate examples (0.9") for p in problems)
    assert "intent 'get_invoice': example '" + near in problems[0]


def test_near_duplicate_threshold(project: Path) -> None:
    examples = lint_data.load_examples(project)
    similar = [
        lint_data.Example("f", "a", "where is my refund", "where is my refund"),
        lint_data.Example("f", "b", "where is my refund?? pls", "where is my refund?? pls"),
        lint_data.Example("f", "c", "thank you", "thank you"),
    ]
    pairs = lint_data.near_duplicate_pairs(similar, threshold=0.7)
    assert [(a.intent, b.intent) for a, b, _ in pairs] == [("a", "b")]
    assert lint_data.near_duplicate_pairs(similar, threshold=0.95) == []
    assert lint_data.near_duplicate_pairs(examples) == []


def test_entity_annotated_in_one_example_and_plain_in_another(project: Path) -> None:
    write_nlu(project, {"check_balance": BALANCE + ["how much do i owe zalando"], "get_invoice": INVOICE})
    (problem,) = lint(project)
    assert "'zalando' is annotated as 'merchant'" in problem
    assert "left plain in data/nlu/main.yml:12: intent 'check_balance': example 'how much do i owe zalando'" in problem


def test_entity_annotated_with_two_types(project: Path) -> None:
    write_nlu(project, {"check_balance": BALANCE + ["what do i owe [Zalando](shop)"], "get_invoice": INVOICE})
    (problem,) = lint(project)
    assert problem.startswith("'zalando' is annotated with two entity types: as 'merchant' in")
    assert "as 'shop' in" in problem


def test_unused_response_and_action(project: Path) -> None:
    domain = project / "domain.yml"
    text = domain.read_text().replace(
        "  - validate_invoice_form\n", "  - validate_invoice_form\n  - action_forgotten\n"
    ) + '  utter_forgotten:\n    - text: "Nobody sends me."\n'
    domain.write_text(text)
    assert lint(project) == [
        "domain.yml: response 'utter_forgotten' is used by no rule, story, form or action",
        "domain.yml: action 'action_forgotten' is run by no rule, story, form, policy or action",
    ]


def test_responses_sent_by_actions_and_actions_run_by_policies_count_as_used(project: Path) -> None:
    (project / "actions" / "account.py").write_text(ACTION.replace("utter_balance", "utter_other"))
    domain = project / "domain.yml"
    domain.write_text(domain.read_text().replace("  - action_ask_merchant\n", "  - action_ask_merchant\n  - action_fallback\n"))
    (project / "config.yml").write_text("policies:\n  - name: RulePolicy\n    core_fallback_action_name: action_fallback\n")
    assert lint(project) == [
        "domain.yml: response 'utter_balance' is used by no rule, story, form or action"
    ]


def test_the_command_exits_non_zero_on_a_problem(project: Path, capsys) -> None:
    assert lint_data.main(["--root", str(project), "--min-examples", "5"]) == 0
    assert lint_data.main(["--root", str(project), "--min-examples", "50"]) == 1
    printed = capsys.readouterr().out
    assert "LINT: data/nlu/main.yml: intent 'check_balance'" in printed
    assert "data lint failed: 2 problem(s)" in printed


def test_normalise() -> None:
    assert lint_data.normalise("  What's   my_BALANCE?! ") == "what s my balance"
