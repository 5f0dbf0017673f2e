"""Tests of scripts/new_intent.py, run on a temporary copy of the project (never on it)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


new_intent = load("new_intent")
lint_data = load("lint_data")

NAME = "check_card_status"
# Made-up customer messages about a card (nothing like them is in the project's data).
REAL_EXAMPLES = [
    f"has my zorblex card number {n} been {verb} yet" for n in range(5)
    for verb in ("posted", "shipped", "activated")
]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The parts of the project the scaffold and its checks read, copied."""
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("data", "actions", "scripts", "tests/conversations", "tests/unit/actions"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=ignore)
    for package in ("tests", "tests/unit"):
        shutil.copy(ROOT / package / "__init__.py", tmp_path / package / "__init__.py")
    return tmp_path


def snapshot(root: Path) -> Dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def problems_about(root: Path, name: str) -> list:
    return [p for p in lint_data.lint(root) if name in p]


def test_scaffolds_an_intent_answered_by_a_response(copy: Path, capsys) -> None:
    old_domain = (copy / "domain.yml").read_text()
    assert new_intent.main([NAME, "--root", str(copy)]) == 0
    printed = capsys.readouterr().out
    assert f"created data/nlu/{NAME}.yml" in printed and "docs/extending-intents.md" in printed

    domain_text = (copy / "domain.yml").read_text()
    domain = yaml.safe_load(domain_text)
    assert domain["intents"][-1] == NAME
    assert f"utter_{NAME}" in domain["responses"]
    assert f"action_{NAME}" not in domain["actions"]
    # Comments and layout kept: the old file's lines are all there, in order.
    new_lines = iter(domain_text.splitlines())
    assert all(line in new_lines for line in old_domain.splitlines())
    assert len(domain_text.splitlines()) == len(old_domain.splitlines()) + 4

    rules = yaml.safe_load((copy / "data" / "rules" / f"{NAME}.yml").read_text())["rules"]
    assert rules[0]["steps"] == [{"intent": NAME}, {"action": f"utter_{NAME}"}]
    story = yaml.safe_load((copy / "tests" / "conversations" / f"test_{NAME}.yml").read_text())
    assert story["stories"][0]["steps"][0]["intent"] == NAME
    assert not (copy / "actions" / f"{NAME}.py").exists()

    from rasa.shared.core.domain import Domain

    assert NAME in Domain.load(str(copy / "domain.yml")).intents


def test_the_lint_fails_until_the_scaffold_is_filled_in(copy: Path) -> None:
    assert new_intent.main([NAME, "--root", str(copy)]) == 0
    problems = problems_about(copy, NAME) + problems_about(copy, "REPLACE ME")
    assert any(f"intent '{NAME}' has 0 real examples" in p for p in problems)
    placeholders = [p for p in problems if "placeholder left by the scaffold" in p]
    assert {p.split(":")[0] for p in placeholders} == {
        "domain.yml", f"data/nlu/{NAME}.yml", f"tests/conversations/test_{NAME}.yml"
    }

    nlu = copy / "data" / "nlu" / f"{NAME}.yml"
    text = nlu.read_text()
    kept = [line for line in text.splitlines() if "REPLACE ME" not in line]
    nlu.write_text("\n".join(kept + [f"      - {e}" for e in REAL_EXAMPLES[:10]]) + "\n")
    assert any(f"'{NAME}' has 10 real examples" in p for p in problems_about(copy, NAME))

    nlu.write_text("\n".join(kept + [f"      - {e}" for e in REAL_EXAMPLES]) + "\n")
    for path, real in (
        (copy / "domain.yml", "Your card is on its way."),
        (copy / "tests" / "conversations" / f"test_{NAME}.yml", "where's my new zorblex card"),
    ):
        path.write_text(path.read_text().replace(f"{new_intent.PLACEHOLDER}: ", "").replace(
            "what the assistant answers to check card status", real
        ))
    assert problems_about(copy, NAME) == []
    assert problems_about(copy, "REPLACE ME") == []


def test_scaffolds_an_action_whose_generated_tests_pass(copy: Path) -> None:
    assert new_intent.main([NAME, "--action", "--root", str(copy)]) == 0
    domain = yaml.safe_load((copy / "domain.yml").read_text())
    assert domain["actions"][-1] == f"action_{NAME}"
    rules = yaml.safe_load((copy / "data" / "rules" / f"{NAME}.yml").read_text())["rules"]
    assert rules[0]["steps"][-1] == {"action": f"action_{NAME}"}
    module = (copy / "actions" / f"{NAME}.py").read_text()
    assert "class ActionCheckCardStatus(BackendAction)" in module
    assert "async def perform(" in module and 'response="utter_check_card_status"' in module

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         f"tests/unit/actions/test_{NAME}.py"],
        cwd=copy, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_dry_run_writes_nothing(copy: Path, capsys) -> None:
    before = snapshot(copy)
    assert new_intent.main([NAME, "--action", "--dry-run", "--root", str(copy)]) == 0
    assert snapshot(copy) == before
    printed = capsys.readouterr().out
    assert f"would create actions/{NAME}.py" in printed
    assert f"would add to domain.yml: intent {NAME}, response utter_{NAME}, action action_{NAME}" in printed


@pytest.mark.parametrize(
    "name, reason",
    [
        ("check_balance", "already exists in domain.yml"),
        ("CheckCard", "not a valid intent name"),
        ("check-card", "not a valid intent name"),
        ("1card", "not a valid intent name"),
        ("check__card", "not a valid intent name"),
        ("class", "reserved"),
        ("nlu_fallback", "reserved"),
        ("utter_card", "reserved"),
    ],
)
def test_refuses_existing_names_and_invalid_identifiers(copy: Path, capsys, name: str, reason: str) -> None:
    before = snapshot(copy)
    assert new_intent.main([name, "--root", str(copy)]) == 1
    assert reason in capsys.readouterr().err
    assert snapshot(copy) == before


def test_refuses_a_name_whose_files_exist(copy: Path, capsys) -> None:
    (copy / "data" / "rules" / f"{NAME}.yml").write_text('version: "3.1"\n')
    before = snapshot(copy)
    assert new_intent.main([NAME, "--root", str(copy)]) == 1
    assert f"data/rules/{NAME}.yml already exists" in capsys.readouterr().err
    assert snapshot(copy) == before


def test_refuses_an_intent_that_has_examples_but_is_not_in_the_domain(copy: Path, capsys) -> None:
    (copy / "data" / "nlu" / "extra.yml").write_text(
        f'version: "3.1"\nnlu:\n  - intent: {NAME}\n    examples: |\n      - hello\n'
    )
    assert new_intent.main([NAME, "--root", str(copy)]) == 1
    assert "already has examples in data/nlu/extra.yml" in capsys.readouterr().err


def test_the_domain_edit_refuses_a_layout_it_cannot_verify() -> None:
    flow_style = 'version: "3.1"\nintents: [greet]\nactions:\n  - action_x\nresponses:\n  utter_x:\n  - text: hi\n'
    with pytest.raises(new_intent.ScaffoldError):
        new_intent.edit_domain(flow_style, NAME, with_action=False)
