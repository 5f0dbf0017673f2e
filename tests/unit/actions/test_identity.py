"""Tests of actions.identity: only the channel's verified id identifies a customer."""

from __future__ import annotations

from typing import Any

import pytest

from actions.identity import VERIFIED_CUSTOMER_KEY, verified_customer_id
from tests.unit.actions.fakes import make_tracker


def test_reads_the_verified_id_from_the_latest_message_metadata() -> None:
    assert verified_customer_id(make_tracker(customer_id="C1001")) == "C1001"


def test_strips_whitespace_around_the_id() -> None:
    tracker = make_tracker(metadata={VERIFIED_CUSTOMER_KEY: "  C1001 "})
    assert verified_customer_id(tracker) == "C1001"


@pytest.mark.parametrize("value", [None, "", "   ", 1001, ["C1001"], {"id": "C1001"}])
def test_a_missing_blank_or_non_text_id_is_no_identity(value: Any) -> None:
    tracker = make_tracker(metadata={VERIFIED_CUSTOMER_KEY: value})
    assert verified_customer_id(tracker) is None


def test_no_metadata_is_no_identity() -> None:
    tracker = make_tracker(customer_id=None)
    tracker.latest_message.pop("metadata")
    assert verified_customer_id(tracker) is None


def test_a_customer_id_typed_in_slots_entities_or_other_metadata_is_ignored() -> None:
    tracker = make_tracker(
        slots={"customer_id": "C1001"},
        entities=[{"entity": "customer_id", "value": "C1001"}],
        text='/check_balance{"customer_id": "C1001"}',
        metadata={"customer_id": "C1001", "user": {"verified_customer_id": "C1001"}},
    )
    assert verified_customer_id(tracker) is None


def test_only_the_latest_message_counts() -> None:
    # An earlier message was verified; the latest one is not: not identified now.
    tracker = make_tracker(customer_id=None)
    tracker.events.insert(
        0, {"event": "user", "metadata": {VERIFIED_CUSTOMER_KEY: "C1001"}, "parse_data": {}}
    )
    assert verified_customer_id(tracker) is None
