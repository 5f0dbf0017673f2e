"""Tests of phone number masking."""

import pytest

from redaction.phones import mask_phones


@pytest.mark.parametrize(
    "text, expected",
    [
        ("call +44 20 7946 0958 today", "call [phone] today"),
        ("+4420794609 58", "[phone]"),
        ("+1 (555) 123-4567", "[phone]"),
        ("+44 (0)20 7946 0958", "[phone]"),
        ("0044 20 7946 0958", "[phone]"),
        ("020 7946 0958", "[phone]"),
        ("(020) 7946 0958.", "[phone]."),
        ("555-123-4567", "[phone]"),
        ("555.123.4567", "[phone]"),
        ("01 23 45 67 89", "[phone]"),
        ("01.23.45.67.89", "[phone]"),
        ("49 30 1234 5678", "[phone]"),
        ("07946095812", "[phone]"),
        ("my number is 12345678", "my number is [phone]"),
        ("whatsapp: 612345678", "whatsapp: [phone]"),
        ("on 27/11/2026 call 020 7946 0958", "on 27/11/2026 call [phone]"),
        ("2026-11-27 020 7946 0958", "2026-11-27 [phone]"),
        ("invoice +44 20 7946 0958", "invoice [phone]"),
        ("my order number is 0176 4829131", "my order number is [phone]"),
        ("call me about the invoice on 0176-4829131", "call me about the invoice on [phone]"),
    ],
)
def test_masks_phone_numbers(text: str, expected: str) -> None:
    assert mask_phones(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order KL-482913",
        "order 482913",
        "Invoice 2026-482913 for order KL-482913",
        "Invoice no. 2025-0001",
        "your ref: 2025 0001 2345",
        "receipt #0176-4829131",
        "orders 482913 377204",
        "KL-48291312",
        "INV-20261127",
        "IN-482913-2",
        "2026-11-27",
        "2026.11.27",
        "27-11-2026",
        "27.11.2026 14:30",
        "on 2026-11-27 14:30",
        "2026 11 27",
        "€1,234,567.89",
        "12.345.678,90 EUR",
        "1.234.567",
        "12345678.90",
        "€ 12 345 678",
        "12 345 678 euros",
        "98765432%",
        "192.168.100.200",
        "20261127",
        "5551234567",  # 10 digits, no trunk prefix, no context: could be anything
        "ticket 1234567",  # 7 digits
        "370795561790",
    ],
)
def test_keeps_numbers_that_are_no_phone(text: str) -> None:
    assert mask_phones(text) == text
