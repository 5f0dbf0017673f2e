"""Scoring of NLU predictions on the labelled evaluation CSV (../shared/eval).

One implementation of the figures shared by the benchmark (`bench/nlu_eval.py`, which
trains its own model), `make eval` and the regression gate (`scripts/eval_nlu.py`,
which score the trained assistant). How each figure is defined is in
bench/README.md; the definitions follow ../shared/eval/README.md.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from intent_contract import MONEY_INTENTS

REJECTION_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
# Annotated entity type of the CSV -> entity extracted by the assistant.
ENTITY_TYPES = {"order_id": "order_id", "refund_amount": "amount"}
REJECTION_KINDS = ("oos", "near_oos")


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
    confidence: Optional[float] = None


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


def prediction_from_parse(parse_data: Dict[str, Any]) -> Prediction:
    """Turns Rasa's parse result of one message into a `Prediction`."""
    entities: Dict[str, List[str]] = defaultdict(list)
    for entity in parse_data.get("entities") or []:
        entities[entity.get("entity")].append(str(entity.get("value")))
    intent = parse_data.get("intent") or {}
    return Prediction(
        intent=intent.get("name"),
        entities=dict(entities),
        confidence=intent.get("confidence"),
    )


# ------------------------------------------------------------------- scoring


def _ratio(hits: int, total: int) -> Optional[float]:
    return hits / total if total else None


def _strip_punctuation(value: str) -> str:
    return re.sub(r"[\W_]+", "", value).lower()


def is_correct(row: EvalRow, prediction: Prediction) -> bool:
    """Whether an in-scope message got one of its acceptable intents."""
    return prediction.intent in row.expected


def gold_label(row: EvalRow, prediction: Prediction) -> str:
    """An in-scope row's gold label: the prediction when acceptable, else the first."""
    if is_correct(row, prediction) and prediction.intent:
        return prediction.intent
    return row.expected[0]


def entity_found(row: EvalRow, prediction: Prediction) -> Optional[bool]:
    """Whether the row's annotated entity value was extracted (`None`: not scored)."""
    extracted_type = ENTITY_TYPES.get(row.entity_type)
    if not extracted_type or not row.entity_value:
        return None
    wanted = _strip_punctuation(row.entity_value)
    found = {_strip_punctuation(v) for v in prediction.entities.get(extracted_type, [])}
    return wanted in found


def _in_scope_pairs(
    rows: Sequence[EvalRow], predictions: Sequence[Prediction]
) -> List[Tuple[str, Optional[str]]]:
    return [
        (gold_label(row, prediction), prediction.intent)
        for row, prediction in zip(rows, predictions)
        if row.kind == "in_scope"
    ]


def per_label_scores(
    pairs: Sequence[Tuple[str, Optional[str]]]
) -> Dict[str, Dict[str, float]]:
    """Precision, recall, F1 and support of every gold label of `(gold, predicted)` pairs.

    Predictions outside the gold label set count as misses only.
    """
    true_positive: Counter = Counter()
    predicted_count: Counter = Counter()
    gold_count: Counter = Counter()
    for gold, predicted in pairs:
        gold_count[gold] += 1
        predicted_count[predicted] += 1
        if gold == predicted:
            true_positive[gold] += 1
    scores: Dict[str, Dict[str, float]] = {}
    for label in sorted(gold_count):
        precision = _ratio(true_positive[label], predicted_count[label]) or 0.0
        recall = _ratio(true_positive[label], gold_count[label]) or 0.0
        total = precision + recall
        scores[label] = {
            "precision": precision,
            "recall": recall,
            "f1": 2 * precision * recall / total if total else 0.0,
            "support": gold_count[label],
        }
    return scores


def macro_f1(pairs: Sequence[Tuple[str, Optional[str]]]) -> Optional[float]:
    """Macro-averaged F1 over the gold labels of `(gold, predicted)` pairs."""
    scores = per_label_scores(pairs)
    if not scores:
        return None
    return sum(s["f1"] for s in scores.values()) / len(scores)


