"""Tests of card number masking on generated numbers of many brands, lengths and layouts."""

import random
import re
from collections.abc import Callable

import pytest

from redaction.cards import mask_cards
from redaction.masking import mask_text

# Brand: (issuer prefixes, lengths).
BRANDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "visa": (("4",), (13, 16, 19)),
    "mastercard": (("51", "53", "55", "2221", "2720"), (16,)),
    "amex": (("34", "37"), (15,)),
    "discover": (("6011", "65", "644"), (16, 19)),
    "diners": (("36", "300", "38"), (14,)),
    "jcb": (("3528", "3589"), (16, 19)),
    "maestro": (("50", "6759", "63"), (12, 13, 17, 18, 19)),
    "unionpay": (("62",), (16, 17, 18, 19)),
}


def _check_digit(payload: str) -> str:
    """Computes the Luhn check digit independently of the code under test."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char) * (1 if index % 2 else 2)
        total += value // 10 + value % 10
    return str(-total % 10)


def generate_cards(seed: int = 4242, per_length: int = 4) -> list[str]:
    """Returns Luhn-valid card numbers for every brand, prefix and length above."""
    rng = random.Random(seed)
    cards: list[str] = []
    for prefixes, lengths in BRANDS.values():
        for prefix in prefixes:
            for length in lengths:
                for _ in range(per_length):
                    body = prefix + "".join(
                        rng.choice("0123456789") for _ in range(length - len(prefix) - 1)
                    )
                    cards.append(body + _check_digit(body))
    return cards


def _chunks(number: str, sizes: list[int]) -> list[str]:
    """Cuts `number` into groups of `sizes`, the last group taking the rest."""
    groups, start = [], 0
    for size in sizes:
        if start >= len(number):
            break
        groups.append(number[start : start + size])
        start += size
    if start < len(number):
        groups.append(number[start:])
    return groups


def _fours(number: str) -> list[str]:
    return _chunks(number, [4] * 5)


def _brand_layout(number: str) -> list[str]:
    """4-6-5 (Amex), 4-6-4 (Diners), else groups of four."""
    if len(number) in (14, 15):
        return _chunks(number, [4, 6])
    return _fours(number)


FORMATS: dict[str, Callable[[str], str]] = {
    "contiguous": lambda n: n,
    "spaces": lambda n: " ".join(_fours(n)),
    "dashes": lambda n: "-".join(_fours(n)),
    "dots": lambda n: ".".join(_fours(n)),
    "spaced_dashes": lambda n: " - ".join(_fours(n)),
    "double_spaces": lambda n: "  ".join(_fours(n)),
    "tabs": lambda n: "\t".join(_fours(n)),
    "mixed": lambda n: "".join(
        sep + g for g, sep in zip(_fours(n), ["", " ", "-", ".", " "], strict=False)
    ),
    "brand_layout_spaces": lambda n: " ".join(_brand_layout(n)),
    "brand_layout_dashes": lambda n: "-".join(_brand_layout(n)),
    "odd_groups": lambda n: " ".join(_chunks(n, [4, 5, 3, 4])),
}

TEMPLATES = [
    "{}",
    "card:{},",
    "my card is {} exp 12/27",
    "my card is {} exp 12/27 and it was declined",
    "Card number: {}; thanks!",
    "({})",
    "pay with {}.",
    "line one\n{}\nline two",
    "charge {} for €25.00 please",
    "order KL-482913 paid with {}",
    "cc# {}",
]


def _placeholder(number: str) -> str:
    return f"[card •••• {number[-4:]}]"


def _leaked_chunks(number: str, masked: str) -> list[str]:
    """Every 5-digit piece of `number` still readable in `masked`'s digit runs."""
    runs = re.findall(r"\d+", masked)
    return [
        number[i : i + 5]
        for i in range(len(number) - 4)
        if any(number[i : i + 5] in run for run in runs)
    ]


def test_generator_makes_valid_distinct_numbers_of_every_length() -> None:
    cards = generate_cards()
    assert len(set(cards)) == len(cards) > 150
    assert {len(card) for card in cards} == set(range(12, 20)) - {12} | {12}
    assert all(_check_digit(card[:-1]) == card[-1] for card in cards)


