"""Tests of e-mail masking."""

import pytest

from redaction.emails import mask_emails


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail me: john.doe+refunds@example.co.uk.", "mail me: [email]."),
        ("JOHN_DOE@EXAMPLE.COM", "[email]"),
        ("<anna-maria@mail.example-shop.de>", "<[email]>"),
        ("a@b.io, c.d@e.fr", "[email], [email]"),
        ("josé@exemple.fr", "[email]"),
    ],
)
def test_masks_addresses(text: str, expected: str) -> None:
    assert mask_emails(text) == expected


@pytest.mark.parametrize(
    "text",
    ["@merchant on twitter", "user@localhost", "a@b", "price is 5@ 10", "[email]", "me @ home.com"],
)
def test_keeps_non_addresses(text: str) -> None:
    assert mask_emails(text) == text
