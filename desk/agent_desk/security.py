"""Agent passwords (scrypt) and console tokens (JWT HS256, 12 hours)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import jwt

TOKEN_ISSUER = "agent-desk"
TOKEN_AUDIENCE = "agent-desk-console"
TOKEN_LIFETIME = timedelta(hours=12)

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


class InvalidAgentToken(Exception):
    """The console token is missing, forged, expired or meant for something else."""


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


def issue_agent_token(username: str, signing_key: str, now: datetime) -> str:
    """Issue the console token of an agent.

    Args:
        username: The ``sub`` claim.
        signing_key: HS256 key (``DESK_TOKEN_SIGNING_KEY``).
        now: Issue time (UTC-aware).

    Returns:
        The encoded token.
    """
    claims = {
        "sub": username,
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + TOKEN_LIFETIME).timestamp()),
    }
    return jwt.encode(claims, signing_key, algorithm="HS256")


def agent_from_token(token: str, signing_key: str, now: datetime) -> str:
    """Verify a console token and return the agent's username.

    Args:
        token: The bearer token.
        signing_key: HS256 key (``DESK_TOKEN_SIGNING_KEY``).
        now: The current time; the expiry is checked against it, not the system clock.

    Returns:
        The username (``sub``).

    Raises:
        InvalidAgentToken: If the token is not valid now.
    """
    try:
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=["HS256"],
            audience=TOKEN_AUDIENCE,
            issuer=TOKEN_ISSUER,
            options={"require": ["sub", "exp", "iat"], "verify_exp": False},
        )
    except jwt.InvalidTokenError as error:
        raise InvalidAgentToken(str(error)) from None
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now.timestamp():
        raise InvalidAgentToken("the token has expired")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidAgentToken("the token names no agent")
    return subject
