"""Validates the Rasa project: Rasa's own validator, strict, plus checks of the actions.

Runs exactly the checks of `rasa data validate` with `--fail-on-warnings` and
fails on any warning, with two exceptions that are verified rather than ignored:

* Rasa 3.6.21 warns "Slot auto-fill has been removed in 3.0" for every domain
  that has slots (rasa/shared/core/slot_mappings.py: `validate_slot_mappings`
  warns unconditionally), so that line carries no information.
* Rasa reports responses that no story or rule uses. A response sent by a custom
  action (`response="utter_..."`) or asked by a form (`utter_ask_<slot>`) is
  used, only not in a story: it passes when the action code really sends it or
  the slot is really a form's, and fails otherwise.

It then checks what Rasa cannot see: every response the actions send exists in
the domain, every custom action of the domain is implemented by the action
server, every slot a form requests has a question, no training example is a sentence
of the evaluation set (../shared/eval), the generated form rules are up to
date, and the data lint (scripts/lint_data.py) finds nothing.

Usage: `.venv/bin/python scripts/validate_project.py` (exit 1 on any problem).
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import warnings
from typing import List, Set

ROOT = pathlib.Path(__file__).resolve().parent.parent
SLOT_AUTOFILL_NOTICE = "Slot auto-fill has been removed in 3.0"
UNUSED_UTTERANCE = re.compile(r"The utterance '(?P<name>[^']+)' is not used in any story or rule")
# A response name in the action code: a plain string, or an f-string prefix.
QUOTED_RESPONSE = re.compile(r"""(?P<f>f?)["'](?P<name>utter_[a-z0-9_]*)(?P<end>["'{])""")

#: Responses that no rule or action sends because another service has Rasa send
#: them (`POST /conversations/{id}/execute`): name -> the file of that service
#: that does it. The name must still appear in that file, so the list cannot rot.
SENT_BY_OTHER_SERVICES = {
    # The agent desk, when an agent hands the conversation back or closes it.
    "utter_handoff_bot_resumed": "desk/agent_desk/handoff.py",
    "utter_handoff_closed": "desk/agent_desk/handoff.py",
    # The customer channels, when a turn stays silent or a sender is too fast.
    "utter_assistant_unavailable": "rasa_plugins/channels/never_silent.py",
    "utter_slow_down": "rasa_plugins/channels/rate_limit.py",
}


def responses_sent_by_actions(root: pathlib.Path = ROOT) -> tuple[Set[str], Set[str]]:
    """Finds the responses the action code sends.

    Args:
        root: The project directory.

    Returns:
        Exact names, and prefixes of names built at run time (f-strings).
    """
    exact: Set[str] = set()
    prefixes: Set[str] = set()
    for path in (root / "actions").rglob("*.py"):
        text = path.read_text()
        for match in QUOTED_RESPONSE.finditer(text):
            if match.group("f") and match.group("end") == "{":
                prefixes.add(match.group("name"))
            elif match.group("end") != "{":
                exact.add(match.group("name"))
    return exact, prefixes


def responses_used_outside_stories(
    domain: dict, root: pathlib.Path = ROOT
) -> tuple[Set[str], Set[str]]:
    """Responses used although no story or rule names them.

    Args:
        domain: The domain as plain YAML data.
        root: The project directory.

    Returns:
        Exact names (sent by actions, or a form's `utter_ask_<slot>` questions), and
        prefixes of names the actions build at run time.
    """
    exact, prefixes = responses_sent_by_actions(root)
    for form, spec in (domain.get("forms") or {}).items():
        for slot in (spec or {}).get("required_slots") or []:
            exact |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    exact |= set(SENT_BY_OTHER_SERVICES)
    return exact, prefixes


def run_rasa_validator() -> List[str]:
    """Runs `rasa data validate --fail-on-warnings`'s checks, returning problems."""
    import rasa.cli.utils
    from rasa.shared.importers.importer import TrainingDataImporter

    problems: List[str] = []
    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    exact, prefixes = responses_used_outside_stories(importer.get_domain().as_dict())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rasa.cli.utils.validate_files(True, None, importer)
        except SystemExit as exit_:
            if exit_.code:
                problems.append("Rasa's validator reported errors (see above).")
    for warning in caught:
        if not issubclass(warning.category, UserWarning):
            continue  # library deprecation noise, not about the project
        message = str(warning.message)
        if SLOT_AUTOFILL_NOTICE in message:
            continue
        unused = UNUSED_UTTERANCE.search(message)
        if unused:
            name = unused.group("name")
            if name in exact or any(name.startswith(prefix) for prefix in prefixes):
                continue
            problems.append(f"response '{name}' is used by no story, rule or action")
            continue
        problems.append(message)
    return problems


def check_sent_responses_exist() -> List[str]:
    """Every response the actions send must exist in the domain."""
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    responses = set(domain.get("responses", {}))
    exact, prefixes = responses_sent_by_actions()
    problems = [
        f"actions send response '{name}' that the domain does not define"
        for name in sorted(exact - responses)
    ]
    problems += [
        f"actions build response names starting '{prefix}' but none exists"
        for prefix in sorted(prefixes)
        if not any(name.startswith(prefix) for name in responses)
    ]
    return problems


def check_sent_by_other_services(root: pathlib.Path = ROOT) -> List[str]:
    """Each response of `SENT_BY_OTHER_SERVICES` exists and its sender still names it."""
    import yaml

    responses = set(yaml.safe_load((root / "domain.yml").read_text()).get("responses", {}))
    problems = []
    for name, sender in SENT_BY_OTHER_SERVICES.items():
        if name not in responses:
            problems.append(f"response '{name}' (sent by {sender}) is not in the domain")
        path = root / sender
        if not path.is_file() or name not in path.read_text():
            problems.append(
                f"response '{name}' is listed as sent by {sender}, which does not name it: "
                "update SENT_BY_OTHER_SERVICES"
            )
    return problems


def check_actions_implemented() -> List[str]:
    """Every custom action of the domain must be registered by the action server."""
    import yaml
    from rasa_sdk.executor import ActionExecutor

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    executor = ActionExecutor()
    sys.path.insert(0, str(ROOT))
    executor.register_package("actions")
    registered = set(executor.actions)
    return [
        f"domain action '{name}' has no implementation in actions/"
        for name in domain.get("actions", [])
        if name not in registered
    ]


def check_form_questions() -> List[str]:
    """Every slot a form requests needs a question, by Rasa's own lookup order.

    Rasa asks with `action_ask_<form>_<slot>`, `action_ask_<slot>`,
    `utter_ask_<form>_<slot>` or `utter_ask_<slot>`; with none of them the
    customer gets silence.
    """
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    known = set(domain.get("actions", [])) | set(domain.get("responses", {}))
    problems = []
    for form, spec in (domain.get("forms") or {}).items():
        for slot in spec.get("required_slots", []):
            candidates = [
                f"action_ask_{form}_{slot}",
                f"action_ask_{slot}",
                f"utter_ask_{form}_{slot}",
                f"utter_ask_{slot}",
            ]
            if not known.intersection(candidates):
                problems.append(
                    f"form '{form}' cannot ask for '{slot}': define one of {', '.join(candidates)}"
                )
    return problems


EVAL_SET = ROOT.parent / "shared" / "eval" / "nlu_dev.csv"
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def check_no_eval_leak(eval_set: pathlib.Path = EVAL_SET) -> List[str]:
    """No training example may be a sentence of the evaluation set.

    The evaluation set measures language the model has not seen; a copied
    sentence makes the score meaningless. Skipped where the set is absent.
    """
    import csv

    if not eval_set.exists():
        return []
    with eval_set.open(newline="") as handle:
        evaluation = {
            _normalised(row["text"]) for row in csv.DictReader(handle) if len(row["text"]) > 15
        }
    problems = []
    for path in sorted((ROOT / "data").rglob("*.yml")):
        for line in path.read_text().splitlines():
            text = line.strip()
            if not text.startswith("- "):
                continue
            plain = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2) or "", text[2:])
            if _normalised(plain) in evaluation:
                problems.append(
                    f"{path.relative_to(ROOT)}: '{plain}' is a sentence of the evaluation "
                    "set: write your own example instead"
                )
    return problems


def check_generated_rules() -> List[str]:
    """The form interruption rules must match their generator."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_form_rules.py"), "--check"],
        capture_output=True,
        text=True,
    )
    return [result.stdout.strip()] if result.returncode else []


def check_data_lint() -> List[str]:
    """The data lint of scripts/lint_data.py (too few examples, duplicates, entities...).

    Its unused-response check is skipped here: Rasa's validator above reports
    those, with the same exemptions.
    """
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import lint_data
    finally:
        sys.path.pop(0)
    return [f"data lint: {problem}" for problem in lint_data.lint(ROOT, skip=["unused-responses"])]


def main() -> int:
    """Runs every check and prints the problems."""
    problems = (
        run_rasa_validator()
        + check_sent_responses_exist()
        + check_sent_by_other_services()
        + check_actions_implemented()
        + check_form_questions()
        + check_no_eval_leak()
        + check_generated_rules()
        + check_data_lint()
    )
    for problem in problems:
        print(f"PROBLEM: {problem}")
    if problems:
        print(f"validation failed: {len(problems)} problem(s)")
        return 1
    print("validation passed: Rasa's validator and the action checks found no problem")
    return 0


if __name__ == "__main__":
    sys.exit(main())
