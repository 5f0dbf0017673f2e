"""Scaffolds a new intent: examples, domain entries, a rule, tests (and an action).

    .venv/bin/python scripts/new_intent.py check_card_status [--action] [--dry-run]
    make new-intent NAME=check_card_status [ACTION=1] [DRY_RUN=1]

Creates

* data/nlu/<name>.yml: placeholder examples marked `REPLACE ME`;
* domain.yml: the intent, a response `utter_<name>` (placeholder text) and, with
  `--action`, the action `action_<name>` (comments and layout kept: the lines are
  inserted, then the file is checked to hold exactly the old content plus these);
* data/rules/<name>.yml: intent -> `utter_<name>` (or `action_<name>`);
* tests/conversations/test_<name>.yml: a conversation test with a placeholder message;
* with `--action`: actions/<name>.py (a `BackendAction` sending `utter_<name>`) and
  tests/unit/actions/test_<name>.py.

`make lint-data` (and so `make validate`) fails while a `REPLACE ME` line is left
or the intent has fewer than `lint_data.MIN_EXAMPLES` real examples, so a scaffold
cannot be forgotten. docs/extending-intents.md walks through the rest.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import yaml

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = "REPLACE ME"  # the marker scripts/lint_data.py looks for
NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: Intent names Rasa reserves or gives a meaning of its own.
RESERVED = frozenset({"nlu_fallback", "out_of_scope", "restart", "back", "session_start"})
RESERVED_PREFIXES = ("utter_", "action_", "validate_")
PLACEHOLDER_EXAMPLES = 5


class ScaffoldError(Exception):
    """The intent cannot be scaffolded (the message says why)."""


@dataclass(frozen=True)
class Plan:
    """What the scaffold writes: new files and the new domain text."""

    files: Dict[str, str]
    domain: str


# -------------------------------------------------------------------- checks


def check_name(name: str, root: Path, with_action: bool) -> None:
    """Refuses invalid identifiers and names the project already uses.

    Raises:
        ScaffoldError: Why the name cannot be used.
    """
    if not NAME.match(name) or len(name) > 60:
        raise ScaffoldError(
            f"'{name}' is not a valid intent name: lowercase words joined by '_' "
            "(letters and digits, starting with a letter), at most 60 characters"
        )
    if keyword.iskeyword(name) or name in RESERVED or name.startswith(RESERVED_PREFIXES):
        raise ScaffoldError(f"'{name}' is reserved (by Python or Rasa): choose another name")
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []}
    if name in intents:
        raise ScaffoldError(f"intent '{name}' already exists in domain.yml")
    for section, entry in (("responses", f"utter_{name}"), ("actions", f"action_{name}")):
        if entry in (domain.get(section) or []):
            raise ScaffoldError(f"'{entry}' already exists in domain.yml ({section})")
    for path in sorted((root / "data").rglob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") == name:
                raise ScaffoldError(
                    f"intent '{name}' already has examples in {path.relative_to(root)}"
                )
    for relative in planned_paths(name, with_action):
        if (root / relative).exists():
            raise ScaffoldError(f"{relative} already exists")


def planned_paths(name: str, with_action: bool) -> List[str]:
    """The files the scaffold creates, relative to the project."""
    paths = [
        f"data/nlu/{name}.yml",
        f"data/rules/{name}.yml",
        f"tests/conversations/test_{name}.yml",
    ]
    if with_action:
        paths += [f"actions/{name}.py", f"tests/unit/actions/test_{name}.py"]
    return paths


# ------------------------------------------------------------------- content


def _words(name: str) -> str:
    return name.replace("_", " ")


def _class_name(name: str) -> str:
    return "Action" + "".join(part.capitalize() for part in name.split("_"))


def nlu_file(name: str) -> str:
    """data/nlu/<name>.yml with placeholder examples."""
    examples = "\n".join(
        f"      - {PLACEHOLDER}: customer message {n} asking to {_words(name)}"
        for n in range(1, PLACEHOLDER_EXAMPLES + 1)
    )
    return f"""# Examples of the intent '{name}' (scaffolded by scripts/new_intent.py).
