"""Helpers shared by the use-case modules."""

from __future__ import annotations

from payments_backend.errors import ApiError
from payments_backend.rules import RuleViolation


def rule_error(violation: RuleViolation, status_code: int = 422) -> ApiError:
    """Turn a refused business rule into the API error.

    Args:
        violation: The refusal.
        status_code: 422 for a refused request, 409 for a state conflict.

    Returns:
        The error to raise.
    """
    return ApiError(status_code, violation.code, violation.message, violation.details)
