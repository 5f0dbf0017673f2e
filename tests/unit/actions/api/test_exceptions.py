"""Tests of actions.api.exceptions: the tree actions rely on and the error attributes."""

from __future__ import annotations

import pytest

from actions.api import exceptions as exc


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (exc.BackendUnavailable, exc.BackendError),
        (exc.BackendTimeout, exc.BackendUnavailable),
        (exc.InvalidResponse, exc.BackendUnavailable),
        (exc.AuthenticationError, exc.BackendError),
        (exc.NotFound, exc.BackendError),
        (exc.BadRequest, exc.BackendError),
        (exc.RuleViolation, exc.BackendError),
        (exc.IdempotencyConflict, exc.RuleViolation),
        (exc.PaymentDeclined, exc.RuleViolation),
    ],
)
def test_tree(child: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(child, parent)


@pytest.mark.parametrize(
    "unrelated",
    [exc.AuthenticationError, exc.NotFound, exc.BadRequest, exc.RuleViolation],
)
def test_refusals_are_not_outages(unrelated: type[Exception]) -> None:
    # Actions say "try again later" only for BackendUnavailable.
    assert not issubclass(unrelated, exc.BackendUnavailable)


def test_base_error_carries_message_and_optional_context() -> None:
    error = exc.BackendUnavailable("Could not reach the backend.")

    assert str(error) == "Could not reach the backend."
    assert error.message == "Could not reach the backend."
    assert error.code is None
    assert error.status_code is None
    assert error.details == {}


def test_rule_violation_carries_code_details_and_status() -> None:
    details = {"window_days": 30, "window_ended": "2025-03-06"}
    error = exc.RuleViolation(
        "The refund window has ended.",
        code="refund_window_expired",
        status_code=422,
        details=details,
    )
    details["window_days"] = 0

    assert error.code == "refund_window_expired"
    assert error.status_code == 422
    assert error.message == "The refund window has ended."
    assert error.details == {"window_days": 30, "window_ended": "2025-03-06"}
    assert "refund_window_expired" in repr(error)


def test_payment_declined_exposes_the_decline_reason() -> None:
    declined = exc.PaymentDeclined(
        "The payment was declined.",
        code="payment_declined",
        status_code=422,
        details={"decline_reason": "insufficient_funds"},
    )
    without = exc.PaymentDeclined("Declined.", code="payment_declined", status_code=422)

    assert declined.decline_reason == "insufficient_funds"
    assert without.decline_reason is None
