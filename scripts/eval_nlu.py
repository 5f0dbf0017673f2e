"""Scores the trained assistant's NLU on the development set; the regression gate.

Commands (from any directory; the Rasa virtualenv's Python):

    .venv/bin/python scripts/eval_nlu.py report     # make eval
    .venv/bin/python scripts/eval_nlu.py gate       # make eval-gate
    .venv/bin/python scripts/eval_nlu.py baseline   # make eval-baseline

Each loads the model of the current inputs (`scripts/train_if_changed.py
--print-path`; train it first with `make train`) once, parses every message of
../shared/eval/nlu_dev.csv and writes results/eval/: report.md (figures,
per-intent table, confusions), confusion_matrix.png, misclassified.csv (holds
evaluation sentences: results/ is git-ignored and must stay so) and metrics.json.

Loading the model takes most of the time, so the predictions of a model file are
kept in results/eval/predictions-cache.json (no message text) and reused while the
model file and the evaluation set are unchanged (`--no-cache` parses again).

`gate` then compares the headline figures with tests/nlu_baseline.json and fails
when one fell more than the baseline's `tolerance_points` (percentage points)
below it. `baseline` records the current figures there; it refuses to record
lower figures unless `--allow-lower` is given, so the bar only moves on purpose.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import nlu_scoring as scoring  # noqa: E402

EVAL_SET = ROOT.parent / "shared" / "eval" / "nlu_dev.csv"
OUT_DIR = ROOT / "results" / "eval"
BASELINE = ROOT / "tests" / "nlu_baseline.json"
#: A figure may fall this many percentage points below the baseline: DIET's
#: training is seeded, but a changed data set moves single messages.
DEFAULT_TOLERANCE_POINTS = 0.5
#: Issue #6's targets for the headline figures (missing: no target).
TARGETS = {
    "in_scope_accuracy": 0.95,
    "in_scope_accuracy.banking77": 0.95,
    "in_scope_accuracy.bitext": 0.95,
    "in_scope_accuracy.clinc150": 0.95,
    "in_scope_macro_f1": 0.93,
    "oos_rejection.strict": 0.90,
    "near_oos_rejection.lenient": 0.90,
    "entity_recall.order_id": 0.97,
    "entity_recall.refund_amount": 0.97,
}
BASELINE_NOTE = (
    "Figures of the NLU regression gate (`make eval-gate`, part of `make test`): "
    "no figure may fall more than tolerance_points percentage points below these. "
    "Updated deliberately with `make eval-baseline` when the figures improve; "
    "never edit by hand."
)
#: Bump when what a cached prediction holds changes.
CACHE_VERSION = 1
CACHE_FILE = "predictions-cache.json"


# ----------------------------------------------------------------- the model


def _train_if_changed() -> Any:
    """scripts/train_if_changed.py, the one list of the model's inputs."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_if_changed
    finally:
        sys.path.pop(0)
    return train_if_changed


def current_model() -> Path:
    """The model archive of the current config, domain and data."""
    return _train_if_changed().model_path()


