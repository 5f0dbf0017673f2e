"""Tests of actions.sealed_slot: secrets kept across turns, unreadable and unmaskable."""

from __future__ import annotations

import random
import string
import time

import pytest

from actions.sealed_slot import PREFIX, seal, unseal
from redaction import mask_text

KEY = "sealed-slot-test-key"
EMAIL = "ada@example.com"


def test_a_sealed_value_opens_with_its_key_only() -> None:
    sealed = seal(KEY, EMAIL)
    assert sealed.startswith(PREFIX)
    assert EMAIL not in sealed
    # The letters a-p stand for hex digits: read back as bytes, the address is not there
    # either (the value is encrypted, not just encoded).
    body = sealed[len(PREFIX):].translate(str.maketrans("abcdefghijklmnop", "0123456789abcdef"))
    assert EMAIL.encode() not in bytes.fromhex(body[: len(body) // 2 * 2])
    assert unseal(KEY, sealed, 60) == EMAIL
    assert unseal("another-key", sealed, 60) is None


def test_two_seals_of_one_value_differ() -> None:
    # A fresh IV each time: equal seals would tell that two chats gave one address.
    assert seal(KEY, EMAIL) != seal(KEY, EMAIL)


def test_an_expired_seal_is_refused() -> None:
    sealed = seal(KEY, EMAIL)
    assert unseal(KEY, sealed, 600, now=time.time() + 599) == EMAIL
    assert unseal(KEY, sealed, 600, now=time.time() + 700) is None


@pytest.mark.parametrize(
    "tampered",
    [
        None,
        42,
        EMAIL,
        "[email]",
        PREFIX,
        PREFIX + "abc",  # odd length
        PREFIX + "zz",  # letters outside a-p
    ],
)
def test_anything_but_a_seal_is_refused(tampered: object) -> None:
    assert unseal(KEY, tampered, 60) is None


def test_a_flipped_letter_is_refused() -> None:
    sealed = seal(KEY, EMAIL)
    position = len(sealed) - 5
    flipped = "b" if sealed[position] == "a" else "a"
    assert unseal(KEY, sealed[:position] + flipped + sealed[position + 1 :], 60) is None


def test_seals_survive_the_masking_of_the_tracker_store() -> None:
    rng = random.Random(7)
    for _ in range(300):
        value = "".join(rng.choice(string.ascii_letters + string.digits + "@.") for _ in range(30))
        sealed = seal(KEY, value)
        assert mask_text(sealed) == sealed
        assert unseal(KEY, sealed, 60) == value