def per_intent_table(
    rows: Sequence[EvalRow], predictions: Sequence[Prediction]
) -> Dict[str, Dict[str, float]]:
    """Per-intent scores on the in-scope messages (their F1s average to macro-F1).

    Each intent also counts `oos_predicted`: out-of-scope and near-domain messages
    the model gave that intent (false positives the in-scope precision cannot see).
    """
    table = per_label_scores(_in_scope_pairs(rows, predictions))
    stray: Counter = Counter(
        prediction.intent
        for row, prediction in zip(rows, predictions)
        if row.kind in REJECTION_KINDS
    )
    for label, scores in table.items():
        scores["oos_predicted"] = stray[label]
    return table


def confusion_counts(
    rows: Sequence[EvalRow], predictions: Sequence[Prediction]
) -> Counter:
    """Counts `(gold, predicted)` over all rows; out-of-scope rows have gold `(oos)` etc."""
    counts: Counter = Counter()
    for row, prediction in zip(rows, predictions):
        if row.kind == "in_scope":
            gold = gold_label(row, prediction)
        else:
            gold = f"({row.kind})"
        counts[(gold, prediction.intent or "(none)")] += 1
    return counts


def error_kinds(row: EvalRow, prediction: Prediction) -> List[str]:
    """The ways a prediction fails its row: `intent`, `not_rejected`, `entity`."""
    problems = []
    if row.kind == "in_scope" and not is_correct(row, prediction):
        problems.append("intent")
    if row.kind in REJECTION_KINDS and prediction.intent not in REJECTION_INTENTS:
        problems.append("not_rejected")
    if entity_found(row, prediction) is False:
        problems.append("entity")
    return problems


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
    confusions: Counter = Counter()
    rejection: Dict[str, Counter] = defaultdict(Counter)
    entity_hits: Counter = Counter()
    entity_total: Counter = Counter()

    for row, prediction in zip(rows, predictions):
        intent = prediction.intent
        if row.kind == "in_scope":
            correct = is_correct(row, prediction)
            for key in ("all", row.source):
                in_scope_total[key] += 1
                in_scope_hits[key] += int(correct)
            if not correct:
                confusions[f"{'|'.join(row.expected)} -> {intent}"] += 1
        elif row.kind in REJECTION_KINDS:
            rejection[row.kind]["total"] += 1
            rejection[row.kind]["strict"] += int(intent in REJECTION_INTENTS)
            rejection[row.kind]["lenient"] += int(intent not in MONEY_INTENTS)
        found = entity_found(row, prediction)
        if found is not None:
            entity_total[row.entity_type] += 1
            entity_hits[row.entity_type] += int(found)

    sources = sorted(key for key in in_scope_total if key != "all")
    return {
        "counts": {
            "rows": len(rows),
            "in_scope": in_scope_total["all"],
            **{kind: rejection[kind]["total"] for kind in REJECTION_KINDS},
        },
        "in_scope_accuracy": _ratio(in_scope_hits["all"], in_scope_total["all"]),
        "in_scope_accuracy_by_source": {
            source: _ratio(in_scope_hits[source], in_scope_total[source])
            for source in sources
        },
        "in_scope_source_counts": {
            source: in_scope_total[source] for source in sources
        },
        "in_scope_macro_f1": macro_f1(_in_scope_pairs(rows, predictions)),
        "out_of_scope_rejection": {
            kind: {
                mode: _ratio(rejection[kind][mode], rejection[kind]["total"])
                for mode in ("strict", "lenient")
            }
            for kind in REJECTION_KINDS
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


def headline_figures(metrics: Dict[str, Any]) -> Dict[str, Optional[float]]:
    """The figures the issue sets targets for, flat, by a stable name (the gate's keys)."""
    figures: Dict[str, Optional[float]] = {
        "in_scope_accuracy": metrics["in_scope_accuracy"],
    }
    for source, value in metrics["in_scope_accuracy_by_source"].items():
        figures[f"in_scope_accuracy.{source}"] = value
    figures["in_scope_macro_f1"] = metrics["in_scope_macro_f1"]
    for kind, modes in metrics["out_of_scope_rejection"].items():
        for mode, value in modes.items():
            figures[f"{kind}_rejection.{mode}"] = value
    for entity_type, value in metrics["entity_recall"].items():
        figures[f"entity_recall.{entity_type}"] = value
    return figures


def figure_counts(metrics: Dict[str, Any]) -> Dict[str, int]:
    """How many messages each headline figure is measured on."""
    counts = metrics["counts"]
    result = {"in_scope_accuracy": counts["in_scope"], "in_scope_macro_f1": counts["in_scope"]}
    for source, count in metrics["in_scope_source_counts"].items():
        result[f"in_scope_accuracy.{source}"] = count
    for kind in REJECTION_KINDS:
        for mode in ("strict", "lenient"):
            result[f"{kind}_rejection.{mode}"] = counts[kind]
    for entity_type, count in metrics["entity_counts"].items():
        result[f"entity_recall.{entity_type}"] = count
    return result


def percent(value: Optional[float]) -> str:
    """`0.9512` -> ` 95.1%`; `None` -> `n/a`."""
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def format_report(metrics: Dict[str, Any]) -> str:
    """Renders the metrics as a plain-text table."""
    counts = metrics["counts"]
    lines = [
        f"{'metric':<42} {'value':>7} {'n':>6}",
        "-" * 57,
        f"{'in-scope accuracy':<42} {percent(metrics['in_scope_accuracy']):>7} "
        f"{counts['in_scope']:>6}",
    ]
    for source, value in metrics["in_scope_accuracy_by_source"].items():
        count = metrics["in_scope_source_counts"][source]
        lines.append(f"{'  source ' + source:<42} {percent(value):>7} {count:>6}")
    lines.append(
        f"{'in-scope macro-F1':<42} {percent(metrics['in_scope_macro_f1']):>7} "
        f"{counts['in_scope']:>6}"
    )
    for kind, modes in metrics["out_of_scope_rejection"].items():
        for mode, value in modes.items():
            label = f"{kind} rejection ({mode})"
            lines.append(f"{label:<42} {percent(value):>7} {counts[kind]:>6}")
    for entity_type, value in metrics["entity_recall"].items():
        label = f"entity recall {entity_type} (as {ENTITY_TYPES[entity_type]})"
        count = metrics["entity_counts"][entity_type]
        lines.append(f"{label:<42} {percent(value):>7} {count:>6}")
    if metrics.get("top_confusions"):
        lines += ["", "most frequent in-scope errors (expected -> predicted):"]
        lines += [f"  {n:>4}  {pair}" for pair, n in metrics["top_confusions"].items()]
    return "\n".join(lines)


# ------------------------------------------------------------------- parsing


def parse_texts(
    model_path: str, texts: Sequence[str], batch_size: int = 64
) -> List[Prediction]:
    """Runs a trained model's NLU on every text, loading the model once.

    With `batch_size` 1 each text goes through `Agent.parse_message` (the whole
    model is loaded, as the server does). Larger batches load only the NLU part of
    a full model's predict graph (dialogue policies are skipped: loading them takes
    longer than parsing the whole set) and run it on several messages at once,
    which saves the per-call graph overhead. Both give the same predictions.
    """
    if batch_size <= 1:
        return _parse_with_agent(model_path, texts)

    import tempfile

    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    predictions: List[Prediction] = []
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as scratch:
        storage, metadata = LocalModelStorage.from_model_archive(
            Path(scratch), Path(model_path)
        )
        target = metadata.nlu_target
        schema = metadata.predict_schema.minimal_graph_schema(targets=[target])
        runner = DaskGraphRunner.create(
            graph_schema=schema,
            model_storage=storage,
            execution_context=ExecutionContext(
                graph_schema=schema, model_id=metadata.model_id
            ),
            hooks=[],
        )
        for offset in range(0, len(texts), batch_size):
            batch = [UserMessage(text) for text in texts[offset : offset + batch_size]]
            results = runner.run(inputs={PLACEHOLDER_MESSAGE: batch}, targets=[target])
            predictions += [
                prediction_from_parse(message.as_dict(only_output_properties=True))
                for message in results[target]
            ]
    return predictions


def _parse_with_agent(model_path: str, texts: Sequence[str]) -> List[Prediction]:
    """One `Agent.parse_message` per text (the server's own path)."""
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse_all() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return [prediction_from_parse(p) for p in asyncio.run(parse_all())]
