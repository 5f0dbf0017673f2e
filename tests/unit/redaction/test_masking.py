"""Tests of the public API: mask_text, mask_data, contains_secret."""

import random
import re
import time
from collections import namedtuple

import pytest

import redaction
from redaction import contains_secret, mask_data, mask_text
from tests.unit.redaction.test_cards import generate_cards

MESSAGE = (
    "Hi, order KL-482913: card 4111 1111 1111 1111 exp 12/27 cvv 123 was charged €25.00 "
    "twice. Refund to DE89 3704 0044 0532 0130 00, mail john@example.com or call "
    "+44 20 7946 0958. Verification code 482913."
)
MASKED = (
    "Hi, order KL-482913: card [card •••• 1111] exp 12/27 cvv [cvv] was charged €25.00 "
    "twice. Refund to [iban •••• 3000], mail [email] or call "
    "[phone]. Verification code [code]."
)


def test_masks_every_kind_of_secret_in_one_message() -> None:
    assert mask_text(MESSAGE) == MASKED


@pytest.mark.parametrize(
    "text",
    [
        "where is my order KL-482913?",
        "kl 482913, #12588, order #4471",
        "card ending 4242, Visa 4242 exp 03/29",
        "order 482913 has not arrived",
        "orders 482913 and 377204",
        "has order 370795561790 left the warehouse",
        "refund RF-3FA29C1B for payment PAY-100101, plan PL-482913, instalment IN-482913-2",
        "invoice INV-482913, return RT-200001",
        "I paid €1,234.56 and 25.00 EUR and $ 40 and 1.499,00 €",
        "due 2026-11-27, or 27/11/2026, or 11/27/2026, at 14:30 or 9.45am",
        "expiry 12/27",
        "50% off, 12.5% interest, 3x 40 USD",
        "I bought 3 items for 120 euros",
        "I have 2 orders, 4471 and 12588",
        "my postcode is 10115 and I am 34",
        "version 3.10.13, build 20261127",
        "16 random digits: 1234 5678 9012 3456",
        "1234567890123456 fails the Luhn check",
        "[card •••• 4242] [cvv] [iban •••• 3000] [email] [phone] [code]",
        "",
        "no digits at all",
    ],
)
def test_keeps_what_is_no_secret(text: str) -> None:
    assert mask_text(text) == text
    assert not contains_secret(text)


CARDS = generate_cards(seed=1, per_length=1)


def _random_text(rng: random.Random) -> str:
    """Random digit groups, separators and context words: hard cases for idempotence."""
    words = ["cvv", "code", "pin", "call", "phone", "order", "card", "iban", "KL", "x", "€", "EUR"]
    separators = [" ", "-", ".", " - ", "/", ":", ",", "  ", "", "\n", "(", ")", "+", "[", "]", "@"]
    pieces = []
    for _ in range(rng.randint(1, 14)):
        kind = rng.random()
        if kind < 0.45:
            pieces.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19))))
        elif kind < 0.6:
            number = rng.choice(CARDS)
            pieces.append(" ".join(number[i : i + 4] for i in range(0, len(number), 4)))
        elif kind < 0.7:
            pieces.append(
                rng.choice(["DE89 3704 0044 0532 0130 00", "a.b@c.de", "+44 20 7946 0958"])
            )
        else:
            pieces.append(rng.choice(words))
        pieces.append(rng.choice(separators))
    return "".join(pieces)


def test_masking_is_idempotent() -> None:
    rng = random.Random(2026)
    texts = [_random_text(rng) for _ in range(3000)] + [MESSAGE]
    changed = 0
    for text in texts:
        once = mask_text(text)
        assert mask_text(once) == once, (text, once)
        changed += once != text
    assert changed > 1000  # the corpus does exercise the masking


def test_placeholders_show_at_most_four_digits() -> None:
    rng = random.Random(5)
    for _ in range(500):
        masked = mask_text(_random_text(rng))
        for shown in re.findall(r"\[(?:card|iban) •••• ([^\]]*)\]", masked):
            assert len(shown) == 4, masked


def test_mask_data_recurses_into_values_and_keeps_keys() -> None:
    Event = namedtuple("Event", "name text")
    data = {
        "event": "user",
        "text": "card 4111111111111111",
        "parse_data": {"entities": [{"value": "john@example.com", "start": 0}], "confidence": 0.93},
        "pair": ("cvv 123", 42),
        "named": Event("bot", "call 020 7946 0958"),
        "4111111111111111": None,
        "raw": b"4111111111111111",
        "flag": True,
        "amount": 4111111111111111,
    }
    masked = mask_data(data)
    assert masked == {
        "event": "user",
        "text": "card [card •••• 1111]",
        "parse_data": {"entities": [{"value": "[email]", "start": 0}], "confidence": 0.93},
        "pair": ("cvv [cvv]", 42),
        "named": Event("bot", "call [phone]"),
        "4111111111111111": None,
        "raw": b"4111111111111111",
        "flag": True,
        "amount": 4111111111111111,
    }
    assert isinstance(masked["named"], Event)
    assert data["text"] == "card 4111111111111111"  # the input is not modified


@pytest.mark.parametrize("value", [None, 3, 2.5, True, b"x", "plain"])
def test_mask_data_returns_other_values_unchanged(value: object) -> None:
    assert mask_data(value) == value


@pytest.mark.parametrize(
    "text",
    ["4111-1111-1111-1111", "cvv 123", "a@b.co", "+44 20 7946 0958", "GB82WEST12345698765432"],
)
def test_contains_secret(text: str) -> None:
    assert contains_secret(text)
    assert not contains_secret(mask_text(text))


def test_package_exports_the_api() -> None:
    assert set(redaction.__all__) >= {"mask_text", "mask_data", "contains_secret"}


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 10000,
        "1-" * 10000 + "x",
        "a" * 20000,
        "a." * 10000 + "@",
        "x@" + "a-" * 10000,
        "code " * 4000,
        "cvv " * 4000 + "1",
        "+" + "(1) " * 5000,
        "DE89" * 5000,
    ],
)
def test_pathological_input_runs_in_linear_time(text: str) -> None:
    started = time.perf_counter()
    mask_text(text)
    assert time.perf_counter() - started < 1.0