def data_state(model: Path) -> Dict[str, Any]:
    """The commit and uncommitted model inputs of the working tree, and whether the
    model is the one trained from them (its name is a hash of the inputs)."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return result.stdout

    inputs = _train_if_changed().INPUTS
    changed = git("status", "--porcelain", "--", *inputs).splitlines()
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip() or "unknown",
        "uncommitted_inputs": sorted(line[3:] for line in changed if line.strip()),
        "model_matches_inputs": model.name == current_model().name,
    }


def _quiet_rasa() -> None:
    """Keeps library chatter (TensorFlow, deprecations) out of the report's output."""
    warnings.filterwarnings("ignore")
    for name in ("rasa", "tensorflow", "absl", "matplotlib"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _cache_key(model: Path, eval_set: Path) -> str:
    """Identifies a model file and an evaluation set (predictions depend on nothing else)."""
    stat = model.stat()
    digest = hashlib.sha256(
        f"{CACHE_VERSION}|{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|".encode()
    )
    digest.update(eval_set.read_bytes())
    return digest.hexdigest()


def _cached_predictions(cache: Path, key: str) -> Optional[List[scoring.Prediction]]:
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stored.get("key") != key:
        return None
    return [scoring.Prediction(**p) for p in stored["predictions"]]


def evaluate(
    model: Path, eval_set: Path, batch_size: int = 64, cache: Optional[Path] = None
) -> Tuple[List[scoring.EvalRow], List[scoring.Prediction], Dict[str, Any]]:
    """Parses every evaluation message with the model; returns rows, predictions, metrics.

    With `cache`, the predictions of the same model file on the same evaluation set
    are reused from there (parsing is deterministic; loading the model is the slow
    part), and stored there after parsing. The cache holds no message text.
    """
    rows = scoring.read_eval_rows(eval_set)
    key = _cache_key(model, eval_set)
    started = time.perf_counter()
    predictions = _cached_predictions(cache, key) if cache else None
    reused = predictions is not None
    if predictions is None:
        _quiet_rasa()
        predictions = scoring.parse_texts(str(model), [r.text for r in rows], batch_size)
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            stored = {"key": key, "predictions": [dataclasses.asdict(p) for p in predictions]}
            cache.write_text(json.dumps(stored), encoding="utf-8")
    seconds = time.perf_counter() - started
    metrics = scoring.score(rows, predictions)
    metrics["timing"] = {
        "load_and_parse_seconds": round(seconds, 1),
        "predictions_reused": reused,
    }
    return rows, predictions, metrics


# ---------------------------------------------------------------- the report


def headline_rows(
    metrics: Dict[str, Any]
) -> List[Tuple[str, Optional[float], int, Optional[float]]]:
    """`(figure, value, messages, target)` for each headline figure."""
    counts = scoring.figure_counts(metrics)
    return [
        (name, value, counts[name], TARGETS.get(name))
        for name, value in scoring.headline_figures(metrics).items()
    ]


def format_headline(metrics: Dict[str, Any]) -> str:
    """The headline figures as a plain-text table, with the issue's targets."""
    lines = [f"{'figure':<30} {'value':>7} {'n':>6} {'target':>7}", "-" * 53]
    for name, value, count, target in headline_rows(metrics):
        mark = "" if target is None or value is None else ("  ok" if value >= target else "  below")
        target_text = "" if target is None else scoring.percent(target)
        lines.append(
            f"{name:<30} {scoring.percent(value):>7} {count:>6} {target_text:>7}{mark}"
        )
    return "\n".join(lines)


def markdown_report(
    metrics: Dict[str, Any],
    table: Dict[str, Dict[str, float]],
    stray: Dict[str, int],
    model: Path,
    state: Dict[str, Any],
    eval_set: Path,
) -> str:
    """The report: headline figures, per-intent scores and confusions (no sentences)."""
    uncommitted = ", ".join(state["uncommitted_inputs"]) or "none"
    matches = (
        "the model of the working tree's inputs"
        if state["model_matches_inputs"]
        else "NOT the model of the working tree's inputs (older or given with --model)"
    )
    lines = [
        "# NLU evaluation on the development set",
        "",
        f"- model: `{model.name}`, {matches}",
        f"- working tree: commit {state['commit']}; uncommitted model inputs: {uncommitted}",
        f"- evaluation set: `{eval_set.name}`, {metrics['counts']['rows']} messages "
        f"({metrics['counts']['in_scope']} in scope, {metrics['counts']['oos']} oos, "
        f"{metrics['counts']['near_oos']} near-oos)",
        f"- scored {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}; "
        + (
            "predictions of this model file reused from the cache"
            if metrics["timing"]["predictions_reused"]
            else f"loading and parsing took {metrics['timing']['load_and_parse_seconds']} s"
        ),
        "",
        "## Headline figures",
        "",
        "| figure | value | messages | target (issue #6) |",
        "|---|---:|---:|---:|",
    ]
    for name, value, count, target in headline_rows(metrics):
        verdict = ""
        if target is not None and value is not None:
            verdict = " ✓" if value >= target else " ✗"
        target_text = "" if target is None else f"{scoring.percent(target).strip()}{verdict}"
        lines.append(f"| {name} | {scoring.percent(value).strip()} | {count} | {target_text} |")
    lines += [
        "",
        "Strict rejection: predicted `nlu_fallback` or `out_of_scope`; lenient: not a money "
        "intent. Entity recall: the annotated value is among the extracted values.",
        "",
        "## Per intent (in-scope messages)",
        "",
        "Precision and recall over the in-scope messages (their F1s average to the macro-F1); "
        "`oos→` counts out-of-scope and near-domain messages the model gave the intent.",
        "",
        "| intent | precision | recall | F1 | support | oos→ |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for intent, s in sorted(table.items(), key=lambda item: item[1]["f1"]):
        lines.append(
            f"| {intent} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
            f"| {s['support']} | {s['oos_predicted']} |"
        )
    lines += ["", "## Top confusions (expected → predicted)", ""]
    lines += [f"- {n} × {pair}" for pair, n in metrics["top_confusions"].items()] or ["- none"]
    lines += ["", "## Out-of-scope and near-domain messages not rejected (predicted intent)", ""]
    lines += [f"- {n} × {intent}" for intent, n in stray.items()] or ["- none"]
    lines += [
        "",
        "Files: `confusion_matrix.png` (rows: expected, columns: predicted, colour: share "
        "of the row), `misclassified.csv` (the messages themselves: never copy them into "
        "training data), `metrics.json`.",
        "",
    ]
    return "\n".join(lines)


def write_confusion_matrix(counts: Dict[Tuple[str, str], int], path: Path) -> None:
    """Draws the confusion matrix (expected rows, predicted columns) as a PNG."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyparsing deprecations inside matplotlib
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np

    gold = sorted({g for g, _ in counts if not g.startswith("(")})
    pseudo = sorted({g for g, _ in counts if g.startswith("(")})
    predicted = sorted({p for _, p in counts} - set(gold))
    row_labels = gold + pseudo
    col_labels = gold + predicted
    matrix = np.zeros((len(row_labels), len(col_labels)))
    for (g, p), n in counts.items():
        matrix[row_labels.index(g), col_labels.index(p)] = n
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)

    size = max(8.0, 0.38 * len(col_labels))
    fig, ax = plt.subplots(figsize=(size + 2, 0.38 * len(row_labels) + 3))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(col_labels)), col_labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(row_labels)), row_labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            colour = "white" if shares[i, j] > 0.5 else "black"
            ax.text(j, i, int(n), ha="center", va="center", fontsize=6, color=colour)
    ax.set_title("NLU confusion matrix on the development set (counts; colour: share of row)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_misclassified(
    rows: Sequence[scoring.EvalRow], predictions: Sequence[scoring.Prediction], path: Path
) -> int:
    """Writes every message the model got wrong; returns how many."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["problems", "kind", "source", "expected", "predicted", "confidence",
             "entity_type", "entity_value", "extracted", "text"]
        )
        for row, prediction in zip(rows, predictions):
            problems = scoring.error_kinds(row, prediction)
            if not problems:
                continue
            confidence = "" if prediction.confidence is None else f"{prediction.confidence:.3f}"
            writer.writerow(
                ["|".join(problems), row.kind, row.source, "|".join(row.expected),
                 prediction.intent, confidence, row.entity_type, row.entity_value,
                 json.dumps(prediction.entities, sort_keys=True), row.text]
            )
            written += 1
    return written


