"""Passwords and agent tokens."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from agent_desk.security import (
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    InvalidAgentToken,
    agent_from_token,
    hash_password,
    issue_agent_token,
    verify_password,
)
from tests.support import NOW, SIGNING_KEY


def test_password_hash_round_trip() -> None:
    stored = hash_password("demo")
    assert stored.startswith("scrypt$") and "demo" not in stored
    assert verify_password("demo", stored)
    assert not verify_password("Demo", stored)
    assert not verify_password("demo", "plain$text")
    assert hash_password("demo") != stored  # salted


def test_token_round_trip_and_expiry() -> None:
    token = issue_agent_token("maria", SIGNING_KEY, NOW)
    assert agent_from_token(token, SIGNING_KEY, NOW + timedelta(hours=11)) == "maria"
    with pytest.raises(InvalidAgentToken, match="expired"):
        agent_from_token(token, SIGNING_KEY, NOW + timedelta(hours=12))
    with pytest.raises(InvalidAgentToken):
        agent_from_token(token, "another-signing-key-of-32-bytes-xx", NOW)


def test_tokens_for_another_audience_are_refused() -> None:
    token = jwt.encode(
        {
            "sub": "maria",
            "iss": TOKEN_ISSUER,
            "aud": "payments-assistant",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 60,
        },
        SIGNING_KEY,
        algorithm="HS256",
    )
    with pytest.raises(InvalidAgentToken):
        agent_from_token(token, SIGNING_KEY, NOW)
    unsigned = jwt.encode(
        {
            "sub": "maria",
            "iss": TOKEN_ISSUER,
            "aud": TOKEN_AUDIENCE,
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 60,
        },
        None,
        algorithm="none",
    )
    with pytest.raises(InvalidAgentToken):
        agent_from_token(unsigned, SIGNING_KEY, NOW)
