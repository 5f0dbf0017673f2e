"""Tests of actions.idempotency: one key per submission, a new key per new submission."""

from __future__ import annotations

import pytest

from actions.api import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    IdempotencyConflict,
    NotFound,
    PaymentDeclined,
    RuleViolation,
)
from actions.api.client import MAX_IDEMPOTENCY_KEY_LENGTH
from actions.idempotency import (
    IN_DOUBT_SLOT,
    MAX_IN_DOUBT,
    form_submission_key,
    message_key,
    outcome_unknown,
    remember_in_doubt,
    settle_in_doubt,
)
from tests.unit.actions.fakes import (
    active_loop_event,
    bot_event,
    form_events,
    make_tracker,
    user_event,
)


def _form_key(activated_at: float = 1000.0, sender: str = "s-1", *parts: object) -> str:
    tracker = make_tracker(events=form_events("refund_form", activated_at), sender_id=sender)
    return form_submission_key(tracker, "refund_form", *(parts or ("C1001", "KL-1", "10 EUR")))


def test_form_key_is_stable_for_the_same_submission() -> None:
    assert _form_key() == _form_key()


def test_form_key_is_prefixed_with_the_form_and_fits_the_backend() -> None:
    key = _form_key()
    assert key.startswith("refund_form-")
    assert 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH and key.isascii() and " " not in key


def test_form_key_changes_with_a_new_activation_the_payload_or_the_conversation() -> None:
    base = _form_key(1000.0, "s-1", "C1001", "KL-1", "10 EUR")
    assert _form_key(2000.0, "s-1", "C1001", "KL-1", "10 EUR") != base
    assert _form_key(1000.0, "s-1", "C1001", "KL-1", "12 EUR") != base
    assert _form_key(1000.0, "s-1", "C1001", "KL-2", "10 EUR") != base
    assert _form_key(1000.0, "s-2", "C1001", "KL-1", "10 EUR") != base


def test_form_key_follows_the_latest_activation_of_that_form_only() -> None:
    events = form_events("refund_form", 1000.0)
    tracker = make_tracker(events=events)
    key = form_submission_key(tracker, "refund_form", "x")
    # Another form's activation and a deactivation do not change the key...
    tracker.events += [active_loop_event("payment_form", 3000.0), active_loop_event(None, 3001.0)]
    assert form_submission_key(tracker, "refund_form", "x") == key
    # ...a new activation of the same form does.
    tracker.events.append(active_loop_event("refund_form", 4000.0))
    assert form_submission_key(tracker, "refund_form", "x") != key


def test_form_key_differs_between_forms() -> None:
    tracker = make_tracker(events=form_events("refund_form") + form_events("payment_form"))
    assert form_submission_key(tracker, "refund_form", "x") != form_submission_key(
        tracker, "payment_form", "x"
    )


def test_message_key_is_stable_for_the_same_message() -> None:
    tracker = make_tracker(events=[user_event("charged_twice", message_id="m-1")])
    first = message_key(tracker, "duplicate-refund", "PAY-2")
    tracker.events.append(bot_event())  # the action replying does not make a new request
    assert message_key(tracker, "duplicate-refund", "PAY-2") == first
    assert first.startswith("duplicate-refund-")


def test_message_key_changes_with_a_new_message_or_another_object() -> None:
    tracker = make_tracker(events=[user_event(message_id="m-1")])
    first = message_key(tracker, "dispute", "PAY-2")
    assert message_key(tracker, "dispute", "PAY-3") != first
    assert message_key(tracker, "other-purpose", "PAY-2") != first
    tracker.events.append(user_event(message_id="m-2"))
    assert message_key(tracker, "dispute", "PAY-2") != first


def test_message_key_falls_back_to_the_message_timestamp() -> None:
    first = make_tracker(events=[user_event(message_id=None, timestamp=10.0)])
    second = make_tracker(events=[user_event(message_id=None, timestamp=20.0)])
    assert message_key(first, "dispute", "P") != message_key(second, "dispute", "P")