def write_report(
    rows: Sequence[scoring.EvalRow],
    predictions: Sequence[scoring.Prediction],
    metrics: Dict[str, Any],
    model: Path,
    eval_set: Path,
    out_dir: Path,
) -> None:
    """Writes report.md, confusion_matrix.png, misclassified.csv and metrics.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = data_state(model)
    table = scoring.per_intent_table(rows, predictions)
    stray: Dict[str, int] = {}
    for row, prediction in zip(rows, predictions):
        if "not_rejected" in scoring.error_kinds(row, prediction):
            stray[str(prediction.intent)] = stray.get(str(prediction.intent), 0) + 1
    stray = dict(sorted(stray.items(), key=lambda item: -item[1]))
    (out_dir / "report.md").write_text(
        markdown_report(metrics, table, stray, model, state, eval_set), encoding="utf-8"
    )
    write_confusion_matrix(
        scoring.confusion_counts(rows, predictions), out_dir / "confusion_matrix.png"
    )
    errors = write_misclassified(rows, predictions, out_dir / "misclassified.csv")
    summary = dict(metrics, per_intent=table, model=model.name, data_state=state)
    (out_dir / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"\nReport: {out_dir.relative_to(ROOT) if out_dir.is_relative_to(ROOT) else out_dir}/"
          f"report.md, confusion_matrix.png, misclassified.csv ({errors} messages)")


# ------------------------------------------------------------------ the gate


#: One row of the gate: figure, baseline, current, change in points, status.
Comparison = Tuple[str, float, Optional[float], Optional[float], str]


def compare(
    baseline: Dict[str, Any], metrics: Dict[str, Any]
) -> Tuple[List[Comparison], List[str]]:
    """Compares the current figures with the baseline's.

    Returns:
        One `(figure, baseline, current, change in points, status)` row per baseline
        figure (status `ok`, `improved` or `FELL`), and the problems that fail the gate.
    """
    tolerance = float(baseline.get("tolerance_points", DEFAULT_TOLERANCE_POINTS))
    current = scoring.headline_figures(metrics)
    problems: List[str] = []
    recorded_rows = baseline.get("eval_set", {}).get("rows")
    if recorded_rows is not None and recorded_rows != metrics["counts"]["rows"]:
        problems.append(
            f"the evaluation set has {metrics['counts']['rows']} messages, the baseline was "
            f"recorded on {recorded_rows}: record it again with `make eval-baseline`"
        )
    rows = []
    for name, recorded in baseline["figures"].items():
        value = current.get(name)
        if value is None:
            rows.append((name, recorded, None, None, "FELL"))
            problems.append(f"{name}: no longer measured (baseline {100 * recorded:.1f}%)")
            continue
        change = 100 * (value - recorded)
        if change < -tolerance:
            status = "FELL"
            problems.append(
                f"{name} fell {-change:.1f} points: {100 * value:.1f}% < baseline "
                f"{100 * recorded:.1f}% - {tolerance} points"
            )
        elif change > tolerance:
            status = "improved"
        else:
            status = "ok"
        rows.append((name, recorded, value, change, status))
    return rows, problems


def format_comparison(rows: Sequence[Comparison]) -> str:
    """The gate's table."""
    lines = [f"{'figure':<30} {'baseline':>8} {'current':>8} {'change':>8}  status", "-" * 66]
    for name, recorded, value, change, status in rows:
        change_text = "" if change is None else f"{change:+.1f} pt".replace("-0.0", "+0.0")
        lines.append(
            f"{name:<30} {scoring.percent(recorded):>8} {scoring.percent(value):>8} "
            f"{change_text:>8}  {status}"
        )
    return "\n".join(lines)


