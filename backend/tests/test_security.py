"""Tests of password hashing, identity tokens and one-time codes."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import pytest

from payments_backend.security import (
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    hash_password,
    issue_identity_token,
    new_one_time_code,
    one_time_code_digest,
    verify_password,
)


def test_password_hash_is_salted_and_verifiable() -> None:
    first, second = hash_password("demo"), hash_password("demo")
    assert first != second
    assert "demo" not in first
    assert verify_password("demo", first)
    assert not verify_password("Demo", first)
    assert not verify_password("demo", "garbage")
    assert not verify_password("demo", "md5$1$2$3$abc$def")


def test_identity_token_carries_the_contract_claims() -> None:
    now = datetime(2025, 6, 18, 12, tzinfo=UTC)
    key = "k" * 32
    token, expires_at = issue_identity_token("C1001", key, now)
    claims = jwt.decode(
        token,
        key,
        algorithms=["HS256"],
        audience=TOKEN_AUDIENCE,
        issuer=TOKEN_ISSUER,
        options={"verify_exp": False},
    )
    assert claims["sub"] == "C1001"
    assert claims["iat"] == int(now.timestamp())
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert expires_at.timestamp() == claims["exp"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "o" * 32,
            algorithms=["HS256"],
            audience=TOKEN_AUDIENCE,
            options={"verify_exp": False},
        )


def test_one_time_codes_are_six_random_digits() -> None:
    drawn = {new_one_time_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in drawn)
    assert len(drawn) > 190  # random, not a counter or a constant


def test_one_time_code_digest_depends_on_secret_email_and_code() -> None:
    digest = one_time_code_digest("secret", "ada@example.com", "042917")
    assert digest == one_time_code_digest("secret", "ada@example.com", "042917")
    assert len(digest) == 64
    for other in (
        one_time_code_digest("other-secret", "ada@example.com", "042917"),
        one_time_code_digest("secret", "ben@example.com", "042917"),
        one_time_code_digest("secret", "ada@example.com", "042918"),
    ):
        assert other != digest