def _valid_prefixes(formatted: str) -> list[str]:
    """Proper prefixes of whole groups, 13+ digits, that are card numbers themselves."""
    groups = re.findall(r"\d+", formatted)
    prefixes = ["".join(groups[: i + 1]) for i in range(len(groups) - 1)]
    return [p for p in prefixes if len(p) >= 13 and _check_digit(p[:-1]) == p[-1]]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("layout", sorted(FORMATS))
def test_every_card_in_every_layout_is_masked(layout: str, template: str) -> None:
    failures = []
    checked = 0
    for number in generate_cards():
        formatted = FORMATS[layout](number)
        if _valid_prefixes(formatted):
            continue  # ambiguous last four: see test_card_with_a_valid_prefix_...
        checked += 1
        text = template.format(formatted)
        masked = mask_text(text)
        if masked != template.format(_placeholder(number)) or _leaked_chunks(number, masked):
            failures.append((text, masked))
    assert not failures, failures[:5]
    assert checked > 150


def test_card_with_a_valid_prefix_is_masked_whole() -> None:
    # 17-19 digits in fours whose first 16 digits pass Luhn too: either reading is a
    # card, the whole number is masked and the last four come from one of them.
    seen = 0
    for number in generate_cards(seed=99, per_length=40):
        formatted = " ".join(_fours(number))
        prefixes = _valid_prefixes(formatted)
        if not prefixes:
            continue
        seen += 1
        masked = mask_text(f"card {formatted} please")
        shown = re.fullmatch(r"card \[card •••• (\d{4})\] please", masked)
        assert shown, masked
        assert shown.group(1) in {p[-4:] for p in prefixes} | {number[-4:]}
        assert not _leaked_chunks(number, masked)
    assert seen > 5


def test_card_followed_by_cvv_leaks_no_card_digits() -> None:
    for number in generate_cards(seed=7):
        masked = mask_text(f"{' '.join(_fours(number))} 123")
        digits = re.findall(r"\d+", masked)
        assert not _leaked_chunks(number, masked), masked
        assert all(len(run) <= 4 for run in digits), masked


def test_keeps_the_last_four_only() -> None:
    assert mask_cards("4111 1111 1111 1111") == "[card •••• 1111]"
    assert mask_cards("3782 822463 10005") == "[card •••• 0005]"


def _luhn_failing(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize("layout", ["contiguous", "spaces", "dashes", "dots"])
def test_numbers_failing_luhn_are_not_cards(layout: str) -> None:
    # 16 digits: too long for a phone number; a trailing 1-3 digit group (17-19 digits)
    # could be a CVV typed after a real card, which is masked on purpose.
    numbers = [_luhn_failing(n) for n in generate_cards(seed=11) if len(n) == 16]
    for number in numbers:
        text = f"reference {FORMATS[layout](number)} ok"
        assert mask_text(text) == text


def test_contiguous_13_to_15_digits_failing_luhn_are_kept() -> None:
    numbers = [_luhn_failing(n) for n in generate_cards(seed=12) if 13 <= len(n) <= 15]
    for number in numbers:
        assert mask_text(f"number {number} here") == f"number {number} here"


@pytest.mark.parametrize(
    "text",
    [
        "order 370795561791 left the warehouse",  # 12-digit order number passing Luhn
        "refund for 370795561791",
        "tracking id X4111111111111111",  # glued to a word: an identifier
        "4111111111111111abc",
        "41111111111111111111",  # 20 digits
        "2026 11 27",
    ],
)
def test_keeps_non_cards(text: str) -> None:
    assert mask_cards(text) == text


def test_card_inside_a_longer_run_of_groups() -> None:
    assert mask_cards("2 4111 1111 1111 1111 x") == "2 [card •••• 1111] x"
    assert mask_cards("qty 3 4111-1111-1111-1111") == "qty 3 [card •••• 1111]"


def test_two_cards_in_one_message() -> None:
    assert mask_cards("4111111111111111 or 5555 5555 5555 4444?") == (
        "[card •••• 1111] or [card •••• 4444]?"
    )
