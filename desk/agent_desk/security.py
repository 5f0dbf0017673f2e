"""Agent passwords (scrypt) and console tokens (JWT HS256, 12 hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

# Re-exported: callers hash and check passwords through this module.
from service_kit.passwords import hash_password as hash_password
from service_kit.passwords import verify_password as verify_password

TOKEN_ISSUER = "agent-desk"
TOKEN_AUDIENCE = "agent-desk-console"
TOKEN_LIFETIME = timedelta(hours=12)


class InvalidAgentToken(Exception):
    """The console token is missing, forged, expired or meant for something else."""


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