def baseline_document(metrics: Dict[str, Any], model: Path, tolerance: float) -> Dict[str, Any]:
    """The baseline file's content for the current figures."""
    figures = {
        name: round(value, 4)
        for name, value in scoring.headline_figures(metrics).items()
        if value is not None
    }
    return {
        "_note": BASELINE_NOTE,
        "tolerance_points": tolerance,
        "recorded": {
            "date": dt.date.today().isoformat(),
            "model": model.name,
            "commit": data_state(model)["commit"],
        },
        "eval_set": {"file": EVAL_SET.name, "rows": metrics["counts"]["rows"]},
        "figures": figures,
        "messages": {
            name: count for name, count in scoring.figure_counts(metrics).items() if name in figures
        },
    }


# ----------------------------------------------------------------------- main


def run_gate(baseline_path: Path, metrics: Dict[str, Any]) -> int:
    """Prints the comparison with the baseline; 1 when a figure fell too far."""
    baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
    table, problems = compare(baseline, metrics)
    tolerance = baseline.get("tolerance_points", DEFAULT_TOLERANCE_POINTS)
    print(f"\nNLU regression gate against {baseline_path.name} (tolerance {tolerance} points):")
    print(format_comparison(table))
    if problems:
        print("\nNLU gate FAILED:")
        for problem in problems:
            print(f"  - {problem}")
        print("See results/eval/report.md and misclassified.csv.")
        return 1
    if any(status == "improved" for *_, status in table):
        print("\nFigures improved: record them with `make eval-baseline`.")
    print("NLU gate passed.")
    return 0


