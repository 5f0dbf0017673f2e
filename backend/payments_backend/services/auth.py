"""Customer login: verify the password, issue the identity token."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from payments_backend import models, schemas
from payments_backend.clock import Clock
from payments_backend.errors import ApiError
from payments_backend.security import hash_password, issue_identity_token, verify_password


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Verifying against a decoy keeps unknown emails as slow as wrong passwords.
    return hash_password("decoy-password-never-matches")


def normalize_email(email: str) -> str:
    """The form e-mails are compared in: trimmed, lower case."""
    return email.strip().lower()


def find_customer(session: Session, email: str) -> models.Customer | None:
    """The customer with this e-mail (case-insensitive), if any.

    Args:
        session: Database session.
        email: E-mail as typed.

    Returns:
        The customer, or None.
    """
    return session.scalar(
        select(models.Customer).where(func.lower(models.Customer.email) == normalize_email(email))
    )


def login(
    session: Session, signing_key: str, clock: Clock, email: str, password: str
) -> schemas.LoginResponse:
    """Check credentials and issue the identity token.

    Args:
        session: Database session.
        signing_key: HS256 key for the token.
        clock: Time source.
        email: Email (case-insensitive).
        password: Plain password.

    Returns:
        The customer id, token and expiry.

    Raises:
        ApiError: 401 ``invalid_credentials``.
    """
    customer = find_customer(session, email)
    stored = customer.password_hash if customer is not None else _decoy_hash()
    if not verify_password(password, stored) or customer is None:
        raise ApiError(401, "invalid_credentials", "The email or password is incorrect.")
    token, expires_at = issue_identity_token(customer.id, signing_key, clock.now())
    return schemas.LoginResponse(customer_id=customer.id, token=token, expires_at=expires_at)
