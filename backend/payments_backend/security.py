"""Password hashing (scrypt), the identity token (JWT HS256), one-time code digests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import jwt

TOKEN_ISSUER = "payments-backend"
TOKEN_AUDIENCE = "payments-assistant"
TOKEN_LIFETIME = timedelta(minutes=15)
ONE_TIME_CODE_DIGITS = 6

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """Hash a password with scrypt and a random salt.

    Args:
        password: The plain password.
        salt: Salt to use (random 16 bytes when omitted).

    Returns:
        ``scrypt$N$r$p$<salt b64>$<hash b64>``.
    """
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Check a password against a stored scrypt hash in constant time.

    Args:
        password: The plain password.
        stored: A value produced by :func:`hash_password`.

    Returns:
        True when the password matches.
    """
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt_b64),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


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
