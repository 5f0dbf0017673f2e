"""Exceptions raised by the agent desk client.

The client translates every transport failure and error response into one of
these, once, so actions never see `requests` exceptions or HTTP status codes:

* DeskError
  + DeskUnavailable - no usable answer (refused, DNS, 5xx, 429): keep the ticket
  | + DeskTimeout - connect or read timeout
  | + DeskInvalidResponse - body is not JSON or breaks the contract
  + DeskRejected - 4xx: the desk refused the request; sending it again won't help
    + DeskAuthenticationError - 401/403: wrong service key
"""

from __future__ import annotations

from typing import Optional


class DeskError(Exception):
    """Base class of every error of the desk client.

    Attributes:
        message: English description, safe to log (never contains bodies).
        status_code: HTTP status of the error response, when there was one.
    """

    def __init__(self, message: str, *, status_code: Optional[int] = None) -> None:
        """Creates the error.

        Args:
            message: What went wrong.
            status_code: HTTP status of the error response, if any.
        """
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __repr__(self) -> str:
        """Shows class and status next to the message."""
        return f"{type(self).__name__}(message={self.message!r}, status_code={self.status_code!r})"


class DeskUnavailable(DeskError):
    """The desk could not be reached or gave no usable answer; try again later."""


class DeskTimeout(DeskUnavailable):
    """The desk did not connect or answer within the configured timeout."""


class DeskInvalidResponse(DeskUnavailable):
    """The desk answered with a body that is not JSON or breaks the contract.

    The ticket may exist all the same: sending again with the same idempotency
    key returns it instead of opening a second one.
    """


class DeskRejected(DeskError):
    """The desk refused the request (4xx): a bug or a configuration error on our side."""


class DeskAuthenticationError(DeskRejected):
    """The desk refused the service key (401/403)."""