# Replace every placeholder line below with how customers really write, in your own
# words: at least 15, better 20+ (short and long, typos, polite and angry, with and
# without order numbers). Never copy sentences from ../shared/eval/.
# `make lint-data` fails until this is done.
version: "3.1"

nlu:
  - intent: {name}
    examples: |
{examples}
"""


def rule_file(name: str, with_action: bool) -> str:
    """data/rules/<name>.yml: the intent answered by its response or action."""
    answer = f"action_{name}" if with_action else f"utter_{name}"
    return f"""version: "3.1"

rules:
  - rule: {_words(name)}
    steps:
      - intent: {name}
      - action: {answer}
"""


def conversation_test(name: str, with_action: bool) -> str:
    """tests/conversations/test_<name>.yml with a placeholder message."""
    answer = f"action_{name}" if with_action else f"utter_{name}"
    return f"""# Conversation test of the intent '{name}' (scaffolded by scripts/new_intent.py).
# Replace the placeholder message with a customer message that is NOT one of the
# training examples; add the journey's follow-ups (forms, buttons, goodbye).
version: "3.1"

stories:
  - story: {_words(name)}
    steps:
      - user: |
          {PLACEHOLDER}: a customer message asking to {_words(name)}
        intent: {name}
      - action: {answer}
"""


def action_module(name: str) -> str:
    """actions/<name>.py: a backend action that sends `utter_<name>`."""
    return f'''"""Answers the intent '{name}'."""

from __future__ import annotations

from typing import List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import BackendAction


class {_class_name(name)}(BackendAction):
    """Tells the verified customer about: {_words(name)}."""

    def name(self) -> Text:
        """Returns the action's name."""
        return "action_{name}"

    async def perform(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
        customer_id: Optional[str],
    ) -> List[EventType]:
        """Answers from the backend.

        Fetch the facts with `await self.call(self.client.<method>, customer_id)`
        (a method of actions/api/) and pass them to the response as keyword
        arguments; the text itself stays in domain.yml.
        """
        dispatcher.utter_message(response="utter_{name}")
        return []
'''


def action_test(name: str) -> str:
    """tests/unit/actions/test_<name>.py for the skeleton action."""
    cls = _class_name(name)
    return f'''"""Tests of actions.{name}."""

from __future__ import annotations

from actions.{name} import {cls}
from tests.unit.actions.fakes import FakeBackendClient, make_tracker, run_action


def test_{name}_answers_the_verified_customer(backend: FakeBackendClient) -> None:
    outcome = run_action({cls}(client=backend), make_tracker())
    assert outcome.responses == ["utter_{name}"]
    # Once the action asks the backend: assert the calls and the facts shown.


def test_{name}_asks_an_anonymous_visitor_to_log_in(backend: FakeBackendClient) -> None:
    outcome = run_action({cls}(client=backend), make_tracker(customer_id=None))
    assert outcome.responses == ["utter_login_required"]
    assert backend.calls == []
