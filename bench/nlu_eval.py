"""NLU benchmark: trains the project's NLU model and scores it on an evaluation CSV.

Usage (from the repository root, with the Rasa virtualenv):

    .venv/bin/python bench/nlu_eval.py [--config config.yml] [--data data/nlu]
        [--eval ../shared/eval/nlu_dev.csv] [--model models/nlu.tar.gz]
        [--json out.json] [--batch-size 64]

Prints training seconds, parse throughput and a table of in-scope accuracy (overall
and per source), macro-F1, out-of-scope rejection (strict and lenient, `oos` and
`near_oos` apart) and entity recall. Only aggregate numbers and intent names are
printed or written: the evaluation sentences are read for measuring, never copied.
"""

import argparse
import asyncio
import csv
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

REPO_ROOT = Path(__file__).resolve().parent.parent

MONEY_INTENTS = frozenset(
    {
        "check_balance",
        "next_payment",
        "make_payment",
        "extend_due_date",
        "payment_status",
        "payment_problem",
        "update_payment_method",
        "payment_methods",
        "list_purchases",
        "unrecognized_charge",
        "charged_twice",
        "fee_question",
        "get_invoice",
        "request_refund",
        "refund_status",
        "refund_policy",
        "report_return",
        "cancel_order",
        "order_status",
    }
)
REJECTION_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
# Annotated entity type of the CSV -> entity extracted by the assistant.
ENTITY_TYPES = {"order_id": "order_id", "refund_amount": "amount"}


# ------------------------------------------------------------------------ data


@dataclass(frozen=True)
class EvalRow:
    """One labelled message of the evaluation CSV."""

    text: str
    source: str
    kind: str
    expected: Tuple[str, ...]
    entity_type: str
    entity_value: str


@dataclass
class Prediction:
    """What the model made of one message."""

    intent: Optional[str]
    entities: Dict[str, List[str]] = field(default_factory=dict)


