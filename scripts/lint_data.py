"""Data lint: training-data mistakes that `rasa data validate` does not catch.

Checks, each naming the file, intent and example concerned:

* too few examples: an intent of the domain with fewer than `MIN_EXAMPLES` real
  examples (placeholders of `scripts/new_intent.py` do not count);
* placeholders: a `REPLACE ME` line left by the scaffold in domain.yml, data/ or
  tests/conversations/;
* duplicates: the same example (lowercase, punctuation and whitespace ignored,
  entity annotations removed) twice, under one intent or two;
* near duplicates: examples of two different intents whose character trigrams
  overlap by `NEAR_DUPLICATE_SIMILARITY` or more (Jaccard): the model is taught
  two answers to almost the same words;
* inconsistent entities: the same text annotated with two entity types, or
  annotated in one example and left plain in another;
* responses and actions of the domain that nothing uses (no rule, story, form or
  action code; what the action code sends is found by scripts/validate_project.py).

Usage: `.venv/bin/python scripts/lint_data.py [--root DIR]` (exit 1 on any problem);
`make lint-data`. `make validate` runs it too.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
#: Fewer real examples than this per intent cannot teach DIET an intent (the
#: scaffold's guide asks for 20 varied ones).
MIN_EXAMPLES = 15
#: Character-trigram Jaccard similarity from which two examples of different
#: intents count as near duplicates ("how much do i owe" / "how much do i owe?!"
#: are exact duplicates; "wheres my refund" / "where's my refund pls" is ~0.7).
NEAR_DUPLICATE_SIMILARITY = 0.9
#: Marks the scaffold's example lines that a developer must replace.
PLACEHOLDER = "REPLACE ME"
#: Responses Rasa's own default actions send (action_default_fallback, ...).
RASA_DEFAULT_RESPONSES = frozenset(
    {"utter_default", "utter_ask_rephrase", "utter_restart", "utter_back"}
)
FOLLOWUP_ACTION = re.compile(
    r"""FollowupAction\(\s*(?:name\s*=\s*)?["'](?P<name>[a-z0-9_]+)["']"""
)


@dataclass(frozen=True)
class Example:
    """One training example of an intent."""

    file: str
    intent: str
    text: str
    plain: str
    entities: Tuple[Tuple[int, int, str], ...] = field(default=())
    line: int = 0

    def where(self) -> str:
        """`file:line: intent 'x': example 'y'`, for messages."""
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: intent '{self.intent}': example '{self.text}'"


# ------------------------------------------------------------------ loading


def _load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _example_lines(block: object) -> List[str]:
    if isinstance(block, list):  # `examples:` as a list of `- text: ...`
        return [
            str(item.get("text", "")) if isinstance(item, dict) else str(item) for item in block
        ]
    lines = []
    for line in str(block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            lines.append(line[2:].strip())
    return lines


def load_examples(root: Path) -> List[Example]:
    """Reads every intent example under data/ (entity annotations parsed by Rasa)."""
    from rasa.shared.nlu.training_data import entities_parser

    examples = []
    for path in sorted((root / "data").rglob("*.yml")):
        nlu = _load_yaml(path).get("nlu") or []
        lines = path.read_text(encoding="utf-8").splitlines()
        cursor = 0
        for item in nlu:
            if not isinstance(item, dict) or "intent" not in item:
                continue
            for text in _example_lines(item.get("examples")):
                # The YAML keeps the file's order: the example's line is the next one.
                line = next(
                    (n for n in range(cursor, len(lines)) if lines[n].strip() == f"- {text}"),
                    None,
                )
                cursor = line + 1 if line is not None else cursor
                entities = tuple(
                    (e["start"], e["end"], e["entity"])
                    for e in entities_parser.find_entities_in_training_example(text)
                )
                examples.append(
                    Example(
                        file=str(path.relative_to(root)),
                        intent=str(item["intent"]),
                        text=text,
                        plain=entities_parser.replace_entities(text),
                        entities=entities,
                        line=line + 1 if line is not None else 0,
                    )
                )
    return examples


def normalise(text: str) -> str:
    """Lowercase words only: what makes two examples the same example."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def is_placeholder(example: Example) -> bool:
    """Whether the example is a scaffold placeholder."""
    return PLACEHOLDER in example.text


# ------------------------------------------------------------------- checks


def check_example_counts(
    examples: Sequence[Example], intents: Iterable[str], minimum: int = MIN_EXAMPLES
) -> List[str]:
    """Every intent of the domain needs at least `minimum` real examples."""
    counts: Counter = Counter(e.intent for e in examples if not is_placeholder(e))
    files: Dict[str, Set[str]] = defaultdict(set)
    for example in examples:
        files[example.intent].add(example.file)
    problems = []
    for intent in sorted(set(intents) | set(files)):
        if counts[intent] < minimum:
            where = ", ".join(sorted(files[intent])) or "data/nlu (no examples)"
            problems.append(
                f"{where}: intent '{intent}' has {counts[intent]} real examples; "
                f"at least {minimum} are needed"
            )
    return problems


def check_placeholders(root: Path) -> List[str]:
    """No scaffold placeholder may stay in the data or the conversation tests."""
    problems = []
    paths = [root / "domain.yml"] if (root / "domain.yml").exists() else []
    for folder in ("data", "tests/conversations"):
        paths += sorted((root / folder).rglob("*.yml"))
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PLACEHOLDER in line and not line.lstrip().startswith("#"):
                problems.append(
                    f"{path.relative_to(root)}:{number}: placeholder left by the "
                    f"scaffold: '{line.strip()}': write a real one"
                )
    return problems


def check_duplicates(examples: Sequence[Example]) -> List[str]:
    """The same example (normalised) may appear only once in the data."""
    seen: Dict[str, List[Example]] = defaultdict(list)
    for example in examples:
        seen[normalise(example.plain)].append(example)
    problems = []
    for group in seen.values():
        if len(group) < 2:
            continue
        intents = sorted({e.intent for e in group})
        first, rest = group[0], group[1:]
        for other in rest:
            kind = "under two intents" if len(intents) > 1 else "twice under one intent"
            problems.append(
                f"duplicate example {kind}: {first.where()} and {other.where()}"
            )
    return problems


def _trigrams(text: str) -> Set[str]:
    padded = f" {normalise(text)} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def near_duplicate_pairs(
    examples: Sequence[Example], threshold: float = NEAR_DUPLICATE_SIMILARITY
) -> List[Tuple[Example, Example, float]]:
    """Pairs of examples of different intents at or above `threshold` similarity.

    Character-trigram Jaccard similarity, computed for all pairs at once as a sparse
    matrix product (a few thousand examples take well under a second).
    """
    import numpy as np
    from scipy import sparse

    grams = [_trigrams(e.plain) for e in examples]
    vocabulary: Dict[str, int] = {}
    rows, cols = [], []
    for row, items in enumerate(grams):
        for gram in items:
            rows.append(row)
            cols.append(vocabulary.setdefault(gram, len(vocabulary)))
    if not rows:
        return []
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)),
        shape=(len(examples), len(vocabulary)),
    )
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    union = sizes[shared.row] + sizes[shared.col] - shared.data
    similarity = shared.data / np.maximum(union, 1)
    pairs = []
    for i, j, value in zip(shared.row, shared.col, similarity):
        first, second = examples[i], examples[j]
        if value < threshold or first.intent == second.intent:
            continue
        if normalise(first.plain) == normalise(second.plain):
            continue  # an exact duplicate: check_duplicates reports it
        pairs.append((first, second, float(value)))
    return sorted(pairs, key=lambda p: -p[2])


def check_near_duplicates(
    examples: Sequence[Example], threshold: float = NEAR_DUPLICATE_SIMILARITY
) -> List[str]:
    """Examples of two intents must differ by more than a typo or a word."""
    return [
        f"near-duplicate examples ({value:.2f} similar) of two intents: "
        f"{first.where()} and {second.where()}"
        for first, second, value in near_duplicate_pairs(examples, threshold)
    ]


def check_entity_annotations(examples: Sequence[Example]) -> List[str]:
    """The same text is always annotated, and always with the same entity type."""
    annotated: Dict[str, Dict[str, Example]] = defaultdict(dict)
    for example in examples:
        for start, end, entity in example.entities:
            surface = normalise(example.plain[start:end])
            if surface:
                annotated[surface].setdefault(entity, example)
    problems = []
    for surface, by_type in sorted(annotated.items()):
        if len(by_type) > 1:
            listed = "; ".join(
                f"as '{entity}' in {example.where()}" for entity, example in sorted(by_type.items())
            )
            problems.append(f"'{surface}' is annotated with two entity types: {listed}")
    patterns = {
        surface: re.compile(rf"(?<!\w){re.escape(surface)}(?!\w)") for surface in annotated
    }
    for example in examples:
        text = normalise(example.plain)
        spans = {normalise(example.plain[s:e]) for s, e, _ in example.entities}
        if not text:
            continue
        for surface, pattern in patterns.items():
            if surface in text and surface not in spans and pattern.search(text):
                entity, source = next(iter(sorted(annotated[surface].items())))
                problems.append(
                    f"'{surface}' is annotated as '{entity}' in {source.where()} but left "
                    f"plain in {example.where()}"
                )
    return problems


def _steps_names(node: object, keys: Tuple[str, ...]) -> Set[str]:
    """Every string value under one of `keys`, anywhere in rules or stories."""
    found: Set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                found.add(value)
            else:
                found |= _steps_names(value, keys)
    elif isinstance(node, list):
        for item in node:
            found |= _steps_names(item, keys)
    return found


def story_actions(root: Path) -> Set[str]:
    """Actions and responses named by the rules and stories (and loops they run)."""
    names: Set[str] = set()
    for path in sorted((root / "data").rglob("*.yml")):
        document = _load_yaml(path)
        for section in ("rules", "stories"):
            names |= _steps_names(document.get(section) or [], ("action", "active_loop"))
    return names


def _validate_project(root: Path):
    """scripts/validate_project.py of `root` (what the action code sends)."""
    spec = importlib.util.spec_from_file_location(
        "validate_project_for_lint", root / "scripts" / "validate_project.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def check_unused_responses(root: Path, domain: dict) -> List[str]:
    """Every response is sent by a rule, story, form question or action."""
    validate_project = _validate_project(ROOT)
    exact, prefixes = validate_project.responses_used_outside_stories(domain, root)
    used = story_actions(root) | exact | RASA_DEFAULT_RESPONSES
    return [
        f"domain.yml: response '{name}' is used by no rule, story, form or action"
        for name in (domain.get("responses") or {})
        if name not in used and not any(name.startswith(p) for p in prefixes)
    ]


def check_unused_actions(root: Path, domain: dict) -> List[str]:
    """Every custom action is run by a rule, story, form, policy or another action."""
    used = story_actions(root)
    for form, spec in (domain.get("forms") or {}).items():
        used.add(f"validate_{form}")
        for slot in (spec or {}).get("required_slots") or []:
            used |= {f"action_ask_{slot}", f"action_ask_{form}_{slot}"}
    config = root / "config.yml"
    if config.exists():
        used |= {
            str(value)
            for policy in _load_yaml(config).get("policies") or []
            for key, value in policy.items()
            if key.endswith("action_name")
        }
    for path in (root / "actions").rglob("*.py"):
        used |= {m.group("name") for m in FOLLOWUP_ACTION.finditer(path.read_text())}
    return [
        f"domain.yml: action '{name}' is run by no rule, story, form, policy or action"
        for name in domain.get("actions") or []
        if name not in used
    ]


CHECKS = (
    "counts", "placeholders", "duplicates", "near-duplicates", "entities",
    "unused-responses", "unused-actions",
)


def lint(
    root: Path = ROOT,
    skip: Iterable[str] = (),
    minimum: int = MIN_EXAMPLES,
    similarity: float = NEAR_DUPLICATE_SIMILARITY,
) -> List[str]:
    """Runs the checks (all but `skip`) on the project at `root`; returns the problems."""
    skipped = set(skip)
    domain = _load_yaml(root / "domain.yml")
    examples = load_examples(root)
    intents = [
        next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents") or []
    ]
    runs: Dict[str, Callable[[], List[str]]] = {
        "counts": lambda: check_example_counts(examples, intents, minimum),
        "placeholders": lambda: check_placeholders(root),
        "duplicates": lambda: check_duplicates(examples),
        "near-duplicates": lambda: check_near_duplicates(examples, similarity),
        "entities": lambda: check_entity_annotations(examples),
        "unused-responses": lambda: check_unused_responses(root, domain),
        "unused-actions": lambda: check_unused_actions(root, domain),
    }
    problems: List[str] = []
    for name in CHECKS:
        if name not in skipped:
            problems += runs[name]()
    return problems


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Prints the problems; exit status 1 when there is one."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project directory")
    parser.add_argument("--min-examples", type=int, default=MIN_EXAMPLES)
    parser.add_argument("--similarity", type=float, default=NEAR_DUPLICATE_SIMILARITY)
    parser.add_argument("--skip", action="append", default=[], choices=CHECKS)
    args = parser.parse_args(argv)
    problems = lint(args.root.resolve(), args.skip, args.min_examples, args.similarity)
    for problem in problems:
        print(f"LINT: {problem}")
    if problems:
        print(f"data lint failed: {len(problems)} problem(s)")
        return 1
    print("data lint passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