def record_baseline(
    baseline_path: Path,
    metrics: Dict[str, Any],
    model: Path,
    tolerance: Optional[float],
    allow_lower: bool,
) -> int:
    """Writes the baseline; refuses (1) to lower a recorded figure unless allowed."""
    existing = None
    if baseline_path.exists():
        existing = json.loads(baseline_path.read_text(encoding="utf-8"))
    if tolerance is None:
        tolerance = float((existing or {}).get("tolerance_points", DEFAULT_TOLERANCE_POINTS))
    if existing and not allow_lower:
        _, problems = compare(existing, metrics)
        if problems:
            print(
                "\nNot recorded: figures below the current baseline "
                "(--allow-lower, or ALLOW_LOWER=1 with make, lowers the bar on purpose):"
            )
            for problem in problems:
                print(f"  - {problem}")
            return 1
    document = baseline_document(metrics, model, tolerance)
    baseline_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nBaseline recorded in {baseline_path}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command", choices=["report", "gate", "baseline"], nargs="?", default="report"
    )
    parser.add_argument("--model", type=Path, help="model archive (default: the current one)")
    parser.add_argument("--eval", type=Path, default=EVAL_SET, help="evaluation CSV")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="report directory")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="baseline JSON")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--no-cache", action="store_true",
        help=f"parse again even if OUT/{CACHE_FILE} holds this model's predictions",
    )
    parser.add_argument(
        "--allow-lower", action="store_true",
        help="baseline: record figures below the recorded ones",
    )
    parser.add_argument(
        "--tolerance", type=float, default=None,
        help=f"baseline: points a figure may fall (default: kept, or {DEFAULT_TOLERANCE_POINTS})",
    )
    args = parser.parse_args(argv)

    if not args.eval.exists():
        if args.command == "gate":
            print(f"NLU gate skipped: no evaluation set at {args.eval}")
            return 0
        print(f"ERROR: no evaluation set at {args.eval}", file=sys.stderr)
        return 1
    model = args.model or current_model()
    if not model.exists():
        print(f"ERROR: no model at {model}: train it first (`make train`)", file=sys.stderr)
        return 1
    if args.command == "gate" and not args.baseline.exists():
        print(
            f"ERROR: no baseline at {args.baseline}: record one with `make eval-baseline`",
            file=sys.stderr,
        )
        return 1

    print(f"Scoring {model.name} on {args.eval.name} ...", flush=True)
    cache = None if args.no_cache else args.out / CACHE_FILE
    rows, predictions, metrics = evaluate(model, args.eval, args.batch_size, cache)
    if metrics["timing"]["predictions_reused"]:
        print(f"{len(rows)} predictions of this model file reused from {cache} "
              "(--no-cache parses again)\n")
    else:
        seconds = metrics["timing"]["load_and_parse_seconds"]
        print(f"{len(rows)} messages loaded and parsed in {seconds} s\n")
    print(format_headline(metrics))
    write_report(rows, predictions, metrics, model, args.eval, args.out)

    if args.command == "gate":
        return run_gate(args.baseline, metrics)
    if args.command == "baseline":
        return record_baseline(args.baseline, metrics, model, args.tolerance, args.allow_lower)
    return 0


if __name__ == "__main__":
    sys.exit(main())