def read_eval_rows(path: Path) -> List[EvalRow]:
    """Reads the evaluation CSV (text, source, kind, expected, entity_type, ...)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            EvalRow(
                text=row["text"],
                source=row["source"],
                kind=row["kind"],
                expected=tuple(i for i in row.get("expected", "").split("|") if i),
                entity_type=row.get("entity_type", "") or "",
                entity_value=row.get("entity_value", "") or "",
            )
            for row in csv.DictReader(handle)
        ]


# ------------------------------------------------------------------- scoring


def _ratio(hits: int, total: int) -> Optional[float]:
    return hits / total if total else None


def _strip_punctuation(value: str) -> str:
    return re.sub(r"[\W_]+", "", value).lower()


def macro_f1(pairs: Sequence[Tuple[str, Optional[str]]]) -> Optional[float]:
    """Macro-averaged F1 over the gold labels of `(gold, predicted)` pairs.

    Predictions outside the gold label set count as misses only.
    """
    labels = {gold for gold, _ in pairs}
    if not labels:
        return None
    true_positive: Counter = Counter()
    predicted_count: Counter = Counter()
    gold_count: Counter = Counter()
    for gold, predicted in pairs:
        gold_count[gold] += 1
        predicted_count[predicted] += 1
        if gold == predicted:
            true_positive[gold] += 1
    scores = []
    for label in sorted(labels):
        precision = _ratio(true_positive[label], predicted_count[label]) or 0.0
        recall = _ratio(true_positive[label], gold_count[label]) or 0.0
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return sum(scores) / len(scores)


def score(rows: Sequence[EvalRow], predictions: Sequence[Prediction]) -> Dict[str, Any]:
    """Computes the benchmark's metrics.

    Args:
        rows: Labelled evaluation messages.
        predictions: The model's prediction for each row, in the same order.

    Returns:
        Aggregate metrics (fractions in 0..1, `None` where nothing was counted) and
        counts; no message text.
    """
    if len(rows) != len(predictions):
        raise ValueError("one prediction per evaluation row is needed")
    in_scope_hits: Counter = Counter()
    in_scope_total: Counter = Counter()
    f1_pairs: List[Tuple[str, Optional[str]]] = []
    confusions: Counter = Counter()
    rejection: Dict[str, Counter] = defaultdict(Counter)
    entity_hits: Counter = Counter()
    entity_total: Counter = Counter()

    for row, prediction in zip(rows, predictions):
        intent = prediction.intent
        if row.kind == "in_scope":
            correct = intent in row.expected
            for key in ("all", row.source):
                in_scope_total[key] += 1
                in_scope_hits[key] += int(correct)
            gold = intent if correct and intent else row.expected[0]
            f1_pairs.append((gold, intent))
            if not correct:
                confusions[f"{'|'.join(row.expected)} -> {intent}"] += 1
        elif row.kind in ("oos", "near_oos"):
            rejection[row.kind]["total"] += 1
            rejection[row.kind]["strict"] += int(intent in REJECTION_INTENTS)
            rejection[row.kind]["lenient"] += int(intent not in MONEY_INTENTS)
        extracted_type = ENTITY_TYPES.get(row.entity_type)
        if extracted_type and row.entity_value:
            entity_total[row.entity_type] += 1
            wanted = _strip_punctuation(row.entity_value)
            found = {
                _strip_punctuation(v)
                for v in prediction.entities.get(extracted_type, [])
            }
            entity_hits[row.entity_type] += int(wanted in found)

    sources = sorted(key for key in in_scope_total if key != "all")
    return {
        "counts": {
            "rows": len(rows),
            "in_scope": in_scope_total["all"],
            **{kind: rejection[kind]["total"] for kind in ("oos", "near_oos")},
        },
        "in_scope_accuracy": _ratio(in_scope_hits["all"], in_scope_total["all"]),
        "in_scope_accuracy_by_source": {
            source: _ratio(in_scope_hits[source], in_scope_total[source])
            for source in sources
        },
        "in_scope_source_counts": {
            source: in_scope_total[source] for source in sources
        },
        "in_scope_macro_f1": macro_f1(f1_pairs),
        "out_of_scope_rejection": {
            kind: {
                mode: _ratio(rejection[kind][mode], rejection[kind]["total"])
                for mode in ("strict", "lenient")
            }
            for kind in ("oos", "near_oos")
        },
        "entity_recall": {
            entity_type: _ratio(entity_hits[entity_type], entity_total[entity_type])
            for entity_type in ENTITY_TYPES
        },
        "entity_counts": {
            entity_type: entity_total[entity_type] for entity_type in ENTITY_TYPES
        },
        "top_confusions": dict(confusions.most_common(15)),
    }


def _percent(value: Optional[float]) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def format_report(metrics: Dict[str, Any]) -> str:
    """Renders the metrics as a plain-text table."""
    counts = metrics["counts"]
    lines = [
        f"{'metric':<42} {'value':>7} {'n':>6}",
        "-" * 57,
        f"{'in-scope accuracy':<42} {_percent(metrics['in_scope_accuracy']):>7} "
        f"{counts['in_scope']:>6}",
    ]
    for source, value in metrics["in_scope_accuracy_by_source"].items():
        count = metrics["in_scope_source_counts"][source]
        lines.append(f"{'  source ' + source:<42} {_percent(value):>7} {count:>6}")
    lines.append(
        f"{'in-scope macro-F1':<42} {_percent(metrics['in_scope_macro_f1']):>7} "
        f"{counts['in_scope']:>6}"
    )
    for kind, modes in metrics["out_of_scope_rejection"].items():
        for mode, value in modes.items():
            label = f"{kind} rejection ({mode})"
            lines.append(f"{label:<42} {_percent(value):>7} {counts[kind]:>6}")
    for entity_type, value in metrics["entity_recall"].items():
        label = f"entity recall {entity_type} (as {ENTITY_TYPES[entity_type]})"
        count = metrics["entity_counts"][entity_type]
        lines.append(f"{label:<42} {_percent(value):>7} {count:>6}")
    if metrics.get("top_confusions"):
        lines += ["", "most frequent in-scope errors (expected -> predicted):"]
        lines += [f"  {n:>4}  {pair}" for pair, n in metrics["top_confusions"].items()]
    return "\n".join(lines)


# --------------------------------------------------------- training, parsing


def ensure_spacy_pipelines(config_path: Path) -> None:
    """Builds the project's spaCy pipeline where the config expects one on disk."""
    import yaml

    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    for component in config.get("pipeline") or []:
        model = component.get("model") if component.get("name") == "SpacyNLP" else None
        if model and "/" in str(model) and not Path(model).exists():
            from rasa_plugins.spacy_pipeline.build import save_pipeline

            save_pipeline(Path(model))


