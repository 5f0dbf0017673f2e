"""Exceptions raised by the backend client.

The client translates every transport failure and error response into exactly one
of these, once, so actions never see `requests` exceptions or HTTP status codes:

* BackendError
  + BackendUnavailable - could not get a usable answer (refused, DNS, 5xx, 429)
  | + BackendTimeout - connect or read timeout
  | + CircuitOpen - not even tried: the circuit breaker is open
  | + InvalidResponse - body is not JSON or does not match the contract
  + AuthenticationError - 401 (bad service key, unknown customer, bad credentials)
  + NotFound - 404 (missing, or owned by another customer)
  + BadRequest - 400 and other unexpected 4xx: a bug on our side
  + RuleViolation - 409/422 (and 429 of the verification routes): refused by a business rule
    + IdempotencyConflict - 409 `idempotency_in_progress`
    + PaymentDeclined - 422 `payment_declined`
"""

from __future__ import annotations

from typing import Any, Mapping


class BackendError(Exception):
    """Base class of every error of the backend client.

    Attributes:
        message: English description, safe to log (never contains request bodies).
        code: The backend's snake_case error code, when there is one.
        status_code: HTTP status of the error response, when there was one.
        details: The backend's structured error details (empty when none).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Creates the error.

        Args:
            message: English description of what went wrong.
            code: The backend's error code, if any.
            status_code: HTTP status of the error response, if any.
            details: The backend's error details, if any.
        """
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.details: dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        """Shows class, code and status next to the message."""
        return (
            f"{type(self).__name__}(message={self.message!r}, code={self.code!r}, "
            f"status_code={self.status_code!r})"
        )


class BackendUnavailable(BackendError):
    """The backend could not be reached or gave no usable answer; retry later."""


class BackendTimeout(BackendUnavailable):
    """The backend did not connect or answer within the configured timeout."""


class CircuitOpen(BackendUnavailable):
    """The backend failed repeatedly; the circuit breaker fails fast for a while."""


class InvalidResponse(BackendUnavailable):
    """The backend answered with invalid JSON or a payload breaking the contract."""


class AuthenticationError(BackendError):
    """The backend refused the service key, the customer or the credentials (401)."""


class NotFound(BackendError):
    """The object does not exist or belongs to another customer (404)."""


class BadRequest(BackendError):
    """The backend rejected the request as malformed (400): a bug on our side."""


class RuleViolation(BackendError):
    """The backend refused the operation by a business rule (409 or 422).

    `code` names the rule (for example `refund_window_expired`) and `details`
    carries the facts the assistant needs to explain it.
    """

    code: str

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status_code: int,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Creates the error.

        Args:
            message: The backend's English explanation.
            code: The business rule's error code.
            status_code: 409 (state conflict) or 422 (validation or business rule).
            details: The backend's error details, if any.
        """
        super().__init__(message, code=code, status_code=status_code, details=details)


class IdempotencyConflict(RuleViolation):
    """A request with the same Idempotency-Key is still in flight (409)."""


class PaymentDeclined(RuleViolation):
    """The payment was declined (422 `payment_declined`); the attempt is stored."""

    @property
    def decline_reason(self) -> str | None:
        """The decline reason code from the error details, if the backend sent it."""
        reason = self.details.get("decline_reason")
        return reason if isinstance(reason, str) else None