# --------------------------------------------------------------------------- in doubt


def _in_doubt_tracker(slot: object, activated_at: float = 5000.0) -> object:
    return make_tracker(
        slots={IN_DOUBT_SLOT: slot}, events=form_events("refund_form", activated_at)
    )


def test_a_submission_in_doubt_keeps_its_key_in_a_new_run_of_the_form() -> None:
    first_run = make_tracker(events=form_events("refund_form", 1000.0))
    key = form_submission_key(first_run, "refund_form", "C1001", "KL-1", "10.00 EUR")
    [event] = remember_in_doubt(first_run, "refund_form", key, "C1001", "KL-1", "10.00 EUR")
    second_run = _in_doubt_tracker(event["value"])
    assert form_submission_key(second_run, "refund_form", "C1001", "KL-1", "10.00 EUR") == key
    # Another payload, or another form, is a new submission with a new key.
    assert form_submission_key(second_run, "refund_form", "C1001", "KL-1", "11.00 EUR") != key
    assert form_submission_key(second_run, "payment_form", "C1001", "KL-1", "10.00 EUR") != key


def test_an_answered_submission_is_settled_and_the_others_stay_in_doubt() -> None:
    tracker = make_tracker(events=form_events("refund_form", 1000.0))
    [ten] = remember_in_doubt(tracker, "refund_form", "key-10", "KL-1", "10.00 EUR")
    tracker.slots[IN_DOUBT_SLOT] = ten["value"]
    [both] = remember_in_doubt(tracker, "refund_form", "key-11", "KL-1", "11.00 EUR")
    tracker.slots[IN_DOUBT_SLOT] = both["value"]
    assert form_submission_key(tracker, "refund_form", "KL-1", "10.00 EUR") == "key-10"
    [settled] = settle_in_doubt(tracker, "refund_form", "KL-1", "10.00 EUR")
    tracker.slots[IN_DOUBT_SLOT] = settled["value"]
    assert list(settled["value"].values()) == ["key-11"]
    assert form_submission_key(tracker, "refund_form", "KL-1", "11.00 EUR") == "key-11"
    [last] = settle_in_doubt(tracker, "refund_form", "KL-1", "11.00 EUR")
    assert last["value"] is None
    assert settle_in_doubt(_in_doubt_tracker(None), "refund_form", "KL-1") == []


def test_only_the_latest_submissions_in_doubt_are_kept() -> None:
    tracker = make_tracker(events=form_events("refund_form", 1000.0))
    for index in range(MAX_IN_DOUBT + 3):
        [event] = remember_in_doubt(tracker, "refund_form", f"key-{index}", index)
        tracker.slots[IN_DOUBT_SLOT] = event["value"]
    kept = tracker.slots[IN_DOUBT_SLOT]
    assert list(kept.values()) == [f"key-{i}" for i in range(3, MAX_IN_DOUBT + 3)]


@pytest.mark.parametrize("slot", ["junk", ["x"], {"refund_form": 3}, {"refund_form": {}}])
def test_a_malformed_slot_is_ignored(slot: object) -> None:
    fresh = form_submission_key(_in_doubt_tracker(None), "refund_form", "x")
    assert form_submission_key(_in_doubt_tracker(slot), "refund_form", "x") == fresh


@pytest.mark.parametrize(
    ("error", "unknown"),
    [
        (BackendUnavailable("connection cut"), True),
        (BackendTimeout("slow"), True),
        (IdempotencyConflict("in flight", code="idempotency_in_progress", status_code=409), True),
        (RuleViolation("no", code="already_refunded", status_code=422), False),
        (PaymentDeclined("no", code="payment_declined", status_code=422), False),
        (NotFound("gone"), False),
        (BadRequest("bug", status_code=400), False),
    ],
)
def test_only_errors_without_a_definitive_answer_leave_a_submission_in_doubt(
    error: BackendError, unknown: bool
) -> None:
    assert outcome_unknown(error) is unknown
