"""Tests of scripts/eval_nlu.py: the report files, the regression gate, the baseline."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
from pathlib import Path
from typing import List

import pytest

from bench import nlu_scoring
from bench.nlu_scoring import Prediction

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("eval_nlu", ROOT / "scripts" / "eval_nlu.py")
eval_nlu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(eval_nlu)

HEADER = "text,source,source_label,kind,expected,entity_type,entity_value\n"
EVAL_ROWS = [
    ("how much do I owe", "bitext", "in_scope", "check_balance", "", ""),
    ("send my invoice", "bitext", "in_scope", "get_invoice", "", ""),
    ("where is order KL-1", "clinc150", "in_scope", "order_status", "order_id", "KL-1"),
    ("weather tomorrow", "clinc150", "oos", "", "", ""),
    ("open a savings account", "banking77", "near_oos", "", "", ""),
]
GOOD = ["check_balance", "get_invoice", "order_status", "nlu_fallback", "out_of_scope"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """An evaluation CSV, a stand-in model file and a fake parser answering `intents`."""
    eval_set = tmp_path / "dev.csv"
    with eval_set.open("w", newline="") as handle:
        handle.write(HEADER)
        csv.writer(handle).writerows([(t, s, "x", k, e, et, ev) for t, s, k, e, et, ev in EVAL_ROWS])
    model = tmp_path / "assistant-test.tar.gz"
    model.write_bytes(b"model")
    state = {"intents": list(GOOD), "calls": 0}

    def fake_parse(model_path: str, texts: List[str], batch_size: int = 64) -> List[Prediction]:
        state["calls"] += 1
        assert model_path == str(model) and len(texts) == len(EVAL_ROWS)
        return [
            Prediction(intent, {"order_id": ["KL-1"]} if "KL-1" in text else {}, 0.9)
            for intent, text in zip(state["intents"], texts)
        ]

    monkeypatch.setattr(nlu_scoring, "parse_texts", fake_parse)
    out = tmp_path / "out"
    args = ["--model", str(model), "--eval", str(eval_set), "--out", str(out),
            "--baseline", str(tmp_path / "baseline.json")]
    return {"args": args, "out": out, "state": state, "model": model,
            "baseline": tmp_path / "baseline.json"}


def run(command: str, project: dict, *extra: str) -> int:
    return eval_nlu.main([command, *project["args"], *extra])


def test_report_writes_every_file_and_prints_the_figures(project, capsys) -> None:
    project["state"]["intents"][1] = "check_balance"
    assert run("report", project) == 0
    out = project["out"]
    printed = capsys.readouterr().out
    assert "in_scope_accuracy" in printed and "66.7%" in printed
    report = (out / "report.md").read_text()
    assert "| in_scope_accuracy | 66.7% | 3 |" in report
    assert "get_invoice -> check_balance" in report
    assert (out / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    with (out / "misclassified.csv").open() as handle:
        wrong = list(csv.DictReader(handle))
    assert [(r["problems"], r["predicted"], r["text"]) for r in wrong] == [
        ("intent", "check_balance", "send my invoice")
    ]


def test_the_gate_passes_at_the_baseline_and_fails_when_a_figure_falls(project, capsys) -> None:
    assert run("baseline", project) == 0
    recorded = json.loads(project["baseline"].read_text())
    assert recorded["figures"]["in_scope_accuracy"] == 1.0
    assert recorded["tolerance_points"] == eval_nlu.DEFAULT_TOLERANCE_POINTS
    assert "make eval-baseline" in recorded["_note"]
    assert run("gate", project) == 0

    project["state"]["intents"][3] = "check_balance"  # an oos message gets through
    project["model"].write_bytes(b"retrained")  # a new model file: parsed again
    capsys.readouterr()
    assert run("gate", project) == 1
    printed = capsys.readouterr().out
    assert "oos_rejection.strict" in printed and "FELL" in printed
    assert "fell 100.0 points" in printed
    assert "in_scope_accuracy " in printed and "ok" in printed


def test_the_baseline_is_not_lowered_unless_asked(project) -> None:
    assert run("baseline", project) == 0
    project["state"]["intents"][0] = "greet"
    project["model"].write_bytes(b"worse model")
    assert run("baseline", project) == 1
    assert json.loads(project["baseline"].read_text())["figures"]["in_scope_accuracy"] == 1.0
    assert run("baseline", project, "--allow-lower") == 0
    assert json.loads(project["baseline"].read_text())["figures"]["in_scope_accuracy"] == pytest.approx(0.6667)


def test_compare_applies_the_tolerance_and_checks_the_set_size() -> None:
    baseline = {
        "tolerance_points": 0.5,
        "eval_set": {"rows": 10},
        "figures": {"in_scope_accuracy": 0.80, "in_scope_macro_f1": 0.80, "oos_rejection.strict": 0.80},
    }
    metrics = {
        "counts": {"rows": 10, "in_scope": 1, "oos": 1, "near_oos": 1},
        "in_scope_accuracy": 0.796,  # -0.4 points: within the tolerance
        "in_scope_accuracy_by_source": {},
        "in_scope_macro_f1": 0.79,  # -1 point
        "out_of_scope_rejection": {"oos": {"strict": 0.9, "lenient": 1.0},
                                   "near_oos": {"strict": 1.0, "lenient": 1.0}},
        "entity_recall": {"order_id": None, "refund_amount": None},
    }
    table, problems = eval_nlu.compare(baseline, metrics)
    assert [status for *_, status in table] == ["ok", "FELL", "improved"]
    assert len(problems) == 1 and problems[0].startswith("in_scope_macro_f1 fell 1.0 points")
    metrics["counts"]["rows"] = 11
    _, problems = eval_nlu.compare(baseline, metrics)
    assert any("recorded on 10" in p for p in problems)


def test_predictions_are_reused_only_for_the_same_model_file(project) -> None:
    assert run("report", project) == 0
    assert run("report", project) == 0
    assert project["state"]["calls"] == 1
    os.utime(project["model"], ns=(1, 1))  # retrained in place
    assert run("report", project) == 0
    assert project["state"]["calls"] == 2
    assert run("report", project, "--no-cache") == 0
    assert project["state"]["calls"] == 3
    cached = (project["out"] / eval_nlu.CACHE_FILE).read_text()
    assert "how much do I owe" not in cached


def test_the_gate_needs_a_baseline_and_a_model(project, tmp_path) -> None:
    assert run("gate", project) == 1  # no baseline recorded yet
    args = project["args"][:]
    args[1] = str(tmp_path / "missing.tar.gz")
    assert eval_nlu.main(["report", *args]) == 1


def test_the_gate_is_skipped_without_the_evaluation_set(project, tmp_path, capsys) -> None:
    args = project["args"][:]
    args[3] = str(tmp_path / "absent.csv")
    assert eval_nlu.main(["gate", *args]) == 0
    assert "skipped" in capsys.readouterr().out
    assert eval_nlu.main(["report", *args]) == 1
