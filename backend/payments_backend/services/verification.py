"""Verify an anonymous visitor by a one-time code e-mailed to the customer's address.

Every answer is the same whether or not the e-mail belongs to a customer: unknown
addresses get a decoy record (no customer, a hash no code matches) and no e-mail.
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, func, select, update
from sqlalchemy.orm import Session

from payments_backend import models, schemas
from payments_backend.clock import Clock
from payments_backend.errors import ApiError
from payments_backend.policies import Policies
from payments_backend.security import (
    issue_identity_token,
    new_one_time_code,
    one_time_code_digest,
)
from payments_backend.services import outbox
from payments_backend.services.auth import find_customer, normalize_email
from payments_backend.services.common import lock_row

PENDING, REPLACED, USED = "pending", "replaced", "used"

# Customers type codes as "123 456" or "123-456".
_CODE_SEPARATORS = re.compile(r"[\s-]+")


def start(
    session: Session, secret: str, clock: Clock, policies: Policies, email: str
) -> schemas.VerificationStarted:
    """Replace any pending code for ``email`` with a new one and e-mail it.

    Args:
        session: The request's session.
        secret: HMAC key of the stored code hashes.
        clock: Time source.
        policies: Code lifetime and request limits.
        email: The address as typed.

    Returns:
        The answer given for every address.

    Raises:
        ApiError: 429 ``too_many_requests`` (``details.retry_after_seconds``).
    """
    address = normalize_email(email)
    now = clock.now()
    customer = find_customer(session, address)
    if customer is not None:
        lock_row(session, customer)  # one request per account at a time (PostgreSQL)
    # Writing before counting takes SQLite's write lock, so concurrent requests
    # are counted one after the other; a refusal rolls the replacement back.
    session.execute(
        update(models.VerificationCode)
        .where(models.VerificationCode.email == address, models.VerificationCode.state == PENDING)
        .values(state=REPLACED)
        .execution_options(synchronize_session=False)
    )
    _check_request_limit(session, address, now, policies)
    code = new_one_time_code()
    # A decoy stores the hash of a 32-character secret, which no entered code can equal.
    hashed = code if customer is not None else secrets.token_hex(16)
    lifetime = policies.verification_code_lifetime
    session.add(
        models.VerificationCode(
            email=address,
            customer_id=customer.id if customer is not None else None,
            code_hash=one_time_code_digest(secret, address, hashed),
            state=PENDING,
            failed_attempts=0,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    if customer is not None:
        minutes = int(lifetime.total_seconds() // 60)
        outbox.send_email(
            session,
            now,
            customer.email,
            "Your verification code",
            f"Hello {customer.name},\n\n"
            f"your code to confirm it is you in the payments assistant chat is {code}.\n"
            f"It works once and for {minutes} minutes.\n\n"
            "Did not ask for it? Then ignore this e-mail: without the code nobody "
            "gets into your account.\n",
        )
    session.flush()
    return schemas.VerificationStarted(expires_in_seconds=int(lifetime.total_seconds()))


def _check_request_limit(session: Session, address: str, now: datetime, policies: Policies) -> None:
    """Refuse a new code when the address used up its codes of the window."""
    since = now - policies.verification_window
    count, oldest = session.execute(
        select(func.count(), func.min(models.VerificationCode.created_at)).where(
            models.VerificationCode.email == address,
            models.VerificationCode.created_at > since,
        )
    ).one()
    if count < policies.verification_codes_per_window:
        return
    wait = oldest + policies.verification_window - now  # min() keeps the UTC column type
    raise ApiError(
        429,
        "too_many_requests",
        "Too many codes were requested for this e-mail address; try again later.",
        {"retry_after_seconds": max(1, math.ceil(wait.total_seconds()))},
    )


def confirm(
    session: Session, secret: str, clock: Clock, policies: Policies, email: str, code: str
) -> schemas.LoginResponse:
    """Check the code; on success consume it and issue the identity token.

    Args:
        session: The request's session.
        secret: HMAC key of the code hashes and of the token.
        clock: Time source.
        policies: Attempt limit.
        email: The address as typed.
        code: The code as typed (spaces and hyphens ignored).

    Returns:
        The customer id, token and expiry (as at login).

    Raises:
        ApiError: 422 ``no_pending_code``, ``code_expired``, ``invalid_code``
            (``details.attempts_left``); 429 ``too_many_attempts`` (from the wrong
            guess that uses the last attempt on).
    """
    address = normalize_email(email)
    now = clock.now()
    record = session.scalar(
        select(models.VerificationCode)
        .where(models.VerificationCode.email == address, models.VerificationCode.state == PENDING)
        .order_by(models.VerificationCode.created_at.desc(), models.VerificationCode.id.desc())
        .limit(1)
    )
    if record is not None:
        lock_row(session, record)  # concurrent guesses wait their turn (PostgreSQL)
    if record is None or record.state != PENDING:
        raise _no_pending_code()
    max_attempts = policies.verification_max_attempts
    if record.failed_attempts >= max_attempts:
        raise _too_many_attempts()
    if now >= record.expires_at:
        raise ApiError(
            422,
            "code_expired",
            "The code has expired; request a new one.",
            {"expired_at": record.expires_at.isoformat().replace("+00:00", "Z")},
        )
    entered = _CODE_SEPARATORS.sub("", code)
    expected = one_time_code_digest(secret, address, entered)
    if record.customer_id is None or not hmac.compare_digest(record.code_hash, expected):
        if not _count_failed_attempt(session, record, max_attempts):
            raise _too_many_attempts()
        attempts_left = max_attempts - record.failed_attempts
        if attempts_left == 0:
            raise _too_many_attempts(keep_changes=True)  # this guess used the last attempt
        raise ApiError(
            422,
            "invalid_code",
            "The code is not correct.",
            {"attempts_left": attempts_left},
            keep_changes=True,
        )
    if not _use(session, record, max_attempts, now):
        session.refresh(record)
        if record.failed_attempts >= max_attempts:
            raise _too_many_attempts()  # wrong guesses running alongside used the code up
        raise _no_pending_code()
    token, expires_at = issue_identity_token(record.customer_id, secret, now)
    return schemas.LoginResponse(customer_id=record.customer_id, token=token, expires_at=expires_at)


# Both updates below are conditional and atomic: SQLite has no row locks, and two
# guesses read at the same moment must still be counted (and a code used) once.


def _count_failed_attempt(session: Session, record: models.VerificationCode, limit: int) -> bool:
    """Count a wrong code, unless the attempts are used up; reload the record."""
    table = models.VerificationCode
    result = session.execute(
        update(table)
        .where(table.id == record.id, table.failed_attempts < limit)
        .values(failed_attempts=table.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(record)
    return _changed(result)


def _use(session: Session, record: models.VerificationCode, limit: int, now: datetime) -> bool:
    """Mark a pending code with attempts left as used; False when it no longer is."""
    table = models.VerificationCode
    result = session.execute(
        update(table)
        .where(table.id == record.id, table.state == PENDING, table.failed_attempts < limit)
        .values(state=USED, used_at=now)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


def _changed(result: Result[Any]) -> bool:
    return cast(CursorResult[Any], result).rowcount == 1


def _no_pending_code() -> ApiError:
    return ApiError(
        422, "no_pending_code", "No code is waiting for this e-mail; request a new one."
    )


def _too_many_attempts(keep_changes: bool = False) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        "The code was entered wrongly too often; request a new one.",
        {"attempts_left": 0},
        keep_changes=keep_changes,
    )
