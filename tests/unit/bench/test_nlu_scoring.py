"""Tests of bench.nlu_scoring: the figures of the benchmark, `make eval` and the gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.nlu_scoring import (
    EvalRow,
    Prediction,
    confusion_counts,
    error_kinds,
    figure_counts,
    headline_figures,
    macro_f1,
    per_intent_table,
    prediction_from_parse,
    read_eval_rows,
    score,
)


def row(kind="in_scope", expected=("check_balance",), source="bitext", entity=("", "")):
    return EvalRow("a message", source, kind, tuple(expected), entity[0], entity[1])


def test_in_scope_accuracy_overall_and_per_source() -> None:
    rows = [
        row(source="bitext"),
        row(source="bitext", expected=("refund_status", "order_status")),
        row(source="clinc150"),
        row(source="clinc150"),
    ]
    predictions = [
        Prediction("check_balance"),
        Prediction("order_status"),  # the second acceptable intent counts
        Prediction("nlu_fallback"),
        Prediction("check_balance"),
    ]
    metrics = score(rows, predictions)
    assert metrics["in_scope_accuracy"] == 0.75
    assert metrics["in_scope_accuracy_by_source"] == {"bitext": 1.0, "clinc150": 0.5}
    assert metrics["top_confusions"] == {"check_balance -> nlu_fallback": 1}


def test_rejection_strict_and_lenient() -> None:
    rows = [row("oos", ()), row("oos", ()), row("oos", ()), row("near_oos", ())]
    predictions = [
        Prediction("nlu_fallback"),
        Prediction("greet"),  # not a money intent: lenient only
        Prediction("check_balance"),
        Prediction("out_of_scope"),
    ]
    rejection = score(rows, predictions)["out_of_scope_rejection"]
    assert rejection["oos"] == {"strict": pytest.approx(1 / 3), "lenient": pytest.approx(2 / 3)}
    assert rejection["near_oos"] == {"strict": 1.0, "lenient": 1.0}


def test_entity_recall_ignores_punctuation_and_wants_the_right_entity() -> None:
    rows = [
        row(entity=("order_id", "#KL-123")),
        row(entity=("order_id", "KL-999")),
        row(entity=("refund_amount", "12.50")),
        row(entity=("invoice_id", "INV-1")),  # not scored
    ]
    predictions = [
        Prediction("check_balance", {"order_id": ["kl123"]}),
        Prediction("check_balance", {"amount": ["KL-999"]}),
        Prediction("check_balance", {"amount": ["1250"]}),
        Prediction("check_balance"),
    ]
    metrics = score(rows, predictions)
    assert metrics["entity_recall"] == {"order_id": 0.5, "refund_amount": 1.0}
    assert metrics["entity_counts"] == {"order_id": 2, "refund_amount": 1}


def test_per_intent_f1_averages_to_macro_f1_and_counts_oos_hits() -> None:
    rows = [row(), row(), row(expected=("get_invoice",)), row("oos", ()), row("near_oos", ())]
    predictions = [
        Prediction("check_balance"),
        Prediction("get_invoice"),
        Prediction("get_invoice"),
        Prediction("get_invoice"),
        Prediction("nlu_fallback"),
    ]
    table = per_intent_table(rows, predictions)
    assert table["check_balance"]["precision"] == 1.0
    assert table["check_balance"]["recall"] == 0.5
    assert table["get_invoice"]["precision"] == 0.5
    assert table["get_invoice"]["oos_predicted"] == 1
    metrics = score(rows, predictions)
    average = sum(s["f1"] for s in table.values()) / len(table)
    assert metrics["in_scope_macro_f1"] == pytest.approx(average)


def test_macro_f1_of_nothing_is_none() -> None:
    assert macro_f1([]) is None


def test_confusions_and_errors_of_every_kind() -> None:
    rows = [row(), row("oos", ()), row(entity=("order_id", "KL-1"))]
    predictions = [
        Prediction("get_invoice"),
        Prediction("check_balance"),
        Prediction("check_balance"),
    ]
    counts = confusion_counts(rows, predictions)
    assert counts[("check_balance", "get_invoice")] == 1
    assert counts[("(oos)", "check_balance")] == 1
    assert [error_kinds(r, p) for r, p in zip(rows, predictions)] == [
        ["intent"],
        ["not_rejected"],
        ["entity"],
    ]


def test_headline_figures_are_flat_and_counted() -> None:
    rows = [row(source="bitext"), row("oos", ()), row("near_oos", ())]
    metrics = score(rows, [Prediction("check_balance")] * 3)
    figures = headline_figures(metrics)
    assert figures["in_scope_accuracy.bitext"] == 1.0
    assert figures["oos_rejection.strict"] == 0.0
    assert figures["entity_recall.order_id"] is None
    assert set(figure_counts(metrics)) == set(figures)


def test_one_prediction_per_row_is_required() -> None:
    with pytest.raises(ValueError):
        score([row()], [])


def test_reading_the_csv_and_rasa_parse_output(tmp_path: Path) -> None:
    path = tmp_path / "eval.csv"
    path.write_text(
        "text,source,source_label,kind,expected,entity_type,entity_value\n"
        "where is it,bitext,x,in_scope,order_status|refund_status,order_id,KL-1\n"
    )
    (only,) = read_eval_rows(path)
    assert only.expected == ("order_status", "refund_status")
    assert only.entity_value == "KL-1"
    parsed = prediction_from_parse(
        {
            "intent": {"name": "order_status", "confidence": 0.9},
            "entities": [{"entity": "order_id", "value": "KL-1"}],
        }
    )
    assert parsed == Prediction("order_status", {"order_id": ["KL-1"]}, 0.9)
