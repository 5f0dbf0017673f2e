"""Tests of the Luhn checksum."""

import random

import pytest

from redaction.luhn import luhn_valid


def _reference_luhn(digits: str) -> bool:
    """The textbook definition: double every second digit from the right, sum digit sums."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


@pytest.mark.parametrize(
    "digits",
    ["4111111111111111", "5555555555554444", "378282246310005", "4222222222222", "79927398713"],
)
def test_known_numbers_pass(digits: str) -> None:
    assert luhn_valid(digits)


@pytest.mark.parametrize(
    "digits", ["4111111111111112", "378282246310006", "79927398710", "1234567812345678", ""]
)
def test_altered_numbers_fail(digits: str) -> None:
    assert not luhn_valid(digits)


def test_agrees_with_reference_on_random_numbers() -> None:
    rng = random.Random(97)
    numbers = [
        "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19))) for _ in range(3000)
    ]
    assert [luhn_valid(n) for n in numbers] == [_reference_luhn(n) for n in numbers]
    assert 200 < sum(map(luhn_valid, numbers)) < 400  # about one in ten passes


def test_reads_non_ascii_decimal_digits() -> None:
    assert luhn_valid("٤١١١١١١١١١١١١١١١")  # 4111111111111111 in Arabic-Indic digits