def train_model(config: Path, data: Path, output_dir: Path) -> Tuple[str, float]:
    """Trains an NLU-only model; returns its archive path and the seconds it took."""
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model_path = train_nlu(
        config=str(config),
        nlu_data=str(data),
        output=str(output_dir),
        fixed_model_name="nlu-bench",
    )
    elapsed = time.perf_counter() - started
    if not model_path:
        raise RuntimeError(f"Rasa did not train a model from {data} with {config}.")
    return str(model_path), elapsed


def _prediction(parse_data: Dict[str, Any]) -> Prediction:
    entities: Dict[str, List[str]] = defaultdict(list)
    for entity in parse_data.get("entities") or []:
        entities[entity.get("entity")].append(str(entity.get("value")))
    intent = (parse_data.get("intent") or {}).get("name")
    return Prediction(intent=intent, entities=dict(entities))


def parse_texts(
    model_path: str, texts: Sequence[str], batch_size: int
) -> List[Prediction]:
    """Runs the model's NLU on every text.

    With `batch_size` 1 each text goes through `Agent.parse_message`; larger batches
    run the agent's NLU graph on several messages at once (as `parse_message`
    does for one), which saves the per-call graph overhead.
    """
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(model_path)
    if batch_size <= 1:

        async def parse_all() -> List[Dict[str, Any]]:
            return [await agent.parse_message(text) for text in texts]

        return [_prediction(p) for p in asyncio.run(parse_all())]

    processor = agent.processor
    assert processor is not None and processor.model_metadata is not None
    target = processor.model_metadata.nlu_target
    predictions: List[Prediction] = []
    for offset in range(0, len(texts), batch_size):
        batch = [UserMessage(text) for text in texts[offset : offset + batch_size]]
        tracker = DialogueStateTracker.from_events("nlu-bench", [])
        results = processor.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: batch, PLACEHOLDER_TRACKER: tracker},
            targets=[target],
        )
        for message in results[target]:
            predictions.append(
                _prediction(message.as_dict(only_output_properties=True))
            )
    return predictions


# ----------------------------------------------------------------------- main


def _existing(path: Path) -> Path:
    """Resolves a relative path against the working directory, then the repo root."""
    if path.is_absolute() or path.exists():
        return path
    return REPO_ROOT / path


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--data", type=Path, default=Path("data/nlu"))
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval/nlu_dev.csv"))
    parser.add_argument("--model", help="trained model archive: skips training")
    parser.add_argument("--json", type=Path, help="also write the metrics here")
    parser.add_argument("--batch-size", type=int, default=64)
    arguments = parser.parse_args(list(argv) if argv is not None else None)
    # The config names the project's components by module path (rasa_plugins...).
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))

    eval_path = _existing(arguments.eval)
    rows = read_eval_rows(eval_path)
    print(f"Evaluation set: {eval_path} ({len(rows)} messages)")

    training_seconds: Optional[float] = None
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as scratch:
        model_path = arguments.model
        if not model_path:
            config, data = _existing(arguments.config), _existing(arguments.data)
            ensure_spacy_pipelines(config)
            print(f"Training NLU with {config} on {data} ...")
            model_path, training_seconds = train_model(config, data, Path(scratch))
            print(f"Training took {training_seconds:.1f} s")
        started = time.perf_counter()
        predictions = parse_texts(
            model_path, [r.text for r in rows], arguments.batch_size
        )
        parse_seconds = time.perf_counter() - started

    metrics = score(rows, predictions)
    metrics["timing"] = {
        "training_seconds": training_seconds,
        "parse_seconds": parse_seconds,
        "ms_per_message": 1000 * parse_seconds / max(len(rows), 1),
    }
    print(
        f"Parsed {len(rows)} messages in {parse_seconds:.1f} s "
        f"({metrics['timing']['ms_per_message']:.1f} ms/message)\n"
    )
    print(format_report(metrics))
    if arguments.json:
        arguments.json.write_text(
            json.dumps(metrics, indent=2) + "\n", encoding="utf-8"
        )
        print(f"\nMetrics written to {arguments.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
