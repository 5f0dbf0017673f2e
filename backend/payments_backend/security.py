"""Password hashing (scrypt), the identity token (JWT HS256), one-time code digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import jwt

# Re-exported: callers hash and check passwords through this module.
from service_kit.passwords import hash_password as hash_password
from service_kit.passwords import verify_password as verify_password

TOKEN_ISSUER = "payments-backend"
TOKEN_AUDIENCE = "payments-assistant"
TOKEN_LIFETIME = timedelta(minutes=15)
ONE_TIME_CODE_DIGITS = 6


def issue_identity_token(customer_id: str, signing_key: str, now: datetime) -> tuple[str, datetime]:
    """Issue the identity token a channel can use to prove who the customer is.

    Args:
        customer_id: The ``sub`` claim.
        signing_key: HS256 key (``IDENTITY_SIGNING_KEY``).
        now: Issue time (UTC-aware).

    Returns:
        The encoded token and its expiry.
    """
    expires_at = now + TOKEN_LIFETIME
    claims = {
        "sub": customer_id,
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, signing_key, algorithm="HS256"), expires_at


def token_sha256(token: str) -> str:
    """Hash a secret token for storage."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_one_time_code() -> str:
    """Draw a random numeric one-time code (``secrets``, leading zeros kept).

    Returns:
        The code, e.g. ``"042917"``.
    """
    return f"{secrets.randbelow(10**ONE_TIME_CODE_DIGITS):0{ONE_TIME_CODE_DIGITS}d}"


def one_time_code_digest(secret: str, email: str, code: str) -> str:
    """Hash a one-time code for storage.

    A plain hash of six digits is reversed by trying all million; keyed with a
    server secret (and salted by the e-mail) the stored value is useless alone.

    Args:
        secret: Server-side HMAC key.
        email: Normalized e-mail the code was sent to.
        code: The code.

    Returns:
        Hex HMAC-SHA256.
    """
    message = f"one-time-code:{email}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
