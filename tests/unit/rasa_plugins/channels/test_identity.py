"""Tests of the identity token verification."""

import datetime as dt
import time
from typing import Any, Dict

import jwt
import pytest

from rasa_plugins.channels.identity import (
    ANONYMOUS,
    IdentityCheck,
    IdentityVerifier,
    VerifiedIdentity,
)

KEY = "unit-test-identity-signing-key-32-bytes"


def _token(key: str = KEY, **overrides: Any) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    claims: Dict[str, Any] = {
        "sub": "cus_ada",
        "iss": "payments-backend",
        "aud": "payments-assistant",
        "iat": now,
        "exp": now + dt.timedelta(minutes=15),
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.fixture
def verifier() -> IdentityVerifier:
    return IdentityVerifier(KEY)


def test_valid_token_yields_the_customer_id(verifier: IdentityVerifier) -> None:
    assert verifier.metadata_for(f"Bearer {_token()}") == {
        "verified_customer_id": "cus_ada"
    }


def test_bearer_scheme_is_case_insensitive(verifier: IdentityVerifier) -> None:
    assert verifier.metadata_for(f"bearer  {_token()} ") == {
        "verified_customer_id": "cus_ada"
    }


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_yields_no_identity(
    verifier: IdentityVerifier, header: Any
) -> None:
    assert verifier.metadata_for(header) == {}


def test_expired_token_is_reported_as_expired(verifier: IdentityVerifier) -> None:
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
    token = _token(exp=past, iat=past - dt.timedelta(minutes=15))

    assert verifier.metadata_for(f"Bearer {token}") == {"identity_error": "expired"}


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {_token(key='someone-elses-identity-signing-key-00')}",
        f"Bearer {_token(aud='another-service')}",
        f"Bearer {_token(iss='somebody')}",
        f"Bearer {_token(sub='')}",
        f"Bearer {_token(sub=None)}",
        f"Bearer {_token(exp=None)}",
        "Bearer not-a-jwt",
        "Bearer ",
        f"Basic {_token()}",
    ],
    ids=[
        "forged",
        "wrong-audience",
        "wrong-issuer",
        "empty-subject",
        "no-subject",
        "no-expiry",
        "garbage",
        "empty-token",
        "other-scheme",
    ],
)
def test_bad_tokens_are_reported_as_invalid(
    verifier: IdentityVerifier, header: str
) -> None:
    assert verifier.metadata_for(header) == {"identity_error": "invalid"}


def test_unsigned_token_is_rejected(verifier: IdentityVerifier) -> None:
    claims = jwt.decode(_token(), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none")

    assert verifier.metadata_for(f"Bearer {unsigned}") == {"identity_error": "invalid"}


def test_custom_audience_and_issuer_are_enforced() -> None:
    verifier = IdentityVerifier(KEY, audience="web-chat", issuer="auth")
    good = _token(aud="web-chat", iss="auth")

    assert verifier.metadata_for(f"Bearer {good}") == {
        "verified_customer_id": "cus_ada"
    }
    assert verifier.metadata_for(f"Bearer {_token()}") == {"identity_error": "invalid"}


# Checking an optional token (socket.io `auth`, `authenticate` event).


def test_check_of_a_valid_token_keeps_subject_and_expiry(
    verifier: IdentityVerifier,
) -> None:
    expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)

    check = verifier.check(_token(exp=expiry))

    assert check.error is None
    assert check.identity == VerifiedIdentity("cus_ada", float(int(expiry.timestamp())))


@pytest.mark.parametrize("token", [None, "", "  "])
def test_check_without_token_is_anonymous(
    verifier: IdentityVerifier, token: Any
) -> None:
    assert verifier.check(token) == ANONYMOUS
    assert verifier.check(token).metadata(now=time.time()) == {}


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (_token(key="someone-elses-identity-signing-key-00"), "invalid"),
        (_token(aud="another-service"), "invalid"),
        (12345, "invalid"),
        ({"sub": "cus_ada"}, "invalid"),
        (
            _token(
                exp=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1),
                iat=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=15),
            ),
            "expired",
        ),
    ],
    ids=["forged", "wrong-audience", "number", "object", "expired"],
)
def test_check_flags_bad_tokens(
    verifier: IdentityVerifier, token: Any, error: str
) -> None:
    check = verifier.check(token)

    assert check == IdentityCheck(error=error)
    assert check.metadata(now=time.time()) == {"identity_error": error}


def test_verified_identity_expires_at_its_exp_claim() -> None:
    check = IdentityCheck(identity=VerifiedIdentity("cus_ada", expires_at=1000.0))

    assert check.metadata(now=999.0) == {"verified_customer_id": "cus_ada"}
    assert check.metadata(now=1000.0) == {"identity_error": "expired"}
    assert check.metadata(now=5000.0) == {"identity_error": "expired"}
