"""Tests of bench.load's parsing: replies, /proc, training records, endpoints, options."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from bench.load.cli import parse_levels
from bench.load.journeys import ADA, CUSTOMER_JOURNEYS, Turn, backend_share, journey_cycle
from bench.load.memory import parse_ppid, parse_vmrss_kib, tree_rss_mib
from bench.load.replies import classify_action_result, classify_reply, response_texts
from bench.load.slow_proxy import is_slow
from bench.load.stats import DEGRADED, EMPTY, ERROR, OK
from bench.load.training import parse_record
from bench.load.workers import SharedStores, endpoints_yaml

APOLOGY = "Sorry, I'm having a technical problem."


def test_classify_reply():
    apologies = frozenset({APOLOGY})
    assert classify_reply(200, [{"recipient_id": "x", "text": "You owe €10.00"}], apologies) == OK
    assert classify_reply(200, [], apologies) == EMPTY
    assert classify_reply(200, [{"text": "ok"}, {"text": APOLOGY + " "}], apologies) == DEGRADED
    assert classify_reply(500, [{"text": "ok"}], apologies) == ERROR
    assert classify_reply(200, {"error": "x"}, apologies) == ERROR
    assert classify_reply(200, [{"image": "http://x"}], apologies) == OK


def test_classify_action_result():
    degraded = frozenset({"utter_backend_unavailable"})
    assert classify_action_result(200, {"events": [], "responses": [{"response": "utter_balance"}]},
                                  degraded) == OK
    assert classify_action_result(200, {"events": [], "responses": []}, degraded) == EMPTY
    assert classify_action_result(
        200, {"responses": [{"response": "utter_backend_unavailable"}]}, degraded) == DEGRADED
    assert classify_action_result(401, {"error": "unauthorized"}, degraded) == ERROR


def test_response_texts_reads_every_variant(tmp_path: Path):
    domain = tmp_path / "domain.yml"
    domain.write_text(yaml.safe_dump({"responses": {
        "utter_a": [{"text": "A one"}, {"text": "A two "}],
        "utter_b": [{"text": "B"}],
        "utter_img": [{"image": "x"}],
    }}))
    assert response_texts(domain, ["utter_a", "utter_img", "utter_missing"]) == {"A one", "A two"}


def test_the_projects_apologies_are_found():
    root = Path(__file__).resolve().parents[3]
    texts = response_texts(root / "domain.yml", ["utter_assistant_unavailable"])
    assert len(texts) == 1 and next(iter(texts)).startswith("Sorry")


def test_proc_parsers():
    assert parse_vmrss_kib("Name:\tpython\nVmRSS:\t  123456 kB\nThreads: 4\n") == 123456
    assert parse_vmrss_kib("Name:\tkthread\n") is None
    assert parse_ppid("42 (rasa (worker) 1) S 7 42 42 0") == 7


def test_tree_rss_counts_this_process(tmp_path: Path):
    import os

    assert tree_rss_mib(os.getpid()) > 1.0
    assert tree_rss_mib(2**22 + 12345) is None


def test_training_record_round_trip_and_garbage():
    record = parse_record('{"seconds": 181.5, "when": "2026-01-01T00:00:00+00:00", '
                          '"command": "rasa train", "cpus": 2, "load_average": 1.5}')
    assert record is not None and record.seconds == 181.5 and record.cpus == 2
    assert parse_record("not json") is None
    assert parse_record('{"seconds": 1}') is None


def test_endpoints_for_workers_keep_masking_and_variables():
    text = endpoints_yaml(SharedStores("bench_load_ab", "benchloadab"))
    assert "url: ${ACTION_ENDPOINT_URL}" in text  # plain scalar: Rasa expands it
    config = yaml.safe_load(text)
    assert config["tracker_store"]["type"].endswith("MaskingTrackerStore")
    assert config["tracker_store"]["wrapped"]["db"] == "bench_load_ab"
    assert config["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 0,
                                    "key_prefix": "benchloadab"}


def test_parse_levels():
    assert parse_levels("50,1,20,20") == [1, 20, 50]
    for bad in ("", "a", "0,5"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_levels(bad)


def test_journeys_mostly_call_the_backend_and_fill_in_orders():
    assert backend_share(CUSTOMER_JOURNEYS) > 0.5
    assert Turn("where is order {order}?", True).for_customer(ADA) == "where is order KL-482913?"
    cycle = journey_cycle(CUSTOMER_JOURNEYS, (ADA, None), offset=1)
    first = next(cycle)
    assert first == (ADA, CUSTOMER_JOURNEYS[1])


def test_only_the_slow_customer_is_delayed():
    assert is_slow("C1002", "C1002")
    assert not is_slow("C1001", "C1002")
    assert not is_slow(None, "C1002")
