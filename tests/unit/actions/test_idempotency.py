"""Tests of actions.idempotency: one key per submission, a new key per new submission."""

from __future__ import annotations

from actions.api.client import MAX_IDEMPOTENCY_KEY_LENGTH
from actions.idempotency import form_submission_key, message_key
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
