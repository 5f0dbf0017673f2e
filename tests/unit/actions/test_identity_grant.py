"""Tests of actions.identity_grant: a grant proves one customer in one conversation, for a while."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from actions.identity_grant import GRANT_LIFETIME_SECONDS, issue_grant, verify_grant

KEY = "grant-test-key"
CUSTOMER = "C1001"
SENDER = "conversation-1"
NOW = 1_741_600_000.0


def _grant(**kwargs: Any) -> str:
    arguments = {"key": KEY, "customer_id": CUSTOMER, "sender_id": SENDER, "now": NOW}
    return issue_grant(**{**arguments, **kwargs})


def _parts(grant: str) -> list:
    return grant.split(".")


def test_a_grant_round_trips_to_its_customer() -> None:
    assert verify_grant(KEY, _grant(), SENDER, now=NOW) == CUSTOMER


def test_a_grant_carries_no_conversation_and_expires_after_its_lifetime() -> None:
    version, customer, expires, signature = _parts(_grant())
    assert (version, customer) == ("v1", CUSTOMER)
    assert int(expires) == int(NOW) + GRANT_LIFETIME_SECONDS
    assert SENDER not in _grant()
    assert len(signature) == 64


def test_a_grant_is_valid_until_its_expiry_and_not_after() -> None:
    grant = _grant(lifetime=60)
    assert verify_grant(KEY, grant, SENDER, now=NOW + 60) == CUSTOMER
    assert verify_grant(KEY, grant, SENDER, now=NOW + 61) is None


def test_a_grant_uses_the_real_clock_by_default() -> None:
    assert verify_grant(KEY, issue_grant(KEY, CUSTOMER, SENDER), SENDER) == CUSTOMER
    # Issued at NOW (March 2025) with 30 minutes of life: long expired on the real clock.
    assert verify_grant(KEY, _grant(now=1_000_000.0), SENDER) is None


def test_a_grant_of_another_conversation_is_worthless() -> None:
    assert verify_grant(KEY, _grant(), "conversation-2", now=NOW) is None
    assert verify_grant(KEY, _grant(), "", now=NOW) is None


def test_a_grant_signed_with_another_key_is_worthless() -> None:
    assert verify_grant("another-key", _grant(), SENDER, now=NOW) is None


def test_an_altered_customer_is_rejected() -> None:
    version, _, expires, signature = _parts(_grant())
    forged = ".".join([version, "C2002", expires, signature])
    assert verify_grant(KEY, forged, SENDER, now=NOW) is None


def test_an_extended_expiry_is_rejected() -> None:
    version, customer, expires, signature = _parts(_grant())
    forged = ".".join([version, customer, str(int(expires) + 3600), signature])
    assert verify_grant(KEY, forged, SENDER, now=NOW) is None


@pytest.mark.parametrize(
    "signature",
    ["0" * 64, "", "not-a-signature", "A" * 64, "é" * 64, "\ud800" * 64],
)
def test_a_wrong_signature_is_rejected(signature: str) -> None:
    version, customer, expires, _ = _parts(_grant())
    assert verify_grant(KEY, ".".join([version, customer, expires, signature]), SENDER) is None


def test_a_tampered_signature_character_is_rejected() -> None:
    grant = _grant()
    last = "0" if grant[-1] != "0" else "1"
    assert verify_grant(KEY, grant[:-1] + last, SENDER, now=NOW) is None


def test_an_upper_case_signature_is_rejected() -> None:
    version, customer, expires, signature = _parts(_grant())
    forged = ".".join([version, customer, expires, signature.upper()])
    assert signature.upper() != signature
    assert verify_grant(KEY, forged, SENDER, now=NOW) is None


def test_an_expired_grant_is_rejected() -> None:
    grant = _grant(now=NOW - GRANT_LIFETIME_SECONDS - 1)
    assert verify_grant(KEY, grant, SENDER, now=NOW) is None


def test_a_grant_for_no_customer_is_rejected() -> None:
    assert verify_grant(KEY, _grant(customer_id=""), SENDER, now=NOW) is None


def test_the_grant_key_differs_from_the_signing_key() -> None:
    # A plain HMAC under the identity key (what a token signer might produce) is not a grant.
    expires = int(NOW) + 60
    message = f"v1|{CUSTOMER}|{SENDER}|{expires}".encode()
    plain = hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    assert verify_grant(KEY, f"v1.{CUSTOMER}.{expires}.{plain}", SENDER, now=NOW) is None


@pytest.mark.parametrize(
    "junk",
    [
        None,
        0,
        1.5,
        True,
        b"v1.C1001.1741601800.00",
        ["v1", "C1001"],
        {"grant": "v1"},
        "",
        "verified",
        "C1001",
        "v1.C1001",
        "v1.C1001.1741601800",
        "v1.C1001.1741601800.abc.extra",
        "v2.C1001.1741601800." + "0" * 64,
        "v1.C1001.soon." + "0" * 64,
        "v1.C1001.-5." + "0" * 64,
        "v1.C1001.²³." + "0" * 64,
        "v1.C1001." + "9" * 5000 + "." + "0" * 64,
        "v1.\ud800.1741601800." + "0" * 64,
        "...",
        "v1...",
    ],
)
def test_junk_of_any_type_is_no_grant(junk: Any) -> None:
    assert verify_grant(KEY, junk, SENDER, now=NOW) is None


def test_unicode_digits_cannot_stand_in_for_the_expiry() -> None:
    version, customer, expires, signature = _parts(_grant())
    arabic_indic = expires.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    forged = ".".join([version, customer, arabic_indic, signature])
    assert verify_grant(KEY, forged, SENDER, now=NOW) is None


def test_fields_cannot_be_shifted_between_customer_and_conversation() -> None:
    from actions.identity_grant import issue_grant, verify_grant

    grant = issue_grant("k" * 32, "C1", "X|Y", now=1000)
    shifted = grant.replace("v1.C1.", "v1.C1|X.", 1)
    assert verify_grant("k" * 32, grant, "X|Y", now=1000) == "C1"
    assert verify_grant("k" * 32, shifted, "Y", now=1000) is None
