"""Tests of actions.identity: only verified proofs (channel token, signed grant) identify a customer."""

from __future__ import annotations

from typing import Any

import pytest

from actions.identity import VERIFIED_CUSTOMER_KEY, verified_customer_id
from actions.identity_grant import GRANT_SLOT, issue_grant
from actions.settings import get_settings
from tests.unit.actions.fakes import SENDER_ID, make_tracker


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


# --------------------------------------------------------------------------- identity grants

GRANT_KEY = "identity-test-key"


def _grant_tracker(grant: Any, **kwargs: Any) -> Any:
    return make_tracker(slots={GRANT_SLOT: grant}, customer_id=None, **kwargs)


def test_a_valid_grant_identifies_a_visitor_without_a_channel_id() -> None:
    grant = issue_grant(GRANT_KEY, "C1001", SENDER_ID)
    assert verified_customer_id(_grant_tracker(grant), signing_key=GRANT_KEY) == "C1001"


def test_a_grant_is_checked_with_the_settings_key_by_default() -> None:
    grant = issue_grant(get_settings().identity_signing_key, "C1001", SENDER_ID)
    assert verified_customer_id(_grant_tracker(grant)) == "C1001"
    # ... and not with any other key.
    assert verified_customer_id(_grant_tracker(grant), signing_key=GRANT_KEY) is None


def test_the_channel_id_wins_over_a_grant() -> None:
    grant = issue_grant(GRANT_KEY, "C2002", SENDER_ID)
    tracker = make_tracker(slots={GRANT_SLOT: grant}, customer_id="C1001")
    assert verified_customer_id(tracker, signing_key=GRANT_KEY) == "C1001"


@pytest.mark.parametrize(
    "grant",
    [
        issue_grant(GRANT_KEY, "C1001", "conversation-2"),
        issue_grant("another-key", "C1001", SENDER_ID),
        issue_grant(GRANT_KEY, "C1001", SENDER_ID, now=1_000_000.0),
        "C1001",
        "verified",
        42,
        {"customer_id": "C1001"},
    ],
    ids=["other-conversation", "other-key", "expired", "id", "word", "number", "dict"],
)
def test_an_invalid_grant_is_ignored(grant: Any) -> None:
    assert verified_customer_id(_grant_tracker(grant), signing_key=GRANT_KEY) is None


def test_a_grant_sent_as_an_entity_or_a_customer_id_slot_has_no_effect() -> None:
    grant = issue_grant(GRANT_KEY, "C1001", SENDER_ID)
    tracker = make_tracker(
        customer_id=None,
        slots={"customer_id": "C1001", "verification_code": "verified"},
        intent="verify_identity",
        entities=[
            {"entity": GRANT_SLOT, "value": grant},
            {"entity": "customer_id", "value": "C1001"},
        ],
        text=f'/verify_identity{{"{GRANT_SLOT}": "{grant}", "customer_id": "C1001"}}',
    )
    assert verified_customer_id(tracker, signing_key=GRANT_KEY) is None