'''


# -------------------------------------------------------------------- domain


def _block(lines: List[str], key: str) -> range:
    """Line range of a top-level key's block (the key line excluded)."""
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{key}:\s*$", line)), None)
    if start is None:
        raise ScaffoldError(f"domain.yml has no top-level '{key}:' block")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace()
         and not lines[i].startswith("#")),
        len(lines),
    )
    return range(start + 1, end)


def _last_content_line(lines: List[str], block: range) -> int:
    return max(i for i in block if lines[i].strip() and not lines[i].lstrip().startswith("#"))


def _append_list_item(lines: List[str], key: str, value: str) -> None:
    block = _block(lines, key)
    items = [i for i in block if re.match(r"^\s*- ", lines[i])]
    if not items:
        raise ScaffoldError(f"domain.yml's '{key}' list is empty: add the entry by hand")
    last = items[-1]
    indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
    lines.insert(last + 1, f"{indent}- {value}")


def _append_response(lines: List[str], name: str) -> None:
    block = _block(lines, "responses")
    keys = [i for i in block if re.match(r"^\s+utter_\w+:\s*$", lines[i])]
    indent = lines[keys[0]][: len(lines[keys[0]]) - len(lines[keys[0]].lstrip())] if keys else "  "
    last = _last_content_line(lines, block)
    lines[last + 1 : last + 1] = [
        "",
        f"{indent}utter_{name}:",
        f'{indent}  - text: "{PLACEHOLDER}: what the assistant answers to {_words(name)}"',
    ]


def edit_domain(text: str, name: str, with_action: bool) -> str:
    """The domain with the intent, response and action added (all else unchanged).

    Raises:
        ScaffoldError: When the result would not be exactly the old domain plus
            the new entries.
    """
    lines = text.splitlines()
    _append_list_item(lines, "intents", name)
    if with_action:
        _append_list_item(lines, "actions", f"action_{name}")
    _append_response(lines, name)
    result = "\n".join(lines) + "\n"

    before, after = yaml.safe_load(text), yaml.safe_load(result)
    expected = dict(before)
    expected["intents"] = list(before["intents"]) + [name]
    if with_action:
        expected["actions"] = list(before["actions"]) + [f"action_{name}"]
    expected["responses"] = dict(before["responses"])
    expected["responses"][f"utter_{name}"] = [
        {"text": f"{PLACEHOLDER}: what the assistant answers to {_words(name)}"}
    ]
    if after != expected:
        raise ScaffoldError(
            "domain.yml has a layout the scaffold cannot edit safely: add the entries by hand"
        )
    return result


# ---------------------------------------------------------------------- main


def plan(name: str, root: Path, with_action: bool) -> Plan:
    """Checks the name and computes everything the scaffold would write."""
    check_name(name, root, with_action)
    files = {
        f"data/nlu/{name}.yml": nlu_file(name),
        f"data/rules/{name}.yml": rule_file(name, with_action),
        f"tests/conversations/test_{name}.yml": conversation_test(name, with_action),
    }
    if with_action:
        files[f"actions/{name}.py"] = action_module(name)
        files[f"tests/unit/actions/test_{name}.py"] = action_test(name)
    domain = edit_domain((root / "domain.yml").read_text(encoding="utf-8"), name, with_action)
    return Plan(files=files, domain=domain)


def apply(scaffold: Plan, root: Path) -> None:
    """Writes the planned files and the domain."""
    for relative, content in scaffold.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    (root / "domain.yml").write_text(scaffold.domain, encoding="utf-8")


def next_steps(name: str, with_action: bool) -> List[str]:
    """What the developer does next (printed after scaffolding)."""
    steps = [
        f"write at least 15 real examples in data/nlu/{name}.yml (replace every {PLACEHOLDER})",
        f"write the answer of utter_{name} in domain.yml",
        f"write the customer message of tests/conversations/test_{name}.yml",
    ]
    if with_action:
        steps.append(f"implement actions/{name}.py and extend tests/unit/actions/test_{name}.py")
    steps += [
        "if customers may ask it inside a form: add it to SIDE_QUESTIONS in "
        "scripts/generate_form_rules.py and run that script",
        "make lint-data && make validate, then make train && make eval-gate",
        "guide: docs/extending-intents.md",
    ]
    return steps


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the intent, e.g. check_card_status")
    parser.add_argument("--action", action="store_true", help="answer with a custom action")
    parser.add_argument("--dry-run", action="store_true", help="show what would be written")
    parser.add_argument("--root", type=Path, default=ROOT, help="project directory")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        scaffold = plan(args.name, root, args.action)
    except ScaffoldError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    verb = "would create" if args.dry_run else "created"
    for relative in scaffold.files:
        print(f"{verb} {relative}")
    added = [f"intent {args.name}", f"response utter_{args.name}"]
    if args.action:
        added.append(f"action action_{args.name}")
    print(f"{'would add' if args.dry_run else 'added'} to domain.yml: {', '.join(added)}")
    if args.dry_run:
        return 0
    apply(scaffold, root)
    print("\nNext:")
    for number, step in enumerate(next_steps(args.name, args.action), 1):
        print(f"  {number}. {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
