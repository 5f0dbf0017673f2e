"""Tests of IBAN validation and masking."""

import random
import string

import pytest

from redaction.iban import LENGTHS, iban_valid, mask_ibans

VALID = [
    "DE89370400440532013000",
    "GB82WEST12345698765432",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NO9386011117947",
    "AT611904300234573201",
    "PL61109010140000071219812874",
]


def generate_iban(rng: random.Random, country: str) -> str:
    """Returns a random IBAN of `country` with check digits computed here (ISO 13616)."""
    bban = "".join(
        rng.choice(string.digits + string.ascii_uppercase[:6]) for _ in range(LENGTHS[country] - 4)
    )
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def spaced(iban: str) -> str:
    """Prints an IBAN in groups of four, as banks do."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


@pytest.mark.parametrize("iban", VALID)
def test_known_ibans_are_valid_in_any_layout(iban: str) -> None:
    assert iban_valid(iban)
    assert iban_valid(spaced(iban))
    assert iban_valid(iban.lower())


@pytest.mark.parametrize(
    "candidate",
    [
        "DE89370400440532013001",  # one digit changed
        "DE88370400440532013000",  # check digits changed
        "DE8937040044053201300",  # one character short
        "XX89370400440532013000",  # unknown country
        "GB82WEST1234569876543Z",
        "",
    ],
)
def test_altered_ibans_are_invalid(candidate: str) -> None:
    assert not iban_valid(candidate)


def test_generated_ibans_of_every_country_are_masked() -> None:
    rng = random.Random(13616)
    for country in sorted(LENGTHS):
        for _ in range(3):
            iban = generate_iban(rng, country)
            for layout in (iban, spaced(iban), spaced(iban).lower()):
                text = f"please refund to {layout}, thanks"
                assert mask_ibans(text) == f"please refund to [iban •••• {iban[-4:]}], thanks", text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("IBAN: DE89 3704 0044 0532 0130 00", "IBAN: [iban •••• 3000]"),
        ("iban=GB82WEST12345698765432.", "iban=[iban •••• 5432]."),
        ("(de89370400440532013000)", "([iban •••• 3000])"),
        ("DE89-3704-0044-0532-0130-00 ok", "[iban •••• 3000] ok"),
        ("DE89 3704 0044 0532 0130 00 12 EUR", "[iban •••• 3000] 12 EUR"),
    ],
)
def test_masks_ibans_in_text(text: str, expected: str) -> None:
    assert mask_ibans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "DE89 3704 0044 0532 0130 01",  # fails mod-97
        "DE89370400440532013000X",  # glued to a letter: longer than a German IBAN
        "XDE89370400440532013000",
        "order KL-482913, refund RF-3FA29C1B",
        "AB12 is not a country",
    ],
)
def test_keeps_non_ibans(text: str) -> None:
    assert mask_ibans(text) == text
