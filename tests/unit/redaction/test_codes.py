"""Tests of CVV and one-time code masking, which depend on context words."""

import pytest

from redaction.codes import mask_cvvs, mask_one_time_codes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cvv 123", "cvv [cvv]"),
        ("CVV: 123", "CVV: [cvv]"),
        ("cvv2=4567", "cvv2=[cvv]"),
        ("my cvc is 987", "my cvc is [cvv]"),
        ("the security code on the back is 321", "the security code on the back is [cvv]"),
        ("card verification value 1234.", "card verification value [cvv]."),
        ("the 3 digits on the back are 987", "the 3 digits on the back are [cvv]"),
        ("three digits on the back of my card: 555", "three digits on the back of my card: [cvv]"),
        ("exp 12/27 cvv 123 thanks", "exp 12/27 cvv [cvv] thanks"),
        ("123 is my cvv", "[cvv] is my cvv"),
        ("cvv 123 and cvc 456", "cvv [cvv] and cvc [cvv]"),
    ],
)
def test_masks_cvv_after_context_words(text: str, expected: str) -> None:
    assert mask_cvvs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I bought 3 items for 120 euros",
        "room 123, floor 4",
        "cvv 12345",  # too long for a CVV
        "cvv 12",
        "my cvv is on the back but I won't share it, order 482913",
        "cvv 12/27",
        "the cvv of my card, which I paid 120 euros with",
        "I paid 120.50 cvv",
        "cvv [card •••• 4242]",  # never inside a placeholder
    ],
)
def test_keeps_numbers_without_cvv_context(text: str) -> None:
    assert mask_cvvs(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("your verification code is 482913", "your verification code is [code]"),
        ("code: 1234", "code: [code]"),
        ("the code was 12345678", "the code was [code]"),
        ("OTP 654321", "OTP [code]"),
        ("one-time password: 7777", "one-time password: [code]"),
        ("my pin is 4321", "my pin is [code]"),
        ("PIN number 0000", "PIN number [code]"),
        ("sms code 99887", "sms code [code]"),
        ("Login code #443322.", "Login code #[code]."),
    ],
)
def test_masks_one_time_codes(text: str, expected: str) -> None:
    assert mask_one_time_codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "promo code 123456",
        "my discount code is 2024",
        "postal code 10115",
        "zip code 94107",
        "the code for my order is 482913",  # "order" is no connector word
        "code KL-482913",
        "order 482913",
        "code 123",  # too short
        "code 123456789",  # too long
        "code 2026-11-27",
        "verification code [code]",
    ],
)
def test_keeps_numbers_that_are_no_one_time_code(text: str) -> None:
    assert mask_one_time_codes(text) == text
